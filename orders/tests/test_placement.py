"""orders.services.place_orders: one checkout, one order per provider, prices and seats from
the database, snapshots, all or nothing, one checkout per form token, clear errors."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog import errors as catalog_errors
from catalog.models import Package, Service
from catalog.tests.factories import AddOnFactory, PackageFactory, ServiceFactory
from notifications.models import Message
from orders import errors
from orders.models import Checkout, Order, OrderEvent, OrderLine
from orders.numbers import CHINA
from orders.services import LineChoice, place_orders
from orders.tests.factories import choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    return UserFactory(nickname="小林")


def place(buyer, lines, *, token="f" * 32, **contact):
    contact = {"contact_name": "林小姐", "contact_phone": "13800138000", **contact}
    return place_orders(buyer, lines, token=token, **contact)


def nothing_written():
    return not (
        Checkout.objects.exists()
        or Order.objects.exists()
        or OrderLine.objects.exists()
        or OrderEvent.objects.exists()
    )


def reserved(package) -> int:
    package.refresh_from_db()
    return package.reserved


# --- splitting and totals ---------------------------------------------------------------------


def test_one_checkout_holds_one_order_per_provider(buyer):
    teacher, school = ProviderFactory(), ProviderFactory()
    ielts = PackageFactory(service__provider=teacher, price=Decimal("1299.00"))
    toefl = PackageFactory(service__provider=teacher, price=Decimal("999.00"))
    excel = PackageFactory(service__provider=school, price=Decimal("199.50"))

    checkout = place(buyer, [choice(ielts), choice(excel, quantity=2), choice(toefl)])

    orders = {order.provider: order for order in checkout.orders.all()}
    assert set(orders) == {teacher, school}
    assert orders[teacher].total == Decimal("2298.00")
    assert orders[school].total == Decimal("399.00")
    assert checkout.total == Decimal("2697.00")
    assert orders[teacher].lines.count() == 2
    assert all(order.status == Order.Status.PENDING_PAYMENT for order in orders.values())
    assert all(order.buyer == buyer for order in orders.values())
    assert orders[teacher].order_no != orders[school].order_no


def test_prices_come_from_the_database_at_placement(buyer):
    """The cart showed ¥199; the provider raised the price before checkout: ¥259 is paid."""
    package = PackageFactory(price=Decimal("199.00"))
    addon = AddOnFactory(service=package.service, price=Decimal("50.00"))
    Package.objects.filter(pk=package.pk).update(price=Decimal("259.00"))

    checkout = place(buyer, [choice(package, [addon], quantity=3)])

    line = OrderLine.objects.get()
    assert line.unit_price == Decimal("309.00")
    assert line.total == Decimal("927.00")
    assert checkout.total == Decimal("927.00")


def test_lines_keep_what_was_bought_when_the_listing_changes_later(buyer):
    service = ServiceFactory(
        title="雅思口语冲刺班",
        fulfilment=Service.Fulfilment.SCHEDULED,
        starts_on=date(2026, 3, 1),
        study_days=28,
        provider__profile__display_name="王老师工作室",
    )
    package = PackageFactory(service=service, name="标准班", price=Decimal("1299.00"))
    addon = AddOnFactory(service=service, name="1对1答疑", price=Decimal("200.00"))

    checkout = place(buyer, [choice(package, [addon])])
    Service.objects.filter(pk=service.pk).update(title="新标题", starts_on=None)
    Package.objects.filter(pk=package.pk).update(name="改名", price=Decimal("1.00"))

    order = checkout.orders.get()
    line = order.lines.get()
    assert order.provider_name == "王老师工作室"
    assert (line.title, line.package_name) == ("雅思口语冲刺班", "标准班")
    assert line.addons == [{"id": addon.pk, "name": "1对1答疑", "price": "200.00"}]
    assert (line.unit_price, line.quantity, line.total) == (
        Decimal("1499.00"),
        1,
        Decimal("1499.00"),
    )
    assert line.fulfilment == Service.Fulfilment.SCHEDULED
    assert line.starts_on == date(2026, 3, 1)
    assert line.study_days == 28
    assert (line.service, line.package) == (service, package)


def test_contact_details_are_kept_with_the_number_in_one_format(buyer):
    checkout = place(
        buyer,
        [choice(PackageFactory())],
        contact_name="  林  小姐 ",
        contact_phone="+86 138-0013-8000",
        note=" 周末上课 ",
    )

    order = checkout.orders.get()
    assert (order.contact_name, order.contact_phone, order.note) == (
        "林 小姐",
        "+8613800138000",
        "周末上课",
    )


def test_the_payment_deadline_is_thirty_minutes_after_placing(buyer):
    checkout = place(buyer, [choice(PackageFactory())])

    assert checkout.pay_deadline - checkout.created_at == timedelta(minutes=30)
    assert checkout.orders.get().created_at == checkout.created_at


def test_the_payment_deadline_follows_the_setting(buyer, settings):
    settings.ORDER_PAYMENT_MINUTES = 15

    checkout = place(buyer, [choice(PackageFactory())])

    assert checkout.pay_deadline - checkout.created_at == timedelta(minutes=15)


def test_placing_starts_each_timeline_with_the_learner(buyer):
    checkout = place(buyer, [choice(PackageFactory()), choice(PackageFactory())])

    events = OrderEvent.objects.filter(order__checkout=checkout)
    assert events.count() == 2
    for event in events:
        assert (event.event, event.from_status, event.to_status) == (
            "place",
            "",
            "pending_payment",
        )
        assert (event.actor, event.actor_role) == (buyer, "learner")


# --- seats ------------------------------------------------------------------------------------


def test_placing_takes_the_seats(buyer):
    limited = PackageFactory(capacity=10, reserved=4)
    unlimited = PackageFactory(capacity=None)

    place(buyer, [choice(limited, quantity=2), choice(unlimited, quantity=3)])

    assert reserved(limited) == 6
    assert reserved(unlimited) == 3


def test_two_lines_of_one_package_take_their_seats_together(buyer):
    package = PackageFactory(capacity=10)
    addon = AddOnFactory(service=package.service)

    place(buyer, [choice(package, quantity=2), choice(package, [addon], quantity=3)])

    assert reserved(package) == 5


def test_a_sold_out_line_places_nothing_for_any_provider(buyer):
    """Each line fits on its own, the two together do not: the seats already taken for
    the other provider's package and every row written are rolled back."""
    other = PackageFactory(capacity=None, service__title="Excel 进阶")
    scarce = PackageFactory(capacity=5, service__title="考研英语一对一")
    addon = AddOnFactory(service=scarce.service)

    with pytest.raises(errors.SoldOut, match="考研英语一对一") as raised:
        place(
            buyer,
            [choice(other), choice(scarce, quantity=3), choice(scarce, [addon], quantity=3)],
        )

    assert "5" in raised.value.message  # seats left

    assert nothing_written()
    assert reserved(other) == 0
    assert reserved(scarce) == 0


