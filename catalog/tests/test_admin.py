"""The catalogue in the operations console (/admin/catalog/): the category tree, listing
review, the service form with its inlines and uploads, instructors and review moderation."""

from decimal import Decimal

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.test import Client

from accounts.tests.factories import StaffFactory, UserFactory
from accounts.tests.images import SVG, image_bytes, png_bomb, upload
from catalog.models import Instructor, Review, Service, ServiceMedia
from catalog.services import add_gallery_image, add_video
from catalog.tests.factories import (
    AddOnFactory,
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
    ProviderUserFactory,
    ReviewFactory,
    ServiceFactory,
)
from notifications.models import Message
from tests.helpers import csrf_token_from, post_form

pytestmark = pytest.mark.django_db

SERVICES = "/admin/catalog/service/"
CATEGORIES = "/admin/catalog/category/"
INSTRUCTORS = "/admin/catalog/instructor/"
REVIEWS = "/admin/catalog/review/"

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@pytest.fixture
def admin_client_(csrf_client):
    """A browser signed in as a superuser (staff with every permission)."""
    admin = StaffFactory(is_superuser=True, nickname="运营")
    csrf_client.force_login(admin)
    csrf_client.admin = admin
    return csrf_client


def change_url(service: Service) -> str:
    return f"{SERVICES}{service.pk}/change/"


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def message_levels(response) -> list[int]:
    """The levels of the messages shown after an action (texts depend on the language)."""
    return [message.level for message in response.context["messages"]]


def run_action(client, url, action, objects, **extra):
    return post_form(
        client,
        url,
        {"action": action, "_selected_action": [o.pk for o in objects], "index": 0},
        follow=True,
        **extra,
    )


def form_data(response) -> dict:
    """What the browser would send back from an admin change page, untouched: the main
    form and every inline formset with its management form (file inputs left empty)."""
    data = {}

    def add(form):
        for field in form:
            value = field.value()
            if value is None or isinstance(value, FieldFile) or field.name == "DELETE":
                continue
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def add_inline_row(data: dict, prefix: str, **values) -> dict:
    """Append one filled row to the ``prefix`` inline formset of ``data``."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    # Drop the empty extra row the page rendered, if any, so the new one takes its place.
    for key in [k for k in data if k.startswith(f"{prefix}-{index}-")]:
        del data[key]
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in values.items()})
    return data


def submit_change_form(client, service: Service, change=None, **extra):
    """GET the service's change page, let ``change`` edit the data, POST it back."""
    page = client.get(change_url(service))
    assert page.status_code == 200
    data = form_data(page)
    if change:
        data = change(data) or data
    data["csrfmiddlewaretoken"] = csrf_token_from(page)
    return client.post(change_url(service), data, **extra)


def form_errors(response) -> dict[str, list[str]]:
    """Every error on a re-rendered change page, main form and inlines, by field name."""
    assert response.status_code == 200, "expected the form again, got a redirect"
    errors: dict[str, list[str]] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += inline.formset.forms
    for form in forms:
        for name, messages_ in form.errors.items():
            errors.setdefault(name, []).extend(messages_)
    return errors


@pytest.fixture
def full_service(media_root):
    """A published service with every inline filled and a gallery image as its cover."""
    service = ServiceFactory(title="雅思口语冲刺班", tags="雅思,口语")
    PackageFactory(service=service, name="标准班", price=Decimal("1299.00"))
    AddOnFactory(service=service, name="1对1答疑")
    service.syllabus.create(title="第一课：破冰", position=0, minutes=45)
    instructor = InstructorFactory(provider=service.provider, name="王老师")
    service.instructors.add(instructor)
    add_gallery_image(service, upload(image_bytes()), caption="课堂照片")
    add_video(service, url="https://cdn.example.com/intro.mp4", caption="试听")
    service.refresh_from_db()
    return service


# --- pages ------------------------------------------------------------------------------------


