"""The money rules of ``loyalty.pricing``, without a database: ``spread`` to the fen, the
member price, coupons (threshold at member price, percentage with a cap, provider and
scope), points, and the fen every order keeps. Every priced case is checked to add up:
lines to their order, orders to the payment, and the payment to the list price less every
discount, exactly."""

from decimal import Decimal

import pytest

from loyalty.pricing import (
    CouponTerms,
    Line,
    Priced,
    best_provider_coupon,
    member_unit_price,
    price_checkout,
    spread,
)

ZERO = Decimal("0.00")
MINGDE, YUANHANG, BEIJI = 1, 2, 3  # providers
PYTHON, KANA, EXCEL = 10, 20, 30  # services


def line(provider=MINGDE, price="100.00", quantity=1, *, service=None, categories=(), **kw):
    return Line(
        provider_id=provider,
        service_id=service if service is not None else provider * 10,
        category_ids=tuple(categories),
        unit_price=Decimal(price),
        quantity=quantity,
        **kw,
    )


def coupon(provider=None, *, amount=None, rate=None, cap=None, threshold="0", pk=1, **scope):
    return CouponTerms(
        id=pk,
        provider_id=provider,
        kind="percent_off" if rate is not None else "amount_off",
        amount=Decimal(amount) if amount is not None else None,
        rate=Decimal(rate) if rate is not None else None,
        cap=Decimal(cap) if cap is not None else None,
        threshold=Decimal(threshold),
        **scope,
    )


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def assert_adds_up(priced: Priced, lines: list[Line], points_per_yuan: int = 100) -> None:
    """Lines add up to their order, orders to the payment, and the payment is the list
    price less every discount, to the fen; no share is negative; every order pays ¥0.01 at
    least; points are worth their money on every line."""
    assert sorted(id(x) for o in priced.orders for x in o.lines) == sorted(id(x) for x in lines)
    for order in priced.orders:
        for x in order.lines:
            for share in (
                x.member_discount,
                x.provider_coupon_discount,
                x.platform_coupon_discount,
                x.points_discount,
                x.paid,
            ):
                assert share >= 0
                assert share == share.quantize(Decimal("0.01"))
            assert x.paid == (
                x.list_total
                - x.member_discount
                - x.provider_coupon_discount
                - x.platform_coupon_discount
                - x.points_discount
            )
            if points_per_yuan == 100:
                assert x.points_used == fen(x.points_discount)
        assert order.list_total == sum((x.list_total for x in order.lines), ZERO)
        assert order.points_used == sum(x.points_used for x in order.lines)
        assert order.paid == sum((x.paid for x in order.lines), ZERO)
        assert order.paid == (
            order.list_total
            - order.member_discount
            - order.provider_coupon_discount
            - order.platform_coupon_discount
            - order.points_discount
        )
        assert order.paid >= Decimal("0.01")
    assert priced.total == sum((order.paid for order in priced.orders), ZERO)
    assert priced.points_used == sum(order.points_used for order in priced.orders)
    assert priced.points_discount == sum((o.points_discount for o in priced.orders), ZERO)
    assert priced.total == (
        priced.list_total
        - priced.member_discount
        - priced.provider_coupon_discount
        - priced.platform_coupon_discount
        - priced.points_discount
    )
    assert priced.list_total == sum((x.list_total for x in lines), ZERO)


def price(lines: list[Line], points_per_yuan: int = 100, **rules) -> Priced:
    """``price_checkout`` with every result checked to add up."""
    priced = price_checkout(lines, points_per_yuan=points_per_yuan, **rules)
    assert_adds_up(priced, lines, points_per_yuan)
    return priced


def by_provider(priced: Priced) -> dict:
    return {order.provider_id: order for order in priced.orders}


