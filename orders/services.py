"""Every order write that matters: placing a checkout (one order per provider, seats taken,
prices from the database), moving an order along ``orders.states.TRANSITIONS``, paying a
checkout, refunds (request, decide, escalate, complete), and the timers that cancel, start
and complete orders and approve unanswered refunds on their own.

Each function is one transaction; notifications leave only after it commits.
"""

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_staff
from accounts.phone import normalize_phone
from catalog import errors as catalog_errors
from catalog.media import gallery_image_files
from catalog.models import AddOn, Package, Service
from catalog.pricing import LineQuote, quote_line, seats_left_message
from catalog.services import add_review, record_sale, release_seats, reserve_seats
from ksmall.money import format_yuan, to_money
from loyalty import pricing
from loyalty import selectors as loyalty_selectors
from loyalty import services as loyalty
from loyalty.errors import LoyaltyError
from loyalty.models import PointsEntry
from notifications.services import notify

from . import discounts, errors, settlement, signals
from .discounts import DiscountChoice
from .models import Checkout, Order, OrderEvent, OrderLine, Refund, RefundImage, lines_title
from .numbers import CHINA, insert_numbered, new_order_no, new_payment_no
from .refunds import paid_back, refundable_amount, refundable_by_platform
from .states import (
    EVENT_ACTIONS,
    EVENT_FIELDS,
    REFUND_MOVES,
    REFUNDABLE_BY_PLATFORM_STATUSES,
    REFUNDABLE_STATUSES,
    TRANSITIONS,
    Event,
    Role,
    Status,
)

logger = logging.getLogger(__name__)
PointsReason = PointsEntry.Reason

MAX_LINES = 50  # lines in one checkout


@dataclass(frozen=True)
class LineChoice:
    """One line the learner chose: ids and a quantity, never a price."""

    package_id: int
    addon_ids: Sequence[int] = ()
    quantity: int = 1


# ---- notifications --------------------------------------------------------------------------

# Events told to the provider; every other order event goes to the buyer.
PROVIDER_EVENTS = frozenset({"order_received", "refund_requested", "platform_refunded"})


def order_url(order: Order, *, for_provider: bool = False) -> str:
    """Where a message about ``order`` links to (the URL contract in DESIGN.md)."""
    if for_provider:
        return f"/dashboard/orders/{order.order_no}/"
    return f"/orders/{order.order_no}/"


def _announce(order: Order, event: str, **context: str) -> None:
    """Tell the buyer (or the provider, for provider events) about ``event``. The inbox
    message is written in the same transaction as the change (an outbox row: it commits
    or rolls back with it); email and SMS leave after the commit (``notify``)."""
    for_provider = event in PROVIDER_EVENTS
    recipient_id = order.provider_id if for_provider else order.buyer_id
    context = {"order_no": order.order_no, **context}
    if "title" not in context:
        context["title"] = order.title
    url = order_url(order, for_provider=for_provider)
    notify(User(pk=recipient_id), event, context, url=url)


def _announce_move(order: Order, event: str, role: str, note: str) -> None:
    """What a move tells, after commit: messages to the learner or provider, and the
    ``order_cancelled`` signal for the payments app."""
    if event == Event.PAY:
        amount = format_yuan(order.total)
        _announce(order, "order_paid", amount=amount)
        _announce(order, "order_received", amount=amount, buyer=order.buyer.display_name)
    elif event in (Event.CANCEL, Event.TIMEOUT):
        _announce(order, "order_cancelled", reason=note or _cancel_reason(event, role))
        order_id, checkout_id = order.pk, order.checkout_id
        transaction.on_commit(
            lambda: signals.order_cancelled.send(
                sender=Order, order_id=order_id, checkout_id=checkout_id, event=str(event)
            ),
            robust=True,
        )
    elif event == Event.ACCEPT and order.schedule:
        # A self-paced order is accepted by the system with nothing to schedule: the
        # learner hears about it when it starts, a moment later.
        _announce(order, "order_accepted", schedule=order.schedule)
    elif event == Event.START:
        _announce(order, "order_started")
    elif event == Event.COMPLETE:
        _announce(order, "order_completed")
    # Refund: the refund flow tells the learner, with the amount actually paid back.


def _cancel_reason(event: str, role: str) -> str:
    if event == Event.TIMEOUT:
        return _("It was not paid in time.")
    if role == Role.STAFF:
        return _("Cancelled by customer service.")
    return _("Cancelled at your request.")


# ---- placing a checkout ---------------------------------------------------------------------


