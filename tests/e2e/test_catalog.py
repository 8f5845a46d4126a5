"""A visitor finds a service by category, filter and search, reads it, picks a package and
add-ons and sees the right total, in Chromium at phone and desktop widths."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.images import image_bytes
from catalog.models import Service
from catalog.pricing import quote_line
from catalog.services import add_gallery_image, refresh_listing
from catalog.tests.factories import (
    AddOnFactory,
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
    ServiceFactory,
)
from ksmall.money import format_yuan
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_pages import AUDIT_JS


@pytest.fixture
def catalogue(media_root):
    skills = CategoryFactory(name="职业技能", slug="skills", icon="💼")
    data = CategoryFactory(name="数据分析", slug="data", parent=skills)
    languages = CategoryFactory(name="语言学习", slug="languages", icon="🌏")
    japanese = CategoryFactory(name="日语", slug="japanese", parent=languages)
    service = ServiceFactory(
        title="Python 数据分析实战营",
        summary="八周从 Excel 走到 pandas 与可视化",
        category=data,
        tags="Python,数据分析,pandas",
        description="## 课程介绍\n\n从**真实业务数据**出发。\n\n- 清洗\n- 分析\n- 可视化",
        outcomes="独立完成一份分析报告\n熟练使用 pandas",
        lesson_count=24,
        study_days=56,
    )
    service.instructors.add(InstructorFactory(provider=service.provider, name="陈晓雨"))
    standard = PackageFactory(
        service=service, name="标准班", price=Decimal("1299.00"), original_price=Decimal("1699.00")
    )
    advanced = PackageFactory(
        service=service, name="进阶班", price=Decimal("2199.00"), capacity=20, reserved=17
    )
    tutoring = AddOnFactory(service=service, name="1对1答疑", price=Decimal("200.00"))
    AddOnFactory(service=service, name="纸质讲义包邮", price=Decimal("49.00"))
    upload = SimpleUploadedFile(
        "cover.png", image_bytes(size=(1600, 900)), content_type="image/png"
    )
    add_gallery_image(service, upload)
    other = ServiceFactory(title="日语五十音入门", category=japanese, mode=Service.Mode.RECORDED)
    PackageFactory(service=other, name="自学版", price=Decimal("99.00"))
    refresh_listing(service)
    return {"service": service, "standard": standard, "advanced": advanced, "tutoring": tutoring}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_visitor_finds_a_service_and_sees_the_right_total(
    new_page, live_server, artifacts, catalogue, viewport
):
    page = new_page(viewport)
    page.goto(live_server.url + "/")
    page.screenshot(path=str(artifacts / f"catalog-home-{viewport}.png"), full_page=True)

    # By category: the parent's tile on the home page lists the child's service too.
    page.click(".category-grid >> text=职业技能")
    page.wait_for_load_state()
    assert "category=skills" in page.url
    assert page.locator(".service-card").count() == 1
    assert page.evaluate(AUDIT_JS) == []
    page.screenshot(path=str(artifacts / f"catalog-list-{viewport}.png"), full_page=True)

    # By filter: a price ceiling below every package empties the list, with a way back.
    page.goto(live_server.url + "/services/?category=skills&price_max=100")
    assert page.locator(".service-card").count() == 0
    page.click(".empty-state .chip >> nth=1")
    page.wait_for_load_state()
    assert "price_max" not in page.url
    assert page.locator(".service-card").count() == 1

    # By search, from the header.
    page.goto(live_server.url + "/")
    page.fill("#site-search", "pandas 数据")
    page.press("#site-search", "Enter")
    page.wait_for_load_state()
    assert page.locator(".service-card").count() == 1
    page.click(".service-card a")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Python 数据分析实战营"
    assert page.evaluate(AUDIT_JS) == []
    assert "仅剩 3 席" in page.locator(".choice-group").first.inner_text()

    # Pick the advanced package, one add-on and two seats: the server's total appears.
    page.check(f"input[name=variant][value='{catalogue['advanced'].pk}']")
    page.check(f"input[name=addons][value='{catalogue['tutoring'].pk}']")
    page.click("[data-step='1']")
    expected = quote_line(catalogue["advanced"], [catalogue["tutoring"]], 2).total
    assert expected == Decimal("4798.00")
    total = page.locator(".price-box__total .price")
    total.filter(has_text=format_yuan(expected)).wait_for()
    page.screenshot(path=str(artifacts / f"catalog-detail-{viewport}.png"), full_page=True)

    # More seats than are left is refused with the reason, not a wrong total.
    page.fill("#quantity", "5")
    page.dispatch_event("#quantity", "change")
    page.locator(".price-box__error").filter(has_text="仅剩 3 席").wait_for()