def test_the_service_list_shows_provider_category_and_price_in_yuan(admin_client_, full_service):
    response = admin_client_.get(SERVICES)

    assert listed(response) == [full_service]
    body = response.content.decode()
    assert "雅思口语冲刺班" in body
    assert full_service.provider.provider_profile.display_name in body
    assert "¥1,299.00" in body


def test_the_change_page_shows_every_inline_and_the_cover_preview(admin_client_, full_service):
    response = admin_client_.get(change_url(full_service))

    assert response.status_code == 200
    body = response.content.decode()
    for text in ("标准班", "1对1答疑", "第一课：破冰", "王老师", "课堂照片"):
        assert text in body
    cover = full_service.cover
    assert cover.thumbnail.url in body
    height = round(120 * cover.thumbnail_height / cover.thumbnail_width)
    assert f'width="120" height="{height}"' in body
    assert "https://cdn.example.com/intro.mp4" in body


def test_the_add_page_renders_without_a_cover_or_instructors_to_choose(admin_client_):
    InstructorFactory()

    response = admin_client_.get(f"{SERVICES}add/")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.fields["cover"].queryset) == []
    assert list(form.fields["instructors"].queryset) == []


def test_the_cover_is_chosen_among_this_services_images_only(admin_client_, full_service):
    other = ServiceFactory()
    add_gallery_image(other, upload(image_bytes()))

    response = admin_client_.get(change_url(full_service))

    choices = set(response.context["adminform"].form.fields["cover"].queryset)
    assert choices == {full_service.cover}


def test_instructors_are_chosen_among_the_providers_own(admin_client_, full_service):
    stranger = InstructorFactory(name="别家老师")

    response = submit_change_form(
        admin_client_,
        full_service,
        lambda data: data.update(instructors=[str(stranger.pk)]),
    )

    assert "instructors" in form_errors(response)
    assert list(full_service.instructors.all()) == list(Instructor.objects.filter(name="王老师"))


# --- the change form keeps the listing's counters in step ---------------------------------------


def test_adding_a_package_in_the_change_form_lowers_price_from(admin_client_, full_service):
    response = submit_change_form(
        admin_client_,
        full_service,
        lambda data: add_inline_row(
            data, "packages", name="体验课", price="99.00", is_active="on", position="1"
        ),
    )

    assert response.status_code == 302, form_errors(response)
    full_service.refresh_from_db()
    assert full_service.packages.count() == 2
    assert full_service.price_from == Decimal("99.00")


def test_renaming_an_instructor_updates_the_search_text(admin_client_, full_service):
    instructor = full_service.instructors.get()

    response = post_form(
        admin_client_,
        f"{INSTRUCTORS}{instructor.pk}/change/",
        {"provider": instructor.provider_id, "name": "李老师", "title": ""},
    )

    assert response.status_code == 302
    full_service.refresh_from_db()
    assert "李老师" in full_service.search_text
    assert "王老师" not in full_service.search_text


def test_deleting_the_cover_makes_the_next_image_the_cover(admin_client_, full_service):
    first = full_service.cover
    second = add_gallery_image(full_service, upload(image_bytes(color=(0, 0, 200))))

    def delete_first(data):
        for key, value in list(data.items()):
            if key.startswith("media-") and key.endswith("-id") and value == str(first.pk):
                data[key.removesuffix("id") + "DELETE"] = "on"

    response = submit_change_form(admin_client_, full_service, delete_first)

    assert response.status_code == 302, form_errors(response)
    full_service.refresh_from_db()
    assert not ServiceMedia.objects.filter(pk=first.pk).exists()
    assert full_service.cover == second


# --- gallery uploads --------------------------------------------------------------------------


