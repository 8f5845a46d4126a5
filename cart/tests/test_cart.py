"""The cart through its public doors: cart.services and the /cart/ URLs.

Adding from a detail page (anonymous or signed in, junk refused with a message and nothing
stored), buy now, the cart page (groups by provider, lines that cannot be bought, price
changes, the ticked total), changing and removing lines (plain POST and htmx), someone
else's line, the merge at sign-in through the real login page, the query budget and CSRF.
"""

import re
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PASSWORD, ProviderFactory, UserFactory
from cart import services
from cart.errors import PriceChanged
from cart.models import Cart, CartLine
from cart.selectors import cart_contents
from catalog.errors import InvalidQuantity, NotPurchasable, SoldOut
from catalog.models import AddOn, Package, Service, ServiceMedia
from catalog.tests.factories import AddOnFactory, PackageFactory, ServiceFactory
from ksmall.money import format_yuan
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

CART = "/cart/"
ADD = "/cart/add/"
SELECT_ALL = "/cart/select/"
LOGIN = "/accounts/login/"
HTMX = {"HX-Request": "true"}
QUERY_BUDGET = 12

_COUNT = re.compile(
    r'<span id="cart-count"(?P<oob> hx-swap-oob="true")?>'
    r'(?:<span class="badge badge--count"[^>]*>(?P<n>\d+)</span>)?</span>'
)


def item(line) -> str:
    return f"/cart/items/{line.pk}/"


def remove(line) -> str:
    return f"/cart/items/{line.pk}/remove/"


def add(client, package, addons=(), quantity=1, **extra):
    data = {"variant": package.pk, "addons": [a.pk for a in addons], "quantity": quantity}
    return client.post(ADD, {**data, **extra})


def header_count(response) -> int:
    """The number in the header's cart badge (0 when there is no badge)."""
    match = _COUNT.search(response.content.decode())
    assert match, "no #cart-count in the page"
    return int(match.group("n") or 0)


def flashed(response) -> list[tuple[int, str]]:
    """(level, text) of the messages queued by a POST that redirected."""
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def errors(response) -> list[str]:
    return [text for level, text in flashed(response) if level == messages.ERROR]


def lines() -> list[CartLine]:
    return list(CartLine.objects.order_by("pk"))


def cart_of(client) -> Cart:
    """The anonymous cart whose id this client's session keeps."""
    return Cart.objects.get(pk=client.session["cart_id"], user__isnull=True)


def reload(obj):
    obj.refresh_from_db()
    return obj


def make_line(cart, package, addons=(), quantity=1) -> CartLine:
    return services.add_line(cart, package, list(addons), quantity)


@pytest.fixture
def shop():
    """Two providers: 明德教育 (a service with an unlimited and a limited package, two
    add-ons) and 远航外语 (one service, one package)."""
    mingde = ProviderFactory(profile__display_name="明德教育")
    yuanhang = ProviderFactory(profile__display_name="远航外语")
    service = ServiceFactory(provider=mingde, title="Python 数据分析实战营")
    standard = PackageFactory(service=service, name="标准班", price=Decimal("1299.00"))
    limited = PackageFactory(
        service=service, name="进阶班", price=Decimal("2199.00"), capacity=5, reserved=3
    )
    tutoring = AddOnFactory(service=service, name="1对1答疑", price=Decimal("200.00"))
    handouts = AddOnFactory(service=service, name="纸质讲义", price=Decimal("49.00"))
    other = ServiceFactory(provider=yuanhang, title="日语五十音入门")
    kana = PackageFactory(service=other, name="自学版", price=Decimal("99.00"))
    other_addon = AddOnFactory(service=other, name="口语陪练", price=Decimal("30.00"))
    return {
        "service": service,
        "standard": standard,
        "limited": limited,
        "tutoring": tutoring,
        "handouts": handouts,
        "other": other,
        "kana": kana,
        "other_addon": other_addon,
    }


@pytest.fixture
def learner():
    return UserFactory(email="lin@example.com")


@pytest.fixture
def learner_client(client, learner) -> Client:
    client.force_login(learner)
    return client


# --- adding -----------------------------------------------------------------------------------


def test_an_anonymous_visitor_adds_a_line_to_a_new_anonymous_cart(client, shop):
    response = add(client, shop["standard"], [shop["tutoring"]], 2)

    assert response.status_code == 302
    assert response["Location"] == shop["service"].get_absolute_url()
    cart = cart_of(client)
    assert cart.user is None
    [line] = cart.lines.all()
    assert (line.package, list(line.addons.all()), line.quantity) == (
        shop["standard"],
        [shop["tutoring"]],
        2,
    )
    assert line.unit_price_seen == Decimal("1499.00")
    assert [level for level, _ in flashed(response)] == [messages.SUCCESS]
    assert header_count(client.get(response["Location"])) == 1


