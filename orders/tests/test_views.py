"""Checkout, the learner's orders and the cashier page, through HTTP.

/checkout/ (login, the ticked cart lines or the 立即购买 choice grouped by provider, the
contact prefilled, a hidden token; placing one order per provider and one checkout with
prices from the database, the cart keeping what was not ordered; double submit, junk,
price changes and sold-out lines), /orders/ (tabs, only one's own orders, the query
budget), /orders/<order_no>/ and its cancel/ (another user's order is a 404, CSRF), and
/pay/<payment_no>/ (buyer or staff only).
"""

import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from cart import services as cart_services
from cart.models import CartLine
from catalog.models import Package
from catalog.tests.factories import AddOnFactory, PackageFactory, ServiceFactory
from ksmall.money import format_yuan
from orders.models import Checkout, Order, OrderEvent, OrderLine
from orders.services import cancel_order, mark_paid, place_orders
from orders.tests.factories import OrderFactory, choice
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"
BUY_NOW_CHECKOUT = "/checkout/?buy_now=1"
CART = "/cart/"
ADD = "/cart/add/"
ORDERS = "/orders/"
LOGIN = "/accounts/login/"
QUERY_BUDGET = 12

Status = Order.Status

_COUNT = re.compile(
    r'<span id="cart-count"[^>]*>(?:<span class="badge badge--count"[^>]*>(?P<n>\d+)</span>)?'
)


# --- helpers ----------------------------------------------------------------------------------


