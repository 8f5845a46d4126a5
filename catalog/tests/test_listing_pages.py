"""/dashboard/services/ through HTTP: who may open each page, forms that name someone
else's package, image or instructor, a new provider's whole way from a draft to a live
edit, bad input on each form, the query budgets and the list's status tabs."""

from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from accounts.tests.images import image_bytes, upload
from catalog import editor, history, listings
from catalog.listing_forms import FOREIGN_ROW, MAX_UPLOAD_AT_ONCE
from catalog.models import Package, Service, ServiceChange, ServiceMedia
from catalog.tests.editing import (
    add_row,
    browser_data,
    change_row,
    complete,
    index_of,
    last_change,
    listing,
    reloaded,
    with_cover,
)
from catalog.tests.factories import (
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/dashboard/services/"
Status = Service.Status
Kind = ServiceChange.Kind

# The editor's pages of one listing (all but the history are forms too), and the buttons
# and uploads that only take a POST.
LISTING_PAGES = ["", "packages/", "addons/", "syllabus/", "media/", "history/"]
LISTING_FORMS = LISTING_PAGES[:-1]
LISTING_POSTS = [
    "media/images/",
    "media/video/",
    "submit/",
    "withdraw/",
    "unlist/",
    "relist/",
    "archive/",
]
LOCKED = (Status.PENDING, Status.ARCHIVED)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def editor_url(service: Service, part: str = "") -> str:
    return f"{BASE}{service.slug}/{part}"


def flashed(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def page_data(response, name: str = "formset") -> dict:
    """What the browser sends back from the rendered form (or formset) ``name``."""
    form = response.context[name]
    if hasattr(form, "management_form"):
        return browser_data(form.management_form, *form.forms)
    return browser_data(form)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def every_url(service: Service, instructor) -> list[tuple[str, str]]:
    """(method, url) of every page of /dashboard/services/."""
    return [
        ("get", BASE),
        ("get", f"{BASE}new/"),
        ("get", f"{BASE}instructors/"),
        ("get", f"{BASE}instructors/new/"),
        *own_urls(service, instructor),
    ]


def own_urls(service: Service, instructor) -> list[tuple[str, str]]:
    """(method, url) of the pages about one listing or one instructor."""
    return [
        *(("get", editor_url(service, part)) for part in LISTING_PAGES),
        *(("post", editor_url(service, part)) for part in LISTING_FORMS + LISTING_POSTS),
        ("get", f"{BASE}instructors/{instructor.pk}/"),
        ("post", f"{BASE}instructors/{instructor.pk}/"),
        ("post", f"{BASE}instructors/{instructor.pk}/delete/"),
    ]


def request(client: Client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url)


@pytest.fixture
def owned():
    """A published listing with a package and a cover, and an instructor of its provider."""
    service = complete(Status.PUBLISHED)
    return service, InstructorFactory(provider=service.provider, name="王老师")


# --- who may come -----------------------------------------------------------------------------


def test_visitors_are_sent_to_the_login_page(client, owned):
    for method, url in every_url(*owned):
        response = request(client, method, url)

        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_learners_are_refused(client, owned):
    client.force_login(UserFactory())

    for method, url in every_url(*owned):
        assert request(client, method, url).status_code == 403, url


def test_staff_without_a_provider_profile_are_refused(client, owned):
    client.force_login(StaffFactory())

    for method, url in every_url(*owned):
        assert request(client, method, url).status_code == 403, url


def test_another_providers_listing_and_instructor_are_not_found_and_unchanged(client, owned):
    service, instructor = owned
    client.force_login(ProviderFactory())

    for method, url in own_urls(service, instructor):
        assert request(client, method, url).status_code == 404, url

    assert reloaded(service).status == Status.PUBLISHED
    assert reloaded(instructor).name == "王老师"
    assert service.media.count() == 1


@pytest.mark.parametrize("status", list(Status))
def test_every_page_of_the_editor_opens_for_the_owner(client, status):
    service = complete(status)
    client.force_login(service.provider)

    for part in LISTING_PAGES:
        response = client.get(editor_url(service, part))

        assert response.status_code == 200, part
        assert response.context["service"] == service
        assert response.context["is_editable"] is (status not in LOCKED), part
        if part in ("", "packages/"):
            assert ('class="listing-form__group" disabled' in response.content.decode()) is (
                status in LOCKED
            ), part


def test_the_buttons_and_uploads_take_only_a_post(client, owned):
    service, _instructor = owned
    client.force_login(service.provider)

    for part in LISTING_POSTS:
        assert client.get(editor_url(service, part)).status_code == 405, part


# --- forms naming someone else's objects ------------------------------------------------------


@pytest.fixture
def mine_and_foreign():
    """A draft with one package, and another provider's published package."""
    service = listing(title="我的课程")
    mine = PackageFactory(service=service, name="基础班", price=Decimal("299.00"))
    foreign = PackageFactory(name="别家的套餐", price=Decimal("999.00"))
    return service, mine, foreign


def post_with_foreign_package(client, service, mine, foreign):
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service, "packages/")))
    change_row(data, "packages", mine.pk, name="改名", price="1.00")
    data[f"packages-{index_of(data, 'packages', mine.pk)}-id"] = str(foreign.pk)
    return client.post(editor_url(service, "packages/"), data)


