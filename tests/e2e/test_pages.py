"""The main pages in a real browser, at phone and desktop widths, as visitor and learner."""

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from ksmall.tests.test_pages import LEARNER_PAGES, PUBLIC_PAGES
from tests.e2e.conftest import VIEWPORTS

# Every image has alt text (empty alt is allowed for decoration), every visible form
# control has a label (a <label for>, a wrapping label, aria-label or aria-labelledby).
AUDIT_JS = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) {
    problems.push(`horizontal overflow: ${doc.scrollWidth}px > ${window.innerWidth}px`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea");
  for (const el of controls) {
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`))
      || el.closest("label") || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) problems.push(`control without label: ${el.outerHTML.slice(0, 120)}`);
  }
  return problems;
}
"""


def _audit(page, live_server, path, artifacts, name):
    response = page.goto(live_server.url + path)
    assert response.status == 200, (path, response.status)
    problems = page.evaluate(AUDIT_JS)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert problems == [], (path, problems)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_pages_fit_and_are_labelled(new_page, live_server, artifacts, viewport):
    page = new_page(viewport)
    for path in PUBLIC_PAGES:
        slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
        _audit(page, live_server, path, artifacts, f"{slug}-{viewport}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_learner_pages_fit_and_are_labelled(new_page, live_server, artifacts, viewport):
    UserFactory(email="reader@example.com", nickname="阅读者")
    page = new_page(viewport)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "reader@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/me/"
    for path in LEARNER_PAGES:
        slug = path.strip("/").replace("/", "_")
        _audit(page, live_server, path, artifacts, f"learner-{slug}-{viewport}")


def test_home_page_is_chinese_by_default(new_page, live_server):
    page = new_page("desktop")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in page.locator("header").inner_text()