def test_the_header_shows_no_count_before_anything_is_added(client, shop):
    assert header_count(client.get(shop["service"].get_absolute_url())) == 0


def test_a_signed_in_learner_adds_to_their_own_cart(learner_client, learner, shop):
    add(learner_client, shop["kana"])

    assert Cart.objects.get().user == learner
    assert [line.package for line in learner.cart.lines.all()] == [shop["kana"]]
    assert "cart_id" not in learner_client.session


def test_the_same_package_and_add_ons_grow_the_quantity(client, shop):
    add(client, shop["standard"], [shop["tutoring"], shop["handouts"]], 1)
    add(client, shop["standard"], [shop["handouts"], shop["tutoring"]], 3)  # another order

    [line] = lines()
    assert line.quantity == 4
    assert header_count(client.get(CART)) == 1


def test_different_add_ons_make_a_second_line(client, shop):
    add(client, shop["standard"], [shop["tutoring"]])
    add(client, shop["standard"], [shop["handouts"]])
    add(client, shop["standard"])

    assert len(lines()) == 3
    assert len({line.addon_key for line in lines()}) == 3
    assert header_count(client.get(CART)) == 3


def test_an_add_on_posted_twice_counts_once(client, shop):
    add(client, shop["standard"], [shop["tutoring"], shop["tutoring"]])

    [line] = lines()
    assert list(line.addons.all()) == [shop["tutoring"]]
    assert line.unit_price_seen == Decimal("1499.00")


@pytest.mark.parametrize("variant", ["abc", "99999999999999999999", "", "-1", "1.5", " 1"])
def test_a_junk_variant_is_a_404_and_stores_nothing(client, shop, variant):
    response = client.post(ADD, {"variant": variant, "quantity": 1})

    assert response.status_code == 404
    assert not Cart.objects.exists() and not CartLine.objects.exists()


def test_a_missing_variant_is_a_404_and_stores_nothing(client, shop):
    assert client.post(ADD, {"quantity": 1}).status_code == 404
    assert not Cart.objects.exists()


def test_a_superscript_digit_variant_is_a_404_not_a_500(shop):
    client = Client(raise_request_exception=False)

    response = client.post(ADD, {"variant": "²", "quantity": 1})

    assert response.status_code == 404
    assert not Cart.objects.exists()


def test_a_superscript_digit_add_on_is_a_message_not_a_500(shop):
    client = Client(raise_request_exception=False)

    response = client.post(ADD, {"variant": shop["standard"].pk, "addons": "²", "quantity": 1})

    assert response.status_code == 302
    assert not Cart.objects.exists()


def test_another_services_package_with_this_services_add_on_is_refused(client, shop):
    response = add(client, shop["kana"], [shop["tutoring"]])

    assert response.status_code == 302
    assert errors(response)
    assert not Cart.objects.exists() and not CartLine.objects.exists()


def test_add_ons_of_two_services_mixed_are_refused(client, shop):
    response = add(client, shop["standard"], [shop["tutoring"], shop["other_addon"]])

    assert errors(response)
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("addon", ["abc", "99999999999999999999", "-3"])
def test_junk_add_on_ids_are_refused(client, shop, addon):
    response = client.post(ADD, {"variant": shop["standard"].pk, "addons": addon, "quantity": 1})

    assert response.status_code == 302
    assert errors(response)
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("quantity", ["0", "100", "-1", "abc", "", "1.5", "99999999999999999999"])
def test_a_junk_quantity_gives_a_message_and_stores_nothing(client, shop, quantity):
    response = client.post(ADD, {"variant": shop["standard"].pk, "quantity": quantity})

    assert response.status_code == 302
    assert response["Location"] == shop["service"].get_absolute_url()
    assert errors(response)
    assert not Cart.objects.exists() and not CartLine.objects.exists()
    assert client.session.get("cart_count", 0) == 0


def test_more_than_the_seats_left_says_how_many_are_left(client, shop):
    response = add(client, shop["limited"], quantity=3)  # 5 seats, 3 taken

    assert any("仅剩 2 席" in text for text in errors(response)), flashed(response)
    assert not CartLine.objects.exists()


def test_a_sold_out_package_is_refused(client, shop):
    Package.objects.filter(pk=shop["limited"].pk).update(reserved=5)

    response = add(client, shop["limited"])

    assert any("已售罄" in text for text in errors(response)), flashed(response)
    assert not CartLine.objects.exists()


def test_a_package_off_sale_is_refused(client, shop):
    Package.objects.filter(pk=shop["standard"].pk).update(is_active=False)

    response = add(client, shop["standard"])

    assert errors(response)
    assert not CartLine.objects.exists()