def test_a_packages_form_naming_another_providers_package_never_changes_it(
    client, mine_and_foreign
):
    service, mine, foreign = mine_and_foreign
    foreign_listing = foreign.service_id

    post_with_foreign_package(client, service, mine, foreign)

    foreign = reloaded(foreign)
    assert (foreign.service_id, foreign.name, foreign.price) == (
        foreign_listing,
        "别家的套餐",
        Decimal("999.00"),
    )
    assert (reloaded(mine).name, mine.price) == ("基础班", Decimal("299.00"))


def test_a_packages_form_naming_another_providers_package_is_refused(client, mine_and_foreign):
    service, mine, foreign = mine_and_foreign

    response = post_with_foreign_package(client, service, mine, foreign)

    assert response.status_code == 200
    assert str(FOREIGN_ROW) in response.content.decode()
    assert list(service.packages.all()) == [mine]
    assert not service.changes.filter(kind=Kind.EDITED).exists()


@pytest.fixture
def two_galleries(media_root):
    """A draft with two images (the first its cover) and another listing with one."""
    service, other = listing(), listing()
    items = editor.add_images(
        service, [upload(image_bytes((300, 200))) for _ in range(2)], by=service.provider
    )
    [foreign] = editor.add_images(other, [upload(image_bytes((300, 200)))], by=other.provider)
    return reloaded(service), items, reloaded(other), foreign


def test_a_gallery_form_with_another_listings_image_as_cover_is_refused(client, two_galleries):
    service, (first, _second), other, foreign = two_galleries
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service, "media/")), "gallery")
    data["cover"] = str(foreign.pk)
    entries = service.changes.count()

    response = client.post(editor_url(service, "media/"), data)

    assert response.status_code == 200
    assert escape(gettext("Choose the cover among this listing's images.")) in (
        response.content.decode()
    )
    assert reloaded(service).cover == first
    assert reloaded(other).cover == foreign
    assert service.changes.count() == entries


def test_a_gallery_form_naming_another_listings_image_is_refused(client, two_galleries):
    service, (first, second), other, foreign = two_galleries
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service, "media/")), "gallery")
    index = index_of(data, "media", second.pk)
    data.update({f"media-{index}-id": str(foreign.pk), f"media-{index}-caption": "抢来的图"})

    response = client.post(editor_url(service, "media/"), data)

    assert response.status_code == 200
    assert str(FOREIGN_ROW) in response.content.decode()
    assert reloaded(foreign).caption == ""
    assert list(service.media.all()) == [first, second]


def test_the_details_form_refuses_another_providers_instructor(client):
    service = listing()
    own = InstructorFactory(provider=service.provider, name="王老师")
    service.instructors.add(own)
    stranger = InstructorFactory(name="别家老师")
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service)), "form")
    data["instructors"] = [str(own.pk), str(stranger.pk)]

    response = client.post(editor_url(service), data)

    assert response.status_code == 200
    assert "instructors" in response.context["form"].errors
    assert gettext("Choose among your own instructors.") in response.content.decode()
    assert list(service.instructors.all()) == [own]
    assert not service.changes.filter(kind=Kind.EDITED).exists()


# --- a new provider's whole way ---------------------------------------------------------------


