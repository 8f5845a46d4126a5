"""The provider's whole journey in Chromium, at phone and desktop widths: a learner applies
to become a provider, staff approve the application in the admin, the new provider builds a
listing in the editor (details, two packages, two images with the second as cover) and
submits it, staff publish it; a learner buys the cheaper package and pays in the sandbox,
the provider accepts, starts and completes the order, the learner reviews it and the
provider answers. Every main page is audited and photographed into test-artifacts/."""

from decimal import Decimal

import pytest

from accounts.models import ProviderProfile
from accounts.tests.factories import PASSWORD, StaffFactory, UserFactory
from accounts.tests.images import image_bytes
from catalog.models import Review, Service, ServiceMedia
from catalog.tests.factories import CategoryFactory
from orders.models import Order
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_checkout import audit, sign_in
from tests.e2e.test_payment import pay_in_sandbox

pytestmark = pytest.mark.usefixtures("media_root")

RESIDENT_ID = "33010619900101123X"  # passes the GB 11643 check digit


def sign_in_to_admin(page, live_server, staff, path: str) -> None:
    """The admin sends staff to the site's login; they come back to ``path``."""
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live_server.url + path


def run_admin_action(page, live_server, changelist: str, pk: int, action: str) -> None:
    page.goto(live_server.url + changelist)
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    page.wait_for_load_state()
    messages = page.locator(".messagelist li")
    assert messages.count() == 1, messages.all_inner_texts()
    assert "info" in messages.get_attribute("class"), messages.inner_text()


