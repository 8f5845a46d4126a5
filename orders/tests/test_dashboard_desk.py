"""/dashboard/orders/: the provider's order desk through HTTP — the filtered list and its
query budget, the CSV export, one order's page and the accept / start / complete moves.
Another provider's order is a 404, a learner gets a 403, a visitor the login page."""

import csv
import io
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Service
from catalog.tests.factories import PackageFactory, ServiceFactory
from notifications.models import Message
from orders import services
from orders.models import Order, Refund
from orders.numbers import CHINA
from orders.tests.factories import OrderFactory, order_walked_to

pytestmark = pytest.mark.django_db

Status = Order.Status
DESK = "/dashboard/orders/"
EXPORT = "/dashboard/orders/export/"
LOGIN = "/accounts/login/"
# The dashboard shell takes 9 (two savepoints of ATOMIC_REQUESTS, session, user, provider
# check, header roles, member badge, unread count, menu categories); the desk adds the status counts
# (which also give the total), the service choices, one page of orders and their lines.
QUERY_BUDGET = 13


def detail_url(order: Order) -> str:
    return f"{DESK}{order.order_no}/"


def move_url(order: Order, move: str) -> str:
    return f"{DESK}{order.order_no}/{move}/"


def order_for(provider, **fields) -> Order:
    """An order of one line of one of ``provider``'s services."""
    return OrderFactory(provider=provider, **fields)


def shown_numbers(response) -> set[str]:
    return {order.order_no for order in response.context["page"].object_list}


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def provider():
    return ProviderFactory()


@pytest.fixture
def desk(client, provider):
    client.force_login(provider)
    return client


# --- who may come in --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [DESK, EXPORT])
def test_a_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("path", [DESK, EXPORT])
def test_a_learner_is_refused(client, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 403


def test_the_order_page_sends_a_visitor_to_log_in_and_refuses_a_learner(client, provider):
    order = order_for(provider, status=Status.PAID)
    response = client.get(detail_url(order))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    client.force_login(order.buyer)  # even the order's own buyer: this is the provider's desk
    assert client.get(detail_url(order)).status_code == 403


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_only_the_providers_own_orders_newest_first(desk, provider):
    now = timezone.now()
    older = order_for(provider, created_at=now - timedelta(days=2))
    newer = order_for(provider, created_at=now - timedelta(hours=1))
    someone_elses = OrderFactory(status=Status.PAID)

    response = desk.get(DESK)

    assert response.status_code == 200
    assert [o.order_no for o in response.context["page"].object_list] == [
        newer.order_no,
        older.order_no,
    ]
    assert someone_elses.order_no not in response.content.decode()
    assert response.context["section"] == "orders"


def test_a_row_shows_number_time_learner_title_total_and_status(desk, provider):
    buyer = UserFactory(nickname="小林同学")
    placed = datetime(2025, 3, 8, 9, 30, tzinfo=CHINA)
    order = OrderFactory(
        provider=provider,
        checkout__buyer=buyer,
        status=Status.AWAITING_SERVICE,
        total=Decimal("1299.00"),
        created_at=placed,
        line__title="雅思口语冲刺班",
    )

    page = desk.get(DESK).content.decode()

    assert f'href="{detail_url(order)}"' in page
    assert "2025-03-08 09:30" in page
    assert "小林同学" in page
    assert "雅思口语冲刺班" in page
    assert "¥1,299.00" in page
    assert "order-status--awaiting_service" in page


def test_the_status_filter_and_its_counts(desk, provider):
    paid = order_for(provider, status=Status.PAID)
    order_for(provider, status=Status.COMPLETED)
    order_for(provider, status=Status.COMPLETED)

    response = desk.get(DESK, {"status": "paid"})

    assert shown_numbers(response) == {paid.order_no}
    counts = {tab["status"]: tab["count"] for tab in response.context["tabs"]}
    assert counts[""] == 3
    assert counts["paid"] == 1
    assert counts["completed"] == 2


def test_the_service_filter_keeps_orders_of_that_service(desk, provider):
    wanted = order_for(provider)
    order_for(provider)  # another service of the same provider
    service = wanted.lines.get().service

    response = desk.get(DESK, {"service": service.pk})

    assert shown_numbers(response) == {wanted.order_no}
    choices = {choice.pk for choice in response.context["form"].fields["service"].queryset}
    assert service.pk in choices


def test_another_providers_service_is_not_a_choice_and_is_ignored(desk, provider):
    mine = order_for(provider)
    foreign = ServiceFactory(title="别人的秘密课程")

    response = desk.get(DESK, {"service": foreign.pk})

    assert response.status_code == 200
    assert "service" in response.context["form"].errors
    assert shown_numbers(response) == {mine.order_no}
    assert "别人的秘密课程" not in response.content.decode()


def test_the_date_filters_take_whole_days_in_china_time(desk, provider):
    # 2025-03-08 23:30 in Beijing is 15:30 UTC: it belongs to the 8th, not the 9th.
    late_on_the_8th = order_for(provider, created_at=datetime(2025, 3, 8, 23, 30, tzinfo=CHINA))
    early_on_the_9th = order_for(provider, created_at=datetime(2025, 3, 9, 0, 10, tzinfo=CHINA))
    on_the_7th = order_for(provider, created_at=datetime(2025, 3, 7, 12, 0, tzinfo=CHINA))

    only_8th = desk.get(DESK, {"placed_from": "2025-03-08", "placed_to": "2025-03-08"})
    from_9th = desk.get(DESK, {"placed_from": "2025-03-09"})
    to_8th = desk.get(DESK, {"placed_to": "2025-03-08"})

    assert shown_numbers(only_8th) == {late_on_the_8th.order_no}
    assert shown_numbers(from_9th) == {early_on_the_9th.order_no}
    assert shown_numbers(to_8th) == {late_on_the_8th.order_no, on_the_7th.order_no}


def test_the_order_number_filter_matches_exactly_or_in_part(desk, provider):
    first = order_for(provider, order_no="KS20250308000000000123")
    order_for(provider, order_no="KS20250308000000000456")

    exact = desk.get(DESK, {"order_no": first.order_no})
    part = desk.get(DESK, {"order_no": " 0123 "})
    none = desk.get(DESK, {"order_no": "KS1999"})

    assert shown_numbers(exact) == {first.order_no}
    assert shown_numbers(part) == {first.order_no}
    assert shown_numbers(none) == set()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "shipped"},
        {"service": "abc"},
        {"service": "999999999999999999999"},
        {"placed_from": "yesterday"},
        {"placed_to": "2025-13-45"},
        {"placed_from": "0001-01-01", "placed_to": "9999-12-31"},
        {"order_no": "K" * 200},
        {"page": "-1"},
        {"page": "many"},
    ],
)
def test_junk_filters_are_shown_as_errors_or_dropped_never_a_500(desk, provider, params):
    mine = order_for(provider)

    response = desk.get(DESK, params)
    export = desk.get(EXPORT, params)

    assert response.status_code == 200
    assert shown_numbers(response) == {mine.order_no}
    assert export.status_code == 200
    assert len(csv_rows(export)) == 2


