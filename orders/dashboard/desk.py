"""/dashboard/orders/: the provider's order desk — the filtered list, its CSV export, one
order with its timeline and refunds, and the provider's moves (accept, start, complete).

Every read is scoped to ``provider=request.user``: another provider's order is a 404. The
moves go through ``orders.services``, which checks the state table and the actor again.
"""

import csv
from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import provider_required
from accounts.phone import mask_phone, national_number
from orders import services
from orders.errors import OrderError
from orders.forms import AcceptForm, CompleteForm
from orders.models import Order, OrderLine
from orders.numbers import CHINA
from orders.selectors import provider_order, provider_orders
from orders.states import Role, allowed_events

from .filters import OrderDeskFilter

PAGE_SIZE = 20
# While the provider still has to deliver, they need to reach the learner; before payment
# and after the service the number stays masked (138****5678).
CONTACT_STATUSES = frozenset(
    {Order.Status.PAID, Order.Status.AWAITING_SERVICE, Order.Status.IN_SERVICE}
)
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The export is a file for Chinese spreadsheets and accounting tools: its header row is
# part of the format, the same whatever language the page is shown in.
EXPORT_HEADERS = [
    "订单号",
    "下单时间",
    "学员",
    "联系人",
    "联系电话",
    "服务",
    "套餐",
    "数量",
    "金额",
    "状态",
    "付款时间",
]
EXPORT_LANGUAGE = "zh-hans"


# ---- reads -----------------------------------------------------------------------------------


def needs_contact(order: Order) -> bool:
    return order.status in CONTACT_STATUSES


def contact_phone(order: Order) -> str:
    """The learner's number as the provider may see it: whole while they need to reach
    the learner, masked otherwise."""
    if needs_contact(order):
        return national_number(order.contact_phone)
    return mask_phone(order.contact_phone)


# ---- pages -------------------------------------------------------------------------------


def _desk_filter(request) -> OrderDeskFilter:
    return OrderDeskFilter(request.GET, queryset=provider_orders(request.user), request=request)


class CountedPaginator(Paginator):
    """A paginator told its total, so it does not ask the database again."""

    def __init__(self, object_list, per_page, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


@provider_required
def order_list(request):
    desk = _desk_filter(request)
    counts = desk.status_counts()
    current = desk.form.cleaned_data.get("status") or ""
    # The status counts already hold the list's total: spare the paginator its COUNT.
    paginator = CountedPaginator(desk.qs, PAGE_SIZE, count=counts[current or "all"])
    page = paginator.get_page(request.GET.get("page"))
    tabs = [{"status": "", "label": _("All"), "count": counts["all"]}] + [
        {"status": value, "label": label, "count": counts[value]}
        for value, label in Order.Status.choices
    ]
    return render(
        request,
        "orders/dashboard/order_list.html",
        {
            "section": "orders",
            "form": desk.form,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2),
            "page_query": desk.query_without(),
            "status_query": desk.query_without("status"),
            "tabs": tabs,
            "current_status": current,
            "has_filters": bool(desk.valid_params()),
        },
    )


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _china_time(moment: datetime | None) -> str:
    return timezone.localtime(moment, CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def _package_text(line: OrderLine) -> str:
    return " + ".join([line.package_name, *(addon.get("name", "") for addon in line.addons)])


def export_row(order: Order) -> list[str]:
    """One order as a row of the CSV (one row per order: its lines joined with "；")."""
    lines = list(order.lines.all())
    return [
        _cell(value)
        for value in (
            order.order_no,
            _china_time(order.created_at),
            order.buyer.display_name,
            order.contact_name,
            contact_phone(order),
            "；".join(line.title for line in lines),
            "；".join(_package_text(line) for line in lines),
            sum(line.quantity for line in lines),
            order.total,
            order.get_status_display(),
            _china_time(order.paid_at),
        )
    ]


@provider_required
def order_export(request):
    """The filtered list, every page, as CSV with a BOM so Excel reads the Chinese."""
    desk = _desk_filter(request)
    today = timezone.now().astimezone(CHINA).strftime("%Y%m%d")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orders-{today}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEADERS)
    with translation.override(EXPORT_LANGUAGE):
        for order in desk.qs.iterator(chunk_size=500):
            writer.writerow(export_row(order))
    return response


def _render_detail(request, order: Order, **move_forms) -> HttpResponse:
    moves = set(allowed_events(order.status, Role.PROVIDER))
    return render(
        request,
        "orders/dashboard/order_detail.html",
        {
            "section": "orders",
            "order": order,
            "contact_phone": contact_phone(order),
            "shows_contact": needs_contact(order),
            "can_accept": "accept" in moves,
            "can_start": "start" in moves,
            "can_complete": "complete" in moves,
            "accept_form": move_forms.get("accept_form") or AcceptForm(),
            "complete_form": move_forms.get("complete_form") or CompleteForm(),
        },
    )


@provider_required
def order_detail(request, order_no: str):
    return _render_detail(request, provider_order(request.user, order_no))


def _move(request, order_no: str, move, done: str, form_class=None, form_name: str = ""):
    """Apply one of the provider's moves to their own order and go back to it. A form
    that does not validate shows the page again with its errors; a move the order's
    status does not allow comes back as an error message."""
    order = provider_order(request.user, order_no)
    details = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below."))
            return _render_detail(request, order, **{form_name: form})
        details = form.cleaned_data
    try:
        move(order, by=request.user, **details)
    except OrderError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("dashboard:order", order_no=order.order_no)


@provider_required
@require_POST
def accept(request, order_no: str):
    return _move(
        request,
        order_no,
        services.accept_order,
        _("Order accepted: the learner has been sent the schedule."),
        AcceptForm,
        "accept_form",
    )


@provider_required
@require_POST
def start(request, order_no: str):
    return _move(request, order_no, services.start_order, _("The service has started."))


@provider_required
@require_POST
def complete(request, order_no: str):
    return _move(
        request,
        order_no,
        services.complete_order,
        _("Order completed: the learner has been sent your summary."),
        CompleteForm,
        "complete_form",
    )