def place_orders(
    buyer: User,
    lines: Sequence[LineChoice],
    *,
    contact_name: str,
    contact_phone: str,
    note: str = "",
    token: str,
    discount_choice: DiscountChoice | None = None,
) -> Checkout:
    """Place the chosen lines: one Checkout (one payment), one pending Order per provider.

    Prices, availability and seats are checked again from the database; nothing the
    browser sent besides ids and quantities is used. ``token`` is the checkout form's
    idempotency key: submitting the same form again returns the first checkout. Seats are
    taken last, in package order (no deadlock between two checkouts); a sold-out line
    raises ``orders.errors.SoldOut`` (also a ``catalog.errors.SoldOut``) and nothing is
    written. Other problems raise a ``CheckoutError`` with a message for the form.

    ``discount_choice`` is the learner's coupons and points: the member price, coupons
    and points are applied by ``orders.discounts.price`` (the money rules of
    ``loyalty.pricing``), the coupons are marked used and the points taken in this
    transaction; a coupon that cannot be used or points the learner no longer has raise a
    ``CheckoutError`` and nothing is written.
    """
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise errors.CheckoutExpired()
    with transaction.atomic():
        existing = Checkout.objects.filter(buyer=buyer, token=token).first()
        if existing is not None:
            return existing
        contact_name, contact_phone, note = _clean_contact(contact_name, contact_phone, note)
        _check_unpaid_limit(buyer)
        quotes = _priced_lines(lines)
        if any(quote.package.service.provider_id == buyer.pk for quote in quotes):
            raise errors.LineUnavailable(_("You cannot buy your own service."))
        priced, price_lines = discounts.price(buyer, quotes, discount_choice or DiscountChoice())
        if priced.total > MAX_CHECKOUT_TOTAL:
            raise errors.CheckoutError(
                _("One order can be at most %(most)s: split it into several orders.")
                % {"most": format_yuan(MAX_CHECKOUT_TOTAL)}
            )
        now = timezone.now()
        try:
            checkout = insert_numbered(
                Checkout,
                "payment_no",
                new_payment_no,
                buyer=buyer,
                token=token,
                total=priced.total,
                created_at=now,
                pay_deadline=now + timedelta(minutes=settings.ORDER_PAYMENT_MINUTES),
            )
        except IntegrityError:
            # The same form, submitted twice at once: the other request placed it first.
            existing = Checkout.objects.filter(buyer=buyer, token=token).first()
            if existing is None:
                raise
            return existing

        contact = (contact_name, contact_phone, note)
        quote_of = {id(line): quote for line, quote in zip(price_lines, quotes, strict=True)}
        orders = []
        for priced_order in priced.orders:
            group = [(quote_of[id(line)], line) for line in priced_order.lines]
            orders.append(_create_order(checkout, priced_order, group, now, contact))
        _use_discounts(buyer, checkout, orders)
        _take_seats(quotes)

        deadline = timezone.localtime(checkout.pay_deadline, CHINA).strftime("%H:%M")
        for order, priced_order in zip(orders, priced.orders, strict=True):
            _announce(
                order,
                "order_placed",
                title=lines_title(
                    [quote_of[id(line)].package.service.title for line in priced_order.lines]
                ),
                amount=format_yuan(order.total),
                deadline=deadline,
            )
    return checkout


def _use_discounts(buyer: User, checkout: Checkout, orders: list[Order]) -> None:
    """Mark the coupons the orders use as used and take their points, in this
    transaction: a coupon used or points spent meanwhile (another tab) refuse the
    checkout."""
    coupon_ids = {
        pk for order in orders for pk in (order.provider_coupon_id, order.platform_coupon_id) if pk
    }
    try:
        loyalty.use_coupons(buyer, sorted(coupon_ids), used_on=checkout.payment_no)
        loyalty.redeem_points(
            buyer, [(order.order_no, order.points_used) for order in orders if order.points_used]
        )
    except LoyaltyError as error:
        raise errors.CheckoutError(error.message) from None


# Amounts are Decimal(10, 2): keep well inside, and tell the learner rather than fail.
MAX_CHECKOUT_TOTAL = Decimal("9999999.99")


def _check_unpaid_limit(buyer: User) -> None:
    """A learner may hold only a few unpaid checkouts at once, so that no one can keep
    limited seats reserved by ordering again every 30 minutes (security.md §1F 29)."""
    unpaid = (
        Checkout.objects.filter(buyer=buyer, orders__status=Status.PENDING_PAYMENT)
        .distinct()
        .count()
    )
    if unpaid >= settings.ORDER_MAX_UNPAID_CHECKOUTS:
        raise errors.CheckoutError(
            _("You have %(n)d orders waiting for payment. Pay or cancel them first.")
            % {"n": unpaid}
        )


def _clean_contact(name: str, phone: str, note: str) -> tuple[str, str, str]:
    name = " ".join((name or "").split())
    note = (note or "").strip()
    if not name or len(name) > 40 or "\x00" in name:
        raise errors.InvalidContact(_("Enter the contact name (at most 40 characters)."))
    try:
        phone = normalize_phone(phone)
    except ValidationError as error:
        raise errors.InvalidContact(error.messages[0]) from None
    if len(note) > 500 or "\x00" in note:
        raise errors.CheckoutError(_("Keep the note to the provider under 500 characters."))
    return name, phone, note


def _priced_lines(lines: Sequence[LineChoice]) -> list[LineQuote]:
    """Re-read every package and add-on and price each line with ``catalog.pricing``."""
    if not lines:
        raise errors.EmptyCheckout()
    if len(lines) > MAX_LINES:
        raise errors.TooManyLines()
    try:
        wanted = [
            (int(line.package_id), [int(pk) for pk in line.addon_ids], line.quantity)
            for line in lines
        ]
    except (TypeError, ValueError):
        raise errors.LineUnavailable() from None
    packages = Package.objects.select_related(
        "service__provider__provider_profile", "service__category"
    ).in_bulk({package_id for package_id, _, _ in wanted})
    addons = AddOn.objects.in_bulk({pk for _, addon_ids, _ in wanted for pk in addon_ids})

    quotes = []
    for package_id, addon_ids, quantity in wanted:
        package = packages.get(package_id)
        if package is None:
            raise errors.LineUnavailable()
        if any(pk not in addons for pk in addon_ids):
            raise errors.LineUnavailable(
                _line_message(package, catalog_errors.InvalidChoice.message)
            )
        try:
            quotes.append(quote_line(package, [addons[pk] for pk in addon_ids], quantity))
        except catalog_errors.SoldOut as error:
            raise errors.SoldOut(_line_message(package, error.message)) from None
        except catalog_errors.InvalidQuantity as error:
            raise errors.InvalidQuantity(_line_message(package, error.message)) from None
        except catalog_errors.CatalogError as error:
            raise errors.LineUnavailable(_line_message(package, error.message)) from None
    return quotes