def test_the_list_has_pages_of_twenty_and_keeps_the_filters(desk, provider):
    start = timezone.now() - timedelta(days=1)
    for n in range(23):
        order_for(provider, status=Status.PAID, created_at=start + timedelta(minutes=n))
    order_for(provider, status=Status.COMPLETED)

    first = desk.get(DESK, {"status": "paid"})
    second = desk.get(DESK, {"status": "paid", "page": "2"})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 3
    assert "status=paid&amp;page=2" in first.content.decode()
    assert not shown_numbers(first) & shown_numbers(second)


def test_the_list_keeps_to_its_query_budget(desk, provider, django_assert_max_num_queries):
    for _ in range(25):
        order_for(provider, status=Status.PAID)
    service = Order.objects.filter(provider=provider).first().lines.get().service

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = desk.get(DESK)
    with django_assert_max_num_queries(QUERY_BUDGET):
        second_page = desk.get(DESK, {"page": "2"})
    # Checking the chosen service is one more query, whatever the number of orders.
    with django_assert_max_num_queries(QUERY_BUDGET + 1):
        filtered = desk.get(DESK, {"service": service.pk, "status": "paid"})

    assert len(response.context["page"].object_list) == 20
    assert len(second_page.context["page"].object_list) == 5
    assert len(filtered.context["page"].object_list) == 1


def test_the_number_of_queries_does_not_grow_with_the_orders(desk, provider):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            desk.get(DESK)
        return len(captured)

    order_for(provider, status=Status.PAID)
    desk.get(DESK)  # the first request of a session writes to it
    few = queries()
    for _ in range(24):
        order_for(provider, status=Status.COMPLETED)
    assert queries() == few


# --- the CSV export ---------------------------------------------------------------------------