def test_a_new_provider_goes_from_a_draft_to_a_live_edit(media_root):
    provider = ProviderFactory()
    category = CategoryFactory(parent=CategoryFactory(name="语言学习"), name="英语")
    client, learner, visitor = signed_in(provider), signed_in(UserFactory()), Client()

    # Create: a draft, then straight to the packages.
    assert client.get(f"{BASE}new/").status_code == 200
    response = client.post(
        f"{BASE}new/",
        {
            "title": "雅思口语冲刺班",
            "category": category.pk,
            "summary": "四周提升口语一个分数段",
            "description": "## 课程介绍\r\n- 每周两次直播",
            "tags": "雅思, 口语",
            "mode": Service.Mode.LIVE,
            "fulfilment": Service.Fulfilment.SCHEDULED,
            "refund_policy": Service.RefundPolicy.BEFORE_START,
        },
    )
    service = Service.objects.get(provider=provider)
    assert service.status == Status.DRAFT
    assert response.status_code == 302
    assert response["Location"] == editor_url(service, "packages/")

    # Two packages in one save.
    data = page_data(client.get(response["Location"]))
    data.update({"packages-0-name": "基础班", "packages-0-price": "299.00"})
    data["packages-0-is_active"] = "on"
    add_row(data, "packages", name="进阶班", price="499.00", original_price="599.00")
    data["packages-1-is_active"] = "on"
    assert client.post(editor_url(service, "packages/"), data).status_code == 302
    basic, plus = service.packages.all()
    assert (basic.name, plus.name) == ("基础班", "进阶班")
    assert reloaded(service).price_from == Decimal("299.00")

    # An add-on.
    data = page_data(client.get(editor_url(service, "addons/")))
    data.update({"addons-0-name": "1对1答疑", "addons-0-price": "200", "addons-0-is_active": "on"})
    assert client.post(editor_url(service, "addons/"), data).status_code == 302
    assert [a.name for a in service.addons.all()] == ["1对1答疑"]

    # Three lessons, then put the third first.
    data = page_data(client.get(editor_url(service, "syllabus/")))
    for i, title in enumerate(["第一课", "第二课", "第三课"]):
        data[f"syllabus-{i}-title"] = title
    assert client.post(editor_url(service, "syllabus/"), data).status_code == 302
    first, second, third = service.syllabus.all()
    data = page_data(client.get(editor_url(service, "syllabus/")))
    change_row(data, "syllabus", third.pk, ORDER="1")
    change_row(data, "syllabus", first.pk, ORDER="2")
    change_row(data, "syllabus", second.pk, ORDER="3")
    assert client.post(editor_url(service, "syllabus/"), data).status_code == 302
    assert list(service.syllabus.all()) == [third, first, second]
    assert last_change(service).changes[0]["action"] == history.MOVED

    # Two images at once, the second chosen as cover, and a video by its address.
    files = [upload(image_bytes((600, 400)), f"{name}.png") for name in ("a", "b")]
    response = client.post(editor_url(service, "media/images/"), {"images": files})
    assert response.status_code == 302
    assert response["Location"] == editor_url(service, "media/")
    one, two = service.media.all()
    assert reloaded(service).cover == one
    data = page_data(client.get(editor_url(service, "media/")), "gallery")
    data["cover"] = str(two.pk)
    assert client.post(editor_url(service, "media/"), data).status_code == 302
    assert reloaded(service).cover == two
    response = client.post(
        editor_url(service, "media/video/"),
        {"video_url": "https://cdn.example.com/intro.mp4", "caption": "试听"},
    )
    assert response.status_code == 302
    assert service.media.filter(kind=ServiceMedia.Kind.VIDEO).get().video_url == (
        "https://cdn.example.com/intro.mp4"
    )

    # The preview: the owner sees it with a banner, a learner does not find it.
    preview = client.get(service.get_absolute_url())
    assert preview.status_code == 200
    assert 'class="preview-banner"' in preview.content.decode()
    assert learner.get(service.get_absolute_url()).status_code == 404

    # Submit; while under review the details cannot be saved.
    response = client.post(editor_url(service, "submit/"))
    assert response.status_code == 302
    assert flashed(response) == [(messages.SUCCESS, str(listings.MOVE_MESSAGES["submit"]))]
    assert reloaded(service).status == Status.PENDING
    data = page_data(client.get(editor_url(service)), "form")
    data["title"] = "改过的标题"
    response = client.post(editor_url(service), data)
    assert response.status_code == 200
    assert flashed(response) == [
        (
            messages.ERROR,
            gettext("The listing is being reviewed. Withdraw it from review to change it."),
        )
    ]
    assert reloaded(service).title == "雅思口语冲刺班"

    # Staff approve in admin.
    staff = signed_in(StaffFactory(is_superuser=True))
    response = staff.post(
        "/admin/catalog/service/",
        {"action": "approve", "_selected_action": [service.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert reloaded(service).status == Status.PUBLISHED
    assert visitor.get(service.get_absolute_url()).status_code == 200

    # A price edit goes live at once and into the history.
    data = change_row(
        page_data(client.get(editor_url(service, "packages/"))), "packages", basic.pk, price="259"
    )
    response = client.post(editor_url(service, "packages/"), data)
    assert response.status_code == 302
    assert flashed(response) == [
        (messages.SUCCESS, gettext("Saved. The changes are live on the listing."))
    ]
    assert "¥259.00" in visitor.get(service.get_absolute_url()).content.decode()
    live = last_change(service)
    assert (live.kind, live.was_live, live.section) == (Kind.EDITED, True, "packages")
    assert (live.changes[0]["before"], live.changes[0]["after"]) == ("299.00", "259.00")

    price_change = (
        '<del class="change-rows__before">299.00</del> → '
        '<ins class="change-rows__after">259.00</ins>'
    )
    response = client.get(editor_url(service, "history/"))
    kinds = [change.kind for change, _rows in response.context["entries"]]
    assert kinds[:3] == [Kind.EDITED, Kind.APPROVED, Kind.SUBMITTED]
    assert kinds[-1] == Kind.CREATED
    page = response.content.decode()
    assert price_change in page
    assert gettext("Live") in page

    admin_page = staff.get(f"/admin/catalog/service/{service.pk}/change/")
    assert admin_page.status_code == 200
    body = admin_page.content.decode()
    assert price_change in body
    assert str(Kind.APPROVED.label) in body


# --- bad input shows an error and saves nothing -----------------------------------------------


def create_data(**changes) -> dict:
    return {
        "title": "雅思口语冲刺班",
        "category": CategoryFactory(parent=CategoryFactory()).pk,
        "summary": "四周提升口语",
        "mode": Service.Mode.LIVE,
        "fulfilment": Service.Fulfilment.SCHEDULED,
        "refund_policy": Service.RefundPolicy.BEFORE_START,
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"mode": Service.Mode.OFFLINE, "city": ""}, "city"),
        ({"mode": Service.Mode.OFFLINE, "city": "  "}, "city"),
    ],
    ids=["empty-title", "blank-title", "offline-without-city", "offline-blank-city"],
)
def test_a_bad_new_listing_shows_the_error_and_creates_nothing(client, changes, field):
    client.force_login(ProviderFactory())

    response = client.post(f"{BASE}new/", create_data(**changes))

    assert response.status_code == 200
    [error] = response.context["form"].errors[field]
    assert f'<div class="field__errors" id="id_{field}_error"><p>{escape(error)}</p>' in (
        response.content.decode()
    )
    assert not Service.objects.exists()