def _line_message(package: Package, reason) -> str:
    return _("“%(title)s” (%(package)s): %(reason)s") % {
        "title": package.service.title,
        "package": package.name,
        "reason": reason,
    }


def _create_order(
    checkout: Checkout,
    priced: pricing.Order,
    group: list[tuple[LineQuote, pricing.Line]],
    now: datetime,
    contact: tuple[str, str, str],
) -> Order:
    contact_name, contact_phone, note = contact
    first_service = group[0][0].package.service
    order = insert_numbered(
        Order,
        "order_no",
        new_order_no,
        checkout=checkout,
        buyer=checkout.buyer,
        provider_id=priced.provider_id,
        provider_name=first_service.provider_name[:60],
        subtotal=priced.list_total,
        member_discount=priced.member_discount,
        provider_coupon_discount=priced.provider_coupon_discount,
        platform_coupon_discount=priced.platform_coupon_discount,
        points_used=priced.points_used,
        points_discount=priced.points_discount,
        provider_coupon_id=priced.provider_coupon.id if priced.provider_coupon else None,
        platform_coupon_id=priced.platform_coupon.id if priced.platform_coupon else None,
        total=priced.paid,
        contact_name=contact_name,
        contact_phone=contact_phone,
        note=note,
        created_at=now,
    )
    OrderLine.objects.bulk_create(_line_snapshot(order, quote, line) for quote, line in group)
    OrderEvent.objects.create(
        order=order,
        event=Event.PLACE,
        from_status="",
        to_status=Status.PENDING_PAYMENT,
        actor=checkout.buyer,
        actor_role=Role.LEARNER,
        created_at=now,
    )
    return order


def _line_snapshot(order: Order, quote: LineQuote, priced: pricing.Line) -> OrderLine:
    package, service = quote.package, quote.package.service
    return OrderLine(
        order=order,
        service=service,
        package=package,
        title=service.title,
        package_name=package.name,
        addons=[
            {"id": addon.pk, "name": addon.name, "price": str(to_money(addon.price))}
            for addon in quote.addons
        ],
        unit_price=quote.unit_price,
        quantity=quote.quantity,
        total=quote.total,
        member_discount=priced.member_discount,
        provider_coupon_discount=priced.provider_coupon_discount,
        platform_coupon_discount=priced.platform_coupon_discount,
        points_used=priced.points_used,
        points_discount=priced.points_discount,
        paid=priced.paid,
        fulfilment=service.fulfilment,
        starts_on=service.starts_on,
        study_days=service.study_days,
        refund_policy=service.refund_policy,
    )


def _take_seats(quotes: list[LineQuote]) -> None:
    """Reserve the seats of every line, package by package in id order, so two checkouts
    that share packages lock them in the same order and never deadlock."""
    seats: dict[int, int] = defaultdict(int)
    packages = {}
    for quote in quotes:
        seats[quote.package.pk] += quote.quantity
        packages[quote.package.pk] = quote.package
    for package_id in sorted(seats):
        try:
            reserve_seats(package_id, seats[package_id])
        except catalog_errors.SoldOut:
            # Taken meanwhile, or several lines of one package together exceed what is left.
            package = packages[package_id]
            package.refresh_from_db(fields=["capacity", "reserved"])
            reason = seats_left_message(package) if package.seats_left else _("Sold out.")
            raise errors.SoldOut(_line_message(package, reason)) from None


# ---- moving an order ------------------------------------------------------------------------