# ---- spread ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "caps", "shares"),
    [
        (1, [1, 1, 1], None, [1, 0, 0]),  # one fen over three: the first gets it
        (2, [1, 1, 1], None, [1, 1, 0]),
        (100, [1, 1, 1], None, [34, 33, 33]),
        (100, [1, 2, 1], None, [25, 50, 25]),
        (10, [1, 1], [2, 100], [2, 8]),  # what the capped item cannot take goes on
        (10, [0, 0, 0], None, [4, 3, 3]),  # no weights at all: equal shares
        (10, [3, 0, 7], None, [3, 0, 7]),  # a weightless item gets nothing
        (7, [5, 5], [0, 10], [0, 7]),  # a cap of zero takes nothing
        (0, [3, 1], None, [0, 0]),
        (5, [2, 2], None, [3, 2]),  # a tie goes to the first item
        (5000, [35000, 9491], [34999, 9490], [3933, 1067]),  # largest remainder wins
        (9, [1, 1, 1], [3, 3, 3], [3, 3, 3]),  # exactly the sum of the caps
    ],
)
def test_spread_adds_up_within_the_caps(total, weights, caps, shares):
    result = spread(total, weights, caps)

    assert result == shares
    assert sum(result) == total
    if caps is not None:
        assert all(share <= cap for share, cap in zip(result, caps, strict=True))


def test_spread_is_the_same_every_time_for_the_same_ties():
    assert {tuple(spread(7, [1, 1, 1, 1, 1])) for _ in range(20)} == {(2, 2, 1, 1, 1)}


@pytest.mark.parametrize(("total", "caps"), [(11, [5, 5]), (-1, [5, 5])])
def test_spread_refuses_what_cannot_fit(total, caps):
    with pytest.raises(ValueError):
        spread(total, [1, 1], caps)


def test_spread_gives_what_a_capped_item_cannot_take_to_weighted_items_first():
    assert spread(10, [5, 0, 5], [3, 10, 10]) == [3, 0, 7]


# ---- member price ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "rate", "member"),
    [
        ("99.90", "0.95", "94.91"),  # 94.905: half up
        ("19.90", "0.85", "16.92"),  # 16.915
        ("333.33", "0.90", "300.00"),  # 299.997
        ("0.10", "0.95", "0.10"),  # 0.095
        ("100.00", "1.00", "100.00"),
    ],
)
def test_member_unit_price_is_rounded_half_up_to_the_fen(unit, rate, member):
    assert member_unit_price(Decimal(unit), Decimal(rate)) == Decimal(member)


def test_member_price_is_rounded_per_unit_not_on_the_line_total():
    kana = line(price="99.90", quantity=3)

    priced = price([kana], member_rate=Decimal("0.95"))

    # 94.91 × 3 = 284.73 (the line total rounded once would be 284.72).
    assert kana.member_total == Decimal("284.73")
    assert kana.member_discount == Decimal("14.97")
    assert priced.total == Decimal("284.73")


def test_no_member_price_for_a_service_that_opted_out_or_a_learner_without_membership():
    opted_out = line(price="100.00", has_member_price=False)
    plain = line(price="100.00")

    price([opted_out, plain], member_rate=Decimal("0.90"))
    assert (opted_out.member_discount, plain.member_discount) == (ZERO, Decimal("10.00"))

    price([opted_out, plain], member_rate=None)
    assert (opted_out.member_discount, plain.member_discount) == (ZERO, ZERO)


# ---- coupons --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "rate", "off"),
    [
        ("310.00", None, "50.00"),  # not a member: 310 ≥ 300
        ("310.00", "0.95", "0.00"),  # member price 294.50 < 300
        ("333.33", "0.90", "50.00"),  # member price 300.00: exactly the threshold
        ("333.32", "0.90", "0.00"),  # member price 299.99
    ],
)
def test_a_threshold_is_met_by_the_member_price(unit, rate, off):
    python = line(price=unit)

    priced = price(
        [python],
        member_rate=Decimal(rate) if rate else None,
        platform_coupon=coupon(amount="50", threshold="300"),
    )

    assert python.platform_coupon_discount == Decimal(off)
    assert (priced.platform_coupon is not None) == (off != "0.00")


