"""catalog.editor and catalog.history called directly: creating a listing, saving each part
of the editor with its field-by-field history, the moves of the status table, the gallery
and instructors, and who may do each."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from accounts.tests.images import image_bytes, upload
from catalog import editor, history
from catalog.listing_forms import (
    FOREIGN_ROW,
    AddOnRows,
    GalleryRows,
    InstructorForm,
    PackageRows,
    ServiceForm,
    SyllabusRows,
)
from catalog.models import Package, Service, ServiceChange
from catalog.services import approve_service, archive_service, refresh_listing, reject_service
from catalog.tests.editing import (
    add_row,
    bound,
    change_row,
    complete,
    details_data,
    details_form,
    index_of,
    last_change,
    listing,
    reloaded,
    rows_data,
    save_rows,
    with_cover,
)
from catalog.tests.factories import (
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
)
from orders.tests.factories import OrderLineFactory

pytestmark = pytest.mark.django_db

Status = Service.Status
Kind = ServiceChange.Kind

# The table in catalog/editor.py's docstring, written out again: (status, move) → (new
# status, history kind). Every other pair is refused.
ALLOWED = {
    (Status.DRAFT, "submit"): (Status.PENDING, Kind.SUBMITTED),
    (Status.DRAFT, "archive"): (Status.ARCHIVED, Kind.ARCHIVED),
    (Status.PENDING, "withdraw"): (Status.DRAFT, Kind.WITHDRAWN),
    (Status.REJECTED, "submit"): (Status.PENDING, Kind.SUBMITTED),
    (Status.REJECTED, "archive"): (Status.ARCHIVED, Kind.ARCHIVED),
    (Status.PUBLISHED, "unlist"): (Status.UNLISTED, Kind.UNLISTED),
    (Status.PUBLISHED, "archive"): (Status.ARCHIVED, Kind.ARCHIVED),
    (Status.UNLISTED, "relist"): (Status.PUBLISHED, Kind.RELISTED),
    (Status.UNLISTED, "archive"): (Status.ARCHIVED, Kind.ARCHIVED),
}
MOVES = ["submit", "withdraw", "unlist", "relist", "archive"]
REFUSED = [(status, move) for status in Status for move in MOVES if (status, move) not in ALLOWED]
EDITABLE = [Status.DRAFT, Status.REJECTED, Status.PUBLISHED, Status.UNLISTED]


# --- creating a listing -----------------------------------------------------------------------


def test_a_provider_creates_a_draft_of_their_own_with_a_created_entry():
    provider = ProviderFactory()
    category = CategoryFactory(parent=CategoryFactory())
    form = ServiceForm(
        {
            "title": "雅思口语冲刺班",
            "category": category.pk,
            "summary": "四周提升口语一个分数段",
            "tags": "雅思, 口语",
            "mode": Service.Mode.LIVE,
            "fulfilment": Service.Fulfilment.SCHEDULED,
            "refund_policy": Service.RefundPolicy.BEFORE_START,
        },
        provider=provider,
    )
    assert form.is_valid(), form.errors

    service = editor.create_listing(form, by=provider)

    service = reloaded(service)
    assert (service.provider, service.status) == (provider, Status.DRAFT)
    assert "雅思口语冲刺班" in service.search_text
    assert provider.provider_profile.display_name.lower() in service.search_text
    [created] = service.changes.all()
    assert (created.kind, created.author, created.was_live) == (Kind.CREATED, provider, False)


def test_a_learner_cannot_create_a_listing():
    learner = UserFactory()
    category = CategoryFactory(parent=CategoryFactory())
    form = ServiceForm(
        {
            "title": "冒名课程",
            "category": category.pk,
            "summary": "无",
            "mode": Service.Mode.LIVE,
            "fulfilment": Service.Fulfilment.SCHEDULED,
            "refund_policy": Service.RefundPolicy.NONE,
        },
        provider=learner,
    )
    assert form.is_valid(), form.errors

    with pytest.raises(PermissionDenied):
        editor.create_listing(form, by=learner)

    assert not Service.objects.exists()
    assert not ServiceChange.objects.exists()


# --- the details ------------------------------------------------------------------------------


def test_saving_the_details_records_each_changed_field_before_and_after():
    service = listing(title="雅思口语冲刺班", summary="四周提升口语")

    changes = editor.save_section(
        service,
        details_form(service, title="雅思口语冲刺班（周末）", summary="四周提升口语一个分数段"),
        by=service.provider,
        section="details",
    )

    assert reloaded(service).title == "雅思口语冲刺班（周末）"
    assert {(c["field"], c["before"], c["after"]) for c in changes} == {
        ("title", "雅思口语冲刺班", "雅思口语冲刺班（周末）"),
        ("summary", "四周提升口语", "四周提升口语一个分数段"),
    }
    entry = last_change(service)
    assert (entry.kind, entry.section, entry.author) == (Kind.EDITED, "details", service.provider)
    assert entry.changes == changes
    assert {row.field for row in history.change_rows(entry)} == {
        str(Service._meta.get_field(name).verbose_name) for name in ("title", "summary")
    }


def test_a_provider_takes_a_service_out_of_member_prices():
    service = listing(status=Status.PUBLISHED)
    assert service.has_member_price
    data = details_data(service)
    assert data.pop("has_member_price") == "on"  # ticked by default; unticking leaves it out
    form = ServiceForm(data, instance=service, provider=service.provider)
    assert form.is_valid(), form.errors

    changes = editor.save_section(service, form, by=service.provider, section="details")

    assert not reloaded(service).has_member_price
    assert [(c["field"], c["before"], c["after"]) for c in changes] == [
        ("has_member_price", "是", "否")
    ]


def test_saving_unchanged_details_records_nothing():
    service = listing()
    before = service.changes.count()

    changes = editor.save_section(
        service, details_form(service), by=service.provider, section="details"
    )

    assert changes == []
    assert service.changes.count() == before


@pytest.mark.parametrize("status", EDITABLE)
def test_an_edit_is_marked_live_only_on_a_published_listing(status):
    service = listing(status, title="旧标题")

    editor.save_section(
        service, details_form(service, title="新标题"), by=service.provider, section="details"
    )

    assert last_change(service).was_live is (status == Status.PUBLISHED)


def test_a_changed_choice_is_recorded_with_its_label_on_both_sides():
    service = listing(mode=Service.Mode.LIVE)

    changes = editor.save_section(
        service,
        details_form(service, mode=Service.Mode.OFFLINE, city="上海"),
        by=service.provider,
        section="details",
    )

    change = next(c for c in changes if c["field"] == "mode")
    assert change["before"] == str(Service.Mode.LIVE.label)
    assert change["after"] == str(Service.Mode.OFFLINE.label)


def test_choosing_instructors_puts_them_in_the_search_text():
    service = listing()
    instructor = InstructorFactory(provider=service.provider, name="王老师")

    changes = editor.save_section(
        service,
        details_form(service, instructors=[str(instructor.pk)]),
        by=service.provider,
        section="details",
    )

    assert list(reloaded(service).instructors.all()) == [instructor]
    assert "王老师" in service.search_text
    assert [(c["field"], c["before"], c["after"]) for c in changes] == [
        ("instructors", "", "王老师")
    ]


def test_the_search_text_follows_a_new_title_summary_and_tags():
    service = listing(title="雅思口语冲刺班", summary="四周提升口语", tags="雅思")
    refresh_listing(service)

    editor.save_section(
        service,
        details_form(service, title="托福写作精讲", summary="六周写作提分", tags="托福, 写作"),
        by=service.provider,
        section="details",
    )

    search_text = reloaded(service).search_text
    assert all(word in search_text for word in ("托福写作精讲", "六周写作提分", "托福, 写作"))
    assert "雅思口语冲刺班" not in search_text


def test_another_providers_instructor_is_not_a_choice():
    service = listing()
    stranger = InstructorFactory(name="别家老师")

    form = ServiceForm(
        details_data(service, instructors=[str(stranger.pk)]),
        instance=service,
        provider=service.provider,
    )

    assert "instructors" in form.errors


def test_saving_the_details_keeps_counters_changed_meanwhile():
    service = listing(Status.PUBLISHED, title="旧标题")
    form = details_form(service, title="新标题")
    Service.objects.filter(pk=service.pk).update(view_count=7, sales_count=3)

    editor.save_section(service, form, by=service.provider, section="details")

    service = reloaded(service)
    assert service.title == "新标题"
    assert (service.view_count, service.sales_count) == (7, 3)


# --- packages, add-ons and the syllabus -------------------------------------------------------


@pytest.fixture
def two_packages():
    service = listing(Status.PUBLISHED)
    basic = PackageFactory(service=service, name="基础班", price=Decimal("299.00"))
    plus = PackageFactory(service=service, name="进阶班", price=Decimal("499.00"))
    return service, basic, plus


def test_adding_a_package_records_it_and_lowers_the_price_from(two_packages):
    service, basic, plus = two_packages
    data = add_row(
        rows_data(PackageRows, service, "packages"),
        "packages",
        name="体验课",
        price="99.00",
        lessons="1",
        is_active="on",
    )

    changes = save_rows(PackageRows, service, "packages", data)

    added = service.packages.get(name="体验课")
    assert added.price == Decimal("99.00")
    assert list(service.packages.all()) == [basic, plus, added]
    assert [p.position for p in service.packages.all()] == [0, 1, 2]
    assert reloaded(service).price_from == Decimal("99.00")
    [change] = changes
    assert (change["model"], change["object"], change["action"]) == ("package", "体验课", "added")
    assert ["price", "99.00"] in change["values"]
    assert last_change(service).was_live is True


def test_editing_a_package_records_its_name_and_price_before_and_after(two_packages):
    service, basic, plus = two_packages
    data = change_row(
        rows_data(PackageRows, service, "packages"),
        "packages",
        basic.pk,
        name="基础班（周末）",
        price="259.00",
    )

    changes = save_rows(PackageRows, service, "packages", data)

    assert (reloaded(basic).name, basic.price) == ("基础班（周末）", Decimal("259.00"))
    assert {(c["object"], c["field"], c["before"], c["after"]) for c in changes} == {
        ("基础班", "name", "基础班", "基础班（周末）"),
        ("基础班", "price", "299.00", "259.00"),
    }
    assert reloaded(service).price_from == Decimal("259.00")
    subjects = {row.subject for row in history.change_rows(last_change(service))}
    assert subjects == {f"{Package._meta.verbose_name}「基础班」"}


def test_taking_a_package_off_sale_raises_the_price_from(two_packages):
    service, basic, plus = two_packages
    data = rows_data(PackageRows, service, "packages")
    del data[f"packages-{index_of(data, 'packages', basic.pk)}-is_active"]

    changes = save_rows(PackageRows, service, "packages", data)

    assert reloaded(basic).is_active is False
    assert reloaded(service).price_from == Decimal("499.00")
    assert [(c["field"], c["after"]) for c in changes] == [("is_active", gettext("No"))]


def test_deleting_a_package_records_it(two_packages):
    service, basic, plus = two_packages
    data = change_row(
        rows_data(PackageRows, service, "packages"), "packages", basic.pk, DELETE="on"
    )

    changes = save_rows(PackageRows, service, "packages", data)

    assert list(service.packages.all()) == [plus]
    assert reloaded(plus).position == 0
    assert reloaded(service).price_from == Decimal("499.00")
    assert [(c["object"], c["action"]) for c in changes] == [("基础班", "removed")]


def test_unchanged_rows_record_nothing(two_packages):
    service, _basic, _plus = two_packages
    before = service.changes.count()

    changes = save_rows(
        PackageRows, service, "packages", rows_data(PackageRows, service, "packages")
    )

    assert changes == []
    assert service.changes.count() == before


def test_reordering_saves_the_new_positions_and_records_a_move(two_packages):
    service, basic, plus = two_packages
    third = PackageFactory(service=service, name="冲刺班", price=Decimal("699.00"))
    data = rows_data(PackageRows, service, "packages")
    change_row(data, "packages", basic.pk, ORDER="3")
    change_row(data, "packages", plus.pk, ORDER="1")
    change_row(data, "packages", third.pk, ORDER="2")

    changes = save_rows(PackageRows, service, "packages", data)

    assert list(service.packages.all()) == [plus, third, basic]
    assert [p.position for p in service.packages.all()] == [0, 1, 2]
    [moved] = changes
    assert (moved["action"], moved["field"]) == ("moved", "position")
    assert (moved["before"], moved["after"]) == ("基础班、进阶班、冲刺班", "进阶班、冲刺班、基础班")


def order_line_on(package: Package) -> Package:
    OrderLineFactory(package=package)
    return package


def seats_taken(package: Package) -> Package:
    Package.objects.filter(pk=package.pk).update(capacity=10, reserved=2)
    return reloaded(package)


@pytest.mark.parametrize("has_orders", [order_line_on, seats_taken], ids=["order", "seats"])
def test_a_package_with_orders_cannot_be_deleted(two_packages, has_orders):
    service, basic, plus = two_packages
    has_orders(basic)
    before = service.changes.count()
    data = change_row(
        rows_data(PackageRows, service, "packages"), "packages", basic.pk, DELETE="on"
    )

    formset = bound(PackageRows, service, "packages", data)

    assert not formset.is_valid()
    expected = "“%(name)s” has orders and cannot be deleted. Untick “On sale” to stop selling it."
    assert formset.non_form_errors() == [gettext(expected) % {"name": "基础班"}]
    assert list(service.packages.all()) == [basic, plus]
    assert service.changes.count() == before


def test_capacity_below_the_seats_taken_is_refused(two_packages):
    service, basic, _plus = two_packages
    seats_taken(basic)
    data = change_row(
        rows_data(PackageRows, service, "packages"), "packages", basic.pk, capacity="1"
    )

    formset = bound(PackageRows, service, "packages", data)

    assert not formset.is_valid()
    assert "capacity" in formset.forms[index_of(data, "packages", basic.pk)].errors
    assert reloaded(basic).capacity == 10


def test_an_original_price_below_the_price_is_refused(two_packages):
    service, basic, _plus = two_packages
    data = change_row(
        rows_data(PackageRows, service, "packages"), "packages", basic.pk, original_price="199.00"
    )

    formset = bound(PackageRows, service, "packages", data)

    assert not formset.is_valid()
    assert "original_price" in formset.forms[index_of(data, "packages", basic.pk)].errors
    assert reloaded(basic).original_price is None


@pytest.mark.parametrize("price", ["0", "0.00", "-5"])
def test_a_price_that_is_not_above_zero_is_refused(two_packages, price):
    service, basic, _plus = two_packages
    data = change_row(
        rows_data(PackageRows, service, "packages"), "packages", basic.pk, price=price
    )
    add_row(data, "packages", name="免费试听", price=price, is_active="on")

    formset = bound(PackageRows, service, "packages", data)

    assert not formset.is_valid()
    assert "price" in formset.forms[index_of(data, "packages", basic.pk)].errors
    assert "price" in formset.forms[-1].errors
    assert reloaded(basic).price == Decimal("299.00")
    assert service.packages.count() == 2


def test_an_add_on_at_zero_is_refused_and_one_above_is_added():
    service = listing()
    refused = add_row(rows_data(AddOnRows, service, "addons"), "addons", name="教材", price="0")
    assert not bound(AddOnRows, service, "addons", refused).is_valid()

    data = add_row(rows_data(AddOnRows, service, "addons"), "addons", name="教材", price="59")
    save_rows(AddOnRows, service, "addons", data)

    assert [(a.name, a.price) for a in service.addons.all()] == [("教材", Decimal("59.00"))]


def test_syllabus_rows_are_added_in_the_order_given():
    service = listing()
    data = rows_data(SyllabusRows, service, "syllabus")
    for title, order in [("第三课", "3"), ("第一课", "1"), ("第二课", "2")]:
        add_row(data, "syllabus", title=title, minutes="45", ORDER=order)

    changes = save_rows(SyllabusRows, service, "syllabus", data)

    assert [item.title for item in service.syllabus.all()] == ["第一课", "第二课", "第三课"]
    assert [item.position for item in service.syllabus.all()] == [0, 1, 2]
    assert sorted(c["object"] for c in changes) == ["第一课", "第三课", "第二课"]
    assert all(c["action"] == "added" for c in changes)


def test_a_row_of_another_listing_is_refused():
    service = listing()
    mine = PackageFactory(service=service, name="基础班")
    foreign = PackageFactory(name="别家的套餐", price=Decimal("999.00"))
    data = change_row(rows_data(PackageRows, service, "packages"), "packages", mine.pk, name="改名")
    data[f"packages-{index_of(data, 'packages', mine.pk)}-id"] = str(foreign.pk)

    formset = bound(PackageRows, service, "packages", data)

    assert not formset.is_valid()
    assert formset.non_form_errors() == [str(FOREIGN_ROW)]


# --- the moves of the status table ------------------------------------------------------------


@pytest.mark.parametrize(("status", "action"), list(ALLOWED))
def test_a_move_of_the_table_lands_in_its_status_with_its_history_entry(status, action):
    service = complete(status)
    new_status, kind = ALLOWED[(status, action)]

    returned = editor.move(service, action, by=service.provider)

    assert returned is service and service.status == new_status
    assert reloaded(service).status == new_status
    entry = last_change(service)
    assert (entry.kind, entry.author) == (kind, service.provider)
    assert entry.was_live is (new_status == Status.PUBLISHED)


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_every_other_move_is_refused_and_changes_nothing(status, action):
    service = complete(status)
    entries = service.changes.count()

    with pytest.raises(ValidationError) as refused:
        editor.move(service, action, by=service.provider)

    assert refused.value.code == "invalid_move"
    assert reloaded(service).status == status
    assert service.changes.count() == entries


@pytest.mark.parametrize("status", list(Status))
def test_the_provider_is_offered_exactly_the_moves_of_the_table(status):
    service = listing(status)

    assert set(editor.provider_moves(service)) == {a for (s, a) in ALLOWED if s == status}


def test_archiving_a_staff_pick_takes_it_off_the_home_page():
    service = complete(Status.PUBLISHED, is_featured=True)

    editor.move(service, "archive", by=service.provider)

    assert reloaded(service).is_featured is False


@pytest.mark.parametrize(
    ("has_package", "has_cover", "missing"),
    [
        (False, False, ["package", "cover"]),
        (False, True, ["package"]),
        (True, False, ["cover"]),
    ],
)
def test_submitting_needs_a_package_on_sale_and_a_cover(has_package, has_cover, missing):
    service = listing()
    PackageFactory(service=service, is_active=has_package)
    if has_cover:
        with_cover(service)
    texts = {
        "package": gettext("Add at least one package on sale before submitting."),
        "cover": gettext("Add at least one image, for the cover, before submitting."),
    }

    with pytest.raises(ValidationError) as refused:
        editor.move(service, "submit", by=service.provider)

    assert refused.value.messages == [texts[what] for what in missing]
    assert reloaded(service).status == Status.DRAFT
    assert not service.changes.filter(kind=Kind.SUBMITTED).exists()


@pytest.mark.parametrize(
    "intruder",
    [ProviderFactory, StaffFactory, UserFactory],
    ids=["another provider", "staff", "learner"],
)
@pytest.mark.parametrize(
    ("status", "action"), [(Status.DRAFT, "submit"), (Status.PUBLISHED, "unlist")]
)
def test_only_the_owner_moves_a_listing(intruder, status, action):
    service = complete(status)
    user = intruder()

    with pytest.raises(PermissionDenied):
        editor.move(service, action, by=user)

    assert reloaded(service).status == status
    assert not service.changes.exists()


# --- no edits while under review or archived --------------------------------------------------


def edit_details(service):
    return editor.save_section(
        service, details_form(service, title="改过的标题"), by=service.provider, section="details"
    )


def edit_packages(service):
    data = add_row(
        rows_data(PackageRows, service, "packages"), "packages", name="新套餐", price="9"
    )
    return save_rows(PackageRows, service, "packages", data)


def add_a_video(service):
    return editor.add_clip(service, by=service.provider, url="https://cdn.example.com/a.mp4")


def add_an_image(service):
    return editor.add_images(service, [upload(image_bytes((300, 200)))], by=service.provider)


@pytest.mark.parametrize(
    ("status", "code"), [(Status.PENDING, "under_review"), (Status.ARCHIVED, "archived")]
)
@pytest.mark.parametrize("edit", [edit_details, edit_packages, add_a_video, add_an_image])
def test_nothing_can_be_edited_while_under_review_or_archived(media_root, status, code, edit):
    service = complete(status, title="原标题")

    with pytest.raises(ValidationError) as refused:
        edit(service)

    assert refused.value.code == code
    service = reloaded(service)
    assert service.title == "原标题"
    assert list(service.packages.values_list("name", flat=True)) == ["基础班"]
    assert service.media.count() == 1
    assert not service.changes.exists()


def test_another_provider_cannot_save_a_section():
    service = listing(title="原标题")
    form = details_form(service, title="冒名修改")

    with pytest.raises(PermissionDenied):
        editor.save_section(service, form, by=ProviderFactory(), section="details")

    assert reloaded(service).title == "原标题"


# --- staff decisions --------------------------------------------------------------------------


def test_staff_approval_is_recorded():
    service = complete(Status.PENDING)
    staff = StaffFactory()

    approve_service(service, by=staff)

    entry = last_change(service)
    assert (entry.kind, entry.author, entry.was_live) == (Kind.APPROVED, staff, True)


def test_a_rejection_is_recorded_with_its_reason():
    service = complete(Status.PENDING)
    staff = StaffFactory()

    reject_service(service, by=staff, reason="  资质证明不清晰  ")

    entry = last_change(service)
    assert (entry.kind, entry.author, entry.note) == (Kind.REJECTED, staff, "资质证明不清晰")


def test_staff_archiving_is_recorded():
    service = complete(Status.PUBLISHED)
    staff = StaffFactory()

    archive_service(service, by=staff)

    entry = last_change(service)
    assert (entry.kind, entry.author) == (Kind.ARCHIVED, staff)


# --- the gallery ------------------------------------------------------------------------------


def images(n: int):
    return [upload(image_bytes((300, 200), color=(40 * i, 0, 0)), f"p{i}.png") for i in range(n)]


@pytest.fixture
def gallery(media_root):
    """A draft with three images, the first of them the cover."""
    service = listing()
    items = editor.add_images(service, images(3), by=service.provider)
    return reloaded(service), items


def gallery_data(service: Service, cover: int | None = None) -> dict:
    """The gallery form as rendered, with the ``cover`` radio on the current cover (or on
    ``cover``)."""
    data = rows_data(GalleryRows, service, "media")
    data["cover"] = str(cover or service.cover_id)
    return data


def save_gallery(service: Service, data: dict) -> list[dict]:
    service = Service.objects.select_related("cover").get(pk=service.pk)
    return save_rows(GalleryRows, service, "media", data)


def test_added_images_are_appended_and_the_first_becomes_the_cover(gallery):
    service, items = gallery

    assert [item.position for item in items] == [0, 1, 2]
    assert list(service.media.all()) == items
    assert reloaded(service).cover == items[0]
    entry = last_change(service)
    assert (entry.kind, entry.section) == (Kind.EDITED, "media")
    assert [c["action"] for c in entry.changes] == ["added"] * 3


def test_later_images_do_not_take_the_cover(gallery):
    service, items = gallery

    [later] = editor.add_images(service, images(1), by=service.provider, caption="教室")

    assert (later.position, later.caption) == (3, "教室")
    assert reloaded(service).cover == items[0]


def test_the_gallery_form_changes_the_cover_the_captions_and_the_order(gallery):
    service, (first, second, third) = gallery
    data = gallery_data(service, cover=second.pk)
    change_row(data, "media", first.pk, caption="教室", ORDER="3")
    change_row(data, "media", second.pk, ORDER="1")
    change_row(data, "media", third.pk, ORDER="2")

    changes = save_gallery(service, data)

    assert list(service.media.all()) == [second, third, first]
    assert reloaded(first).caption == "教室"
    assert reloaded(service).cover == second
    assert {c["action"] for c in changes} == {"changed", "moved"}
    assert {c["field"] for c in changes} == {"caption", "position", "cover"}


def test_deleting_the_cover_without_choosing_another_falls_back_to_the_first_image(gallery):
    service, (first, second, third) = gallery
    data = change_row(gallery_data(service), "media", first.pk, DELETE="on")
    del data["cover"]

    save_gallery(service, data)

    assert list(service.media.all()) == [second, third]
    assert reloaded(service).cover == second


def test_deleting_the_cover_still_ticked_falls_back_to_the_first_image(gallery):
    service, (first, second, third) = gallery
    data = change_row(gallery_data(service), "media", first.pk, DELETE="on")

    save_gallery(service, data)

    assert reloaded(service).cover == second


def test_choosing_a_new_cover_and_deleting_the_old_one_at_once(gallery):
    service, (first, second, third) = gallery
    data = change_row(gallery_data(service, cover=third.pk), "media", first.pk, DELETE="on")

    save_gallery(service, data)

    assert list(service.media.all()) == [second, third]
    assert reloaded(service).cover == third


def test_deleting_every_image_leaves_no_cover(gallery):
    service, items = gallery
    data = gallery_data(service)
    del data["cover"]
    for item in items:
        change_row(data, "media", item.pk, DELETE="on")

    save_gallery(service, data)

    assert not service.media.exists()
    assert reloaded(service).cover is None


def test_an_image_of_another_listing_cannot_be_the_cover(gallery):
    service, items = gallery
    other = listing()
    [foreign] = editor.add_images(other, images(1), by=other.provider)

    formset = bound(GalleryRows, service, "media", gallery_data(service, cover=foreign.pk))

    assert not formset.is_valid()
    assert formset.non_form_errors() == [gettext("Choose the cover among this listing's images.")]
    assert reloaded(service).cover == items[0]


def test_a_video_cannot_be_the_cover(gallery):
    service, _items = gallery
    clip = editor.add_clip(service, by=service.provider, url="https://cdn.example.com/a.mp4")

    formset = bound(GalleryRows, service, "media", gallery_data(service, cover=clip.pk))

    assert not formset.is_valid()
    assert formset.non_form_errors() == [gettext("Choose the cover among this listing's images.")]


# --- instructors ------------------------------------------------------------------------------


def test_renaming_an_instructor_refreshes_the_search_text_of_their_listings():
    service = listing()
    instructor = InstructorFactory(provider=service.provider, name="王老师")
    service.instructors.add(instructor)
    refresh_listing(service)
    assert "王老师" in reloaded(service).search_text
    form = InstructorForm({"name": "李老师", "title": "高级讲师"}, instance=instructor)
    assert form.is_valid(), form.errors

    editor.save_instructor(form, by=service.provider)

    search_text = reloaded(service).search_text
    assert "李老师" in search_text
    assert "王老师" not in search_text


def test_a_new_instructor_belongs_to_the_provider():
    provider = ProviderFactory()
    form = InstructorForm({"name": "张老师"})
    assert form.is_valid(), form.errors

    instructor = editor.save_instructor(form, by=provider)

    assert instructor.provider == provider


def test_another_providers_instructor_cannot_be_saved_or_deleted():
    instructor = InstructorFactory(name="王老师")
    intruder = ProviderFactory()
    form = InstructorForm({"name": "冒名"}, instance=instructor)
    assert form.is_valid(), form.errors

    with pytest.raises(PermissionDenied):
        editor.save_instructor(form, by=intruder)
    with pytest.raises(PermissionDenied):
        editor.delete_instructor(instructor, by=intruder)

    assert reloaded(instructor).name == "王老师"


def test_deleting_an_instructor_takes_them_out_of_the_search_text():
    service = listing()
    instructor = InstructorFactory(provider=service.provider, name="王老师")
    service.instructors.add(instructor)
    refresh_listing(service)
    assert "王老师" in reloaded(service).search_text

    editor.delete_instructor(instructor, by=service.provider)

    assert not service.instructors.exists()
    assert "王老师" not in reloaded(service).search_text
