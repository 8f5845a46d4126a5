"""factory-boy factories for the catalogue: categories, services with packages and add-ons,
instructors and reviews. Services are published by default, with a provider and a category."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import AddOn, Category, Instructor, Package, Review, Service
from catalog.services import refresh_listing, refresh_rating

# A user with an approved provider profile (display name 讲师N).
ProviderUserFactory = ProviderFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    """A top-level category; pass ``parent=`` for a child."""

    class Meta:
        model = Category

    parent = None
    name = factory.Sequence(lambda n: f"分类{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    position = factory.Sequence(lambda n: n)


class InstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instructor

    provider = factory.SubFactory(ProviderUserFactory)
    name = factory.Sequence(lambda n: f"老师{n}")
    title = "高级讲师"


class ServiceFactory(factory.django.DjangoModelFactory):
    """A published online service; ``status=Service.Status.PENDING`` for one awaiting review."""

    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderUserFactory)
    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"雅思口语冲刺班 {n}")
    summary = "四周提升口语一个分数段"
    mode = Service.Mode.LIVE
    status = Service.Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda service: timezone.now() if service.status == Service.Status.PUBLISHED else None
    )


class PackageFactory(factory.django.DjangoModelFactory):
    """A package on sale; the service's price-from follows it."""

    class Meta:
        model = Package

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"套餐{n}")
    price = Decimal("199.00")
    position = factory.Sequence(lambda n: n)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        package = super()._create(model_class, *args, **kwargs)
        refresh_listing(package.service)
        return package


class AddOnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AddOn

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"1对1答疑 {n}")
    price = Decimal("200.00")
    position = factory.Sequence(lambda n: n)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A visible review, counted in the service's rating."""

    class Meta:
        model = Review

    service = factory.SubFactory(ServiceFactory)
    author = factory.SubFactory(UserFactory)
    rating = 5
    text = "老师讲得很清楚，收获很大。"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        review = super()._create(model_class, *args, **kwargs)
        refresh_rating(review.service)
        return review