@pytest.mark.parametrize(("unit", "off"), [("100.00", "20.00"), ("200.00", "30.00")])
def test_a_percentage_coupon_takes_its_share_up_to_its_cap(unit, off):
    python = line(price=unit)

    price([python], platform_coupon=coupon(rate="0.80", cap="30"))

    assert python.platform_coupon_discount == Decimal(off)


def test_a_percentage_coupon_without_a_cap_is_rounded_half_up():
    python = line(price="99.99")

    price([python], platform_coupon=coupon(rate="0.85"))

    assert python.platform_coupon_discount == Decimal("15.00")  # 14.9985


def test_the_platform_percentage_is_taken_of_what_is_left_after_the_providers_coupon():
    python = line(MINGDE, price="100.00")

    price(
        [python],
        provider_coupons=[coupon(MINGDE, amount="20", pk=2)],
        platform_coupon=coupon(rate="0.90"),
    )

    assert python.provider_coupon_discount == Decimal("20.00")
    assert python.platform_coupon_discount == Decimal("8.00")  # 10% of 80


def test_a_providers_coupon_covers_only_that_providers_lines():
    python, excel = line(MINGDE, "150.00"), line(MINGDE, "60.00", service=EXCEL)
    kana = line(YUANHANG, "500.00")

    priced = price(
        [python, excel, kana],
        provider_coupons=[coupon(MINGDE, amount="30", threshold="200", pk=2)],
    )

    assert by_provider(priced)[MINGDE].provider_coupon_discount == Decimal("30.00")
    assert by_provider(priced)[MINGDE].provider_coupon.id == 2
    assert kana.provider_coupon_discount == ZERO
    assert by_provider(priced)[YUANHANG].provider_coupon is None
    # Spread over the provider's lines by what each has left: 150:60.
    assert (python.provider_coupon_discount, excel.provider_coupon_discount) == (
        Decimal("21.43"),
        Decimal("8.57"),
    )


def test_a_providers_threshold_counts_only_that_providers_lines():
    python = line(MINGDE, "100.00")
    kana = line(YUANHANG, "500.00")

    priced = price(
        [python, kana], provider_coupons=[coupon(MINGDE, amount="50", threshold="300", pk=2)]
    )

    assert priced.provider_coupon_discount == ZERO
    assert by_provider(priced)[MINGDE].provider_coupon is None


def test_a_providers_coupon_is_never_applied_to_another_providers_order():
    kana = line(YUANHANG, "100.00")

    priced = price([kana], provider_coupons=[coupon(MINGDE, amount="10", pk=2)])

    assert priced.total == Decimal("100.00")


def test_a_category_coupon_covers_the_category_and_its_children_only():
    grammar = line(MINGDE, "100.00", service=PYTHON, categories=(7, 1))  # child 7 of 1
    speaking = line(MINGDE, "100.00", service=EXCEL, categories=(1,))
    cooking = line(YUANHANG, "400.00", categories=(9,))

    price([grammar, speaking, cooking], platform_coupon=coupon(amount="60", category_id=1))

    assert grammar.platform_coupon_discount + speaking.platform_coupon_discount == Decimal("60.00")
    assert cooking.platform_coupon_discount == ZERO


def test_a_scoped_coupons_threshold_counts_only_the_lines_it_covers():
    grammar = line(MINGDE, "100.00", categories=(7,))
    cooking = line(YUANHANG, "400.00", categories=(9,))

    priced = price(
        [grammar, cooking], platform_coupon=coupon(amount="30", threshold="200", category_id=7)
    )

    assert priced.platform_coupon is None
    assert priced.total == Decimal("500.00")


def test_a_service_coupon_covers_that_service_only():
    python = line(MINGDE, "100.00", service=PYTHON)
    excel = line(MINGDE, "100.00", service=EXCEL)

    price([python, excel], provider_coupons=[coupon(MINGDE, amount="10", service_id=PYTHON)])

    assert python.provider_coupon_discount == Decimal("10.00")
    assert excel.provider_coupon_discount == ZERO