def test_the_export_is_a_csv_excel_reads_with_chinese_headers(desk, provider):
    order = OrderFactory(
        provider=provider,
        checkout__buyer=UserFactory(nickname="小林同学"),
        status=Status.PAID,
        total=Decimal("398.00"),
        created_at=datetime(2025, 3, 8, 9, 30, tzinfo=CHINA),
        paid_at=datetime(2025, 3, 8, 9, 35, tzinfo=CHINA),
        contact_name="林小姐",
        contact_phone="+8613812345678",
        line__title="雅思口语冲刺班",
        line__package_name="标准班",
        line__quantity=2,
        line__addons=[{"id": 1, "name": "1对1答疑", "price": "100.00"}],
    )

    response = desk.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.now().astimezone(CHINA).strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="orders-{today}.csv"'
    header, row = csv_rows(response)
    assert header == [
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
    assert row == [
        order.order_no,
        "2025-03-08 09:30",
        "小林同学",
        "林小姐",
        "13812345678",
        "雅思口语冲刺班",
        "标准班 + 1对1答疑",
        "2",
        "398.00",
        "已付款",
        "2025-03-08 09:35",
    ]


@pytest.mark.parametrize(
    ("status", "phone"),
    [
        (Status.PENDING_PAYMENT, "138****5678"),
        (Status.PAID, "13812345678"),
        (Status.AWAITING_SERVICE, "13812345678"),
        (Status.IN_SERVICE, "13812345678"),
        (Status.COMPLETED, "138****5678"),
        (Status.CANCELLED, "138****5678"),
        (Status.REFUNDED, "138****5678"),
    ],
)
def test_the_phone_is_whole_only_while_the_provider_must_reach_the_learner(
    desk, provider, status, phone
):
    order = order_for(provider, status=status, contact_phone="+8613812345678")

    _header, row = csv_rows(desk.get(EXPORT))
    page = desk.get(detail_url(order)).content.decode()

    assert row[4] == phone
    assert phone in page
    if "*" in phone:
        assert "13812345678" not in page


def test_the_export_guards_against_formulas_in_cells(desk, provider):
    OrderFactory(
        provider=provider,
        status=Status.PAID,
        checkout__buyer=UserFactory(nickname="@SUM(A1)"),
        contact_name='=HYPERLINK("http://evil")',
        line__title="+1 课程",
        line__package_name="-2 套餐",
    )

    _header, row = csv_rows(desk.get(EXPORT))

    assert row[2] == "'@SUM(A1)"
    assert row[3] == '\'=HYPERLINK("http://evil")'
    assert row[5] == "'+1 课程"
    assert row[6] == "'-2 套餐"


def test_the_export_has_every_page_of_only_the_filtered_own_orders(desk, provider):
    for _ in range(23):
        order_for(provider, status=Status.PAID)
    completed = order_for(provider, status=Status.COMPLETED)
    OrderFactory(status=Status.PAID)  # another provider's

    everything = csv_rows(desk.get(EXPORT))
    only_completed = csv_rows(desk.get(EXPORT, {"status": "completed"}))

    assert len(everything) == 1 + 24
    mine = set(Order.objects.filter(provider=provider).values_list("order_no", flat=True))
    assert {row[0] for row in everything[1:]} == mine
    assert [row[0] for row in only_completed[1:]] == [completed.order_no]


def test_the_list_links_to_the_export_with_its_filters(desk, provider):
    order_for(provider, status=Status.PAID)
    page = desk.get(DESK, {"status": "paid"}).content.decode()
    assert f'href="{EXPORT}?status=paid"' in page


# --- one order --------------------------------------------------------------------------------


def test_the_order_page_shows_lines_contact_note_timeline_and_refunds(desk, client):
    order = order_walked_to("in_service")
    client.force_login(order.provider)
    Order.objects.filter(pk=order.pk).update(note="请提前十分钟联系")
    Refund.objects.create(
        order=order,
        requested_by=order.buyer,
        amount=Decimal("50.00"),
        reason="时间冲突，无法参加",
        respond_by=timezone.now() + timedelta(hours=72),
    )

    response = client.get(detail_url(order))
    page = response.content.decode()

    assert response.status_code == 200
    assert order.lines.get().title in page
    assert "小林" in page and "13800000001" in page
    assert "请提前十分钟联系" in page
    assert "周六" in page  # the schedule given on accept
    assert "timeline__item" in page and page.count("timeline__item") >= 4
    assert "时间冲突，无法参加" in page and "¥50.00" in page
    assert 'href="/dashboard/refunds/"' in page


def test_another_providers_order_is_a_404(desk):
    someone_elses = OrderFactory(status=Status.PAID)
    assert desk.get(detail_url(someone_elses)).status_code == 404
    assert desk.get(f"{DESK}KS-NO-SUCH-ORDER/").status_code == 404


@pytest.mark.parametrize(
    ("status", "forms"),
    [
        (Status.PENDING_PAYMENT, set()),
        (Status.PAID, {"accept"}),
        (Status.AWAITING_SERVICE, {"start"}),
        (Status.IN_SERVICE, {"complete"}),
        (Status.COMPLETED, set()),
        (Status.REFUNDED, set()),
    ],
)
def test_the_page_offers_the_moves_the_status_allows(desk, provider, status, forms):
    order = order_for(provider, status=status)
    page = desk.get(detail_url(order)).content.decode()
    for move in ("accept", "start", "complete"):
        assert (f'action="{move_url(order, move)}"' in page) is (move in forms)
    assert ('name="schedule"' in page) is ("accept" in forms)
    assert ('name="summary"' in page) is ("complete" in forms)


# --- the moves --------------------------------------------------------------------------------


def test_accepting_with_a_schedule_tells_the_learner(client, django_capture_on_commit_callbacks):
    order = order_walked_to("paid")
    client.force_login(order.provider)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            move_url(order, "accept"), {"schedule": "3月8日 19:00 腾讯会议 123-456-789"}
        )

    assert response.status_code == 302
    assert response["Location"] == detail_url(order)
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SERVICE
    assert order.schedule == "3月8日 19:00 腾讯会议 123-456-789"
    message = Message.objects.get(user=order.buyer, event="order_accepted")
    assert message.context["schedule"] == order.schedule
    assert len(flashes(response)) == 1


