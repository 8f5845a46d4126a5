"""catalog.services: the listing review workflow and who may run it, ratings and reviews,
replies, sales and interest, and the denormalised listing fields."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from accounts.tests.images import image_bytes, upload
from catalog.editor import move
from catalog.models import CategoryInterest, Review, Service
from catalog.services import (
    add_gallery_image,
    add_review,
    approve_service,
    archive_service,
    record_sale,
    record_view,
    refresh_listing,
    refresh_rating,
    reject_service,
    reply_to_review,
    set_featured,
    set_review_hidden,
)
from catalog.tests.factories import (
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
    ReviewFactory,
    ServiceFactory,
)
from notifications.models import Message

pytestmark = pytest.mark.django_db


def reloaded(service: Service) -> Service:
    service.refresh_from_db()
    return service


@pytest.fixture
def pending():
    return PackageFactory(
        service__title="考研英语一对一", service__status=Service.Status.PENDING
    ).service


@pytest.fixture(autouse=True)
def _media(media_root):
    """Submitting needs a cover image, stored under a temporary MEDIA_ROOT."""


def with_cover(service: Service) -> Service:
    add_gallery_image(service, upload(image_bytes((400, 300))))
    return service


@pytest.fixture
def draft():
    return ServiceFactory(status=Service.Status.DRAFT)


def not_staff():
    """Everyone who must not run a staff action, built lazily inside each test."""
    inactive_staff = StaffFactory()
    inactive_staff.is_active = False
    inactive_staff.save()
    return [UserFactory(), ProviderFactory(), inactive_staff]


# --- submit for review ------------------------------------------------------------------------


def test_the_provider_submits_a_draft_with_a_package_for_review(draft):
    PackageFactory(service=draft)

    move(with_cover(draft), "submit", by=draft.provider)

    assert reloaded(draft).status == Service.Status.PENDING


def test_a_rejected_listing_can_be_submitted_again():
    service = PackageFactory(
        service__status=Service.Status.REJECTED, service__rejection_reason="缺少资质"
    ).service

    move(with_cover(service), "submit", by=service.provider)

    assert reloaded(service).status == Service.Status.PENDING


def test_a_draft_without_a_package_on_sale_cannot_be_submitted(draft):
    PackageFactory(service=draft, is_active=False)

    with pytest.raises(ValidationError):
        move(with_cover(draft), "submit", by=draft.provider)

    assert reloaded(draft).status == Service.Status.DRAFT


@pytest.mark.parametrize("who", ["provider", "staff", "learner"])
def test_only_the_owner_submits_a_listing(draft, who):
    PackageFactory(service=draft)
    user = {"provider": ProviderFactory, "staff": StaffFactory, "learner": UserFactory}[who]()

    with pytest.raises(PermissionDenied):
        move(with_cover(draft), "submit", by=user)

    assert reloaded(draft).status == Service.Status.DRAFT


@pytest.mark.parametrize(
    "status", [Service.Status.PENDING, Service.Status.PUBLISHED, Service.Status.ARCHIVED]
)
def test_only_drafts_and_rejected_listings_can_be_submitted(status):
    service = PackageFactory(service__status=status).service

    with pytest.raises(ValidationError):
        move(with_cover(service), "submit", by=service.provider)

    assert reloaded(service).status == status


# --- approve ----------------------------------------------------------------------------------


def test_staff_approve_a_pending_listing_and_it_is_published(pending):
    approve_service(pending, by=StaffFactory())

    service = reloaded(pending)
    assert service.status == Service.Status.PUBLISHED
    assert service.published_at is not None
    assert service.price_from == Decimal("199.00")


def test_approval_notifies_the_provider(pending):
    approve_service(pending, by=StaffFactory())

    message = Message.objects.get()
    assert message.user == pending.provider
    assert message.event == "service_approved"
    assert message.context == {"title": "考研英语一对一"}
    assert message.url == f"/services/{pending.slug}/"


def test_approval_clears_an_old_rejection_reason():
    service = PackageFactory(
        service__status=Service.Status.REJECTED, service__rejection_reason="缺少资质"
    ).service
    move(with_cover(service), "submit", by=service.provider)

    approve_service(service, by=StaffFactory())

    assert reloaded(service).rejection_reason == ""


def test_approval_needs_staff(pending):
    for user in not_staff() + [pending.provider]:
        with pytest.raises(PermissionDenied):
            approve_service(pending, by=user)

    assert reloaded(pending).status == Service.Status.PENDING
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "status", [Service.Status.DRAFT, Service.Status.REJECTED, Service.Status.ARCHIVED]
)
def test_staff_may_also_publish_a_draft_or_put_a_listing_back(status):
    reason = "缺少资质" if status == Service.Status.REJECTED else ""
    service = PackageFactory(service__status=status, service__rejection_reason=reason).service

    approve_service(service, by=StaffFactory())

    assert reloaded(service).status == Service.Status.PUBLISHED


def test_a_published_listing_cannot_be_approved_again():
    service = PackageFactory().service

    with pytest.raises(ValidationError):
        approve_service(service, by=StaffFactory())

    assert not Message.objects.exists()


def test_two_staff_approving_at_once_publish_and_notify_once(pending):
    stale = Service.objects.get(pk=pending.pk)  # loaded by the second staff member's page
    approve_service(pending, by=StaffFactory())

    with pytest.raises(ValidationError):
        approve_service(stale, by=StaffFactory())

    assert Message.objects.count() == 1


# --- reject -----------------------------------------------------------------------------------


def test_staff_reject_a_pending_listing_with_a_reason_and_the_provider_is_told(pending):
    reject_service(pending, by=StaffFactory(), reason="  请补充教师资格证  ")

    service = reloaded(pending)
    assert service.status == Service.Status.REJECTED
    assert service.rejection_reason == "请补充教师资格证"
    message = Message.objects.get()
    assert (message.user, message.event) == (pending.provider, "service_rejected")
    assert message.context["reason"] == "请补充教师资格证"


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_rejection_needs_a_reason(pending, reason):
    with pytest.raises(ValidationError):
        reject_service(pending, by=StaffFactory(), reason=reason)

    assert reloaded(pending).status == Service.Status.PENDING
    assert not Message.objects.exists()


def test_rejection_needs_staff(pending):
    for user in not_staff() + [pending.provider]:
        with pytest.raises(PermissionDenied):
            reject_service(pending, by=user, reason="不行")

    assert reloaded(pending).status == Service.Status.PENDING


def test_a_listing_approved_meanwhile_cannot_be_rejected(pending):
    stale = Service.objects.get(pk=pending.pk)
    approve_service(pending, by=StaffFactory())

    with pytest.raises(ValidationError):
        reject_service(stale, by=StaffFactory(), reason="不行")

    assert reloaded(pending).status == Service.Status.PUBLISHED


def test_a_published_listing_cannot_be_rejected():
    service = PackageFactory().service

    with pytest.raises(ValidationError):
        reject_service(service, by=StaffFactory(), reason="不行")

    assert reloaded(service).status == Service.Status.PUBLISHED


# --- archive and staff picks ------------------------------------------------------------------


def test_the_provider_archives_their_own_listing_and_it_is_no_longer_a_staff_pick():
    service = PackageFactory(service__is_featured=True).service

    move(service, "archive", by=service.provider)

    service = reloaded(service)
    assert service.status == Service.Status.ARCHIVED
    assert not service.is_featured


def test_staff_archive_any_listing():
    service = PackageFactory().service

    archive_service(service, by=StaffFactory())

    assert reloaded(service).status == Service.Status.ARCHIVED


def test_nobody_else_archives_a_listing():
    service = PackageFactory().service

    for user in not_staff() + [service.provider]:
        with pytest.raises(PermissionDenied):
            archive_service(service, by=user)

    assert reloaded(service).status == Service.Status.PUBLISHED


def test_staff_pick_and_unpick_a_listing():
    service = PackageFactory().service
    staff = StaffFactory()

    set_featured(service, by=staff, featured=True)
    assert reloaded(service).is_featured

    set_featured(service, by=staff, featured=False)
    assert not reloaded(service).is_featured


@pytest.mark.parametrize("status", [Service.Status.DRAFT, Service.Status.ARCHIVED])
def test_an_unpublished_listing_cannot_be_a_staff_pick(status):
    service = PackageFactory(service__status=status).service

    with pytest.raises(ValidationError):
        set_featured(service, by=StaffFactory(), featured=True)

    assert not reloaded(service).is_featured


def test_an_unpublished_listing_can_still_be_unpicked():
    service = PackageFactory(service__status=Service.Status.ARCHIVED).service
    Service.objects.filter(pk=service.pk).update(is_featured=True)

    set_featured(reloaded(service), by=StaffFactory(), featured=False)

    assert not reloaded(service).is_featured


def test_only_staff_pick_listings():
    service = PackageFactory().service

    for user in not_staff() + [service.provider]:
        with pytest.raises(PermissionDenied):
            set_featured(service, by=user, featured=True)

    assert not reloaded(service).is_featured


# --- ratings and reviews ----------------------------------------------------------------------


def test_refresh_rating_counts_visible_reviews_per_star():
    service = ServiceFactory()
    for rating in (5, 5, 4, 2):
        ReviewFactory(service=service, rating=rating)
    ReviewFactory(service=service, rating=1, is_hidden=True)

    refresh_rating(service)

    service = reloaded(service)
    assert service.rating_avg == Decimal("4.00")
    assert service.rating_count == 4
    assert service.rating_histogram == [0, 1, 0, 1, 2]
    assert service.rating_rows == [(5, 2, 50), (4, 1, 25), (3, 0, 0), (2, 1, 25), (1, 0, 0)]


def test_the_average_is_rounded_to_two_places():
    service = ServiceFactory()
    for rating in (5, 4, 4):
        ReviewFactory(service=service, rating=rating)

    refresh_rating(service)

    assert reloaded(service).rating_avg == Decimal("4.33")


def test_without_visible_reviews_the_rating_is_zero():
    service = ServiceFactory()
    ReviewFactory(service=service, rating=5, is_hidden=True)

    refresh_rating(service)

    service = reloaded(service)
    assert (service.rating_avg, service.rating_count) == (Decimal("0.00"), 0)
    assert service.rating_histogram == [0, 0, 0, 0, 0]


def test_add_review_stores_the_review_and_refreshes_the_rating():
    service = ServiceFactory()
    author = UserFactory()

    review = add_review(
        service, author=author, rating=4, text="  讲得清楚  ", package_name="标准班"
    )

    assert (review.author, review.rating, review.text) == (author, 4, "讲得清楚")
    assert review.package_name == "标准班"
    service = reloaded(service)
    assert (service.rating_avg, service.rating_count) == (Decimal("4.00"), 1)


@pytest.mark.parametrize("rating", [0, 6, -1, 100])
def test_add_review_refuses_stars_outside_1_to_5(rating):
    service = ServiceFactory()

    with pytest.raises(ValidationError):
        add_review(service, author=UserFactory(), rating=rating, text="评价")

    assert not Review.objects.exists()
    assert reloaded(service).rating_count == 0


def test_review_images_are_re_encoded(media_root):
    review = add_review(
        ServiceFactory(),
        author=UserFactory(),
        rating=5,
        text="有图",
        images=[upload(image_bytes((2000, 1000)), name="a.png")],
    )

    image = review.images.get()
    assert image.image.name.endswith(".webp")
    assert (image.width, image.thumbnail_width) == (1200, 400)


def test_a_review_with_a_bad_image_is_not_stored(media_root):
    service = ServiceFactory()

    with pytest.raises(ValidationError):
        add_review(
            service,
            author=UserFactory(),
            rating=5,
            text="坏图",
            images=[upload(b"not an image", name="a.png")],
        )

    assert not Review.objects.exists()


def test_staff_hide_a_review_and_it_stops_counting():
    service = ServiceFactory()
    low = add_review(service, author=UserFactory(), rating=1, text="差")
    add_review(service, author=UserFactory(), rating=5, text="好")

    set_review_hidden(low, by=StaffFactory(), hidden=True)

    service = reloaded(service)
    assert (service.rating_avg, service.rating_count) == (Decimal("5.00"), 1)


def test_only_staff_hide_reviews():
    service = ServiceFactory()
    review = add_review(service, author=UserFactory(), rating=1, text="差")

    for user in not_staff() + [service.provider]:
        with pytest.raises(PermissionDenied):
            set_review_hidden(review, by=user, hidden=True)

    review.refresh_from_db()
    assert not review.is_hidden


# --- replies ----------------------------------------------------------------------------------


def test_the_provider_replies_and_the_author_is_told():
    review = ReviewFactory(service__title="雅思写作")

    reply_to_review(review, by=review.service.provider, text="  感谢支持！ ")

    review.refresh_from_db()
    assert review.reply == "感谢支持！"
    assert review.replied_at is not None
    message = Message.objects.get()
    assert (message.user, message.event) == (review.author, "review_replied")
    assert message.context == {"title": "雅思写作"}
    assert message.url == f"/services/{review.service.slug}/#reviews"


def test_replying_again_edits_the_reply():
    review = ReviewFactory()

    reply_to_review(review, by=review.service.provider, text="第一版")
    reply_to_review(review, by=review.service.provider, text="第二版")

    review.refresh_from_db()
    assert review.reply == "第二版"


@pytest.mark.parametrize("who", ["author", "other provider", "staff"])
def test_only_the_services_provider_replies(who):
    review = ReviewFactory()
    user = {"author": review.author, "other provider": ProviderFactory(), "staff": StaffFactory()}[
        who
    ]

    with pytest.raises(PermissionDenied):
        reply_to_review(review, by=user, text="冒充回复")

    review.refresh_from_db()
    assert review.reply == ""
    assert not Message.objects.exists()


def test_an_empty_reply_is_refused():
    review = ReviewFactory()

    with pytest.raises(ValidationError):
        reply_to_review(review, by=review.service.provider, text="   ")

    assert not Message.objects.exists()


# --- sales, views and interest ----------------------------------------------------------------


def interest(user) -> dict[str, int]:
    return dict(CategoryInterest.objects.filter(user=user).values_list("category__slug", "score"))


def test_a_sale_counts_the_quantity_and_the_buyers_interest():
    parent = CategoryFactory(slug="languages")
    package = PackageFactory(service__category=CategoryFactory(slug="english", parent=parent))
    buyer = UserFactory()

    record_sale(package, buyer=buyer, quantity=3)
    record_sale(package, buyer=buyer, quantity=1)

    assert reloaded(package.service).sales_count == 4
    assert interest(buyer) == {"english": 10, "languages": 10}


def test_a_view_counts_and_adds_a_little_interest():
    service = ServiceFactory(category=CategoryFactory(slug="exams"))
    learner = UserFactory()

    record_view(service, learner)
    record_view(service, learner)

    assert reloaded(service).view_count == 2
    assert interest(learner) == {"exams": 2}


# --- denormalised listing fields --------------------------------------------------------------


def test_the_price_from_is_the_cheapest_package_on_sale():
    service = ServiceFactory()
    PackageFactory(service=service, price=Decimal("999.00"))
    PackageFactory(service=service, price=Decimal("99.00"), is_active=False)
    PackageFactory(service=service, price=Decimal("499.00"))

    assert reloaded(service).price_from == Decimal("499.00")


def test_without_a_package_on_sale_there_is_no_price_from():
    package = PackageFactory(is_active=True)
    package.is_active = False
    package.save()

    refresh_listing(package.service)

    assert reloaded(package.service).price_from is None


def test_the_search_text_holds_title_summary_tags_provider_and_instructors_lower_cased():
    provider = ProviderFactory(profile__display_name="KS Studio")
    service = ServiceFactory(
        provider=provider, title="Python 入门", summary="零基础", tags="编程,AI"
    )
    service.instructors.add(InstructorFactory(provider=provider, name="Alice Wang"))

    text = reloaded(service).search_text

    for part in ["python 入门", "零基础", "编程,ai", "ks studio", "alice wang"]:
        assert part in text