def test_an_add_on_off_sale_is_refused(client, shop):
    shop["tutoring"].is_active = False
    shop["tutoring"].save()

    response = add(client, shop["standard"], [shop["tutoring"]])

    assert errors(response)
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("status", [Service.Status.DRAFT, Service.Status.ARCHIVED])
def test_an_unpublished_service_is_refused(client, shop, status):
    Service.objects.filter(pk=shop["service"].pk).update(status=status)

    response = add(client, shop["standard"])

    assert response.status_code == 302
    assert "该服务暂不可购买" in " ".join(errors(response))
    assert not Cart.objects.exists() and not CartLine.objects.exists()


def test_adding_beyond_99_in_total_is_refused_and_keeps_the_line(client, shop):
    add(client, shop["standard"], quantity=98)

    response = add(client, shop["standard"], quantity=2)

    assert errors(response)
    assert [line.quantity for line in lines()] == [98]
    assert add(client, shop["standard"], quantity=1).status_code == 302
    assert [line.quantity for line in lines()] == [99]


def test_adding_more_than_the_seats_left_to_a_line_keeps_the_line(client, shop):
    add(client, shop["limited"], quantity=1)

    response = add(client, shop["limited"], quantity=2)  # 3 in all, 2 seats left

    assert any("仅剩 2 席" in text for text in errors(response))
    assert [line.quantity for line in lines()] == [1]


def test_a_posted_price_is_ignored(client, shop):
    add(client, shop["standard"], price="0.01", unit_price_seen="0.01", total="0.01")

    [line] = lines()
    assert line.unit_price_seen == shop["standard"].price == Decimal("1299.00")


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/cart/", "javascript:alert(1)"]
)
def test_an_off_site_next_is_ignored(client, shop, next_url):
    response = add(client, shop["standard"], next=next_url)

    assert response["Location"] == shop["service"].get_absolute_url()
    assert len(lines()) == 1


def test_an_on_site_next_is_followed(client, shop):
    back = shop["service"].get_absolute_url() + "?ref=home"

    response = add(client, shop["standard"], next=back)

    assert response["Location"] == back


def test_a_refused_add_goes_back_to_next(client, shop):
    back = shop["service"].get_absolute_url() + "?ref=home"

    response = add(client, shop["limited"], quantity=4, next=back)

    assert response["Location"] == back
    assert errors(response)


def test_adding_needs_a_post(client, shop):
    assert client.get(ADD, {"variant": shop["standard"].pk}).status_code == 405


# --- buy now ----------------------------------------------------------------------------------


def test_buy_now_skips_the_cart_and_goes_to_checkout(client, shop):
    response = add(client, shop["standard"], [shop["tutoring"]], 2, buy_now="1")

    assert response.status_code == 302
    assert response["Location"] == "/checkout/?buy_now=1"  # DESIGN.md "URLs"
    assert client.session["buy_now"] == {
        "package_id": shop["standard"].pk,
        "addon_ids": [shop["tutoring"].pk],
        "quantity": 2,
    }
    assert not Cart.objects.exists() and not CartLine.objects.exists()


def test_buy_now_leaves_the_cart_as_it_was(learner_client, learner, shop):
    add(learner_client, shop["kana"])

    add(learner_client, shop["kana"], quantity=3, buy_now="1")

    assert [line.quantity for line in learner.cart.lines.all()] == [1]


def test_buy_now_with_a_bad_choice_stays_on_the_service_page(client, shop):
    response = add(client, shop["limited"], quantity=3, buy_now="1")

    assert response["Location"] == shop["service"].get_absolute_url()
    assert any("仅剩 2 席" in text for text in errors(response))
    assert "buy_now" not in client.session


# --- the cart page ----------------------------------------------------------------------------


def test_an_empty_cart_page_for_a_new_visitor(client):
    response = client.get(CART)

    assert response.status_code == 200
    assert response.context["contents"].states == []
    assert not Cart.objects.exists()


def test_lines_are_grouped_by_provider(learner_client, learner, shop):
    cart = services.cart_for_user(learner)
    make_line(cart, shop["standard"], [shop["tutoring"]])
    make_line(cart, shop["kana"])
    make_line(cart, shop["limited"])

    response = learner_client.get(CART)

    groups = response.context["contents"].groups
    assert sorted(group.provider_name for group in groups) == ["明德教育", "远航外语"]
    sizes = {group.provider_name: len(group.states) for group in groups}
    assert sizes == {"明德教育": 2, "远航外语": 1}
    html = response.content.decode()
    assert html.count('class="cart-group card"') == 2
    assert "明德教育" in html and "远航外语" in html