def test_a_line_with_too_few_seats_left_is_sold_out_with_what_is_left(buyer):
    package = PackageFactory(capacity=5, reserved=3, service__title="线下沙龙")

    with pytest.raises(errors.SoldOut, match="线下沙龙") as raised:
        place(buyer, [choice(package, quantity=3)])

    assert "2" in raised.value.message
    assert nothing_written()
    assert reserved(package) == 3


def test_sold_out_is_also_the_catalogue_error(buyer):
    package = PackageFactory(capacity=1, reserved=1)

    with pytest.raises(catalog_errors.SoldOut):
        place(buyer, [choice(package)])
    with pytest.raises(errors.CheckoutError):
        place(buyer, [choice(package)])


# --- one checkout per form --------------------------------------------------------------------


def test_submitting_the_same_form_twice_places_one_checkout(buyer):
    package = PackageFactory(capacity=10)

    first = place(buyer, [choice(package)], token="1" * 32)
    second = place(buyer, [choice(package)], token="1" * 32)

    assert second == first
    assert Checkout.objects.count() == 1
    assert Order.objects.count() == 1
    assert reserved(package) == 1


def test_a_new_form_places_a_new_checkout(buyer):
    package = PackageFactory()

    place(buyer, [choice(package)], token="1" * 32)
    place(buyer, [choice(package)], token="2" * 32)

    assert Checkout.objects.filter(buyer=buyer).count() == 2


def test_another_buyers_token_does_not_reach_their_checkout(buyer):
    package = PackageFactory()
    theirs = place(UserFactory(), [choice(package)], token="1" * 32)

    mine = place(buyer, [choice(package)], token="1" * 32)

    assert mine != theirs
    assert mine.buyer == buyer


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["", "12345", "1380013800", "23800138000", "+1 415 555 0100"])
def test_a_contact_number_that_is_not_a_mainland_mobile_is_refused(buyer, phone):
    with pytest.raises(errors.InvalidContact):
        place(buyer, [choice(PackageFactory())], contact_phone=phone)
    assert nothing_written()


@pytest.mark.parametrize("name", ["", "   ", "林" * 41, "a\x00b"])
def test_a_missing_or_bad_contact_name_is_refused(buyer, name):
    with pytest.raises(errors.InvalidContact):
        place(buyer, [choice(PackageFactory())], contact_name=name)
    assert nothing_written()


def test_a_note_too_long_is_refused(buyer):
    with pytest.raises(errors.CheckoutError):
        place(buyer, [choice(PackageFactory())], note="很" * 501)
    assert nothing_written()


def test_no_lines_is_refused(buyer):
    with pytest.raises(errors.EmptyCheckout):
        place(buyer, [])
    assert nothing_written()


def test_too_many_lines_are_refused(buyer):
    package = PackageFactory()
    with pytest.raises(errors.TooManyLines):
        place(buyer, [choice(package)] * 51)
    assert nothing_written()