def image_file(tmp_path, name: str, color) -> str:
    path = tmp_path / name
    path.write_bytes(image_bytes(size=(1200, 675), color=color))
    return str(path)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_new_provider_goes_from_application_to_an_answered_review(
    new_page, live_server, artifacts, tmp_path, viewport
):
    category = CategoryFactory(parent=CategoryFactory(name="语言学习"), name="英语")
    applicant = UserFactory(nickname="林老师")
    staff = StaffFactory(is_superuser=True)
    learner = UserFactory(nickname="小王", phone="+8613912345678", phone_verified=True)

    # 1. The applicant applies as an individual and sees the pending status.
    page = new_page(viewport)
    sign_in(page, live_server, applicant)
    page.goto(live_server.url + "/dashboard/apply/")
    audit(page, artifacts, f"journey-apply-{viewport}")
    page.check("input[name=kind][value=individual]")
    page.fill("input[name=display_name]", "林老师英语")
    page.fill("input[name=legal_name]", "林小华")
    page.fill("input[name=id_number]", RESIDENT_ID)
    page.fill("textarea[name=qualifications]", "英语专业八级，十年雅思教学经验")
    page.set_input_files(
        "input[name=certificates]", image_file(tmp_path, "certificate.png", (240, 240, 240))
    )
    page.fill("textarea[name=introduction]", "雅思口语一对一辅导，面向在职人士")
    page.click("main form.form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live_server.url + "/dashboard/apply/"
    assert page.locator(".badge--warn").is_visible()
    audit(page, artifacts, f"journey-apply-pending-{viewport}")
    profile = ProviderProfile.objects.get(user=applicant)
    assert profile.status == ProviderProfile.Status.PENDING
    assert profile.certificates.count() == 1

    # 2. Staff open the application and approve it; the dashboard opens for the applicant.
    staff_page = new_page(viewport)
    profiles = "/admin/accounts/providerprofile/"
    sign_in_to_admin(staff_page, live_server, staff, f"{profiles}{profile.pk}/change/")
    assert "林老师英语" in staff_page.locator("#content").inner_text()
    # Django's admin is not held to the site's audit; the photograph is for a human eye.
    staff_page.screenshot(
        path=str(artifacts / f"journey-admin-application-{viewport}.png"), full_page=True
    )
    run_admin_action(staff_page, live_server, profiles, profile.pk, "approve")
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.APPROVED
    assert page.goto(live_server.url + "/dashboard/").status == 200

    # 3. The provider builds the listing: details, two packages, two images, the cover.
    page.goto(live_server.url + "/dashboard/services/new/")
    page.fill("input[name=title]", "雅思口语冲刺班")
    page.select_option("select[name=category]", str(category.pk))
    page.fill("[name=summary]", "四周直播小班，考官式模考与逐句反馈")
    page.fill("textarea[name=description]", "## 课程安排\n\n- 每周两次直播\n- 每次课后作业批改")
    page.select_option("select[name=mode]", "live")
    page.select_option("select[name=refund_policy]", "before_start")
    audit(page, artifacts, f"journey-listing-new-{viewport}")
    page.click("form.listing-form button[type=submit]")
    page.wait_for_load_state()
    service = Service.objects.get(provider=applicant)
    packages_path = f"/dashboard/services/{service.slug}/packages/"
    assert page.url == live_server.url + packages_path

    for row, (name, price) in enumerate([("标准班", "1299.00"), ("体验课", "199.00")]):
        page.fill(f"input[name=packages-{row}-name]", name)
        page.fill(f"input[name=packages-{row}-price]", price)
        page.click(f"form[action='{packages_path}'] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".flash--success").is_visible()
    assert list(service.packages.values_list("name", flat=True)) == ["标准班", "体验课"]
    audit(page, artifacts, f"journey-listing-packages-{viewport}")

    media_path = f"/dashboard/services/{service.slug}/media/"
    page.goto(live_server.url + media_path)
    page.set_input_files(
        "input[name=images]",
        [
            image_file(tmp_path, "classroom.png", (30, 90, 200)),
            image_file(tmp_path, "teacher.png", (220, 120, 30)),
        ],
    )
    page.click(f"form[action='{media_path}images/'] button[type=submit]")
    page.wait_for_load_state()
    gallery = list(ServiceMedia.objects.filter(service=service).order_by("position", "pk"))
    assert len(gallery) == 2, page.locator(".field__errors, .form__errors").all_inner_texts()
    first, second = gallery
    page.check(f"input[name=cover][value='{second.pk}']")
    page.click(f"form[action='{media_path}'] button[type=submit]")
    page.wait_for_load_state()
    service.refresh_from_db()
    assert service.cover_id == second.pk
    assert page.locator(".gallery-item--cover img").count() == 1
    audit(page, artifacts, f"journey-listing-media-{viewport}")

    with page.context.expect_page() as opened:
        page.click(f".listing-head__actions a[href='{service.get_absolute_url()}']")
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator(".preview-banner").is_visible()
    audit(preview, artifacts, f"journey-listing-preview-{viewport}")
    preview.close()

    page.click(f"form[action='/dashboard/services/{service.slug}/submit/'] button")
    page.wait_for_load_state()
    assert page.locator(".listing-status--pending").is_visible()
    audit(page, artifacts, f"journey-listing-details-{viewport}")
    service.refresh_from_db()
    assert service.status == Service.Status.PENDING

    # 4. Staff publish it; an anonymous visitor sees the cover and both packages.
    run_admin_action(staff_page, live_server, "/admin/catalog/service/", service.pk, "approve")
    service.refresh_from_db()
    assert service.status == Service.Status.PUBLISHED
    visitor = new_page(viewport)
    assert visitor.goto(live_server.url + service.get_absolute_url()).status == 200
    assert visitor.locator(".preview-banner").count() == 0
    assert visitor.locator("#service-title").inner_text() == "雅思口语冲刺班"
    assert visitor.locator(".choice__name").all_inner_texts() == ["标准班", "体验课"]
    assert visitor.locator(f".gallery__stage img[src='{second.image.url}']").count() == 1
    audit(visitor, artifacts, f"journey-detail-{viewport}")
    visitor.goto(live_server.url + category.get_absolute_url())
    card = visitor.locator(".service-card").filter(has_text="雅思口语冲刺班")
    assert card.locator("img.cover").get_attribute("src") == second.thumbnail.url

    # 5. A learner buys the cheaper package and pays in the sandbox Alipay cashier.
    learner_page = new_page(viewport)
    sign_in(learner_page, live_server, learner)
    learner_page.goto(live_server.url + service.get_absolute_url())
    cheaper = service.packages.get(name="体验课")
    learner_page.check(f"input[name=variant][value='{cheaper.pk}']")
    learner_page.click(".line-form__actions button[name=buy_now]")
    learner_page.wait_for_load_state()
    assert "¥199.00" in learner_page.locator(".cart-summary__total").inner_text()
    learner_page.click("form.checkout button[type=submit]")
    learner_page.wait_for_load_state()
    learner_page.check("input[name=method][value=alipay]")
    learner_page.click("form.pay-methods button[type=submit]")
    learner_page.wait_for_load_state()
    pay_in_sandbox(learner_page)
    order = Order.objects.get(buyer=learner)
    assert order.total == Decimal("199.00")
    learner_page.goto(f"{live_server.url}/orders/{order.order_no}/")
    assert learner_page.locator(".order-head__status").inner_text().strip() == "已付款"

    # 6. The provider accepts with a schedule, starts and completes with a summary.
    desk = f"/dashboard/orders/{order.order_no}/"
    page.goto(live_server.url + desk)
    audit(page, artifacts, f"journey-provider-order-{viewport}")
    page.fill("textarea[name=schedule]", "每周二、四 20:00，腾讯会议 123 456 789")
    page.click(f"form[action='{desk}accept/'] button")
    page.wait_for_load_state()
    page.click(f"form[action='{desk}start/'] button")
    page.wait_for_load_state()
    page.fill("textarea[name=summary]", "完成八次直播课，提交并批改了四次口语作业。")
    page.click(f"form[action='{desk}complete/'] button")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    audit(page, artifacts, f"journey-provider-order-completed-{viewport}")

    # 7. The learner reviews the order: four stars and a few words.
    learner_page.goto(f"{live_server.url}/orders/{order.order_no}/")
    learner_page.click(".review-form summary")
    learner_page.check("input[name=rating][value='4']")
    learner_page.fill("textarea[name=text]", "老师反馈很细致，口语进步明显。")
    learner_page.click(f"form[action='/orders/{order.order_no}/review/'] button[type=submit]")
    learner_page.wait_for_load_state()
    review = Review.objects.get(service=service)
    assert review.rating == 4
    audit(learner_page, artifacts, f"journey-learner-reviewed-{viewport}")

    # 8. The provider answers at /dashboard/reviews/; the detail page shows the reply.
    page.goto(live_server.url + "/dashboard/reviews/")
    assert "老师反馈很细致" in page.locator(f"#review-{review.pk}").inner_text()
    audit(page, artifacts, f"journey-reviews-{viewport}")
    page.fill(f"#reply-{review.pk}", "谢谢认可，祝考试顺利！")
    page.click(f"#review-{review.pk} form button[type=submit]")
    page.wait_for_load_state()
    assert "谢谢认可" in page.locator(f"#review-{review.pk} .review__reply").inner_text()
    visitor.goto(live_server.url + service.get_absolute_url())
    assert "谢谢认可，祝考试顺利！" in visitor.locator("#reviews .review__reply").inner_text()
    audit(visitor, artifacts, f"journey-detail-replied-{viewport}")
