"""The demo help centre (support.demo) and its place in ``manage.py seed_demo``: complete,
consistent with the settings it describes, and idempotent."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.markdown import render_markdown
from support.demo import CANNED_REPLIES, CATEGORIES, ENTRIES, load_support_demo
from support.models import CannedReply, FaqCategory, FaqEntry

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "categories": list(FaqCategory.objects.values_list("slug", "name", "position")),
        "entries": list(FaqEntry.objects.order_by("slug").values_list("slug", "updated_at")),
        "replies": list(CannedReply.objects.values_list("title", "body", "position")),
    }


def test_the_demo_faq_is_complete():
    report = load_support_demo()

    assert report == {
        "categories": len(CATEGORIES),
        "entries": len(ENTRIES),
        "canned_replies": len(CANNED_REPLIES),
        "written": len(CATEGORIES) + len(ENTRIES) + len(CANNED_REPLIES),
    }
    assert FaqCategory.objects.count() >= 7
    assert FaqEntry.objects.filter(is_published=True).count() >= 24
    assert CannedReply.objects.filter(is_active=True).count() >= 8
    for category in FaqCategory.objects.all():
        assert category.entries.exists(), category.slug


def test_every_entry_has_three_to_six_similar_questions_and_a_rendered_answer():
    load_support_demo()

    for entry in FaqEntry.objects.all():
        similar = entry.similar_questions.splitlines()
        assert 3 <= len(similar) <= 6, entry.slug
        assert all(line.strip() == line and line for line in similar), entry.slug
        assert entry.question not in similar
        assert len(entry.question) <= 120
        assert "**" not in render_markdown(entry.answer), entry.slug


def test_slugs_and_titles_are_unique():
    assert len({entry["slug"] for entry in ENTRIES}) == len(ENTRIES)
    assert len({title for title, _body in CANNED_REPLIES}) == len(CANNED_REPLIES)
    assert {entry["category"] for entry in ENTRIES} == {slug for slug, _name in CATEGORIES}


def test_the_answers_state_what_the_settings_say():
    answers = {entry["slug"]: entry["answer"] for entry in ENTRIES}
    hours = settings.SUPPORT_HOURS.replace("-", "–")

    assert f"**{settings.ORDER_PAYMENT_MINUTES} 分钟**" in answers["payment-deadline"]
    assert f"**{settings.BANK_TRANSFER_HOURS} 小时**" in answers["payment-deadline"]
    assert f"**{settings.REFUND_RESPONSE_HOURS} 小时**" in answers["refund-no-response"]
    assert hours in answers["contact-support"]
    assert f"**{settings.TICKET_AUTO_CLOSE_DAYS} 天**" in answers["ticket-status"]


def test_links_in_answers_point_at_site_paths_and_existing_entries():
    slugs = {entry["slug"] for entry in ENTRIES}
    for entry in ENTRIES:
        for target in re.findall(r"\]\(([^)]*)\)", entry["answer"]):
            assert target.startswith("/") and target.endswith("/"), (entry["slug"], target)
            if target.startswith("/support/faq/"):
                assert target.split("/")[3] in slugs, target


def test_loading_again_changes_nothing_and_repairs_edits():
    load_support_demo()
    before = snapshot()

    assert load_support_demo()["written"] == 0
    assert snapshot() == before

    FaqEntry.objects.filter(slug="invoice").update(question="改坏了")
    CannedReply.objects.filter(title="问候").delete()
    assert load_support_demo()["written"] == 2
    assert FaqEntry.objects.get(slug="invoice").question == "如何开具发票？"
    assert CannedReply.objects.filter(title="问候").count() == 1


def test_seed_demo_loads_the_help_centre_once(media_root):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    before = snapshot()

    again = io.StringIO()
    call_command("seed_demo", stdout=again)

    assert snapshot() == before
    assert f"Demo help centre: {len(ENTRIES)} FAQ entries" in out.getvalue()
    assert "(0 rows written)" in again.getvalue()