def test_an_image_uploaded_in_the_gallery_is_reencoded_and_becomes_the_cover(
    admin_client_, media_root
):
    service = ServiceFactory()
    PackageFactory(service=service)

    response = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(
            data,
            "media",
            kind="image",
            image=upload(image_bytes(size=(2400, 1600), fmt="JPEG"), "photo.jpg", "image/jpeg"),
            caption="教室",
            position="0",
        ),
    )

    assert response.status_code == 302, form_errors(response)
    item = service.media.get()
    assert item.image.name.endswith(".webp") and item.thumbnail.name.endswith(".webp")
    assert (item.width, item.thumbnail_width) == (1200, 400)
    service.refresh_from_db()
    assert service.cover == item


@pytest.mark.parametrize(
    "bad_file",
    [
        pytest.param(lambda: upload(b"%PDF-1.4 not an image", "brochure.png"), id="not-an-image"),
        pytest.param(lambda: upload(SVG, "logo.svg", "image/svg+xml"), id="svg"),
        pytest.param(lambda: upload(png_bomb(), "bomb.png"), id="decompression-bomb"),
    ],
)
def test_a_bad_gallery_image_is_a_form_error_not_a_crash(admin_client_, media_root, bad_file):
    service = ServiceFactory()

    response = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(
            data, "media", kind="image", image=bad_file(), caption="", position="0"
        ),
    )

    assert "image" in form_errors(response)
    assert not service.media.exists()


def test_an_image_item_needs_an_image(admin_client_, media_root):
    service = ServiceFactory()

    response = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(data, "media", kind="image", caption="空的", position="3"),
    )

    assert "image" in form_errors(response)
    assert not service.media.exists()


def test_an_uploaded_clip_is_checked_by_content(admin_client_, media_root):
    service = ServiceFactory()

    refused = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(
            data,
            "media",
            kind="video",
            video=SimpleUploadedFile("clip.mp4", b"MZ\x90\x00 definitely not a video"),
            position="0",
        ),
    )
    assert "video" in form_errors(refused)
    assert not service.media.exists()

    accepted = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(
            data,
            "media",
            kind="video",
            video=SimpleUploadedFile("clip.exe", MP4_HEAD, "video/mp4"),
            position="0",
        ),
    )
    assert accepted.status_code == 302, form_errors(accepted)
    clip = service.media.get()
    assert clip.is_video and clip.video.name.endswith(".mp4")
    service.refresh_from_db()
    assert service.cover is None  # a clip is never the cover


def test_an_image_row_with_a_clip_address_asks_for_the_video_kind(admin_client_, media_root):
    service = ServiceFactory()

    response = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(
            data,
            "media",
            kind="image",
            image=upload(image_bytes()),
            video_url="https://cdn.example.com/a.mp4",
            position="0",
        ),
    )

    assert "kind" in form_errors(response)
    assert not service.media.exists()


def test_the_kind_of_a_saved_item_cannot_change(admin_client_, full_service):
    cover = full_service.cover

    def switch_to_video(data):
        for key, value in list(data.items()):
            if key.startswith("media-") and key.endswith("-id") and value == str(cover.pk):
                data[key.removesuffix("id") + "kind"] = "video"
                data[key.removesuffix("id") + "video_url"] = "https://cdn.example.com/b.mp4"

    response = submit_change_form(admin_client_, full_service, switch_to_video)

    assert "kind" in form_errors(response)
    cover.refresh_from_db()
    assert cover.kind == ServiceMedia.Kind.IMAGE


@pytest.mark.parametrize(
    ("address", "saved"),
    [("https://cdn.example.com/a.webm", True), ("http://cdn.example.com/a.mp4", False)],
)
def test_a_clip_address_must_be_https(admin_client_, media_root, address, saved):
    service = ServiceFactory()

    response = submit_change_form(
        admin_client_,
        service,
        lambda data: add_inline_row(data, "media", kind="video", video_url=address, position="0"),
    )

    assert service.media.filter(video_url=address).exists() is saved
    if not saved:
        assert "video_url" in form_errors(response)


