"""catalog.services.reserve_seats / release_seats: seats are taken with one conditional
update and given back without going below zero."""

import threading

import pytest
from django.db import connection

from catalog.errors import SoldOut
from catalog.services import release_seats, reserve_seats
from catalog.tests.factories import PackageFactory


def reserved(package) -> int:
    package.refresh_from_db()
    return package.reserved


@pytest.mark.django_db
class TestReserveSeats:
    def test_takes_seats_up_to_the_capacity(self):
        package = PackageFactory(capacity=5, reserved=2)

        reserve_seats(package.pk, 3)

        assert reserved(package) == 5

    def test_one_seat_too_many_is_sold_out_and_takes_nothing(self):
        package = PackageFactory(capacity=5, reserved=3)

        with pytest.raises(SoldOut):
            reserve_seats(package.pk, 3)

        assert reserved(package) == 3

    def test_a_full_package_is_sold_out(self):
        package = PackageFactory(capacity=2, reserved=2)

        with pytest.raises(SoldOut):
            reserve_seats(package.pk, 1)

    def test_an_unlimited_package_counts_the_seats_taken(self):
        package = PackageFactory(capacity=None, reserved=7)

        reserve_seats(package.pk, 40)

        assert reserved(package) == 47

    def test_a_package_off_sale_takes_no_seats(self):
        package = PackageFactory(capacity=None, is_active=False)

        with pytest.raises(SoldOut):
            reserve_seats(package.pk, 1)

        assert reserved(package) == 0

    def test_an_unknown_package_is_sold_out(self):
        with pytest.raises(SoldOut):
            reserve_seats(987654, 1)

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_a_quantity_below_one_is_a_programming_error(self, quantity):
        package = PackageFactory(capacity=5)

        with pytest.raises(ValueError):
            reserve_seats(package.pk, quantity)

        assert reserved(package) == 0


@pytest.mark.django_db
class TestReleaseSeats:
    def test_gives_seats_back(self):
        package = PackageFactory(capacity=5, reserved=5)

        release_seats(package.pk, 2)

        assert reserved(package) == 3

    def test_never_goes_below_zero(self):
        package = PackageFactory(capacity=5, reserved=1)

        release_seats(package.pk, 4)

        assert reserved(package) == 0

    def test_gives_back_seats_of_a_package_off_sale(self):
        package = PackageFactory(capacity=5, reserved=3, is_active=False)

        release_seats(package.pk, 3)

        assert reserved(package) == 0

    def test_released_seats_can_be_taken_again(self):
        package = PackageFactory(capacity=1, reserved=1)

        release_seats(package.pk, 1)
        reserve_seats(package.pk, 1)

        assert reserved(package) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_buyers_of_the_last_three_seats_take_exactly_three():
    package = PackageFactory(capacity=10, reserved=7)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def buy():
        try:
            barrier.wait(timeout=10)
            reserve_seats(package.pk, 1)
            outcomes.append("ok")
        except SoldOut:
            outcomes.append("sold out")
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["ok"] * 3 + ["sold out"] * 7
    assert reserved(package) == 10