@pytest.mark.parametrize("token", ["", "   ", "x" * 65])
def test_a_missing_form_token_is_refused(buyer, token):
    with pytest.raises(errors.CheckoutExpired):
        place(buyer, [choice(PackageFactory())], token=token)
    assert nothing_written()


def test_an_add_on_of_another_service_is_refused(buyer):
    package = PackageFactory(service__title="雅思口语")
    foreign = AddOnFactory()

    with pytest.raises(errors.LineUnavailable, match="雅思口语"):
        place(buyer, [choice(package, [foreign])])
    assert nothing_written()


def test_an_unknown_add_on_is_refused(buyer):
    package = PackageFactory()

    with pytest.raises(errors.LineUnavailable):
        place(buyer, [LineChoice(package.pk, [987654], 1)])
    assert nothing_written()


def test_an_add_on_off_sale_is_refused(buyer):
    package = PackageFactory()
    addon = AddOnFactory(service=package.service, is_active=False)

    with pytest.raises(errors.LineUnavailable):
        place(buyer, [choice(package, [addon])])
    assert nothing_written()


@pytest.mark.parametrize(
    "status", [Service.Status.DRAFT, Service.Status.PENDING, Service.Status.ARCHIVED]
)
def test_a_service_not_published_is_refused(buyer, status):
    package = PackageFactory()
    Service.objects.filter(pk=package.service_id).update(status=status)

    with pytest.raises(errors.LineUnavailable):
        place(buyer, [choice(package)])
    assert nothing_written()


def test_a_package_off_sale_is_refused(buyer):
    package = PackageFactory(is_active=False)

    with pytest.raises(errors.LineUnavailable):
        place(buyer, [choice(package)])
    assert nothing_written()


@pytest.mark.parametrize("package_id", [987654, "abc", None])
def test_an_unknown_package_is_refused(buyer, package_id):
    with pytest.raises(errors.LineUnavailable):
        place(buyer, [LineChoice(package_id, [], 1)])
    assert nothing_written()


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**20, "2", 1.5, True])
def test_a_quantity_out_of_range_is_refused(buyer, quantity):
    with pytest.raises(errors.InvalidQuantity):
        place(buyer, [LineChoice(PackageFactory().pk, [], quantity)])
    assert nothing_written()


def test_one_bad_line_refuses_the_whole_checkout(buyer):
    good = PackageFactory(capacity=5)
    bad = PackageFactory(is_active=False)

    with pytest.raises(errors.LineUnavailable):
        place(buyer, [choice(good), choice(bad)])
    assert nothing_written()
    assert reserved(good) == 0


# --- notifications ----------------------------------------------------------------------------


def test_the_inbox_message_is_written_with_the_order_and_email_leaves_after_commit(
    buyer, django_capture_on_commit_callbacks, mailoutbox
):
    package = PackageFactory(price=Decimal("1299.00"), service__title="雅思口语冲刺班")

    with django_capture_on_commit_callbacks(execute=True):
        checkout = place(buyer, [choice(package)])
        assert Message.objects.count() == 1  # the outbox row, in the order's transaction
        assert mailoutbox == []  # nothing leaves before the commit

    assert len(mailoutbox) == 1

    order = checkout.orders.get()
    message = Message.objects.get()
    deadline = checkout.pay_deadline.astimezone(CHINA).strftime("%H:%M")
    assert (message.user, message.event, message.url) == (
        buyer,
        "order_placed",
        f"/orders/{order.order_no}/",
    )
    assert message.context == {
        "order_no": order.order_no,
        "title": "雅思口语冲刺班",
        "amount": "¥1,299.00",
        "deadline": deadline,
    }


def test_an_order_of_several_lines_is_named_after_the_first(
    buyer, django_capture_on_commit_callbacks
):
    teacher = ProviderFactory()
    first = PackageFactory(service__provider=teacher, service__title="雅思口语冲刺班")
    second = PackageFactory(service__provider=teacher, service__title="托福写作批改")

    with django_capture_on_commit_callbacks(execute=True):
        checkout = place(buyer, [choice(first), choice(second)])

    order = checkout.orders.get()
    title = Message.objects.get(event="order_placed").context["title"]
    assert title == order.title
    assert title.startswith("雅思口语冲刺班") and "1" in title


def test_a_placement_rolled_back_tells_nobody(buyer, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        place(buyer, [choice(PackageFactory())])
        raise RuntimeError("a later step of the request failed")

    assert callbacks == []
    assert not Message.objects.exists()
    assert nothing_written()


def test_a_sold_out_checkout_tells_nobody(buyer, django_capture_on_commit_callbacks):
    package = PackageFactory(capacity=2)
    lines = [choice(PackageFactory()), choice(package, quantity=2), choice(package)]

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(errors.SoldOut),
    ):
        place(buyer, lines)

    assert callbacks == []
    assert not Message.objects.exists()