# --- review actions ---------------------------------------------------------------------------


def test_approve_publishes_pending_listings_notifies_and_counts_skipped(admin_client_):
    pending = ServiceFactory(status=Service.Status.PENDING)
    PackageFactory(service=pending, price=Decimal("299.00"))
    published = ServiceFactory()

    response = run_action(admin_client_, SERVICES, "approve", [pending, published])

    pending.refresh_from_db()
    assert pending.status == Service.Status.PUBLISHED
    assert pending.published_at is not None
    assert pending.price_from == Decimal("299.00")
    [message] = Message.objects.filter(user=pending.provider)
    assert message.event == "service_approved"
    assert not Message.objects.filter(user=published.provider).exists()
    assert message_levels(response) == [messages.INFO, messages.WARNING]


def test_reject_asks_for_a_reason_then_rejects_and_tells_the_provider(admin_client_):
    service = ServiceFactory(status=Service.Status.PENDING)

    asked = run_action(admin_client_, SERVICES, "reject", [service])

    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    assert service.title in asked.content.decode()
    service.refresh_from_db()
    assert service.status == Service.Status.PENDING

    response = admin_client_.post(
        SERVICES,
        {
            "action": "reject",
            "_selected_action": [service.pk],
            "apply": "1",
            "reason": "封面图片含有联系方式",
            "csrfmiddlewaretoken": csrf_token_from(asked),
        },
    )

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == Service.Status.REJECTED
    assert service.rejection_reason == "封面图片含有联系方式"
    [message] = Message.objects.filter(user=service.provider)
    assert message.event == "service_rejected"
    assert message.context["reason"] == "封面图片含有联系方式"


