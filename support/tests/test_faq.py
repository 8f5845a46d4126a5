"""The FAQ's search ranker, the chat's smart suggestions and the helpful votes
(support.faq), on factory rows and on the seeded demo FAQ."""

import pytest
from django.db.models import Count, Q

from accounts.tests.factories import UserFactory
from support import faq
from support.demo import load_support_demo
from support.errors import NotAllowed
from support.models import FaqEntry, FaqVote
from support.tests.factories import FaqCategoryFactory, FaqEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_faq():
    load_support_demo()


def slugs(entries) -> list[str]:
    return [entry.slug for entry in entries]


# ---- tokens ----------------------------------------------------------------------------------


def test_chinese_is_cut_into_bigrams_without_question_filler():
    terms = faq.tokenize("请问一下退款多久到账呢？")

    strong = {term for term in terms if len(term) > 1}
    assert strong == {"退款", "款多", "多久", "久到", "到账"}
    assert terms["退"] < terms["退款"]  # characters weigh less than bigrams


def test_latin_words_and_numbers_are_lowercased_terms():
    terms = faq.tokenize("VIP 会员 and Order KS2026")

    assert {"and", "order", "ks2026"} <= set(terms)
    assert terms["会员"] == 2  # "vip" folds into 会员


def test_synonyms_fold_into_one_word_and_compounds_stay_whole():
    assert "退款" in faq.tokenize("钱怎么退钱")
    assert "申请" in faq.tokenize("申请退款")  # 请 alone is not filler inside 申请
    assert "支付" in faq.tokenize("支付宝")  # the brand is not folded into 付款


@pytest.mark.parametrize("text", ["你好", "在吗", "您好，在不在？", "谢谢", "？？？", ""])
def test_greetings_and_punctuation_give_no_terms_that_count(text):
    assert not [term for term in faq.tokenize(text) if len(term) > 1]


# ---- search ------------------------------------------------------------------------------------


def test_a_question_match_beats_an_answer_only_match():
    category = FaqCategoryFactory()
    mentions = FaqEntryFactory(
        category=category, question="怎么修改昵称？", answer="修改昵称后，发票抬头不会改变。"
    )
    about = FaqEntryFactory(category=category, question="如何开具发票？", answer="联系客服。")

    assert slugs(faq.search("发票")) == [about.slug, mentions.slug]


def test_similar_questions_count_between_question_and_answer():
    category = FaqCategoryFactory()
    in_answer = FaqEntryFactory(category=category, question="甲", answer="优惠券在结算时使用。")
    in_similar = FaqEntryFactory(
        category=category, question="乙", answer="见下文。", similar_questions="优惠券怎么用"
    )
    in_question = FaqEntryFactory(category=category, question="优惠券怎么领？", answer="领取。")

    assert slugs(faq.search("优惠券")) == [in_question.slug, in_similar.slug, in_answer.slug]


def test_unpublished_entries_are_never_found():
    FaqEntryFactory(question="如何开具发票？", is_published=False)

    assert faq.search("发票") == []
    assert faq.suggest("怎么开发票") == []


def test_an_edit_is_found_at_once():
    entry = FaqEntryFactory(question="如何开具发票？")
    assert slugs(faq.search("发票")) == [entry.slug]

    entry.question = "积分怎么用？"
    entry.save()

    assert faq.search("发票") == []
    assert slugs(faq.search("积分")) == [entry.slug]


def test_a_new_entry_and_an_unpublished_one_change_the_results():
    first = FaqEntryFactory(question="如何开具发票？")
    assert slugs(faq.search("发票")) == [first.slug]

    second = FaqEntryFactory(question="发票多久能开好？")
    assert set(slugs(faq.search("发票"))) == {first.slug, second.slug}

    FaqEntry.objects.filter(pk=first.pk).delete()
    assert slugs(faq.search("发票")) == [second.slug]


@pytest.mark.parametrize("query", ["", "   ", "的了吗", "asdfgh", "zzzz qqqq", "😀😀"])
def test_empty_and_garbage_queries_find_nothing(demo_faq, query):
    assert faq.search(query) == []


def test_search_ranks_the_demo_faq(demo_faq):
    assert slugs(faq.search("退款多久到账"))[0] == "refund-arrival-time"
    assert slugs(faq.search("发票"))[0] == "invoice"
    assert "bank-transfer" in slugs(faq.search("对公转账"))[:2]


def test_a_warm_search_costs_two_queries(demo_faq, django_assert_num_queries):
    faq.search("退款")  # builds the index

    with django_assert_num_queries(2):  # is the index current? then the entries found
        results = faq.search("退款多久到账")
    assert results[0].category.name  # categories come with the entries


def test_a_long_query_is_cut_not_refused(demo_faq):
    assert faq.search("退款" * 500)


# ---- suggestions -------------------------------------------------------------------------------

# Paraphrases as learners type them, none of them a question or 相似问法 of the demo FAQ.
PARAPHRASES = [
    ("我付款后多久能退回来钱", "refund-arrival-time"),
    ("退款几天能到", "refund-arrival-time"),
    ("能给我开个公司抬头的发票吗", "invoice"),
    ("对公转账审核要几天", "bank-transfer-confirm-time"),
    ("微信能付吗", "payment-methods"),
    ("我下的单怎么自动取消了", "payment-deadline"),
    ("一笔钱为什么分成两个订单", "split-orders"),
    ("退款被驳回了怎么办", "refund-rejected"),
    ("密码不记得了", "forgot-password"),
    ("手机号换了怎么办", "change-phone"),
    ("个人可以入驻开课吗", "become-provider"),
    ("平台收多少手续费", "commission-settlement"),
    ("付完款老师一直没联系我", "when-service-starts"),
    ("怎么联系人工客服", "contact-support"),
]