@pytest.mark.parametrize("schedule", ["", "   "])
def test_accepting_without_a_schedule_is_refused(client, schedule):
    order = order_walked_to("paid")
    client.force_login(order.provider)

    response = client.post(move_url(order, "accept"), {"schedule": schedule})

    assert response.status_code == 200
    assert "schedule" in response.context["accept_form"].errors
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert not Message.objects.filter(user=order.buyer, event="order_accepted").exists()


def test_starting_an_accepted_order(client):
    order = order_walked_to("awaiting_service")
    client.force_login(order.provider)

    response = client.post(move_url(order, "start"))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.IN_SERVICE
    assert order.started_at is not None


def test_completing_needs_a_summary(client):
    order = order_walked_to("in_service")
    client.force_login(order.provider)

    refused = client.post(move_url(order, "complete"), {"summary": ""})
    order.refresh_from_db()
    assert refused.status_code == 200
    assert "summary" in refused.context["complete_form"].errors
    assert order.status == Status.IN_SERVICE

    done = client.post(move_url(order, "complete"), {"summary": "完成四次口语陪练，附改进建议"})
    order.refresh_from_db()
    assert done.status_code == 302
    assert order.status == Status.COMPLETED
    assert order.service_summary == "完成四次口语陪练，附改进建议"


def test_a_self_paced_order_is_in_service_after_payment_and_can_be_completed(client):
    package = PackageFactory(service__fulfilment=Service.Fulfilment.SELF_PACED)
    checkout = services.place_orders(
        UserFactory(),
        [services.LineChoice(package.pk, (), 1)],
        contact_name="小林",
        contact_phone="13800000001",
        token=secrets.token_hex(16),
    )
    services.mark_paid(checkout)
    order = checkout.orders.get()
    assert order.status == Status.IN_SERVICE
    client.force_login(order.provider)

    page = client.get(detail_url(order)).content.decode()
    assert f'action="{move_url(order, "accept")}"' not in page
    client.post(move_url(order, "complete"), {"summary": "课程已全部开放"})

    order.refresh_from_db()
    assert order.status == Status.COMPLETED


def test_a_move_the_status_does_not_allow_is_an_error_and_changes_nothing(client):
    order = order_walked_to("paid")
    client.force_login(order.provider)

    response = client.post(move_url(order, "start"))

    assert response.status_code == 302
    assert response["Location"] == detail_url(order)
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert order.started_at is None
    [flash] = get_messages(response.wsgi_request)
    assert flash.level_tag == "error"


def test_completing_during_an_open_refund_is_an_error(client):
    order = order_walked_to("in_service")
    Refund.objects.create(
        order=order,
        requested_by=order.buyer,
        amount=Decimal("50.00"),
        reason="时间冲突，无法参加",
        respond_by=timezone.now() + timedelta(hours=72),
    )
    client.force_login(order.provider)

    response = client.post(move_url(order, "complete"), {"summary": "已完成"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.IN_SERVICE


@pytest.mark.parametrize(
    ("status", "move", "data"),
    [
        ("paid", "accept", {"schedule": "周六上午"}),
        ("awaiting_service", "start", {}),
        ("in_service", "complete", {"summary": "已完成"}),
    ],
)
def test_another_provider_cannot_move_the_order(client, status, move, data):
    order = order_walked_to(status)
    client.force_login(ProviderFactory())

    response = client.post(move_url(order, move), data)

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == status


@pytest.mark.parametrize("move", ["accept", "start", "complete"])
def test_the_moves_take_only_post(desk, provider, move):
    order = order_for(provider, status=Status.PAID)
    assert desk.get(move_url(order, move)).status_code == 405


def test_a_learner_cannot_move_an_order(client):
    order = order_walked_to("paid")
    client.force_login(order.buyer)

    response = client.post(move_url(order, "accept"), {"schedule": "周六"})

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.PAID