def transition(
    order: Order,
    event: str,
    *,
    actor: User | None = None,
    role: str,
    note: str = "",
    **fields: str,
) -> Order:
    """Apply ``event`` to ``order`` as ``actor`` acting in ``role``; return the order.

    Under a lock on the order row: the move must be in ``TRANSITIONS`` for the current
    status and open to ``role``, and the actor must be the order's buyer (learner), its
    provider (provider) or staff (staff); ``system`` and ``payment`` are the site's own
    code paths and take no actor (one may be recorded). Otherwise TransitionNotAllowed,
    and nothing changes. ``fields`` are the texts an event sets (``schedule`` on accept,
    ``service_summary`` on complete). The move sets the status and its timestamp, writes
    a timeline event, gives seats back once on the moves that release them (cancel,
    timeout, refund before completion), counts the sale on pay (and moves a self-paced
    order on to in service), and announces itself after commit.
    """
    unexpected = set(fields) - EVENT_FIELDS.get(event, frozenset())
    if unexpected:
        raise TypeError(f"{event!r} does not set {sorted(unexpected)}")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        move = TRANSITIONS.get((locked.status, event))
        action = EVENT_ACTIONS.get(event, event)
        if move is None:
            raise errors.TransitionNotAllowed(
                _("You cannot %(action)s an order that is “%(status)s”.")
                % {"action": action, "status": locked.get_status_display()}
            )
        if (
            event == Event.COMPLETE
            and locked.refunds.filter(status__in=Refund.OPEN_STATUSES).exists()
        ):
            raise errors.TransitionNotAllowed(
                _("A refund of this order is in progress: it cannot be completed now.")
            )
        if not _may_act(locked, actor, role, move.roles):
            raise errors.TransitionNotAllowed(
                _("You cannot %(action)s this order.") % {"action": action}
            )
        texts = {name: (value or "").strip() for name, value in fields.items()}
        required = move.requires.get(role)
        if required and not texts.get(required):
            raise errors.DetailsMissing(
                _("Tell the learner when and where the service takes place.")
                if required == "schedule"
                else _("Write a short summary of the service for the learner.")
            )

        now = timezone.now()
        from_status = locked.status
        locked.status = move.to_status
        setattr(locked, move.stamp, now)
        for name, value in texts.items():
            setattr(locked, name, value)
        changed = ["status", move.stamp, *texts]
        if move.releases_seats and not locked.seats_released:
            _give_seats_back(locked)
            locked.seats_released = True
            changed.append("seats_released")
        locked.save(update_fields=changed)
        OrderEvent.objects.create(
            order=locked,
            event=event,
            from_status=from_status,
            to_status=move.to_status,
            actor=actor,
            actor_role=role,
            note=note.strip(),
            created_at=now,
        )
        if event in (Event.CANCEL, Event.TIMEOUT):
            _give_back_discounts(locked)
        if event == Event.COMPLETE:
            settlement.credit_completed_order(locked)
            _earn_points(locked)
        if event == Event.PAY:
            _record_sales(locked)
            _grant_memberships(locked)
        _announce_move(locked, event, role, note.strip())
        if event == Event.PAY and locked.is_self_paced:
            # DESIGN: self-paced services move from paid to in service by themselves.
            transition(locked, Event.ACCEPT, role=Role.SYSTEM)
            transition(locked, Event.START, role=Role.SYSTEM)

    for field in Order._meta.concrete_fields:
        setattr(order, field.attname, getattr(locked, field.attname))
    return order


def _may_act(order: Order, actor: User | None, role: str, roles: frozenset[str]) -> bool:
    if role not in roles:
        return False
    if role in (Role.SYSTEM, Role.PAYMENT):
        return True
    if actor is None or not actor.is_active:
        return False
    if role == Role.LEARNER:
        return actor.pk == order.buyer_id
    if role == Role.PROVIDER:
        return actor.pk == order.provider_id
    return role == Role.STAFF and is_staff(actor)


def _give_seats_back(order: Order) -> None:
    seats: dict[int, int] = defaultdict(int)
    for package_id, quantity in order.lines.filter(package__isnull=False).values_list(
        "package_id", "quantity"
    ):
        seats[package_id] += quantity
    for package_id in sorted(seats):
        release_seats(package_id, seats[package_id])


def _give_back_discounts(order: Order) -> None:
    """An unpaid order was cancelled: its points go back, and each coupon it used once no
    other live order of the checkout still uses it."""
    if order.points_used:
        loyalty.return_points(order.buyer, order_no=order.order_no, points=order.points_used)
    for coupon_id in sorted({order.provider_coupon_id, order.platform_coupon_id} - {None}):
        # Locked first: the other orders of the checkout, cancelled at the same moment,
        # read what this one wrote once it commits.
        loyalty.lock_claimed_coupon(coupon_id)
        still_used = (
            Order.objects.filter(Q(provider_coupon_id=coupon_id) | Q(platform_coupon_id=coupon_id))
            .exclude(pk=order.pk)
            .exclude(status=Status.CANCELLED)
            .exists()
        )
        if not still_used:
            loyalty.release_coupon(coupon_id)


def _earn_points(order: Order) -> None:
    """A completed order earns points for the money the learner kept paid."""
    kept = order.total - paid_back(order)
    if kept > 0:
        loyalty.earn_points(order.buyer, order_no=order.order_no, amount=kept)


def _grant_memberships(order: Order) -> None:
    """A paid order that bought membership plans starts or extends the membership."""
    lines = order.lines.filter(service__kind=Service.Kind.MEMBERSHIP).select_related(
        "package__membership_plan"
    )
    for line in lines:
        plan = getattr(line.package, "membership_plan", None) if line.package else None
        if plan is not None:
            loyalty.grant_membership(
                order.buyer, order_no=order.order_no, plan=plan, quantity=line.quantity
            )


def _return_points_with_refund(order: Order, refund: Refund, *, in_full: bool) -> int:
    """A refund paid back ``refund.amount`` of the order's money: the points the order
    used go back in the same proportion (all that are left when nothing of the order
    remains), and the points it earned on completion are taken back likewise. Returns
    the points given back."""
    moved = loyalty_selectors.points_of_order(order.buyer, order.order_no)
    ref = str(refund.pk)
    given_back = 0
    if order.points_used:
        returned = moved.get(PointsReason.REFUND_RETURN, 0)
        left = order.points_used - returned
        share = left if in_full else _share(order.points_used, refund.amount, order.total)
        points = min(share, left)
        if points > 0:
            loyalty.return_refunded_points(
                order.buyer, order_no=order.order_no, refund_ref=ref, points=points
            )
            given_back = points
    earned = moved.get(PointsReason.EARN, 0)
    if earned:
        reclaimed = -moved.get(PointsReason.RECLAIM, 0)
        left = earned - reclaimed
        share = left if in_full else _share(earned, refund.amount, _earned_on(order))
        loyalty.reclaim_points(
            order.buyer, order_no=order.order_no, refund_ref=ref, points=min(share, left)
        )
    return given_back