def test_the_total_counts_only_ticked_lines(learner_client, learner, shop):
    cart = services.cart_for_user(learner)
    first = make_line(cart, shop["standard"], [shop["tutoring"]], 2)  # 2 × 1499
    second = make_line(cart, shop["kana"], quantity=3)  # 3 × 99
    contents = cart_contents(cart)
    assert contents.selected_total == Decimal("3295.00")

    learner_client.post(item(second), {"selected": ["0"]})

    contents = learner_client.get(CART).context["contents"]
    assert contents.selected_total == Decimal("2998.00")
    assert [state.line.pk for state in contents.selected] == [first.pk]
    assert format_yuan(Decimal("2998.00")) in learner_client.get(CART).content.decode()


def _state(client, line):
    contents = client.get(CART).context["contents"]
    return next(state for state in contents.states if state.line.pk == line.pk), contents


def _unpublish(shop):
    Service.objects.filter(pk=shop["service"].pk).update(status=Service.Status.ARCHIVED)


def _sell_out(shop):
    Package.objects.filter(pk=shop["limited"].pk).update(reserved=5)


def _retire_add_on(shop):
    AddOn.objects.filter(pk=shop["tutoring"].pk).update(is_active=False)


def _retire_package(shop):
    Package.objects.filter(pk=shop["limited"].pk).update(is_active=False)


@pytest.mark.parametrize(
    "break_it, shows",
    [
        (_unpublish, "该服务暂不可购买"),
        (_sell_out, "已售罄"),
        (_retire_package, "该服务暂不可购买"),
        (_retire_add_on, ""),  # the add-on message is not translated yet
    ],
    ids=["unpublished", "sold-out", "package-off-sale", "add-on-off-sale"],
)
def test_a_line_that_cannot_be_bought_is_flagged_and_cannot_be_ticked(
    learner_client, learner, shop, break_it, shows
):
    cart = services.cart_for_user(learner)
    line = make_line(cart, shop["limited"], [shop["tutoring"]])
    make_line(cart, shop["kana"])
    learner_client.post(item(line), {"selected": ["0"]})
    break_it(shop)

    state, contents = _state(learner_client, line)
    assert state.problem and state.quote is None
    assert not state.is_selectable
    assert shows in state.problem
    html = learner_client.get(CART).content.decode()
    assert state.problem in html
    assert f'class="cart-line cart-line--unavailable" id="line-{line.pk}"' in html

    response = learner_client.post(item(line), {"selected": ["0", "1"]})

    assert errors(response)
    assert reload(line).is_selected is False
    state, contents = _state(learner_client, line)
    assert not state.is_selected
    assert contents.selected_total == Decimal("99.00")


def test_a_ticked_line_that_sells_out_no_longer_counts(learner_client, learner, shop):
    cart = services.cart_for_user(learner)
    line = make_line(cart, shop["limited"])
    make_line(cart, shop["kana"])
    _sell_out(shop)

    state, contents = _state(learner_client, line)

    assert not state.is_selected
    assert contents.selected_total == Decimal("99.00")
    assert [s.line.package for s in contents.selected] == [shop["kana"]]


def test_a_price_change_is_flagged_until_accepted(learner_client, learner, shop):
    cart = services.cart_for_user(learner)
    line = make_line(cart, shop["standard"], [shop["handouts"]])  # 1299 + 49
    make_line(cart, shop["kana"])
    Package.objects.filter(pk=shop["standard"].pk).update(price=Decimal("1399.00"))

    state, contents = _state(learner_client, line)
    assert state.price_changed and not state.is_selectable and not state.is_selected
    assert contents.selected_total == Decimal("99.00")
    html = learner_client.get(CART).content.decode()
    assert format_yuan(Decimal("1348.00")) in html and format_yuan(Decimal("1448.00")) in html
    assert 'name="accept_price"' in html

    learner_client.post(item(line), {"selected": ["0"]})
    response = learner_client.post(item(line), {"selected": ["0", "1"]})
    assert errors(response)
    assert reload(line).is_selected is False
    assert reload(line).unit_price_seen == Decimal("1348.00")

    learner_client.post(item(line), {"accept_price": "1"})
    assert reload(line).unit_price_seen == Decimal("1448.00")
    state, _ = _state(learner_client, line)
    assert state.is_selectable and not state.price_changed

    learner_client.post(item(line), {"selected": ["0", "1"]})
    state, contents = _state(learner_client, line)
    assert state.is_selected
    assert contents.selected_total == Decimal("1547.00")


def test_a_price_change_on_a_line_that_cannot_be_bought_is_not_flagged_as_a_price(
    learner_client, learner, shop
):
    cart = services.cart_for_user(learner)
    line = make_line(cart, shop["standard"])
    Package.objects.filter(pk=shop["standard"].pk).update(price=Decimal("1399.00"))
    _unpublish(shop)

    state, _ = _state(learner_client, line)

    assert state.problem and not state.price_changed
    assert learner_client.post(item(line), {"accept_price": "1"}).status_code == 302
    assert reload(line).unit_price_seen == Decimal("1299.00")


