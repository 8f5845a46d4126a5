"""The chat's smart assistant on the seeded FAQ: questions typed as learners type them
(support/tests/paraphrases.py, written without looking at the matcher or the similar
questions) must find their entry among the first three suggestions."""

import pytest

from support import faq
from support.demo import load_support_demo

from .paraphrases import PARAPHRASES

pytestmark = pytest.mark.django_db

REQUIRED_HITS = 15


@pytest.fixture
def seeded_faq():
    load_support_demo()


def test_the_paraphrase_set_covers_twenty_different_seeded_entries(seeded_faq):
    from support.models import FaqEntry

    slugs = [slug for _question, slug in PARAPHRASES]
    assert len(PARAPHRASES) == 20
    assert len(set(slugs)) == 20
    assert set(slugs) <= set(FaqEntry.objects.values_list("slug", flat=True))


def test_at_least_fifteen_of_twenty_paraphrases_find_their_entry_in_the_top_three(seeded_faq):
    misses = []
    for question, slug in PARAPHRASES:
        found = [entry.slug for entry in faq.suggest(question, limit=3)]
        if slug not in found:
            misses.append((question, slug, found))

    hits = len(PARAPHRASES) - len(misses)
    assert hits >= REQUIRED_HITS, f"{hits}/20 found; missed: {misses}"