def test_offline_details_without_a_city_show_the_error_and_save_nothing(client):
    service = listing(title="原标题")
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service)), "form")
    data.update(title="新标题", mode=Service.Mode.OFFLINE, city="")

    response = client.post(editor_url(service), data)

    assert response.status_code == 200
    assert response.context["form"].errors["city"] == [
        gettext("Offline services need the city where they take place.")
    ]
    assert (reloaded(service).title, service.mode) == ("原标题", Service.Mode.LIVE)
    assert not service.changes.exists()


def test_a_too_long_city_shows_only_that_error(client):
    service = listing()
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service)), "form")
    data.update(mode=Service.Mode.OFFLINE, city="城" * 31)

    response = client.post(editor_url(service), data)

    assert response.status_code == 200
    assert len(response.context["form"].errors["city"]) == 1


def test_a_package_without_a_price_above_zero_shows_the_error_and_saves_nothing(client):
    service = listing()
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service, "packages/")))
    data.update({"packages-0-name": "免费试听", "packages-0-price": "0"})

    response = client.post(editor_url(service, "packages/"), data)

    assert response.status_code == 200
    assert gettext("The price must be above zero.") in response.content.decode()
    assert not service.packages.exists()


def test_deleting_a_package_with_orders_shows_why_and_deletes_nothing(client):
    service = listing()
    package = PackageFactory(service=service, name="基础班")
    Package.objects.filter(pk=package.pk).update(reserved=1)
    client.force_login(service.provider)
    data = page_data(client.get(editor_url(service, "packages/")))
    change_row(data, "packages", package.pk, DELETE="on")

    response = client.post(editor_url(service, "packages/"), data)

    assert response.status_code == 200
    text = gettext(
        "“%(name)s” has orders and cannot be deleted. Untick “On sale” to stop selling it."
    ) % {"name": "基础班"}
    assert text in response.content.decode()
    assert list(service.packages.all()) == [package]