def _earned_on(order: Order) -> Decimal:
    """The money the order's points were earned on: what was still paid when it completed
    (``_earn_points``), refunds paid back before then not counted."""
    if order.completed_at is None:
        return order.total
    before = order.refunds.filter(
        status=Refund.Status.REFUNDED, refunded_at__lt=order.completed_at
    ).aggregate(amount=Sum("amount"))["amount"]
    return order.total - (before or Decimal(0))


def _share(points: int, amount: Decimal, total: Decimal) -> int:
    """``points`` in proportion to ``amount`` of ``total``, rounded half up."""
    if total <= 0:
        return 0
    return int((Decimal(points) * amount / total).to_integral_value(rounding=ROUND_HALF_UP))


def _record_sales(order: Order) -> None:
    lines = order.lines.filter(package__isnull=False).select_related("package__service__category")
    for line in sorted(lines, key=lambda line: line.package.service_id):
        record_sale(line.package, buyer=order.buyer, quantity=line.quantity)


# ---- thin helpers, for readable callers -----------------------------------------------------


def mark_paid(checkout: Checkout, *, actor: User | None = None, note: str = "") -> list[Order]:
    """The payment covering ``checkout`` succeeded: pay every order still awaiting payment.

    Idempotent: orders already paid (or further along) are left alone, so a duplicate
    callback changes nothing. Orders cancelled meanwhile stay cancelled; the payments app
    decides what happens to money that arrived too late. Returns the orders paid now.
    """
    with transaction.atomic():
        # Lock every order of the checkout first, in id order: a second payer waits here,
        # then finds them paid.
        orders = list(Order.objects.select_for_update().filter(checkout=checkout).order_by("pk"))
        payable = [order for order in orders if order.status == Status.PENDING_PAYMENT]
        if payable:
            # Paying counts sales on the services' rows: lock them in id order up front, so
            # two checkouts sharing services cannot deadlock whatever their order order.
            services = OrderLine.objects.filter(order__in=payable).values("service_id")
            list(
                Service.objects.select_for_update()
                .filter(pk__in=services)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        for order in payable:
            transition(order, Event.PAY, actor=actor, role=Role.PAYMENT, note=note)
    return payable


def cancel_order(order: Order, *, by: User, note: str = "") -> Order:
    """The buyer, or staff, cancels an order awaiting payment."""
    role = Role.STAFF if by.pk != order.buyer_id and is_staff(by) else Role.LEARNER
    return transition(order, Event.CANCEL, actor=by, role=role, note=note)


def accept_order(order: Order, *, by: User, schedule: str) -> Order:
    """The provider confirms a paid order and tells the learner when and where."""
    return transition(order, Event.ACCEPT, actor=by, role=Role.PROVIDER, schedule=schedule)


def start_order(order: Order, *, by: User) -> Order:
    return transition(order, Event.START, actor=by, role=Role.PROVIDER)


def complete_order(order: Order, *, by: User, summary: str) -> Order:
    """The provider completes an order in service, with a summary for the learner."""
    return transition(order, Event.COMPLETE, actor=by, role=Role.PROVIDER, service_summary=summary)


def confirm_order(order: Order, *, by: User) -> Order:
    """The learner confirms the service was delivered (确认完成)."""
    return transition(order, Event.COMPLETE, actor=by, role=Role.LEARNER)


def extend_pay_deadline(checkout: Checkout, *, until: datetime) -> Checkout:
    """Give a checkout more time to be paid (a bank transfer has 72 hours); never less."""
    Checkout.objects.filter(pk=checkout.pk, pay_deadline__lt=until).update(pay_deadline=until)
    checkout.refresh_from_db(fields=["pay_deadline"])
    return checkout


# ---- reviews ---------------------------------------------------------------------------------


MAX_REVIEW_IMAGES = 6


@transaction.atomic
def review_line(
    line: OrderLine, *, by: User, rating: int, text: str, images: Sequence = ()
) -> OrderLine:
    """The buyer reviews one line of a completed order, once. The review and the service's
    rating counters are written in this transaction (``catalog.services.add_review``)."""
    line = (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("order", "service")
        .get(pk=line.pk)
    )
    order = line.order
    if order.buyer_id != by.pk or order.status != Status.COMPLETED:
        raise errors.ReviewNotAllowed()
    if line.review_id is not None:
        raise errors.ReviewNotAllowed(_("You have already reviewed this."))
    if line.service is None:
        raise errors.ReviewNotAllowed(_("This service no longer exists."))
    if line.service.kind != Service.Kind.SERVICE:
        raise errors.ReviewNotAllowed(_("Membership plans are not reviewed."))
    if len(images) > MAX_REVIEW_IMAGES:
        raise ValidationError(
            _("Add at most %(n)d photos.") % {"n": MAX_REVIEW_IMAGES}, code="too_many_images"
        )
    line.review = add_review(
        line.service,
        author=by,
        rating=rating,
        text=text,
        images=images,
        package_name=line.package_name,
    )
    line.save(update_fields=["review"])
    return line


# ---- refunds --------------------------------------------------------------------------------

MAX_REFUND_IMAGES = 6
REFUND_REASON_LENGTH = (5, 500)


def request_refund(
    order: Order, *, by: User, amount: Decimal, reason: str, images: Sequence = ()
) -> Refund:
    """The buyer asks for ``amount`` back on a paid order, with a reason and photos.

    Refused (RefundNotAllowed) for anyone but the buyer, for an order that cannot be
    refunded, or while another refund of the order is being handled; InvalidRefundAmount
    when ``amount`` is not above zero or more than ``orders.refunds.refundable_amount``;
    InvalidRefundReason for a reason outside 5–500 characters; a ValidationError for a
    photo that is not an image. The provider is told after commit and has
    ``REFUND_RESPONSE_HOURS`` to answer.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.buyer_id != by.pk or not by.is_active:
            raise errors.RefundNotAllowed(_("Only the buyer can ask for a refund."))
        if locked.status not in REFUNDABLE_STATUSES:
            raise errors.RefundNotAllowed(
                _("An order that is “%(status)s” cannot be refunded.")
                % {"status": locked.get_status_display()}
            )
        _check_no_open_refund(locked)
        reason = _clean_refund_reason(reason)
        amount = _clean_refund_amount(amount, most=refundable_amount(locked))
        if len(images) > MAX_REFUND_IMAGES:
            raise ValidationError(
                _("Add at most %(n)d photos.") % {"n": MAX_REFUND_IMAGES}, code="too_many_images"
            )
        now = timezone.now()
        refund = Refund.objects.create(
            order=locked,
            requested_by=by,
            amount=amount,
            reason=reason,
            respond_by=now + timedelta(hours=settings.REFUND_RESPONSE_HOURS),
            created_at=now,
        )
        for upload in images:
            large, small = gallery_image_files(upload)
            RefundImage.objects.create(refund=refund, image=large, thumbnail=small)
        _announce(locked, "refund_requested", amount=format_yuan(amount), reason=reason)
    return refund


def refund_completed_order(order: Order, *, by: User, amount: Decimal, reason: str) -> Refund:
    """Staff refund ``amount`` of a completed order (the platform decides a complaint:
    the only refund a completed order can get). The refund starts approved, decided by
    ``by`` with ``reason`` as the answer; the learner is told, and after commit it is paid
    back like any approved refund (the ``refund_approved`` signal). When it is paid back,
    ``complete_refund`` debits the provider's settlement for their share and, if nothing of
    the total is left, moves the order to ``refunded`` (its seats stay taken).

    Refused (RefundNotAllowed) for anyone but active staff (and for staff who bought or
    sell the order), for an order that is not completed, or while another refund of it is
    being handled; InvalidRefundReason for a reason outside 5–500 characters;
    InvalidRefundAmount for an amount not between ¥0.01 and what is left of the total.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if _refund_role(Refund(order=locked), by) != Role.STAFF:
            raise errors.RefundNotAllowed(_("Only the platform can refund a completed order."))
        if locked.status not in REFUNDABLE_BY_PLATFORM_STATUSES:
            raise errors.RefundNotAllowed(
                _("Only a completed order can be refunded this way; this one is “%(status)s”.")
                % {"status": locked.get_status_display()}
            )
        _check_no_open_refund(locked)
        reason = _clean_refund_reason(reason)
        amount = _clean_refund_amount(amount, most=refundable_by_platform(locked))
        now = timezone.now()
        refund = Refund.objects.create(
            order=locked,
            kind=Refund.Kind.AFTER_COMPLETION,
            requested_by=by,
            amount=amount,
            reason=reason,
            status=Refund.Status.APPROVED,
            respond_by=now,  # nobody is asked to answer: it is decided already
            decided_at=now,
            decided_by=by,
            decision_note=reason,
            created_at=now,
        )
        _pay_back(locked, refund)
        _announce(locked, "platform_refunded", amount=format_yuan(amount), reason=reason)
    return refund


def _check_no_open_refund(order: Order) -> None:
    if order.refunds.filter(status__in=Refund.OPEN_STATUSES).exists():
        raise errors.RefundNotAllowed(_("A refund of this order is already in progress."))


def _clean_refund_reason(reason: str) -> str:
    reason = (reason or "").strip()
    shortest, longest = REFUND_REASON_LENGTH
    if not shortest <= len(reason) <= longest or "\x00" in reason:
        raise errors.InvalidRefundReason()
    return reason


def _clean_refund_amount(amount: Decimal, *, most: Decimal) -> Decimal:
    """``amount`` in yuan, if it is between ¥0.01 and ``most``."""
    try:
        amount = to_money(amount)
    except (TypeError, ValueError):
        raise errors.InvalidRefundAmount() from None
    if amount <= 0 or amount > most:
        raise errors.InvalidRefundAmount(
            _("Enter an amount between ¥0.01 and %(most)s.") % {"most": format_yuan(most)}
            if most > 0
            else _("Nothing of this order can be refunded now.")
        )
    return amount


def _pay_back(order: Order, refund: Refund) -> None:
    """An approved refund: tell the learner, and after commit send the money back (the
    ``refund_approved`` signal; payments refunds at the gateway, then ``complete_refund``)."""
    _announce(order, "refund_approved", amount=format_yuan(refund.amount))
    refund_id = refund.pk
    transaction.on_commit(
        lambda: signals.refund_approved.send(sender=Refund, refund_id=refund_id),
        robust=True,
    )


def approve_refund(refund: Refund, *, by: User | None, note: str = "") -> Refund:
    """The order's provider, staff (also after an escalation), or the system (``by=None``:
    no answer in time) approves a refund; the learner is told, and after commit the
    ``refund_approved`` signal sends the money back (payments refunds it at the gateway
    and calls ``complete_refund`` when the gateway confirms). Two approvals at once act
    once: the second finds the refund decided and is refused."""
    with transaction.atomic():
        locked = _decide(refund, "approve", by, note=note.strip())
        order = Order.objects.select_for_update().get(pk=locked.order_id)
        _check_still_refundable(order, locked)
        _pay_back(order, locked)
    return _copy_refund(locked, refund)


def reject_refund(refund: Refund, *, by: User, reason: str) -> Refund:
    """The order's provider (or staff, also after an escalation) rejects a refund with a
    reason the learner sees; the learner may then escalate it once."""
    reason = (reason or "").strip()
    if not reason:
        raise errors.InvalidRefundReason(_("Tell the learner why the refund is rejected."))
    if len(reason) > REFUND_REASON_LENGTH[1]:
        raise errors.InvalidRefundReason(_("Keep the reason under 500 characters."))
    with transaction.atomic():
        locked = _decide(refund, "reject", by, note=reason)
        # After an escalation the platform has had the last word: no "ask the platform".
        event = "refund_rejection_upheld" if locked.escalated_at else "refund_rejected"
        _announce(locked.order, event, reason=reason)
    return _copy_refund(locked, refund)


def escalate_refund(refund: Refund, *, by: User) -> Refund:
    """The buyer puts a rejected refund to the platform (平台介入), once; staff then
    approve or reject it again in the admin."""
    with transaction.atomic():
        locked = _locked_refund(refund)
        _check_refund_move(locked, "escalate", _refund_role(locked, by))
        if not locked.can_be_escalated:
            raise errors.RefundNotAllowed(_("The platform has already reviewed this refund."))
        _check_no_open_refund(locked.order)
        if Refund.objects.filter(order=locked.order, created_at__gt=locked.created_at).exists():
            raise errors.RefundNotAllowed(_("A newer refund of this order replaced this one."))
        if locked.order.status not in REFUNDABLE_STATUSES:
            raise errors.RefundNotAllowed(_("This order can no longer be refunded."))
        locked.status = Refund.Status.ESCALATED
        locked.escalated_at = timezone.now()
        locked.save(update_fields=["status", "escalated_at"])
        _tell_staff_of_escalation(locked)
    return _copy_refund(locked, refund)


def _tell_staff_of_escalation(refund: Refund) -> None:
    """Every active staff member gets the escalation in the inbox (and by their
    preferences), with a link to decide it in admin. Support tickets will carry it too."""
    order = refund.order
    context = {
        "order_no": order.order_no,
        "title": order.title,
        "amount": format_yuan(refund.amount),
    }
    url = f"/admin/orders/refund/{refund.pk}/change/"
    for staff in User.objects.filter(is_staff=True, is_active=True):
        notify(staff, "refund_escalated", context, url=url)


def complete_refund(refund: Refund) -> Refund:
    """The money of an approved refund is back with the learner: mark it refunded.

    Called by the payments app when the gateway confirms the refund (and, on a site
    without gateways, by the receiver in ``orders.receivers`` while
    ``settings.REFUNDS_SETTLE_WITHOUT_GATEWAY`` is on). Idempotent: a refund that is not
    approved is left alone.

    When the refund pays back all that is left of the order total, the order moves to
    ``refunded`` (``transition(order, "refund", role="system")``, which gives its seats
    back once, unless the order was completed). A partial refund leaves the order in its
    status. The provider's settlement is debited for a completed order (``settlement.
    debit_refund``). The learner is told ``order_refunded`` with the amount.
    """
    with transaction.atomic():
        locked = _locked_refund(refund)
        if locked.status != Refund.Status.APPROVED:
            return _copy_refund(locked, refund)
        _check_refund_move(locked, "complete", Role.SYSTEM)
        order = Order.objects.select_for_update().get(pk=locked.order_id)
        returned = paid_back(order)
        _check_still_refundable(order, locked)
        locked.status = Refund.Status.REFUNDED
        locked.refunded_at = timezone.now()
        locked.save(update_fields=["status", "refunded_at"])
        settlement.debit_refund(locked, order)
        in_full = locked.amount >= order.total - returned
        points_back = _return_points_with_refund(order, locked, in_full=in_full)
        if in_full:
            loyalty.revoke_membership(order.order_no)
            transition(
                order,
                Event.REFUND,
                role=Role.SYSTEM,
                note=_("Refunded %(amount)s.") % {"amount": format_yuan(locked.amount)},
            )
        amount = format_yuan(locked.amount)
        if points_back:
            _announce(order, "order_refunded_with_points", amount=amount, points=str(points_back))
        else:
            _announce(order, "order_refunded", amount=amount)
    return _copy_refund(locked, refund)


def _check_still_refundable(order: Order, refund: Refund) -> None:
    """Money goes back only from an order that can still be refunded by whoever started
    the refund (the buyer: an order not completed; staff: a completed order), and never
    more than what is left of what was paid (an old refund escalated after a newer one
    was paid)."""
    statuses = (
        REFUNDABLE_BY_PLATFORM_STATUSES if refund.is_after_completion else REFUNDABLE_STATUSES
    )
    if order.status not in statuses:
        raise errors.RefundNotAllowed(
            _("An order that is “%(status)s” cannot be refunded.")
            % {"status": order.get_status_display()}
        )
    if refund.amount > order.total - paid_back(order):
        raise errors.RefundNotAllowed(_("This refund is more than what is left of the order."))


def _locked_refund(refund: Refund) -> Refund:
    # Lock the refund row only (``of``): the order row is locked, when needed, by
    # ``transition``, in the same order as everywhere else.
    return Refund.objects.select_for_update(of=("self",)).select_related("order").get(pk=refund.pk)


def _refund_role(refund: Refund, by: User | None) -> str | None:
    """The role ``by`` acts in on ``refund``: None is the system; None back means nobody."""
    if by is None:
        return Role.SYSTEM
    if not by.is_active:
        return None
    if by.pk == refund.order.buyer_id:
        return Role.LEARNER
    if by.pk == refund.order.provider_id:
        return Role.PROVIDER
    if is_staff(by):
        return Role.STAFF
    return None


def _check_refund_move(refund: Refund, action: str, role: str | None) -> str:
    move = REFUND_MOVES.get((refund.status, action))
    if move is None:
        raise errors.RefundNotAllowed(
            _("This refund is “%(status)s” and cannot be changed that way.")
            % {"status": refund.get_status_display()}
        )
    to_status, roles = move
    if role not in roles:
        raise errors.RefundNotAllowed(_("You cannot decide this refund."))
    return to_status


def _decide(refund: Refund, action: str, by: User | None, *, note: str) -> Refund:
    """Approve or reject ``refund`` under its row lock, by the actor's role."""
    locked = _locked_refund(refund)
    role = _refund_role(locked, by)
    if role == Role.LEARNER:
        role = None  # the buyer never decides their own refund
    to_status = _check_refund_move(locked, action, role)
    locked.status = to_status
    locked.decided_at = timezone.now()
    locked.decided_by = by
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    return locked


def _copy_refund(source: Refund, target: Refund) -> Refund:
    for field in Refund._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# ---- timers ---------------------------------------------------------------------------------


def cancel_expired_orders(now: datetime | None = None) -> int:
    """Cancel (``timeout``) the orders still unpaid after their checkout's deadline, which
    gives their seats back. Returns how many."""
    now = now or timezone.now()
    due = (
        Order.objects.filter(status=Status.PENDING_PAYMENT, checkout__pay_deadline__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_timer_move(pk, Status.PENDING_PAYMENT, Event.TIMEOUT) for pk in list(due))


def start_due_orders(now: datetime | None = None) -> int:
    """Start the accepted orders whose start date (in China) has come. Returns how many."""
    today = (now or timezone.now()).astimezone(CHINA).date()
    due = (
        Order.objects.filter(status=Status.AWAITING_SERVICE, lines__starts_on__lte=today)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(_timer_move(pk, Status.AWAITING_SERVICE, Event.START) for pk in list(due))


def complete_overdue_orders(now: datetime | None = None) -> int:
    """Complete the orders in service whose study period (at least
    ``ORDER_AUTO_COMPLETE_DAYS``) has passed since they started. Returns how many."""
    now = now or timezone.now()
    least = settings.ORDER_AUTO_COMPLETE_DAYS
    candidates = (
        Order.objects.filter(status=Status.IN_SERVICE, started_at__lte=now - timedelta(days=least))
        # An order with a refund being handled waits for the decision.
        .exclude(refunds__status__in=Refund.OPEN_STATUSES)
        .annotate(study_days=Max("lines__study_days"))
        .order_by("pk")
        .values_list("pk", "started_at", "study_days")
    )
    due = [
        pk
        for pk, started_at, study_days in candidates
        if started_at + timedelta(days=max(study_days or 0, least)) <= now
    ]
    return sum(_timer_move(pk, Status.IN_SERVICE, Event.COMPLETE) for pk in due)


def _timer_move(order_id: int, status: str, event: str) -> bool:
    """Apply one timer move in its own transaction. An order locked by someone else (a
    payment arriving, the learner cancelling) is skipped: the next run sees it again."""
    try:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=order_id, status=status)
                .first()
            )
            if order is None:
                return False
            transition(order, event, role=Role.SYSTEM)
            return True
    except Exception:
        # One broken order must not stop the timer for all the others.
        logger.exception("timer could not apply %s to order %s", event, order_id)
        return False


def auto_approve_overdue_refunds(now: datetime | None = None) -> int:
    """Approve, as the system, the refunds the provider has not answered by
    ``respond_by``. Returns how many."""
    now = now or timezone.now()
    due = (
        Refund.objects.filter(status=Refund.Status.REQUESTED, respond_by__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    approved = 0
    for pk in list(due):
        try:
            approve_refund(Refund(pk=pk), by=None, note=_("The provider did not respond in time."))
        except errors.RefundNotAllowed:
            continue  # decided meanwhile
        except Exception:
            logger.exception("timer could not approve refund %s", pk)
            continue
        approved += 1
    return approved


SETTLE_RETRY_AFTER = timedelta(minutes=10)


def settle_approved_refunds(now: datetime | None = None) -> int:
    """Complete approved refunds that the after-commit settlement missed (a crash, an
    error): without this an approved refund would stay open for good. Only while refunds
    are settled without a gateway; payments sweeps its own. Returns how many."""
    if not settings.REFUNDS_SETTLE_WITHOUT_GATEWAY:
        return 0
    now = now or timezone.now()
    stuck = (
        Refund.objects.filter(
            status=Refund.Status.APPROVED, decided_at__lte=now - SETTLE_RETRY_AFTER
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    settled = 0
    for pk in list(stuck):
        try:
            refund = complete_refund(Refund(pk=pk))
        except Exception:
            logger.exception("timer could not settle refund %s", pk)
            continue
        settled += refund.status == Refund.Status.REFUNDED
    return settled