@pytest.mark.parametrize(("message", "slug"), PARAPHRASES)
def test_a_paraphrase_gets_its_entry_among_the_suggestions(demo_faq, message, slug):
    suggested = slugs(faq.suggest(message))

    assert slug in suggested
    assert len(suggested) <= 3


@pytest.mark.parametrize(
    "message",
    ["你好", "在吗", "您好，请问在吗？", "asdfgh", "谢谢", "好的我知道了", "ok", "123456", "？？"],
)
def test_greetings_and_garbage_get_no_suggestion(demo_faq, message):
    assert faq.suggest(message) == []


def test_suggest_respects_the_limit(demo_faq):
    assert len(faq.suggest("退款", limit=1)) == 1


# ---- votes -------------------------------------------------------------------------------------


def counts(entry: FaqEntry) -> tuple[int, int]:
    entry.refresh_from_db()
    return entry.helpful_count, entry.unhelpful_count


def test_a_vote_counts_once_per_user_and_can_be_changed():
    entry = FaqEntryFactory()
    user = UserFactory()

    returned = faq.vote(entry, user=user, helpful=True)
    assert (returned.helpful_count, returned.unhelpful_count) == (1, 0)
    faq.vote(entry, user=user, helpful=True)
    assert counts(entry) == (1, 0)

    faq.vote(entry, user=user, helpful=False)
    assert counts(entry) == (0, 1)
    assert FaqVote.objects.get(entry=entry, user=user).is_helpful is False


def test_visitors_vote_once_per_session():
    entry = FaqEntryFactory()

    faq.vote(entry, session_key="a" * 32, helpful=True)
    faq.vote(entry, session_key="a" * 32, helpful=True)
    faq.vote(entry, session_key="b" * 32, helpful=False)

    assert counts(entry) == (1, 1)
    assert FaqVote.objects.filter(entry=entry).count() == 2


def test_a_signed_in_vote_belongs_to_the_user_not_the_session():
    entry = FaqEntryFactory()
    user = UserFactory()

    faq.vote(entry, user=user, session_key="a" * 32, helpful=True)
    faq.vote(entry, user=user, session_key="b" * 32, helpful=False)

    [vote] = FaqVote.objects.filter(entry=entry)
    assert vote.user == user and vote.session_key == "" and not vote.is_helpful
    assert counts(entry) == (0, 1)


def test_counters_match_the_votes_after_many_changes():
    entry = FaqEntryFactory()
    users = UserFactory.create_batch(4)
    for round_, helpful in enumerate([True, False, True]):
        for index, user in enumerate(users):
            faq.vote(entry, user=user, helpful=helpful if index % 2 else not helpful)
        faq.vote(entry, session_key=f"s{round_}".ljust(32, "x"), helpful=helpful)

    tally = FaqVote.objects.filter(entry=entry).aggregate(
        yes=Count("pk", filter=Q(is_helpful=True)), no=Count("pk", filter=Q(is_helpful=False))
    )
    assert counts(entry) == (tally["yes"], tally["no"])


def test_votes_leave_the_search_index_alone(demo_faq, django_assert_num_queries):
    entry = FaqEntry.objects.get(slug="invoice")
    faq.search("发票")
    faq.vote(entry, session_key="a" * 32, helpful=True)

    with django_assert_num_queries(2):
        faq.search("发票")


def test_an_unpublished_entry_takes_no_vote():
    entry = FaqEntryFactory(is_published=False)

    with pytest.raises(NotAllowed):
        faq.vote(entry, user=UserFactory(), helpful=True)
    assert counts(entry) == (0, 0)


def test_a_vote_needs_a_user_or_a_session():
    entry = FaqEntryFactory()

    with pytest.raises(NotAllowed):
        faq.vote(entry, helpful=True)
    assert not FaqVote.objects.exists()


# ---- reads -------------------------------------------------------------------------------------


def test_popular_entries_are_the_most_helpful_first_then_by_position():
    category = FaqCategoryFactory()
    first = FaqEntryFactory(category=category, position=0)
    second = FaqEntryFactory(category=category, position=1)
    liked = FaqEntryFactory(category=category, position=5)
    FaqEntryFactory(category=category, is_published=False, helpful_count=99)
    faq.vote(liked, user=UserFactory(), helpful=True)

    assert slugs(faq.popular_entries(limit=3)) == [liked.slug, first.slug, second.slug]


def test_categories_come_in_order_counting_only_published_entries():
    second = FaqCategoryFactory(position=2, slug="b-second")
    first = FaqCategoryFactory(position=1, slug="z-first")
    FaqEntryFactory.create_batch(2, category=first)
    FaqEntryFactory(category=first, is_published=False)
    FaqEntryFactory(category=second)
    FaqEntryFactory(category=FaqCategoryFactory(position=0), is_published=False)

    assert [(c.pk, c.entry_count) for c in faq.categories_with_counts()] == [
        (first.pk, 2),
        (second.pk, 1),
    ]