def post_images(client, service, files):
    return client.post(editor_url(service, "media/images/"), {"images": files})


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            lambda: [upload(b"%PDF-1.4 not an image", "brochure.png")],
            "The file is not a valid image. Upload a JPEG, PNG, WebP or GIF image.",
            id="not-an-image",
        ),
        pytest.param(
            lambda: [upload(image_bytes((60, 40)), f"{i}.png") for i in range(10)],
            "You can add %(n)d more images now.",
            id="ten-at-once",
        ),
    ],
)
def test_bad_images_show_the_error_and_add_nothing(client, media_root, files, message):
    service = listing()
    client.force_login(service.provider)

    response = post_images(client, service, files())

    assert response.status_code == 200
    assert response.context["image_form"].errors["images"] == [
        gettext(message) % {"n": MAX_UPLOAD_AT_ONCE} if "%(n)d" in message else gettext(message)
    ]
    assert not service.media.exists()


def files_under(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def good_and_bad_images() -> list:
    return [upload(image_bytes((300, 200)), "good.png"), upload(b"not an image", "bad.png")]


def test_a_batch_with_one_bad_image_adds_none_of_them(client, media_root):
    service = listing()
    client.force_login(service.provider)

    response = post_images(client, service, good_and_bad_images())

    assert response.status_code == 200
    assert not service.media.exists()
    assert reloaded(service).cover is None


def test_a_refused_batch_leaves_no_files_behind(client, media_root):
    service = listing()
    client.force_login(service.provider)

    post_images(client, service, good_and_bad_images())

    assert files_under(media_root) == []


def test_an_image_upload_without_a_file_asks_for_one(client, media_root):
    service = listing()
    client.force_login(service.provider)

    response = post_images(client, service, [])

    assert response.status_code == 200
    assert "images" in response.context["image_form"].errors
    assert not service.media.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            lambda: {"video": SimpleUploadedFile("clip.mp4", b"MZ\x90\x00 not a video")},
            "video",
            "The file is not an MP4 or WebM video.",
        ),
        (
            lambda: {"video_url": "http://cdn.example.com/intro.mp4"},
            "video_url",
            "Enter an https:// address.",
        ),
        (
            lambda: {"caption": "只有标题"},
            "__all__",
            "Upload a video or enter its https:// address.",
        ),
    ],
    ids=["not-a-video", "http-address", "nothing"],
)
def test_a_bad_video_shows_the_error_and_adds_nothing(client, media_root, data, field, message):
    service = listing()
    client.force_login(service.provider)

    response = client.post(editor_url(service, "media/video/"), data())

    assert response.status_code == 200
    assert response.context["video_form"].errors[field] == [gettext(message)]
    assert gettext(message) in response.content.decode()
    assert not service.media.exists()


def test_a_full_gallery_takes_no_video(client, media_root):
    service = listing()
    for i in range(12):
        editor.add_clip(service, by=service.provider, url=f"https://cdn.example.com/{i}.mp4")
    client.force_login(service.provider)

    response = client.post(
        editor_url(service, "media/video/"), {"video_url": "https://cdn.example.com/13.mp4"}
    )

    assert response.status_code == 200
    assert response.context["video_form"].non_field_errors() == [
        gettext("The gallery is full (%(n)d items). Delete one first.") % {"n": 12}
    ]
    assert service.media.count() == 12


def test_an_uploaded_clip_is_added(client, media_root):
    service = listing()
    client.force_login(service.provider)

    response = client.post(
        editor_url(service, "media/video/"),
        {"video": SimpleUploadedFile("clip.bin", MP4, "video/mp4")},
    )

    assert response.status_code == 302
    clip = service.media.get()
    assert clip.is_video and clip.video.name.endswith(".mp4")


def test_an_instructor_without_a_name_shows_the_error_and_saves_nothing(client):
    client.force_login(ProviderFactory())

    response = client.post(f"{BASE}instructors/new/", {"name": "", "title": "讲师"})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors


# --- query budgets ----------------------------------------------------------------------------