def test_select_all_ticks_only_lines_that_can_be_bought(learner_client, learner, shop):
    cart = services.cart_for_user(learner)
    good = make_line(cart, shop["kana"])
    repriced = make_line(cart, shop["standard"])
    sold_out = make_line(cart, shop["limited"])
    CartLine.objects.update(is_selected=False)
    Package.objects.filter(pk=shop["standard"].pk).update(price=Decimal("1399.00"))
    _sell_out(shop)

    response = learner_client.post(SELECT_ALL, {"selected": ["0", "1"]})

    assert response.status_code == 302 and response["Location"] == CART
    assert [reload(x).is_selected for x in (good, repriced, sold_out)] == [True, False, False]
    contents = learner_client.get(CART).context["contents"]
    assert contents.all_selected
    assert contents.selected_total == Decimal("99.00")


def test_unselect_all_unticks_every_line(learner_client, learner, shop):
    cart = services.cart_for_user(learner)
    make_line(cart, shop["kana"])
    make_line(cart, shop["standard"])

    learner_client.post(SELECT_ALL, {"selected": ["0"]})

    assert not CartLine.objects.filter(is_selected=True).exists()
    contents = learner_client.get(CART).context["contents"]
    assert contents.selected_total == Decimal("0.00") and not contents.all_selected


def test_select_all_without_a_cart_changes_nothing(client):
    assert client.post(SELECT_ALL, {"selected": "1"}).status_code == 302
    assert not Cart.objects.exists()


# --- updating a line --------------------------------------------------------------------------


@pytest.fixture
def line(learner, shop) -> CartLine:
    return make_line(services.cart_for_user(learner), shop["standard"], [shop["tutoring"]], 2)


def test_plus_and_minus_change_the_quantity_by_one(learner_client, line):
    learner_client.post(item(line), {"quantity": "2", "step": "1"})
    assert reload(line).quantity == 3

    learner_client.post(item(line), {"quantity": "3", "step": "-1"})
    learner_client.post(item(line), {"quantity": "2", "step": "-1"})
    assert reload(line).quantity == 1


def test_minus_at_one_does_nothing(learner_client, line):
    CartLine.objects.filter(pk=line.pk).update(quantity=1)

    response = learner_client.post(item(line), {"step": "-1"})

    assert response.status_code == 302
    assert reload(line).quantity == 1
    assert not errors(response)


def test_plus_at_99_does_nothing(learner_client, line):
    CartLine.objects.filter(pk=line.pk).update(quantity=99)

    learner_client.post(item(line), {"step": "1"})

    assert reload(line).quantity == 99


def test_a_typed_quantity_is_set(learner_client, line):
    response = learner_client.post(item(line), {"quantity": "5"})

    assert response.status_code == 302 and response["Location"] == CART
    assert reload(line).quantity == 5


@pytest.mark.parametrize(
    "data",
    [
        {"quantity": "0"},
        {"quantity": "100"},
        {"quantity": "-1"},
        {"quantity": "abc"},
        {"quantity": "1.5"},
        {"quantity": "99999999999999999999"},
        {"step": "2"},
        {"step": "abc"},
        {"selected": "yes"},
    ],
)
def test_junk_gives_a_message_and_changes_nothing(learner_client, line, data):
    response = learner_client.post(item(line), data)

    assert response.status_code == 302
    assert errors(response)
    line_after = reload(line)
    assert (line_after.quantity, line_after.is_selected) == (2, True)
    assert learner_client.get(CART).status_code == 200


def test_an_empty_quantity_changes_nothing(learner_client, line):
    response = learner_client.post(item(line), {"quantity": ""})

    assert response.status_code == 302
    assert reload(line).quantity == 2


def test_more_than_the_seats_left_is_refused(learner_client, learner, shop):
    line = make_line(services.cart_for_user(learner), shop["limited"], quantity=1)

    response = learner_client.post(item(line), {"quantity": "3"})
    assert any("仅剩 2 席" in text for text in errors(response))
    assert reload(line).quantity == 1

    learner_client.post(item(line), {"quantity": "2"})
    learner_client.post(item(line), {"quantity": "2", "step": "1"})
    assert reload(line).quantity == 2


