"""factory-boy factories for checkouts and orders, written straight to the database in any
status (tests of moves start from there). To place orders the way a learner does, call
``orders.services.place_orders``; ``choice()`` builds its lines."""

import secrets
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.tests.factories import PackageFactory
from orders import services
from orders.models import Checkout, Order, OrderLine
from orders.numbers import new_order_no, new_payment_no
from orders.services import LineChoice


def choice(package, addons=(), quantity: int = 1) -> LineChoice:
    return LineChoice(package.pk, [addon.pk for addon in addons], quantity)


class CheckoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Checkout

    payment_no = factory.LazyFunction(new_payment_no)
    buyer = factory.SubFactory(UserFactory)
    total = Decimal("199.00")
    token = factory.Sequence(lambda n: f"{n:032x}")
    pay_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


class OrderFactory(factory.django.DjangoModelFactory):
    """An order of one line (``OrderLineFactory``) in ``status`` (awaiting payment by
    default); ``line__package__capacity=5`` etc. shape the line, ``line=False`` leaves it
    out."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    order_no = factory.LazyFunction(new_order_no)
    checkout = factory.SubFactory(CheckoutFactory)
    buyer = factory.SelfAttribute("checkout.buyer")
    provider = factory.SubFactory(ProviderFactory)
    provider_name = "王老师工作室"
    status = Order.Status.PENDING_PAYMENT
    total = Decimal("199.00")
    subtotal = factory.SelfAttribute("total")
    contact_name = "小林"
    contact_phone = "+8613800000001"
    line = factory.RelatedFactory(
        "orders.tests.factories.OrderLineFactory", factory_related_name="order"
    )


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory, line=None)
    # A package of a service by the order's provider.
    package = factory.SubFactory(
        PackageFactory, service__provider=factory.SelfAttribute("...order.provider")
    )
    service = factory.SelfAttribute("package.service")
    title = factory.SelfAttribute("service.title")
    package_name = factory.SelfAttribute("package.name")
    addons = factory.LazyFunction(list)
    unit_price = factory.SelfAttribute("package.price")
    quantity = 1
    total = factory.LazyAttribute(lambda line: line.unit_price * line.quantity)
    paid = factory.SelfAttribute("total")
    fulfilment = factory.SelfAttribute("service.fulfilment")
    starts_on = factory.SelfAttribute("service.starts_on")
    study_days = factory.SelfAttribute("service.study_days")


def order_walked_to(status: str, *, buyer=None, **package_fields) -> Order:
    """An order of one line, placed by ``buyer`` (a new learner by default) and moved
    through the real services (pay, accept, start, learner confirms) until ``status``.
    ``package_fields`` shape the package (``price=``, ``service__refund_policy=``…)."""
    buyer = buyer or UserFactory(nickname="小林")
    package = PackageFactory(**package_fields)
    checkout = services.place_orders(
        buyer,
        [services.LineChoice(package.pk, (), 1)],
        contact_name="小林",
        contact_phone="13800000001",
        token=secrets.token_hex(16),
    )
    order = checkout.orders.get()
    steps = [
        ("paid", lambda o: services.mark_paid(checkout)),
        ("awaiting_service", lambda o: services.accept_order(o, by=o.provider, schedule="周六")),
        ("in_service", lambda o: services.start_order(o, by=o.provider)),
        ("completed", lambda o: services.confirm_order(o, by=buyer)),
    ]
    for reached, step in steps:
        if order.status == status:
            break
        step(order)
        order.refresh_from_db()
        assert order.status == reached, (reached, order.status)
    return order