# Every dashboard page: SAVEPOINT/RELEASE of ATOMIC_REQUESTS, session, user, provider
# profile, unread messages, roles, the header's member badge (8). Then the list: the tab
# counts, the page count, the listings with category and cover (3); the packages: the
# listing, its packages (2); the history: the listing, the page count, the entries with
# their authors (3).
LIST_BUDGET = 11
PACKAGES_BUDGET = 10
HISTORY_BUDGET = 11


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_list_page_runs_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    provider = ProviderFactory()
    client.force_login(provider)

    def add_listings(n: int) -> None:
        for _ in range(n):
            with_cover(listing(Status.PUBLISHED, provider=provider))

    add_listings(3)
    client.get(BASE)  # warm up: the first request of a session writes more
    few = queries_for(client, BASE)
    add_listings(22)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(BASE)

    assert len(response.context["page"].object_list) == 20
    assert queries_for(client, BASE) == few


def test_the_packages_page_runs_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    service = listing()
    client.force_login(service.provider)
    url = editor_url(service, "packages/")
    for _ in range(2):
        PackageFactory(service=service)
    client.get(url)
    few = queries_for(client, url)
    for _ in range(6):
        PackageFactory(service=service)

    with django_assert_max_num_queries(PACKAGES_BUDGET):
        response = client.get(url)

    assert len(response.context["formset"].initial_forms) == 8
    assert queries_for(client, url) == few


def test_the_history_page_runs_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    service = listing()
    client.force_login(service.provider)
    url = editor_url(service, "history/")

    def add_entries(n: int) -> None:
        for i in range(n):
            history.record(
                service,
                Kind.EDITED,
                by=service.provider if i % 2 else StaffFactory(),
                section="packages",
                changes=[
                    history.entry(
                        "package",
                        "基础班",
                        "price",
                        history.CHANGED,
                        before="299.00",
                        after=f"{200 + i}.00",
                    )
                ],
            )

    add_entries(3)
    client.get(url)
    few = queries_for(client, url)
    add_entries(27)

    with django_assert_max_num_queries(HISTORY_BUDGET):
        response = client.get(url)

    assert len(response.context["entries"]) == 30
    assert queries_for(client, url) == few


# --- the list's status tabs -------------------------------------------------------------------


@pytest.fixture
def many_statuses():
    provider = ProviderFactory()
    titles = {
        "在售课程甲": Status.PUBLISHED,
        "在售课程乙": Status.PUBLISHED,
        "草稿课程": Status.DRAFT,
        "审核中课程": Status.PENDING,
        "未通过课程": Status.REJECTED,
        "已下架课程": Status.UNLISTED,
        "已归档课程": Status.ARCHIVED,
    }
    for title, status in titles.items():
        listing(status, provider=provider, title=title)
    ServiceFactory(title="别家的课程")
    return provider, titles


def test_the_tabs_count_each_status_and_the_default_hides_archived(client, many_statuses):
    provider, titles = many_statuses
    client.force_login(provider)

    response = client.get(BASE)

    counts = {tab["status"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {
        "": 6,
        Status.PUBLISHED: 2,
        Status.DRAFT: 1,
        Status.PENDING: 1,
        Status.REJECTED: 1,
        Status.UNLISTED: 1,
        Status.ARCHIVED: 1,
    }
    page = response.content.decode()
    assert all(title in page for title, s in titles.items() if s != Status.ARCHIVED)
    assert "已归档课程" not in page
    assert "别家的课程" not in page


@pytest.mark.parametrize("status", list(Status))
def test_a_tab_shows_only_its_status(client, many_statuses, status):
    provider, titles = many_statuses
    client.force_login(provider)

    response = client.get(f"{BASE}?status={status}")

    shown = {service.title for service in response.context["page"].object_list}
    assert shown == {title for title, s in titles.items() if s == status}
    assert response.context["current_status"] == status


def test_each_status_tab_has_its_own_label(client):
    client.force_login(ProviderFactory())

    response = client.get(BASE)

    labels = [str(tab["label"]) for tab in response.context["tabs"]]
    assert len(set(labels)) == len(labels), labels


def test_the_rejected_tab_shows_the_reason(client, many_statuses):
    provider, _titles = many_statuses
    client.force_login(provider)

    page = client.get(f"{BASE}?status=rejected").content.decode()

    assert "资质证明不清晰" in page


def test_an_unknown_status_shows_every_listing_but_the_archived(client, many_statuses):
    provider, _titles = many_statuses
    client.force_login(provider)

    response = client.get(f"{BASE}?status=nonsense")

    assert response.context["current_status"] == ""
    assert len(response.context["page"].object_list) == 6
