"""quote_line prices a line (package plus add-ons, times the quantity) or refuses it; and the
money helpers it rounds with."""

from decimal import Decimal

import pytest
from django.utils import translation

from catalog.errors import InvalidChoice, InvalidQuantity, NotPurchasable, SoldOut
from catalog.models import Service
from catalog.pricing import quote_line
from catalog.tests.factories import AddOnFactory, PackageFactory
from ksmall.money import fen_to_yuan, format_yuan, to_money, yuan_to_fen

pytestmark = pytest.mark.django_db


def two_places(amount: Decimal) -> bool:
    return isinstance(amount, Decimal) and amount.as_tuple().exponent == -2


@pytest.fixture
def package():
    return PackageFactory(price=Decimal("1299.00"))


# --- totals -----------------------------------------------------------------------------------


def test_one_package_alone_costs_its_price(package):
    quote = quote_line(package)

    assert quote.total == Decimal("1299.00")
    assert quote.unit_price == Decimal("1299.00")
    assert quote.addons_price == Decimal("0.00")
    assert quote.quantity == 1
    assert two_places(quote.total) and two_places(quote.addons_price)


def test_add_ons_are_added_to_the_package_and_everything_is_multiplied_by_the_quantity(package):
    qa = AddOnFactory(service=package.service, price=Decimal("200.00"))
    notes = AddOnFactory(service=package.service, price=Decimal("99.50"))

    quote = quote_line(package, [qa, notes], 3)

    assert quote.addons_price == Decimal("299.50")
    assert quote.unit_price == Decimal("1598.50")
    assert quote.total == Decimal("4795.50")
    assert all(two_places(amount) for amount in (quote.total, quote.unit_price))
    assert quote.addons == (qa, notes)


def test_an_add_on_chosen_twice_is_counted_once(package):
    qa = AddOnFactory(service=package.service, price=Decimal("200.00"))

    quote = quote_line(package, [qa, qa], 1)

    assert quote.total == Decimal("1499.00")
    assert quote.addons == (qa,)


def test_add_ons_come_back_in_their_display_order(package):
    second = AddOnFactory(service=package.service, position=2)
    first = AddOnFactory(service=package.service, position=1)

    assert quote_line(package, [second, first]).addons == (first, second)


def test_the_original_total_and_the_saving_follow_the_original_price():
    package = PackageFactory(price=Decimal("1299.00"), original_price=Decimal("1599.00"))
    qa = AddOnFactory(service=package.service, price=Decimal("200.00"))

    quote = quote_line(package, [qa], 2)

    assert quote.total == Decimal("2998.00")
    assert quote.original_total == Decimal("3598.00")
    assert quote.saving == Decimal("600.00")
    assert two_places(quote.original_total) and two_places(quote.saving)


@pytest.mark.parametrize("original_price", [None, Decimal("1299.00")])
def test_there_is_no_saving_without_a_higher_original_price(original_price):
    package = PackageFactory(price=Decimal("1299.00"), original_price=original_price)

    quote = quote_line(package, quantity=2)

    assert quote.original_total is None
    assert quote.saving is None


def test_seats_left_can_all_be_bought():
    package = PackageFactory(capacity=5, reserved=3)

    assert quote_line(package, quantity=2).total == Decimal("398.00")


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        Service.Status.DRAFT,
        Service.Status.PENDING,
        Service.Status.REJECTED,
        Service.Status.ARCHIVED,
    ],
)
def test_a_package_of_an_unpublished_service_cannot_be_bought(status):
    extra = {"service__rejection_reason": "资质不全"} if status == Service.Status.REJECTED else {}
    package = PackageFactory(service__status=status, **extra)

    with pytest.raises(NotPurchasable):
        quote_line(package)


def test_a_package_off_sale_cannot_be_bought():
    package = PackageFactory(is_active=False)

    with pytest.raises(NotPurchasable):
        quote_line(package)


def test_an_add_on_of_another_service_is_refused(package):
    foreign = AddOnFactory()

    with pytest.raises(InvalidChoice):
        quote_line(package, [foreign])


def test_an_add_on_off_sale_is_refused(package):
    retired = AddOnFactory(service=package.service, is_active=False)

    with pytest.raises(InvalidChoice):
        quote_line(package, [retired])


@pytest.mark.parametrize("quantity", [0, 100, -1, True, "2", 2.0, None])
def test_a_quantity_that_is_not_a_whole_number_from_1_to_99_is_refused(package, quantity):
    with pytest.raises(InvalidQuantity):
        quote_line(package, quantity=quantity)


def test_99_is_the_largest_quantity(package):
    assert quote_line(package, quantity=99).total == Decimal("128601.00")


def test_more_than_the_seats_left_is_refused_with_how_many_are_left():
    package = PackageFactory(capacity=5, reserved=3)

    with translation.override("en"), pytest.raises(SoldOut) as refused:
        quote_line(package, quantity=3)

    assert refused.value.message == "Only 2 seats left."


def test_the_seats_left_message_is_in_chinese_by_default():
    package = PackageFactory(capacity=5, reserved=4)

    with translation.override("zh-hans"), pytest.raises(SoldOut) as refused:
        quote_line(package, quantity=2)

    assert "仅剩" in str(refused.value.message)
    assert "1" in str(refused.value.message)


def test_a_sold_out_package_cannot_be_bought_at_all():
    package = PackageFactory(capacity=5, reserved=5)

    with translation.override("en"):
        with pytest.raises(SoldOut) as refused:
            quote_line(package)

        assert str(refused.value.message) == "Sold out."


# --- ksmall.money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.125"), Decimal("0.13")),
        ("2.675", Decimal("2.68")),
        ("-0.125", Decimal("-0.13")),
        (1299, Decimal("1299.00")),
        (Decimal("0.124"), Decimal("0.12")),
    ],
)
def test_money_is_rounded_half_up_to_two_places(value, expected):
    amount = to_money(value)

    assert amount == expected
    assert two_places(amount)


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        to_money(12.99)


@pytest.mark.parametrize("value", ["abc", "", "12,99"])
def test_money_refuses_text_that_is_not_an_amount(value):
    with pytest.raises(ValueError):
        to_money(value)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1299"), "¥1,299.00"),
        (Decimal("1234567.5"), "¥1,234,567.50"),
        ("0.005", "¥0.01"),
        (0, "¥0.00"),
    ],
)
def test_format_yuan_shows_a_yen_sign_thousands_and_two_places(amount, shown):
    assert format_yuan(amount) == shown


def test_fen_conversion_goes_through_the_same_rounding():
    assert yuan_to_fen(Decimal("12.345")) == 1235
    assert fen_to_yuan(1299) == Decimal("12.99")
    assert two_places(fen_to_yuan(1))