def test_a_rejection_without_a_reason_shows_the_page_again(admin_client_):
    service = ServiceFactory(status=Service.Status.PENDING)
    asked = run_action(admin_client_, SERVICES, "reject", [service])

    response = admin_client_.post(
        SERVICES,
        {
            "action": "reject",
            "_selected_action": [service.pk],
            "apply": "1",
            "reason": "   ",
            "csrfmiddlewaretoken": csrf_token_from(asked),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert 'name="reason"' in response.content.decode()
    service.refresh_from_db()
    assert service.status == Service.Status.PENDING
    assert not Message.objects.exists()


def test_reject_with_nothing_pending_only_warns(admin_client_):
    published = ServiceFactory()

    response = run_action(admin_client_, SERVICES, "reject", [published])

    assert response.redirect_chain  # straight back to the list, no reason page
    assert message_levels(response) == [messages.WARNING]
    published.refresh_from_db()
    assert published.status == Service.Status.PUBLISHED


def test_feature_picks_published_listings_only_and_unfeature_removes_them(admin_client_):
    published = ServiceFactory()
    draft = ServiceFactory(status=Service.Status.DRAFT)

    response = run_action(admin_client_, SERVICES, "feature", [published, draft])

    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.is_featured and not draft.is_featured
    assert message_levels(response) == [messages.INFO, messages.WARNING]

    run_action(admin_client_, SERVICES, "unfeature", [published])

    published.refresh_from_db()
    assert not published.is_featured


def test_archive_takes_listings_off_the_catalogue_and_off_staff_picks(admin_client_):
    service = ServiceFactory(is_featured=True)
    untouched = ServiceFactory()

    run_action(admin_client_, SERVICES, "archive", [service])

    service.refresh_from_db()
    untouched.refresh_from_db()
    assert service.status == Service.Status.ARCHIVED
    assert not service.is_featured
    assert untouched.status == Service.Status.PUBLISHED


def test_a_non_staff_user_cannot_run_review_actions():
    service = ServiceFactory(status=Service.Status.PENDING)
    client = Client()
    client.force_login(UserFactory())

    response = client.post(SERVICES, {"action": "approve", "_selected_action": [service.pk]})

    assert response.status_code in (302, 403)
    service.refresh_from_db()
    assert service.status == Service.Status.PENDING


def test_approving_a_listing_with_nothing_on_sale_is_a_warning_not_a_500(admin_client_):
    empty = ServiceFactory(status=Service.Status.PENDING)

    response = run_action(admin_client_, SERVICES, "approve", [empty])

    assert response.status_code == 200
    empty.refresh_from_db()
    assert empty.status == Service.Status.PENDING
    assert messages.WARNING in message_levels(response)


def test_reviews_cannot_be_deleted_only_hidden(admin_client_):
    review = ReviewFactory()

    response = admin_client_.get(f"/admin/catalog/review/{review.pk}/delete/")

    assert response.status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()


# --- filters and search -------------------------------------------------------------------------


def test_the_category_filter_on_a_parent_includes_its_children(admin_client_):
    parent = CategoryFactory(name="语言学习")
    english = ServiceFactory(category=CategoryFactory(parent=parent, name="英语"))
    direct = ServiceFactory(category=parent)
    ServiceFactory()

    assert set(listed(admin_client_.get(SERVICES, {"category": parent.pk}))) == {english, direct}


def test_the_provider_filter_and_search_by_provider_name(admin_client_):
    service = ServiceFactory()
    ServiceFactory()
    name = service.provider.provider_profile.display_name

    assert listed(admin_client_.get(SERVICES, {"provider": service.provider_id})) == [service]
    assert listed(admin_client_.get(SERVICES, {"q": name})) == [service]


# --- categories --------------------------------------------------------------------------------


def test_categories_are_listed_as_a_tree(admin_client_):
    languages = CategoryFactory(name="语言学习", position=2)
    exams = CategoryFactory(name="考试", position=1)
    japanese = CategoryFactory(name="日语", parent=languages, position=2)
    english = CategoryFactory(name="英语", parent=languages, position=1)
    ielts = CategoryFactory(name="雅思", parent=exams, position=5)

    response = admin_client_.get(CATEGORIES)

    assert listed(response) == [exams, ielts, languages, english, japanese]
    assert "— 英语" in response.content.decode()


def test_positions_are_edited_in_the_list(admin_client_):
    first, second = CategoryFactory(position=1), CategoryFactory(position=2)
    page = admin_client_.get(CATEGORIES)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(first.pk),
        "form-0-position": "9",
        "form-1-id": str(second.pk),
        "form-1-position": "2",
        "_save": "Save",
        "csrfmiddlewaretoken": csrf_token_from(page),
    }

    response = admin_client_.post(CATEGORIES, data)

    assert response.status_code == 302
    assert listed(admin_client_.get(CATEGORIES)) == [second, first]


def test_a_category_with_children_cannot_become_a_child(admin_client_):
    parent = CategoryFactory()
    CategoryFactory(parent=parent)
    other = CategoryFactory()

    response = post_form(
        admin_client_,
        f"{CATEGORIES}{parent.pk}/change/",
        {"name": parent.name, "slug": parent.slug, "parent": other.pk, "position": 0},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    parent.refresh_from_db()
    assert parent.parent is None


# --- instructors -------------------------------------------------------------------------------


def test_an_instructor_photo_is_cropped_square_and_reencoded(admin_client_, media_root):
    provider = ProviderUserFactory()

    response = post_form(
        admin_client_,
        f"{INSTRUCTORS}add/",
        {
            "provider": provider.pk,
            "name": "陈老师",
            "title": "",
            "photo": upload(image_bytes(size=(900, 600)), "me.png"),
        },
    )

    assert response.status_code == 302
    instructor = Instructor.objects.get(name="陈老师")
    assert instructor.photo.name.startswith("instructors/")
    assert instructor.photo.name.endswith(".jpg")
    assert (instructor.photo.width, instructor.photo.height) == (400, 400)


def test_a_bad_instructor_photo_is_a_form_error(admin_client_, media_root):
    provider = ProviderUserFactory()

    response = post_form(
        admin_client_,
        f"{INSTRUCTORS}add/",
        {"provider": provider.pk, "name": "陈老师", "photo": upload(SVG, "me.svg")},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"]
    assert not Instructor.objects.exists()


def test_an_instructor_belongs_to_a_provider(admin_client_):
    learner = UserFactory()

    response = post_form(
        admin_client_, f"{INSTRUCTORS}add/", {"provider": learner.pk, "name": "陈老师"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["provider"]


# --- reviews ------------------------------------------------------------------------------------


def test_hiding_reviews_takes_them_out_of_the_rating(admin_client_):
    service = ServiceFactory()
    harsh = ReviewFactory(service=service, rating=1, text="广告")
    ReviewFactory(service=service, rating=5)
    service.refresh_from_db()
    assert service.rating_count == 2

    run_action(admin_client_, REVIEWS, "hide", [harsh])

    service.refresh_from_db()
    harsh.refresh_from_db()
    assert harsh.is_hidden
    assert (service.rating_count, service.rating_avg) == (1, Decimal("5.00"))

    run_action(admin_client_, REVIEWS, "show", [harsh])

    service.refresh_from_db()
    assert (service.rating_count, service.rating_avg) == (2, Decimal("3.00"))


def test_hiding_a_review_from_its_page_refreshes_the_rating(admin_client_):
    review = ReviewFactory(rating=4, reply="谢谢支持")

    page = admin_client_.get(f"{REVIEWS}{review.pk}/change/")
    assert "谢谢支持" in page.content.decode()
    response = admin_client_.post(
        f"{REVIEWS}{review.pk}/change/",
        {"is_hidden": "on", "csrfmiddlewaretoken": csrf_token_from(page), **inline_management()},
    )

    assert response.status_code == 302
    review.service.refresh_from_db()
    assert review.service.rating_count == 0


def inline_management(prefix="images", total=0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(total)}


def test_reviews_are_filtered_by_stars_and_found_by_text(admin_client_):
    low = ReviewFactory(rating=2, text="作业批改太慢")
    ReviewFactory(rating=5)

    assert listed(admin_client_.get(REVIEWS, {"rating": 2})) == [low]
    assert listed(admin_client_.get(REVIEWS, {"q": "批改"})) == [low]


# --- query budgets ------------------------------------------------------------------------------


def make_services(n: int) -> None:
    for _ in range(n):
        PackageFactory(service=ServiceFactory(category=CategoryFactory(parent=CategoryFactory())))


def make_categories(n: int) -> None:
    for _ in range(n):
        ServiceFactory(category=CategoryFactory(parent=CategoryFactory()))


def make_instructors(n: int) -> None:
    InstructorFactory.create_batch(n)


def make_reviews(n: int) -> None:
    ReviewFactory.create_batch(n, reply="谢谢")


@pytest.mark.parametrize(
    ("url", "make"),
    [
        (SERVICES, make_services),
        (CATEGORIES, make_categories),
        (INSTRUCTORS, make_instructors),
        (REVIEWS, make_reviews),
    ],
)
def test_list_pages_do_not_grow_queries_with_rows(
    admin_client_, django_assert_max_num_queries, url, make
):
    def queries() -> int:
        admin_client_.get(url)  # fills the site-wide caches (the category menu)
        with django_assert_max_num_queries(12) as captured:
            response = admin_client_.get(url)
        assert response.status_code == 200
        return len(captured)

    make(5)
    few = queries()
    make(25)

    assert queries() == few
    assert len(listed(admin_client_.get(url))) >= 30


def test_a_category_row_counts_its_services(admin_client_):
    category = CategoryFactory()
    ServiceFactory.create_batch(3, category=category)

    response = admin_client_.get(CATEGORIES)

    [row] = [c for c in listed(response) if c.pk == category.pk]
    assert row.service_total == 3