def test_membership_lines_take_no_coupon():
    plan = line(99, "199.00", has_member_price=False, takes_coupons=False)
    python = line(MINGDE, "50.00")

    priced = price([plan, python], platform_coupon=coupon(amount="20"))

    assert plan.platform_coupon_discount == ZERO
    assert python.platform_coupon_discount == Decimal("20.00")
    assert priced.total == Decimal("229.00")


@pytest.mark.parametrize("terms", [coupon(amount="20"), coupon(rate="0.50")])
def test_a_checkout_of_a_membership_only_uses_no_coupon(terms):
    plan = line(99, "199.00", has_member_price=False, takes_coupons=False)

    priced = price([plan], member_rate=Decimal("0.90"), platform_coupon=terms)

    assert priced.platform_coupon is None
    assert priced.total == Decimal("199.00")


def test_the_platform_coupon_is_spread_over_the_orders_in_proportion():
    python = line(MINGDE, "300.00")
    kana = line(YUANHANG, "100.00")

    priced = price([python, kana], platform_coupon=coupon(amount="40", threshold="300"))

    orders = by_provider(priced)
    assert orders[MINGDE].platform_coupon_discount == Decimal("30.00")
    assert orders[YUANHANG].platform_coupon_discount == Decimal("10.00")
    assert orders[MINGDE].platform_coupon.id == orders[YUANHANG].platform_coupon.id == 1
    assert priced.total == Decimal("360.00")


def test_the_best_provider_coupon_is_the_one_taking_most_off():
    python = line(MINGDE, "400.00")
    order = price([python]).orders[0]
    small = coupon(MINGDE, amount="30", threshold="200", pk=2)
    big = coupon(MINGDE, rate="0.90", pk=3)  # 40 off
    other = coupon(YUANHANG, amount="100", pk=4)

    assert best_provider_coupon([small, big, other], order) == (big, Decimal("40.00"))


# ---- points ---------------------------------------------------------------------------------


def test_points_pay_at_most_half_of_what_is_left_after_coupons():
    python = line(MINGDE, "120.00")

    priced = price([python], platform_coupon=coupon(amount="20"), points=100_000)

    assert priced.points_used == 5000
    assert priced.points_discount == Decimal("50.00")
    assert priced.total == Decimal("50.00")


def test_points_asked_below_the_limit_are_all_used():
    python = line(MINGDE, "100.00")

    priced = price([python], points=777)

    assert (priced.points_used, priced.points_discount) == (777, Decimal("7.77"))


def test_points_worth_less_than_a_fen_are_not_used():
    priced = price([line(price="100.00")], points=9, points_per_yuan=1000)

    assert (priced.points_used, priced.points_discount) == (0, ZERO)


def test_points_at_another_rate_pay_whole_fen_and_never_more_points_than_asked():
    priced = price([line(price="100.00")], points=10, points_per_yuan=3)

    assert priced.points_discount == Decimal("3.33")  # 10 ÷ 3, down to the fen
    assert priced.points_used == 10


def test_points_are_spread_over_orders_and_lines_so_they_add_up():
    python, excel = line(MINGDE, "33.33"), line(MINGDE, "66.67", service=EXCEL)
    kana = line(YUANHANG, "0.99", quantity=3)

    priced = price([python, excel, kana], points=4_321)

    assert priced.points_used == 4_321
    orders = by_provider(priced)
    assert orders[MINGDE].points_used + orders[YUANHANG].points_used == 4_321
    assert python.points_used + excel.points_used == orders[MINGDE].points_used


# ---- the fen every order keeps --------------------------------------------------------------


def test_a_coupon_bigger_than_the_order_leaves_one_fen_to_pay():
    python = line(MINGDE, "30.00")

    priced = price([python], provider_coupons=[coupon(MINGDE, amount="50", pk=2)])

    assert python.provider_coupon_discount == Decimal("29.99")
    assert priced.total == Decimal("0.01")


