"""manage.py seed_demo loads a complete, deterministic demo catalogue, idempotently, and
``--services N`` tops it up with generated services for benchmarks."""

import io
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.test import override_settings
from PIL import Image

from accounts.models import ProviderProfile, User
from catalog import demo
from catalog.models import (
    AddOn,
    Category,
    Instructor,
    Package,
    Review,
    Service,
    ServiceMedia,
    SyllabusItem,
)

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    EmailAddress,
    ProviderProfile,
    Category,
    Instructor,
    Service,
    Package,
    AddOn,
    SyllabusItem,
    ServiceMedia,
    Review,
)


@pytest.fixture(scope="module")
def demo_catalogue(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the whole module (drawing the covers takes seconds), inside a
    transaction that is rolled back afterwards; each test runs in a savepoint within it."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_a_second_run_creates_and_changes_nothing(demo_catalogue):
    before = _counts()
    stamps = dict(Service.objects.values_list("slug", "updated_at"))
    profiles = dict(ProviderProfile.objects.values_list("pk", "reviewed_at"))

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert _counts() == before
    assert dict(Service.objects.values_list("slug", "updated_at")) == stamps
    assert dict(ProviderProfile.objects.values_list("pk", "reviewed_at")) == profiles
    assert "0 services created" in out.getvalue()


def test_the_catalogue_has_categories_providers_and_services(demo_catalogue):
    assert Category.objects.count() >= 12
    assert Category.objects.filter(parent=None).exclude(icon="").count() >= 4
    leaves = Category.objects.exclude(parent=None)
    assert not leaves.annotate(n=Count("services")).filter(n=0).exists()
    approved = ProviderProfile.objects.filter(status=ProviderProfile.Status.APPROVED)
    assert approved.count() >= 6
    assert {profile.kind for profile in approved} == set(ProviderProfile.Kind)
    assert Service.objects.published().count() >= 60
    assert Service.objects.published().values("provider").distinct().count() >= 6
    assert Service.objects.filter(is_featured=True).count() >= 5
    assert not Instructor.objects.filter(photo="").exists()


def test_every_published_service_can_be_shown_and_bought(demo_catalogue):
    published = Service.objects.published().annotate(
        on_sale=Count("packages", filter=Q(packages__is_active=True), distinct=True),
        lessons=Count("syllabus", distinct=True),
        lowest=Min("packages__price", filter=Q(packages__is_active=True)),
    )
    for service in published:
        assert service.on_sale >= 1, service.slug
        assert service.cover_id is not None, service.slug
        assert 4 <= service.lessons <= 12, service.slug
        assert service.price_from == service.lowest, service.slug
        assert service.published_at is not None, service.slug
        assert service.view_count > service.sales_count, service.slug
        assert service.instructors.exists(), service.slug
        assert service.provider_name.lower() in service.search_text
        assert service.mode != Service.Mode.OFFLINE or service.city
    prices = Package.objects.aggregate(low=Min("price"))
    assert prices["low"] == Decimal("9.90")
    assert not Package.objects.filter(price__gt=Decimal("19800")).exists()


def test_seats_run_low_and_out(demo_catalogue):
    with_seats = Package.objects.exclude(capacity=None)
    assert with_seats.filter(reserved=F("capacity")).exists()
    assert with_seats.filter(reserved__lt=F("capacity"), reserved__gte=F("capacity") - 3).exists()
    services = Service.objects.published().annotate(
        package_count=Count("packages"),
        sold_out=Count("packages", filter=Q(packages__reserved=F("packages__capacity"))),
    )
    assert services.filter(package_count=1, sold_out=1).exists()


def test_the_demo_provider_has_listings_in_every_review_state(demo_catalogue):
    provider = User.objects.get(email="provider@ksmall.local")
    waiting = Service.objects.filter(provider=provider).exclude(status=Service.Status.PUBLISHED)

    assert set(waiting.values_list("status", flat=True)) == {
        Service.Status.DRAFT,
        Service.Status.PENDING,
        Service.Status.REJECTED,
    }
    assert waiting.get(status=Service.Status.REJECTED).rejection_reason
    assert not waiting.filter(published_at__isnull=False).exists()


def test_rating_counters_match_the_reviews(demo_catalogue):
    assert Review.objects.count() > 100
    assert Review.objects.exclude(reply="").exclude(replied_at=None).exists()
    for service in Service.objects.prefetch_related("reviews"):
        ratings = [review.rating for review in service.reviews.all() if not review.is_hidden]
        assert service.rating_count == len(ratings)
        expected = [ratings.count(star) for star in range(1, 6)] if ratings else []
        assert service.rating_histogram == expected
        if ratings:
            average = Decimal(sum(ratings)) / len(ratings)
            assert service.rating_avg == average.quantize(Decimal("0.01"))


def test_a_missing_service_is_recreated_as_it_was(demo_catalogue):
    service = Service.objects.get(slug="demo-python-data-101")

    def snapshot(service):
        return (
            service.title,
            service.price_from,
            service.rating_histogram,
            service.sales_count,
            list(service.packages.values_list("name", "price", "capacity", "reserved")),
            list(service.addons.values_list("name", "price")),
            list(service.syllabus.values_list("title", "minutes", "is_free_preview")),
            list(service.instructors.values_list("name", flat=True)),
            sorted(service.reviews.values_list("author__email", "rating", "text")),
        )

    before = snapshot(service)
    service.delete()

    call_command("seed_demo", stdout=io.StringIO())

    assert snapshot(Service.objects.get(slug="demo-python-data-101")) == before


def test_services_option_tops_up_once(demo_catalogue):
    call_command("seed_demo", "--services", "300", stdout=io.StringIO())

    published = Service.objects.published()
    assert published.count() == 300
    bulk = published.filter(slug__startswith="bulk-")
    assert bulk.count() == 300 - published.filter(slug__startswith="demo-").count()
    sample = bulk.select_related("provider__provider_profile").first()
    assert sample.price_from == sample.packages.get().price
    assert sample.provider_name.lower() in sample.search_text
    assert sample.instructors.get().name.lower() in sample.search_text
    assert sample.syllabus.count() == 4
    assert sum(sample.rating_histogram) == sample.rating_count
    assert not bulk.exclude(category__parent__isnull=False).exists()
    slugs = set(bulk.values_list("slug", flat=True))

    call_command("seed_demo", "--services", "300", stdout=io.StringIO())

    assert set(Service.objects.filter(slug__startswith="bulk-").values_list("slug", flat=True)) == (
        slugs
    )


def test_drawing_works_without_a_cjk_font(monkeypatch):
    """A machine without Chinese fonts still seeds: covers show Latin labels instead."""
    demo._font.cache_clear()
    monkeypatch.setattr(demo, "_cjk_font_file", lambda weight: None)
    spec = demo.CATEGORY_BY_SLUG["english"]
    try:
        cover = demo.draw_cover(
            title="30 天英语口语突破营",
            category=spec,
            parent=demo.CATEGORY_BY_SLUG["language"],
            mode=Service.Mode.LIVE,
            seed="test",
        )
        portrait = demo.draw_portrait("王静", spec.colour)
        highlights = demo.draw_highlights(title="标题", outcomes=["收获"], category=spec)
    finally:
        demo._font.cache_clear()

    assert Image.open(io.BytesIO(cover)).size == demo.COVER_SIZE
    assert Image.open(io.BytesIO(portrait)).size == (400, 400)
    assert Image.open(io.BytesIO(highlights)).size == demo.COVER_SIZE


def test_covers_are_drawn_the_same_every_time():
    arguments = {
        "title": "Python 数据分析实战营",
        "category": demo.CATEGORY_BY_SLUG["data-analysis"],
        "parent": demo.CATEGORY_BY_SLUG["career"],
        "mode": Service.Mode.LIVE,
        "seed": "demo-python-data-101",
    }

    assert demo.draw_cover(**arguments) == demo.draw_cover(**arguments)


def test_the_demo_learner_has_orders_at_every_stage_and_a_second_run_adds_none():
    from orders.demo import load_demo_orders
    from orders.models import Order

    first = load_demo_orders()
    second = load_demo_orders()

    statuses = set(
        Order.objects.filter(buyer__email="learner@ksmall.local").values_list("status", flat=True)
    )
    assert first == second == 6
    assert statuses == {"pending_payment", "paid", "in_service", "completed"}