def test_an_htmx_update_returns_the_cart_fragment_with_the_count(learner_client, line):
    response = learner_client.post(item(line), {"quantity": "2", "step": "1"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert [t.name for t in response.templates][0] == "cart/_cart.html"
    match = _COUNT.search(html)
    assert match and match.group("oob") and match.group("n") == "1"
    assert reload(line).quantity == 3
    assert format_yuan(Decimal("4497.00")) in html  # 3 × (1299 + 200)


def test_an_htmx_update_with_junk_shows_the_message_in_the_fragment(learner_client, line):
    response = learner_client.post(item(line), {"quantity": "abc"}, headers=HTMX)

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "请选择 1 到 99 之间的数量" in response.content.decode()
    assert reload(line).quantity == 2


def test_an_htmx_select_all_returns_the_fragment(learner_client, line):
    response = learner_client.post(SELECT_ALL, {"selected": "0"}, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()
    assert reload(line).is_selected is False


def test_the_selected_checkbox_last_value_wins(learner_client, line):
    learner_client.post(item(line), {"selected": ["0"]})
    assert reload(line).is_selected is False

    learner_client.post(item(line), {"selected": ["0", "1"]})
    assert reload(line).is_selected is True


def test_updating_needs_a_post(learner_client, line):
    assert learner_client.get(item(line)).status_code == 405
    assert learner_client.get(remove(line)).status_code == 405


# --- removing ---------------------------------------------------------------------------------


def test_removing_a_line_lowers_the_header_count(client, shop):
    add(client, shop["standard"])
    add(client, shop["kana"])
    assert header_count(client.get(CART)) == 2
    first = lines()[0]

    response = client.post(remove(first))

    assert response.status_code == 302 and response["Location"] == CART
    assert [line.package for line in lines()] == [shop["kana"]]
    assert header_count(client.get(CART)) == 1


def test_an_htmx_removal_swaps_the_count_out_of_band(client, shop):
    add(client, shop["standard"])
    [line] = lines()

    response = client.post(remove(line), headers=HTMX)

    assert response.status_code == 200
    match = _COUNT.search(response.content.decode())
    assert match and match.group("oob") and match.group("n") is None
    assert not CartLine.objects.exists()
    assert client.session["cart_count"] == 0


# --- someone else's line ----------------------------------------------------------------------


@pytest.fixture
def others_line(shop) -> CartLine:
    other = UserFactory(email="someone@example.com")
    return make_line(services.cart_for_user(other), shop["standard"], quantity=2)


@pytest.fixture
def anonymous_line(shop) -> CartLine:
    other = Client()
    add(other, shop["kana"], quantity=2)
    return CartLine.objects.get(cart=cart_of(other))


ATTEMPTS = [
    ("item", {"quantity": "5"}),
    ("item", {"step": "1"}),
    ("item", {"selected": "0"}),
    ("item", {"accept_price": "1"}),
    ("remove", {}),
]


def _url(kind, line):
    return item(line) if kind == "item" else remove(line)


@pytest.mark.parametrize("kind, data", ATTEMPTS)
def test_another_learners_line_is_a_404_for_a_learner(
    learner_client, learner, shop, others_line, kind, data
):
    make_line(services.cart_for_user(learner), shop["kana"])  # a cart of one's own

    for headers in ({}, HTMX):
        response = learner_client.post(_url(kind, others_line), data, headers=headers)
        assert response.status_code == 404

    after = reload(others_line)
    assert (after.quantity, after.is_selected, after.cart.user.email) == (
        2,
        True,
        "someone@example.com",
    )


@pytest.mark.parametrize("kind, data", ATTEMPTS)
def test_another_learners_line_is_a_404_for_an_anonymous_visitor(
    client, shop, others_line, kind, data
):
    add(client, shop["kana"])  # an anonymous cart of one's own

    assert client.post(_url(kind, others_line), data).status_code == 404
    assert reload(others_line).quantity == 2


@pytest.mark.parametrize("kind, data", ATTEMPTS)
def test_another_anonymous_sessions_line_is_a_404(client, shop, anonymous_line, kind, data):
    add(client, shop["standard"])

    assert client.post(_url(kind, anonymous_line), data).status_code == 404
    after = reload(anonymous_line)
    assert (after.quantity, after.is_selected) == (2, True)


@pytest.mark.parametrize("kind, data", ATTEMPTS)
def test_an_anonymous_line_is_a_404_for_a_learner(learner_client, anonymous_line, kind, data):
    assert learner_client.post(_url(kind, anonymous_line), data).status_code == 404
    assert reload(anonymous_line).quantity == 2


@pytest.mark.parametrize("kind, data", ATTEMPTS)
def test_an_anonymous_visitor_without_a_cart_gets_a_404(client, anonymous_line, kind, data):
    assert client.post(_url(kind, anonymous_line), data).status_code == 404
    assert client.post(f"/cart/items/{anonymous_line.pk + 1000}/", data).status_code == 404
    assert reload(anonymous_line).quantity == 2


def test_a_learner_with_an_empty_cart_gets_a_404(learner_client, others_line):
    assert learner_client.post(item(others_line), {"quantity": "1"}).status_code == 404
    assert learner_client.post(remove(others_line)).status_code == 404
    assert CartLine.objects.filter(pk=others_line.pk).exists()


def test_a_huge_line_id_is_a_404(learner_client, line):
    assert learner_client.post("/cart/items/99999999999999999999/", {}).status_code == 404


def test_an_anonymous_cart_left_in_the_session_after_it_was_claimed_is_not_shared(
    client, learner, shop
):
    """A session still pointing at a cart that now belongs to a learner sees nothing."""
    add(client, shop["kana"])
    cart = cart_of(client)
    Cart.objects.filter(pk=cart.pk).update(user=learner)
    [line] = lines()

    assert client.get(CART).context["contents"].states == []
    assert client.post(item(line), {"quantity": "3"}).status_code == 404
    assert reload(line).quantity == 1


# --- merge at sign-in -------------------------------------------------------------------------


def log_in(client, email="lin@example.com"):
    response = post_form(client, LOGIN, {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.context and response.context["form"].errors
    return response


def test_anonymous_lines_join_the_learners_cart_at_login(client, learner, shop):
    make_line(services.cart_for_user(learner), shop["kana"], quantity=2)
    add(client, shop["standard"], [shop["tutoring"]])
    add(client, shop["limited"])
    anonymous = cart_of(client)

    response = log_in(client)

    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert Cart.objects.get() == learner.cart
    got = {(line.package.name, line.addon_key, line.quantity) for line in learner.cart.lines.all()}
    assert got == {
        ("自学版", "", 2),
        ("标准班", str(shop["tutoring"].pk), 1),
        ("进阶班", "", 1),
    }
    [moved] = learner.cart.lines.filter(package=shop["standard"])
    assert list(moved.addons.all()) == [shop["tutoring"]]
    assert "cart_id" not in client.session
    assert header_count(client.get(response["Location"])) == 3


def test_the_same_choice_adds_quantities_at_login(client, learner, shop):
    cart = services.cart_for_user(learner)
    make_line(cart, shop["standard"], [shop["tutoring"]], 3)
    add(client, shop["standard"], [shop["tutoring"]], 4)

    log_in(client)

    [line] = learner.cart.lines.all()
    assert line.quantity == 7
    assert header_count(client.get(CART)) == 1


def test_merged_quantities_are_capped_at_99(client, learner, shop):
    make_line(services.cart_for_user(learner), shop["standard"], quantity=60)
    add(client, shop["standard"], quantity=50)

    log_in(client)

    assert [line.quantity for line in learner.cart.lines.all()] == [99]


def test_merged_quantities_are_capped_at_the_seats_left(client, learner, shop):
    make_line(services.cart_for_user(learner), shop["limited"], quantity=1)  # 2 seats left
    add(client, shop["limited"], quantity=2)

    log_in(client)

    [line] = learner.cart.lines.all()
    assert line.quantity == 2
    assert not cart_contents(learner.cart).states[0].problem


def test_login_without_an_anonymous_cart_shows_the_learners_own_count(client, learner, shop):
    cart = services.cart_for_user(learner)
    make_line(cart, shop["standard"])
    make_line(cart, shop["kana"])

    response = log_in(client)

    assert header_count(client.get(response["Location"])) == 2


def test_logging_out_empties_the_header_count(client, learner, shop):
    add(client, shop["kana"])
    log_in(client)
    assert client.session["cart_count"] == 1

    post_form(client, "/accounts/logout/", {})

    assert header_count(client.get(CART)) == 0
    assert learner.cart.lines.count() == 1


def test_merge_carts_moves_lines_and_deletes_the_source(shop, learner):
    source = Cart.objects.create()
    target = services.cart_for_user(learner)
    make_line(source, shop["kana"], quantity=2)
    make_line(source, shop["standard"], [shop["handouts"]], 1)
    make_line(target, shop["standard"], [shop["handouts"]], 98)

    assert services.merge_carts(source, target) == target

    assert not Cart.objects.filter(pk=source.pk).exists()
    got = sorted((line.package.name, line.quantity) for line in target.lines.all())
    assert got == [("标准班", 99), ("自学版", 2)]


def test_merging_a_cart_into_itself_changes_nothing(shop, learner):
    cart = services.cart_for_user(learner)
    make_line(cart, shop["kana"], quantity=2)

    services.merge_carts(cart, cart)

    assert [line.quantity for line in reload(cart).lines.all()] == [2]


# --- services ---------------------------------------------------------------------------------


def test_add_line_raises_and_changes_nothing_when_it_cannot_be_bought(shop):
    cart = Cart.objects.create()
    make_line(cart, shop["limited"], quantity=2)

    with pytest.raises(SoldOut):
        make_line(cart, shop["limited"], quantity=1)
    with pytest.raises(InvalidQuantity):
        make_line(cart, shop["standard"], quantity=100)
    _unpublish(shop)
    with pytest.raises(NotPurchasable):
        make_line(cart, Package.objects.select_related("service").get(pk=shop["standard"].pk))

    assert [(line.package, line.quantity) for line in cart.lines.all()] == [(shop["limited"], 2)]


def test_update_line_refuses_to_tick_a_repriced_line(shop):
    cart = Cart.objects.create()
    line = make_line(cart, shop["kana"])
    services.update_line(line, selected=False)
    Package.objects.filter(pk=shop["kana"].pk).update(price=Decimal("89.00"))
    line = CartLine.objects.select_related("package__service").get(pk=line.pk)

    with pytest.raises(PriceChanged):
        services.update_line(line, selected=True)
    assert reload(line).is_selected is False

    services.update_line(line, accept_price=True, selected=True)
    assert (reload(line).is_selected, line.unit_price_seen) == (True, Decimal("89.00"))


def test_remove_lines_takes_out_only_the_given_lines_of_this_cart(shop, learner):
    cart = services.cart_for_user(learner)
    kept = make_line(cart, shop["kana"])
    gone = make_line(cart, shop["standard"])
    elsewhere = make_line(Cart.objects.create(), shop["standard"])

    assert services.remove_lines(cart, [gone.pk, elsewhere.pk]) == 1

    assert list(cart.lines.all()) == [kept]
    assert CartLine.objects.filter(pk=elsewhere.pk).exists()


# --- query budget -----------------------------------------------------------------------------


def _fill(cart, count: int) -> None:
    """``count`` lines across several providers, with add-ons, half of them with a cover."""
    providers = [ProviderFactory() for _ in range(min(count, 4))]
    for i in range(count):
        service = ServiceFactory(provider=providers[i % len(providers)])
        if i % 2:
            media = ServiceMedia.objects.create(
                service=service,
                image=f"services/{i}.webp",
                width=1200,
                height=800,
                thumbnail=f"services/{i}-s.webp",
                thumbnail_width=400,
                thumbnail_height=267,
            )
            Service.objects.filter(pk=service.pk).update(cover=media)
        package = PackageFactory(service=service, capacity=50)
        addons = [AddOnFactory(service=service), AddOnFactory(service=service)]
        make_line(cart, package, addons[: 1 + i % 2], quantity=1 + i % 3)


def _queries(client) -> int:
    client.get(CART)  # warm up: the category menu is cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CART)
    assert response.status_code == 200
    return len(queries)


def test_the_cart_page_costs_the_same_for_2_or_20_lines(client):
    small, large = UserFactory(), UserFactory()
    _fill(services.cart_for_user(small), 2)
    _fill(services.cart_for_user(large), 20)
    client.force_login(small)
    two = _queries(client)
    client.force_login(large)

    twenty = _queries(client)

    contents = client.get(CART).context["contents"]
    assert len(contents.states) == 20 and len(contents.groups) == 4
    assert twenty == two


def test_the_cart_page_stays_within_its_query_budget(client, django_assert_max_num_queries):
    learner = UserFactory()
    _fill(services.cart_for_user(learner), 20)
    client.force_login(learner)
    client.get(CART)  # warm up

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(CART)

    assert len(response.context["contents"].states) == 20


def test_the_anonymous_cart_page_has_the_same_budget(client, shop, django_assert_max_num_queries):
    add(client, shop["standard"], [shop["tutoring"], shop["handouts"]])
    add(client, shop["kana"])
    client.get(CART)

    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(CART).status_code == 200


# --- CSRF -------------------------------------------------------------------------------------


def test_a_post_without_a_csrf_token_is_refused(csrf_client, shop):
    response = csrf_client.post(ADD, {"variant": shop["standard"].pk, "quantity": 1})

    assert response.status_code == 403
    assert not Cart.objects.exists()


def test_cart_actions_without_a_csrf_token_are_refused(csrf_client, learner, shop):
    line = make_line(services.cart_for_user(learner), shop["kana"])
    csrf_client.force_login(learner)

    for url, data in [
        (item(line), {"quantity": "5"}),
        (remove(line), {}),
        (SELECT_ALL, {"selected": "0"}),
    ]:
        assert csrf_client.post(url, data).status_code == 403
    assert (reload(line).quantity, reload(line).is_selected) == (1, True)


def test_the_detail_pages_form_adds_with_its_token(csrf_client, shop):
    url = shop["service"].get_absolute_url()

    response = post_form(
        csrf_client,
        ADD,
        {"variant": shop["standard"].pk, "quantity": "1", "next": url},
        form_url=url,
    )

    assert response.status_code == 302 and response["Location"] == url
    assert len(lines()) == 1