def test_a_platform_coupon_bigger_than_the_checkout_leaves_one_fen_per_order():
    python = line(MINGDE, "30.00")
    kana = line(YUANHANG, "0.05")

    priced = price([python, kana], platform_coupon=coupon(amount="50"))

    assert [order.paid for order in priced.orders] == [Decimal("0.01"), Decimal("0.01")]
    assert priced.platform_coupon_discount == Decimal("30.03")


def test_points_on_an_order_down_to_its_last_fens_leave_it_one_fen():
    python = line(MINGDE, "0.03")

    priced = price([python], points=100)

    assert priced.points_used == 1  # half of 0.03, down to the fen
    assert priced.total == Decimal("0.02")


def test_points_on_orders_all_down_to_one_fen_are_not_used():
    python, kana = line(MINGDE, "30.00"), line(YUANHANG, "30.00")

    priced = price(
        [python, kana],
        provider_coupons=[coupon(MINGDE, amount="50", pk=2), coupon(YUANHANG, amount="50", pk=3)],
        points=100,
    )

    assert priced.points_used == 0
    assert priced.total == Decimal("0.02")


# ---- odd amounts across providers -----------------------------------------------------------


def test_odd_amounts_over_three_providers_add_up_to_the_fen():
    a, b, c = line(MINGDE, "100.01"), line(YUANHANG, "33.33"), line(BEIJI, "0.05")

    priced = price([a, b, c], platform_coupon=coupon(amount="10"), points=777)

    orders = by_provider(priced)
    # ¥10 over 100.01 : 33.33 : 0.05, each order keeping a fen (largest remainders).
    assert [orders[p].platform_coupon_discount for p in (MINGDE, YUANHANG, BEIJI)] == [
        Decimal("7.50"),
        Decimal("2.50"),
        ZERO,
    ]
    # 777 points (¥7.77) over what is left: 92.51 : 30.83 : 0.05.
    assert [orders[p].points_used for p in (MINGDE, YUANHANG, BEIJI)] == [583, 194, 0]
    assert [orders[p].paid for p in (MINGDE, YUANHANG, BEIJI)] == [
        Decimal("86.68"),
        Decimal("28.89"),
        Decimal("0.05"),
    ]
    assert priced.total == Decimal("115.62")  # 133.39 − 10 − 7.77
    assert orders[BEIJI].platform_coupon is None


@pytest.mark.parametrize(
    ("units", "rate", "provider_offs", "platform", "points"),
    [
        ([(1, "100.01", 1), (2, "33.33", 1), (3, "0.05", 1)], None, {}, "10", 777),
        ([(1, "99.90", 3), (1, "19.90", 7), (2, "0.01", 1)], "0.95", {1: "25"}, "13.33", 9_999),
        ([(1, "0.03", 1), (2, "0.03", 2), (3, "0.07", 3)], "0.85", {2: "1"}, "0.10", 50),
        (
            [(1, "1234.56", 2), (2, "77.77", 9), (3, "5.55", 1)],
            "0.88",
            {3: "5.54"},
            "99.99",
            31_415,
        ),
        ([(1, "59.90", 1), (1, "59.90", 1), (1, "59.90", 1)], None, {1: "0.02"}, "0.01", 1),
    ],
)
def test_every_case_adds_up_lines_to_orders_to_the_payment(
    units, rate, provider_offs, platform, points
):
    lines = [
        line(provider, unit, quantity, service=provider * 10 + i)
        for i, (provider, unit, quantity) in enumerate(units)
    ]

    priced = price(
        lines,
        member_rate=Decimal(rate) if rate else None,
        provider_coupons=[
            coupon(provider, amount=off, pk=100 + provider)
            for provider, off in provider_offs.items()
        ],
        platform_coupon=coupon(amount=platform),
        points=points,
    )

    assert priced.total > 0