class _Inputs(HTMLParser):
    """name -> value of every <input> in the page (the last one wins)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def inputs(response) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(response.content.decode())
    return parser.values


def form_data(page, **changes) -> dict:
    """What the checkout page's form submits as rendered, with ``changes`` (None drops a
    field)."""
    values = inputs(page)
    data = {
        "token": values["token"],
        "fingerprint": values["fingerprint"],
        "discounts": values["discounts"],
        "expected_total": values["expected_total"],
        "contact_name": values["contact_name"],
        "contact_phone": values["contact_phone"],
        "note": "",
    }
    if "buy_now" in values:
        data["buy_now"] = values["buy_now"]
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def flashed(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def header_count(response) -> int:
    match = _COUNT.search(response.content.decode())
    assert match, "no #cart-count in the page"
    return int(match.group("n") or 0)


def pay_url(checkout: Checkout) -> str:
    return f"/pay/{checkout.payment_no}/"


def detail_url(order: Order) -> str:
    return f"/orders/{order.order_no}/"


def cancel_url(order: Order) -> str:
    return f"/orders/{order.order_no}/cancel/"


def login_redirect(response, path: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path == LOGIN and parse_qs(location.query).get("next") == [path]


def nothing_placed() -> bool:
    return not (
        Checkout.objects.exists()
        or Order.objects.exists()
        or OrderLine.objects.exists()
        or OrderEvent.objects.exists()
    )


def cart_snapshot(learner) -> list[tuple]:
    return list(
        CartLine.objects.filter(cart__user=learner)
        .order_by("pk")
        .values_list("pk", "package_id", "addon_key", "quantity", "is_selected")
    )


def reserved(package) -> int:
    package.refresh_from_db(fields=["reserved"])
    return package.reserved


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def shop():
    """明德教育 sells two services (one with limited seats and an add-on); 远航外语 one."""
    mingde = ProviderFactory(profile__display_name="明德教育")
    yuanhang = ProviderFactory(profile__display_name="远航外语")
    python = ServiceFactory(provider=mingde, title="Python 数据分析实战营")
    standard = PackageFactory(
        service=python, name="标准班", price=Decimal("1299.00"), capacity=10, reserved=0
    )
    tutoring = AddOnFactory(service=python, name="1对1答疑", price=Decimal("200.00"))
    excel = ServiceFactory(provider=mingde, title="Excel 高效办公")
    sheets = PackageFactory(service=excel, name="录播课", price=Decimal("199.50"))
    japanese = ServiceFactory(provider=yuanhang, title="日语五十音入门")
    kana = PackageFactory(
        service=japanese, name="自学版", price=Decimal("99.00"), capacity=5, reserved=0
    )
    return {
        "mingde": mingde,
        "yuanhang": yuanhang,
        "python": python,
        "standard": standard,
        "tutoring": tutoring,
        "sheets": sheets,
        "japanese": japanese,
        "kana": kana,
    }


@pytest.fixture
def learner():
    return UserFactory(
        email="lin@example.com", nickname="小林", phone="+8613912345678", phone_verified=True
    )


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def cart(learner, shop):
    """Ticked: 标准班 + 1对1答疑 × 2 (明德), 录播课 (明德), 自学版 (远航)."""
    cart = cart_services.cart_for_user(learner)
    cart_services.add_line(cart, shop["standard"], [shop["tutoring"]], 2)
    cart_services.add_line(cart, shop["sheets"], [], 1)
    cart_services.add_line(cart, shop["kana"], [], 1)
    return cart


def line_of(cart, package) -> CartLine:
    return cart.lines.get(package=package)


def untick(cart, package) -> None:
    cart_services.update_line(line_of(cart, package), selected=False)


def place_for(buyer, packages, *, token: str) -> Checkout:
    return place_orders(
        buyer,
        [choice(package) for package in packages],
        contact_name="林小姐",
        contact_phone="13800138000",
        note="周末上课",
        token=token,
    )


# --- checkout: GET ----------------------------------------------------------------------------


def test_checkout_needs_a_login(client, shop):
    response = client.get(CHECKOUT)

    assert login_redirect(response, CHECKOUT), response.get("Location")


def test_checkout_post_needs_a_login_and_places_nothing(client, shop):
    response = client.post(CHECKOUT, {"contact_name": "林", "contact_phone": "13800138000"})

    assert login_redirect(response, CHECKOUT)
    assert nothing_placed()


def test_checkout_without_a_cart_goes_back_to_the_cart_with_a_message(learner_client):
    response = learner_client.get(CHECKOUT)

    assert response.status_code == 302 and response["Location"] == CART
    assert [level for level, _ in flashed(response)] == [messages.INFO]


def test_checkout_with_nothing_ticked_goes_back_to_the_cart(learner_client, cart, shop):
    for package in (shop["standard"], shop["sheets"], shop["kana"]):
        untick(cart, package)

    response = learner_client.get(CHECKOUT)

    assert response.status_code == 302 and response["Location"] == CART
    assert flashed(response) == [(messages.INFO, "请先在购物车中勾选要结算的服务。")]
    assert learner_client.post(CHECKOUT, {}).status_code == 302
    assert nothing_placed()


def test_checkout_shows_the_ticked_lines_grouped_by_provider(learner_client, cart, shop):
    extra = PackageFactory(service=shop["japanese"], name="直播班", price=Decimal("599.00"))
    cart_services.add_line(cart, extra, [], 1)
    untick(cart, extra)

    response = learner_client.get(CHECKOUT)

    assert response.status_code == 200
    groups = response.context["groups"]
    assert [group.provider_name for group in groups] == ["明德教育", "远航外语"]
    assert [{line.quote.package for line, _priced in group.lines} for group in groups] == [
        {shop["standard"], shop["sheets"]},  # newest first, as in the cart
        {shop["kana"]},
    ]
    assert [group.order.total for group in groups] == [Decimal("3197.50"), Decimal("99.00")]
    assert response.context["total"] == Decimal("3296.50")
    html = response.content.decode()
    assert html.count('class="cart-group__provider"') == 2
    for text in ("明德教育", "远航外语", "Python 数据分析实战营", "1对1答疑", "日语五十音入门"):
        assert text in html
    for amount in ("1499.00", "2998.00", "199.50", "99.00", "3197.50", "3296.50"):
        assert format_yuan(Decimal(amount)) in html, amount
    assert "直播班" not in html  # unticked


def test_checkout_prefills_the_contact_and_carries_a_fresh_token(learner_client, cart):
    first = inputs(learner_client.get(CHECKOUT))
    second = inputs(learner_client.get(CHECKOUT))

    assert first["contact_name"] == "小林"
    assert first["contact_phone"] == "13912345678"  # the national number, not +86…
    assert re.fullmatch(r"[0-9a-f]{32}", first["token"])
    assert first["token"] != second["token"]
    html = learner_client.get(CHECKOUT).content.decode()
    assert re.search(r'<input type="hidden" name="token" value="[0-9a-f]{32}"', html)


def test_checkout_leaves_the_phone_empty_for_a_learner_without_one(client, shop):
    learner = UserFactory(nickname="")
    cart_services.add_line(cart_services.cart_for_user(learner), shop["kana"], [], 1)
    client.force_login(learner)

    values = inputs(client.get(CHECKOUT))

    assert values["contact_name"] == "" and values["contact_phone"] == ""


# --- checkout: POST ---------------------------------------------------------------------------


def test_placing_makes_one_order_per_provider_and_one_checkout(learner_client, learner, cart, shop):
    extra = PackageFactory(service=shop["japanese"], name="直播班", price=Decimal("599.00"))
    kept = cart_services.add_line(cart, extra, [], 1)
    untick(cart, extra)
    page = learner_client.get(CHECKOUT)

    response = learner_client.post(
        CHECKOUT, form_data(page, contact_name=" 林  小姐 ", note="希望周末上课")
    )

    checkout = Checkout.objects.get()
    assert response.status_code == 302 and response["Location"] == pay_url(checkout)
    assert checkout.buyer == learner and checkout.total == Decimal("3296.50")
    orders = {order.provider: order for order in checkout.orders.all()}
    assert set(orders) == {shop["mingde"], shop["yuanhang"]}
    assert orders[shop["mingde"]].total == Decimal("3197.50")
    assert orders[shop["yuanhang"]].total == Decimal("99.00")
    for order in orders.values():
        assert order.status == Status.PENDING_PAYMENT
        assert (order.contact_name, order.contact_phone) == ("林 小姐", "+8613912345678")
        assert order.note == "希望周末上课"
    assert sorted(
        OrderLine.objects.values_list("package__name", "quantity", "unit_price", "total")
    ) == sorted(
        [
            ("标准班", 2, Decimal("1499.00"), Decimal("2998.00")),
            ("录播课", 1, Decimal("199.50"), Decimal("199.50")),
            ("自学版", 1, Decimal("99.00"), Decimal("99.00")),
        ]
    )
    assert (reserved(shop["standard"]), reserved(shop["kana"])) == (2, 1)
    # Only the ordered lines leave the cart; the unticked one stays, and the header says 1.
    assert [line.pk for line in cart.lines.all()] == [kept.pk]
    assert learner_client.session["cart_count"] == 1
    cashier = learner_client.get(response["Location"])
    assert cashier.status_code == 200
    assert header_count(cashier) == 1


def test_placing_everything_empties_the_cart_and_the_header_count(learner_client, cart):
    assert header_count(learner_client.get(CART)) == 3
    page = learner_client.get(CHECKOUT)
    assert header_count(page) == 3

    response = learner_client.post(CHECKOUT, form_data(page), follow=True)

    assert response.redirect_chain[0][0].startswith("/pay/")
    assert not cart.lines.exists()
    assert header_count(response) == 0


def test_posted_prices_and_totals_change_nothing(learner_client, cart):
    page = learner_client.get(CHECKOUT)
    data = form_data(page, price="0.01", total="0", amount="0", unit_price="1", discount="100")

    learner_client.post(CHECKOUT, {**data, "status": "paid", "buyer": "1", "quantity": "99"})

    checkout = Checkout.objects.get()
    assert checkout.total == Decimal("3296.50")
    assert sorted(checkout.orders.values_list("total", flat=True)) == [
        Decimal("99.00"),
        Decimal("3197.50"),
    ]
    assert sorted(OrderLine.objects.values_list("unit_price", "quantity")) == [
        (Decimal("99.00"), 1),
        (Decimal("199.50"), 1),
        (Decimal("1499.00"), 2),
    ]
    assert set(Order.objects.values_list("status", flat=True)) == {Status.PENDING_PAYMENT}


def test_a_price_change_after_the_page_refuses_a_single_line(learner_client, learner, shop):
    cart = cart_services.cart_for_user(learner)
    cart_services.add_line(cart, shop["standard"], [], 1)
    before = cart_snapshot(learner)
    page = learner_client.get(CHECKOUT)
    Package.objects.filter(pk=shop["standard"].pk).update(price=Decimal("1399.00"))

    response = learner_client.post(CHECKOUT, form_data(page))

    # The cart no longer counts the line as ticked, so there is nothing to check out.
    assert response.status_code == 302 and response["Location"] == CART
    assert flashed(response)
    assert nothing_placed()
    assert cart_snapshot(learner) == before
    [state] = learner_client.get(CART).context["contents"].states
    assert state.price_changed and not state.is_selected


def test_a_price_change_after_the_page_is_confirmed_again_and_places_nothing(
    learner_client, learner, cart, shop
):
    page = learner_client.get(CHECKOUT)
    Package.objects.filter(pk=shop["standard"].pk).update(price=Decimal("1399.00"))

    response = learner_client.post(CHECKOUT, form_data(page))

    # The repriced line dropped out of the ticked lines, so the page no longer matches what
    # was shown: the learner sees the order again, and nothing is placed at any price.
    assert response.status_code == 200
    assert not Checkout.objects.exists()
    assert reserved(shop["standard"]) == 0
    assert any("changed" in text or "变化" in text for _, text in flashed(response))
    assert cart.lines.count() == 3


# --- double submit ----------------------------------------------------------------------------


def test_a_double_submit_places_one_checkout(learner_client, cart, shop):
    data = form_data(learner_client.get(CHECKOUT))

    first = learner_client.post(CHECKOUT, data)
    learner_client.post(CHECKOUT, data)

    checkout = Checkout.objects.get()
    assert first["Location"] == pay_url(checkout)
    assert Order.objects.count() == 2 and OrderLine.objects.count() == 3
    assert OrderEvent.objects.count() == 2
    assert (reserved(shop["standard"]), reserved(shop["kana"])) == (2, 1)


@pytest.mark.parametrize("buy_now", [False, True], ids=["cart", "buy-now"])
def test_the_second_submit_lands_on_the_same_payment_page(learner_client, cart, shop, buy_now):
    if buy_now:
        learner_client.post(ADD, {"variant": shop["kana"].pk, "quantity": 1, "buy_now": "1"})
    data = form_data(learner_client.get(BUY_NOW_CHECKOUT if buy_now else CHECKOUT))

    first = learner_client.post(CHECKOUT, data)
    second = learner_client.post(CHECKOUT, data)

    assert Checkout.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"] == pay_url(Checkout.objects.get())


def test_the_same_token_from_another_learner_is_their_own_checkout(client, learner, cart, shop):
    client.force_login(learner)
    data = form_data(client.get(CHECKOUT))
    client.post(CHECKOUT, data)
    other = UserFactory(nickname="小王")
    cart_services.add_line(cart_services.cart_for_user(other), shop["sheets"], [], 1)
    client.force_login(other)
    theirs = form_data(
        client.get(CHECKOUT),
        token=data["token"],
        contact_name="小王",
        contact_phone=data["contact_phone"],
    )

    response = client.post(CHECKOUT, theirs)

    assert Checkout.objects.count() == 2
    mine = Checkout.objects.get(buyer=other)
    assert response["Location"] == pay_url(mine)
    assert mine.total == Decimal("199.50")


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"contact_name": ""}, "contact_name"),
        ({"contact_name": "   "}, "contact_name"),
        ({"contact_name": None}, "contact_name"),
        ({"contact_name": "林" * 41}, "contact_name"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"contact_phone": "+1 202 555 0123"}, "contact_phone"),
        ({"contact_phone": "1391234567８"}, None),  # full-width 8 (NFKC) is fine
        ({"note": "很" * 600}, "note"),
        ({"token": None}, "token"),
        ({"token": ""}, "token"),
        ({"token": "abc"}, "token"),
        ({"token": "A" * 32}, "token"),
        ({"token": "g" * 32}, "token"),
        ({"token": "a" * 64}, "token"),
        ({"token": "a" * 65}, "token"),
        ({"token": "<script>alert(1)</script>"}, "token"),
    ],
)
def test_bad_input_is_a_form_error_and_places_nothing(
    learner_client, learner, cart, shop, changes, field
):
    before = cart_snapshot(learner)
    page = learner_client.get(CHECKOUT)

    response = learner_client.post(CHECKOUT, form_data(page, **changes))

    if field is None:  # the control case: a valid variant is placed
        assert response.status_code == 302 and Checkout.objects.count() == 1
        return
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert nothing_placed()
    assert cart_snapshot(learner) == before
    assert (reserved(shop["standard"]), reserved(shop["kana"])) == (0, 0)
    # The page is shown again with the lines, not emptied.
    assert response.context["total"] == Decimal("3296.50")


@pytest.mark.parametrize("field", ["contact_name", "contact_phone", "note"])
def test_a_visible_field_error_is_shown_next_to_the_field(learner_client, cart, field):
    bad = {"contact_name": "", "contact_phone": "12345", "note": "很" * 600}[field]
    page = learner_client.get(CHECKOUT)

    response = learner_client.post(CHECKOUT, form_data(page, **{field: bad}))

    html = response.content.decode()
    for error in response.context["form"].errors[field]:
        assert error in html


@pytest.mark.parametrize("token", [None, "abc"], ids=["missing", "malformed"])
def test_a_bad_token_is_explained_on_the_page(learner_client, cart, token):
    page = learner_client.get(CHECKOUT)

    response = learner_client.post(CHECKOUT, form_data(page, token=token))

    assert response.status_code == 200
    assert not Checkout.objects.exists()
    assert any("expired" in text or "过期" in text for _, text in flashed(response))
    # A fresh token comes with the page, so submitting again works.
    assert re.fullmatch(r"[0-9a-f]{32}", inputs(response)["token"])


# --- sold out ---------------------------------------------------------------------------------


def test_a_line_sold_out_after_the_page_places_nothing(learner_client, learner, shop):
    cart = cart_services.cart_for_user(learner)
    cart_services.add_line(cart, shop["kana"], [], 2)
    before = cart_snapshot(learner)
    page = learner_client.get(CHECKOUT)
    Package.objects.filter(pk=shop["kana"].pk).update(reserved=5)  # = capacity

    response = learner_client.post(CHECKOUT, form_data(page))

    assert response.status_code == 302 and response["Location"] == CART
    assert flashed(response)
    assert nothing_placed()
    assert reserved(shop["kana"]) == 5
    assert cart_snapshot(learner) == before
    [state] = learner_client.get(CART).context["contents"].states
    assert "已售罄" in state.problem


def test_lines_that_together_exceed_the_seats_left_are_refused_at_placement(
    learner_client, learner, shop
):
    """Each line fits on its own, the two together do not: place_orders' seat taking
    refuses, and the transaction leaves nothing behind."""
    cart = cart_services.cart_for_user(learner)
    Package.objects.filter(pk=shop["standard"].pk).update(capacity=3)
    cart_services.add_line(cart, shop["standard"], [], 2)
    cart_services.add_line(cart, shop["standard"], [shop["tutoring"]], 2)
    cart_services.add_line(cart, shop["kana"], [], 1)
    before = cart_snapshot(learner)
    page = learner_client.get(CHECKOUT)

    response = learner_client.post(CHECKOUT, form_data(page))

    assert response.status_code == 200
    [(level, text)] = flashed(response)
    assert level == messages.ERROR and "仅剩 3 席" in text and "标准班" in text
    assert nothing_placed()
    assert (reserved(shop["standard"]), reserved(shop["kana"])) == (0, 0)
    assert cart_snapshot(learner) == before


# --- buy now ----------------------------------------------------------------------------------


def test_buy_now_checks_out_the_single_choice_and_leaves_the_cart(
    learner_client, learner, cart, shop
):
    before = cart_snapshot(learner)

    added = learner_client.post(
        ADD,
        {
            "variant": shop["standard"].pk,
            "addons": [shop["tutoring"].pk],
            "quantity": 3,
            "buy_now": "1",
        },
    )
    assert added.status_code == 302 and added["Location"] == BUY_NOW_CHECKOUT
    page = learner_client.get(BUY_NOW_CHECKOUT)

    assert page.status_code == 200
    [group] = page.context["groups"]
    [(line, _priced)] = group.lines
    assert (line.quote.package, line.quote.addons, line.quote.quantity) == (
        shop["standard"],
        (shop["tutoring"],),
        3,
    )
    assert page.context["total"] == Decimal("4497.00")
    assert inputs(page)["buy_now"] == "1"
    assert "日语五十音入门" not in page.content.decode()

    response = learner_client.post(CHECKOUT, form_data(page))

    checkout = Checkout.objects.get()
    assert response["Location"] == pay_url(checkout)
    assert checkout.total == Decimal("4497.00")
    [order_line] = OrderLine.objects.all()
    assert (order_line.package, order_line.quantity) == (shop["standard"], 3)
    assert cart_snapshot(learner) == before
    assert "buy_now" not in learner_client.session
    assert learner_client.session.get("cart_count", 3) == 3
    assert learner_client.get(BUY_NOW_CHECKOUT)["Location"] == CART


def test_buy_now_without_a_choice_goes_back_to_the_cart(learner_client, cart):
    response = learner_client.get(BUY_NOW_CHECKOUT)

    assert response.status_code == 302 and response["Location"] == CART
    assert learner_client.post(CHECKOUT, {"buy_now": "1"})["Location"] == CART
    assert nothing_placed()


def test_buy_now_sold_out_after_the_choice_goes_back_with_a_message(learner_client, shop):
    learner_client.post(ADD, {"variant": shop["kana"].pk, "quantity": 1, "buy_now": "1"})
    page = learner_client.get(BUY_NOW_CHECKOUT)
    Package.objects.filter(pk=shop["kana"].pk).update(reserved=5)

    response = learner_client.post(CHECKOUT, form_data(page))

    assert response.status_code == 302 and response["Location"] == CART
    assert [level for level, _ in flashed(response)] == [messages.ERROR]
    assert nothing_placed()
    assert reserved(shop["kana"]) == 5


# --- /orders/ ---------------------------------------------------------------------------------


@pytest.fixture
def orders_in_every_status(learner):
    return {
        status: OrderFactory(checkout__buyer=learner, status=status) for status in Status.values
    }


@pytest.mark.parametrize(
    "tab, statuses",
    [
        ("", list(Status.values)),
        ("unpaid", [Status.PENDING_PAYMENT]),
        ("upcoming", [Status.PAID, Status.AWAITING_SERVICE]),
        ("active", [Status.IN_SERVICE]),
        ("done", [Status.COMPLETED]),
        ("after_sales", [Status.REFUNDED]),
    ],
)
def test_the_tabs_filter_by_status(learner_client, orders_in_every_status, tab, statuses):
    strangers = [OrderFactory(status=status) for status in Status.values]

    response = learner_client.get(ORDERS, {"tab": tab} if tab else {})

    assert response.status_code == 200
    assert response.context["tab"] == tab
    shown = {order.order_no for order in response.context["page"].object_list}
    assert shown == {orders_in_every_status[status].order_no for status in statuses}
    html = response.content.decode()
    for order in strangers:
        assert order.order_no not in html
    for order_no in shown:
        assert order_no in html


def test_the_list_links_each_order_and_the_pending_ones_to_the_cashier(
    learner_client, orders_in_every_status
):
    html = learner_client.get(ORDERS).content.decode()

    for order in orders_in_every_status.values():
        assert f'href="{detail_url(order)}"' in html
    pending = orders_in_every_status[Status.PENDING_PAYMENT]
    assert html.count('href="/pay/') == 1
    assert f'href="{pay_url(pending.checkout)}"' in html


def test_another_learners_orders_never_appear(learner_client):
    OrderFactory(status=Status.PENDING_PAYMENT)
    OrderFactory(status=Status.COMPLETED)

    for tab in ("", "unpaid", "done"):
        response = learner_client.get(ORDERS, {"tab": tab})
        assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize(
    "query",
    [
        {"tab": "evil"},
        {"tab": "<script>"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "0"},
        {"tab": "unpaid", "page": "9"},
    ],
)
def test_junk_tabs_and_pages_are_a_200(learner_client, orders_in_every_status, query):
    response = learner_client.get(ORDERS, query)

    assert response.status_code == 200
    if query.get("tab") in ("evil", "<script>"):
        assert response.context["tab"] == ""
        assert len(response.context["page"].object_list) == len(Status.values)
    assert "<script>" not in response.content.decode().split("</header>", 1)[-1]


def test_the_list_pages_by_ten(learner_client, learner):
    for _ in range(12):
        OrderFactory(checkout__buyer=learner)

    first = learner_client.get(ORDERS)
    second = learner_client.get(ORDERS, {"page": "2"})

    assert len(first.context["page"].object_list) == 10
    assert len(second.context["page"].object_list) == 2


def test_the_orders_page_needs_a_login(client):
    assert login_redirect(client.get(ORDERS), ORDERS)


def _queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_list_has_a_fixed_query_budget(learner_client, learner, django_assert_max_num_queries):
    for status in (Status.PENDING_PAYMENT, Status.PAID):
        OrderFactory(checkout__buyer=learner, status=status)
    learner_client.get(ORDERS)  # warm up: session, caches
    few = _queries_for(learner_client, ORDERS)
    for index in range(18):
        OrderFactory(checkout__buyer=learner, status=Status.values[index % len(Status.values)])

    many = _queries_for(learner_client, ORDERS)

    assert few == many, (few, many)
    with django_assert_max_num_queries(QUERY_BUDGET):
        learner_client.get(ORDERS)
    with django_assert_max_num_queries(QUERY_BUDGET):
        learner_client.get(ORDERS, {"tab": "upcoming", "page": "2"})


# --- /orders/<order_no>/ ----------------------------------------------------------------------


@pytest.fixture
def placed(learner, shop):
    """A pending checkout of two orders placed the way checkout does."""
    return place_for(learner, [shop["standard"], shop["sheets"], shop["kana"]], token="a" * 32)


def order_of(checkout, provider) -> Order:
    return checkout.orders.get(provider=provider)


def test_the_detail_shows_lines_total_timeline_and_contact(learner_client, placed, shop):
    order = order_of(placed, shop["mingde"])

    response = learner_client.get(detail_url(order))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        order.order_no,
        "明德教育",
        "Python 数据分析实战营",
        "标准班",
        "Excel 高效办公",
        "录播课",
        format_yuan(Decimal("1299.00")),
        format_yuan(Decimal("199.50")),
        format_yuan(Decimal("1498.50")),
        "林小姐",
        "138 0013 8000",
        "周末上课",
        str(OrderEvent.Event.PLACE.label),
        str(Status.PENDING_PAYMENT.label),
    ):
        assert text in html, text
    assert "日语五十音入门" not in html  # the other provider's order
    assert [event.event for event in response.context["order"].events.all()] == ["place"]


def test_a_pending_order_offers_the_pay_link_and_the_cancel_form(learner_client, placed, shop):
    order = order_of(placed, shop["mingde"])

    html = learner_client.get(detail_url(order)).content.decode()

    assert f'href="{pay_url(placed)}"' in html
    assert f'action="{cancel_url(order)}"' in html


def test_a_paid_order_offers_neither(learner_client, placed, shop):
    mark_paid(placed)
    order = order_of(placed, shop["mingde"])

    html = learner_client.get(detail_url(order)).content.decode()

    assert 'href="/pay/' not in html
    assert cancel_url(order) not in html
    assert str(OrderEvent.Event.PAY.label) in html


def test_the_timeline_shows_each_move(learner_client, learner, placed, shop):
    order = order_of(placed, shop["yuanhang"])
    cancel_order(order, by=learner)

    response = learner_client.get(detail_url(order))

    events = [event.event for event in response.context["order"].events.all()]
    assert events == ["place", "cancel"]
    html = response.content.decode()
    assert str(OrderEvent.Event.CANCEL.label) in html
    assert str(OrderEvent.Role.LEARNER.label) in html


def test_another_learners_order_is_a_404_for_detail_and_cancel(client, placed, shop):
    order = order_of(placed, shop["mingde"])
    client.force_login(UserFactory())

    assert client.get(detail_url(order)).status_code == 404
    assert client.post(cancel_url(order)).status_code == 404

    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert not order.events.filter(event="cancel").exists()
    assert reserved(shop["standard"]) == 1


def test_staff_get_a_404_on_the_learner_urls_of_someone_elses_order(client, placed, shop):
    order = order_of(placed, shop["mingde"])
    client.force_login(StaffFactory())

    assert client.get(detail_url(order)).status_code == 404
    assert client.post(cancel_url(order)).status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_the_provider_gets_a_404_on_the_learner_url(client, placed, shop):
    order = order_of(placed, shop["mingde"])
    client.force_login(shop["mingde"])

    assert client.get(detail_url(order)).status_code == 404


@pytest.mark.parametrize("order_no", ["KS0000", "nope", "KS%3Cscript%3E", "x" * 200])
def test_an_unknown_order_number_is_a_404(learner_client, placed, order_no):
    assert learner_client.get(f"/orders/{order_no}/").status_code == 404
    assert learner_client.post(f"/orders/{order_no}/cancel/").status_code == 404


def test_the_detail_needs_a_login(client, placed, shop):
    order = order_of(placed, shop["mingde"])

    assert login_redirect(client.get(detail_url(order)), detail_url(order))
    assert login_redirect(client.post(cancel_url(order)), cancel_url(order))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


# --- cancel -----------------------------------------------------------------------------------


def test_the_buyer_cancels_a_pending_order(learner_client, learner, placed, shop):
    order = order_of(placed, shop["mingde"])
    other = order_of(placed, shop["yuanhang"])
    assert (reserved(shop["standard"]), reserved(shop["kana"])) == (1, 1)

    response = learner_client.post(cancel_url(order))

    assert response.status_code == 302 and response["Location"] == detail_url(order)
    assert flashed(response) == [(messages.SUCCESS, "订单已取消。")]
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.cancelled_at is not None
    assert order.seats_released
    assert reserved(shop["standard"]) == 0
    assert reserved(shop["kana"]) == 1  # the other order of the checkout is untouched
    other.refresh_from_db()
    assert other.status == Status.PENDING_PAYMENT
    event = order.events.get(event="cancel")
    assert (event.from_status, event.to_status) == (Status.PENDING_PAYMENT, Status.CANCELLED)
    assert (event.actor, event.actor_role) == (learner, OrderEvent.Role.LEARNER)

    page = learner_client.get(detail_url(order))
    html = page.content.decode()
    assert "已取消" in html
    assert cancel_url(order) not in html and 'href="/pay/' not in html


def test_cancelling_twice_is_refused_and_gives_seats_back_once(learner_client, placed, shop):
    order = order_of(placed, shop["mingde"])
    learner_client.post(cancel_url(order), follow=True)  # the page shows the first message

    response = learner_client.post(cancel_url(order))

    assert [level for level, _ in flashed(response)] == [messages.ERROR]
    assert order.events.filter(event="cancel").count() == 1
    assert reserved(shop["standard"]) == 0


def test_cancelling_a_paid_order_is_refused(learner_client, placed, shop):
    mark_paid(placed)
    order = order_of(placed, shop["mingde"])
    order.refresh_from_db()
    status_before = order.status
    events_before = order.events.count()

    response = learner_client.post(cancel_url(order))

    assert response.status_code == 302 and response["Location"] == detail_url(order)
    [(level, text)] = flashed(response)
    assert level == messages.ERROR and str(Status.PAID.label) in text
    order.refresh_from_db()
    assert order.status == status_before == Status.PAID
    assert order.cancelled_at is None and not order.seats_released
    assert order.events.count() == events_before
    assert reserved(shop["standard"]) == 1


def test_cancel_without_a_csrf_token_is_a_403(csrf_client, learner, placed, shop):
    order = order_of(placed, shop["mingde"])
    csrf_client.force_login(learner)

    response = csrf_client.post(cancel_url(order))

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert reserved(shop["standard"]) == 1


def test_cancel_with_the_pages_csrf_token_works(csrf_client, learner, placed, shop):
    order = order_of(placed, shop["mingde"])
    csrf_client.force_login(learner)

    response = post_form(csrf_client, cancel_url(order), {}, form_url=detail_url(order))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CANCELLED


def test_cancel_needs_a_post(learner_client, placed, shop):
    order = order_of(placed, shop["mingde"])

    assert learner_client.get(cancel_url(order)).status_code == 405
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_checkout_without_a_csrf_token_is_a_403(csrf_client, learner, cart):
    csrf_client.force_login(learner)
    data = form_data(csrf_client.get(CHECKOUT))

    response = csrf_client.post(CHECKOUT, data)

    assert response.status_code == 403
    assert nothing_placed()


# --- /pay/<payment_no>/ -----------------------------------------------------------------------


def test_the_cashier_shows_the_total_and_the_orders_to_the_buyer(learner_client, placed, shop):
    response = learner_client.get(pay_url(placed))

    assert response.status_code == 200
    html = response.content.decode()
    assert format_yuan(Decimal("1597.50")) in html  # 1299 + 199.50 + 99
    assert placed.payment_no in html
    for order in placed.orders.all():
        assert f'href="{detail_url(order)}"' in html
        assert format_yuan(order.total) in html
    assert "明德教育" in html and "远航外语" in html


def test_another_learner_gets_a_404_at_the_cashier(client, placed):
    client.force_login(UserFactory())

    assert client.get(pay_url(placed)).status_code == 404


def test_staff_may_see_the_cashier(client, placed):
    client.force_login(StaffFactory())

    response = client.get(pay_url(placed))

    assert response.status_code == 200
    assert format_yuan(placed.total) in response.content.decode()


def test_the_cashier_needs_a_login(client, placed):
    assert login_redirect(client.get(pay_url(placed)), pay_url(placed))


@pytest.mark.parametrize("payment_no", ["PAY0", "nope", "x" * 200])
def test_an_unknown_payment_number_is_a_404(learner_client, placed, payment_no):
    assert learner_client.get(f"/pay/{payment_no}/").status_code == 404
