"""The FAQ's reads and its one write: ranked search for the FAQ page, smart suggestions for
the live chat (智能客服), the help centre's lists, and "was this helpful" votes.

Search is an in-process BM25F index over the published entries (question, then 相似问法,
then answer). Chinese has no spaces, so text is cut into character bigrams (and unigrams,
weighted low) after a small lexicon drops question filler and folds synonyms.
"""

import math
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, QuerySet

from accounts.models import User

from . import errors
from .models import FaqCategory, FaqEntry, FaqVote

# ---- text to tokens --------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A word list written as one string with spaces, as Chinese word lists read best."""
    return text.split()


# Words that carry no meaning in a question ("请问一下怎么…吗"), greetings and pronouns. They
# end a run: bigrams never bridge them ("退款的进度" gives 退款, 进度).
STOP_WORDS = frozenset(
    _words("""
    的 了 吗 呢 啊 吧 呀 哦 嘛 哈 么 嗯 哎 唉 噢 喔 啦 咯 呗 吗呢
    我 你 您 他 她 我们 你们 咱们 他们 自己 人家
    怎么 怎么样 怎样 怎么办 咋 咋办 如何 什么 啥 为什么 为啥 干嘛 哪里 哪儿 在哪 在哪里 哪个
    请问 问一下 问问 想问 想知道 咨询 一下 帮我 帮忙 麻烦 谢谢 感谢 你好 您好 在吗 在不在
    可以 可不可以 能不能 能否 是不是 是否 有没有 要不要 会不会 应该 想要
    是 想 要 能 还 就 都 也 又 和 与 跟 或 这 那
    这个 那个 一个 这样 那样 现在 已经 一直 还是 或者 好的 好吧 哈哈 呵呵
    """)
)

# Variants folded into one word, in the index and in queries alike, so "退钱" finds "退款"
# and "老师" finds "服务商". An identity entry protects a word from its parts: "支付宝" is not
# "支付" + "宝".
SYNONYMS = {
    "退钱": "退款",
    "退费": "退款",
    "退货": "退款",
    "退还": "退款",
    "退课": "退款",
    # "还能退吗": a lone 退 is about money back; words that only start with it stay whole.
    "退": "退款",
    "退款": "退款",
    "退出": "退出",
    "退回": "退回",
    "付钱": "付款",
    "交钱": "付款",
    "缴费": "付款",
    "付费": "付款",
    "支付": "付款",
    "支付宝": "支付宝",
    "微信支付": "微信支付",
    "到帐": "到账",
    "帐号": "账号",
    "账户": "账号",
    "帐户": "账号",
    "多长时间": "多久",
    "什么时候": "多久",
    "啥时候": "多久",
    "几天": "多久",
    "多少天": "多久",
    "老师": "服务商",
    "讲师": "服务商",
    "商家": "服务商",
    "卖家": "服务商",
    "店家": "服务商",
    "开票": "发票",
    "专票": "专用发票",
    "普票": "普通发票",
    "发票": "发票",
    "优惠码": "优惠券",
    "优惠卷": "优惠券",
    "代金券": "优惠券",
    "折扣券": "优惠券",
    "优惠券": "优惠券",
    "券": "优惠券",
    "公司": "企业",
    "单位": "企业",
    "手机号码": "手机号",
    "电话号码": "手机号",
    "校验码": "验证码",
    "意见": "建议",
    "撤销": "取消",
    "撤单": "取消订单",
    "不可以": "不能",
}
# Words that hold a filler character ("申请" is not "申" + "请"): kept whole.
KEEP_WORDS = frozenset(
    _words("目的 的确 了解 为了 除了 需要 重要 主要 要求 只要 功能 可能 不能 只能 能力 还款 总是")
)
LATIN_SYNONYMS = {"vip": "会员"}

# The lexicon the scanner matches, longest first: a word maps to its canonical form, or to
# "" when it is filler.
_LEXICON = dict.fromkeys(STOP_WORDS, "") | {word: word for word in KEEP_WORDS} | SYNONYMS
_LONGEST = max(len(word) for word in _LEXICON)

_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([a-z0-9]+)")

UNIGRAM_WEIGHT = 0.25  # a single character says little next to a bigram


def _cjk_runs(run: str) -> list[str]:
    """Cut a run of Chinese characters at filler words, folding synonyms on the way."""
    pieces, current, i = [], [], 0
    while i < len(run):
        for size in range(min(_LONGEST, len(run) - i), 0, -1):
            word = run[i : i + size]
            if word in _LEXICON:
                canonical = _LEXICON[word]
                if canonical:
                    current.append(canonical)
                elif current:
                    pieces.append("".join(current))
                    current = []
                i += size
                break
        else:
            current.append(run[i])
            i += 1
    if current:
        pieces.append("".join(current))
    return pieces


def tokenize(text: str) -> Counter:
    """The weighted terms of ``text``: Chinese bigrams (1) and characters (low), and latin
    words and numbers (1), lowercased. Filler alone ("你好，在吗") gives nothing."""
    terms: Counter = Counter()
    normalised = unicodedata.normalize("NFKC", text or "").lower()
    for cjk, latin in _RUNS.findall(normalised):
        if latin:
            word = LATIN_SYNONYMS.get(latin, latin)
            if word.isascii():
                terms[word] += 1
            else:
                for piece in _cjk_runs(word):
                    _add_cjk(terms, piece)
            continue
        for piece in _cjk_runs(cjk):
            _add_cjk(terms, piece)
    return terms


def _add_cjk(terms: Counter, piece: str) -> None:
    for char in piece:
        terms[char] += UNIGRAM_WEIGHT
    for i in range(len(piece) - 1):
        terms[piece[i : i + 2]] += 1


def _is_strong(term: str) -> bool:
    """A bigram or a latin word: a match that means something on its own."""
    return len(term) > 1


# ---- the index ---------------------------------------------------------------------------------

# Field weights and BM25 constants. The question says most, the 相似问法 nearly as much (they
# are questions too), the answer least: it is long and mentions many things in passing.
FIELDS = (("question", 3.0), ("similar", 2.2), ("answer", 0.5))
K1 = 1.2
B = 0.75


class Match(NamedTuple):
    """How one entry matches a query. ``score`` is BM25F over every term; ``strong`` only
    over bigrams and words (a character in common means little); ``coverage`` is the share
    of the query's weight (idf × term weight) found in the entry's question or similar
    questions, from 0 to 1: how squarely the entry is about the question."""

    pk: int
    score: float
    strong: float
    coverage: float


@dataclass
class _Doc:
    pk: int
    fields: dict[str, Counter]
    lengths: dict[str, float]
    # Terms of the question and similar questions: what "the entry is about".
    about: frozenset[str]


class FaqIndex:
    """BM25F over the published FAQ entries, built in memory."""

    def __init__(self, entries: list[tuple[int, str, str, str]]) -> None:
        self.docs: list[_Doc] = []
        for pk, question, similar, answer in entries:
            fields = {
                "question": tokenize(question),
                "similar": tokenize(similar),
                "answer": tokenize(answer),
            }
            lengths = {name: sum(terms.values()) for name, terms in fields.items()}
            about = frozenset(fields["question"]) | frozenset(fields["similar"])
            self.docs.append(_Doc(pk, fields, lengths, about))
        count = len(self.docs) or 1
        self.average = {
            name: (sum(doc.lengths[name] for doc in self.docs) / count) or 1.0
            for name, _weight in FIELDS
        }
        self.postings: dict[str, list[int]] = {}
        for position, doc in enumerate(self.docs):
            for term in set().union(*doc.fields.values()):
                self.postings.setdefault(term, []).append(position)
        total = len(self.docs)
        self.idf = {
            term: math.log(1 + (total - len(hits) + 0.5) / (len(hits) + 0.5))
            for term, hits in self.postings.items()
        }
        # A term no entry has counts as the rarest: it weighs on a query's coverage.
        self.unseen_idf = math.log(1 + (total + 0.5) / 0.5)

    def rank(self, text: str) -> list[Match]:
        """Every entry matching ``text``, best score first."""
        query = tokenize(text)
        if not query:
            return []
        mass = sum(
            weight * self.idf.get(term, self.unseen_idf)
            for term, weight in query.items()
            if _is_strong(term)
        )
        scores: dict[int, float] = {}
        strong: dict[int, float] = {}
        for term, query_weight in query.items():
            idf = self.idf.get(term)
            if idf is None:
                continue
            for position in self.postings[term]:
                doc = self.docs[position]
                frequency = 0.0
                for name, weight in FIELDS:
                    tf = doc.fields[name].get(term)
                    if tf:
                        norm = 1 - B + B * doc.lengths[name] / self.average[name]
                        frequency += weight * tf / norm
                gain = idf * frequency * (K1 + 1) / (frequency + K1)
                scores[position] = scores.get(position, 0.0) + min(query_weight, 1.0) * gain
                if _is_strong(term):
                    strong[position] = strong.get(position, 0.0) + gain
        ranked = []
        for position, score in scores.items():
            doc = self.docs[position]
            covered = sum(
                weight * self.idf[term]
                for term, weight in query.items()
                if _is_strong(term) and term in doc.about
            )
            coverage = covered / mass if mass else 0.0
            ranked.append(Match(doc.pk, score, strong.get(position, 0.0), coverage))
        ranked.sort(key=lambda match: (-match.score, match.pk))
        return ranked


_index_lock = threading.Lock()
_index: tuple[tuple, FaqIndex] | None = None


def _stamp() -> tuple:
    """What changes whenever the published FAQ does: one cheap query. Votes update the
    counters with update(), which leaves updated_at (and so the index) alone."""
    return tuple(
        FaqEntry.objects.filter(is_published=True)
        .aggregate(count=Count("pk"), last=Max("updated_at"), top=Max("pk"))
        .values()
    )


def faq_index() -> FaqIndex:
    """The index of the published entries, rebuilt when an entry is added, edited,
    published or removed (checked with one query per call)."""
    global _index
    stamp = _stamp()
    current = _index
    if current is not None and current[0] == stamp:
        return current[1]
    with _index_lock:
        rows = FaqEntry.objects.filter(is_published=True).values_list(
            "pk", "question", "similar_questions", "answer"
        )
        built = FaqIndex(list(rows))
        _index = (stamp, built)
    return built


def _entries(pks: list[int]) -> list[FaqEntry]:
    by_pk = FaqEntry.objects.filter(pk__in=pks, is_published=True).select_related("category")
    found = {entry.pk: entry for entry in by_pk}
    return [found[pk] for pk in pks if pk in found]


# ---- reads -------------------------------------------------------------------------------------

# A chat suggestion needs this much score from bigrams and words alone (single characters
# match almost anything), and a second or third one a share of the best one's.
SUGGEST_MIN_SCORE = 2.5
SUGGEST_RELATIVE_SCORE = 0.15
# A short question fully found in an entry's questions ("积分怎么用") may score lower.
SUGGEST_MIN_COVERED_SCORE = 1.8
SUGGEST_FULL_COVERAGE = 0.6
# A search result scoring below this share of the best one is noise.
SEARCH_RELATIVE_SCORE = 0.15


def confident_matches(ranked: list[Match], limit: int) -> list[int]:
    """The pks among ``ranked`` good enough to suggest unasked, best first: none unless
    the best match is clearly about the question; then up to ``limit``, leaving out the
    ones far behind it."""
    if not ranked:
        return []
    best = ranked[0]
    if best.strong < SUGGEST_MIN_SCORE and not (
        best.coverage >= SUGGEST_FULL_COVERAGE and best.strong >= SUGGEST_MIN_COVERED_SCORE
    ):
        return []
    floor = SUGGEST_RELATIVE_SCORE * best.strong
    return [match.pk for match in ranked[:limit] if match.strong >= floor]


def search(query: str, *, limit: int = 20) -> list[FaqEntry]:
    """The published entries answering ``query``, best first (the FAQ page's search box).
    Two queries with a warm index."""
    ranked = faq_index().rank(query[:200])
    if not ranked:
        return []
    floor = SEARCH_RELATIVE_SCORE * ranked[0].score
    return _entries([match.pk for match in ranked if match.score >= floor][:limit])


def suggest(text: str, *, limit: int = 3) -> list[FaqEntry]:
    """The published entries that likely answer a learner's chat message, best first, or
    [] when none does well enough (greetings, "在吗", gibberish, off-topic)."""
    return _entries(confident_matches(faq_index().rank(text[:200]), limit))


def published_entries() -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(is_published=True).select_related("category")


def categories_with_counts() -> list[FaqCategory]:
    """The categories that have published entries, in order, each with ``entry_count``."""
    return list(
        FaqCategory.objects.annotate(
            entry_count=Count("entries", filter=Q(entries__is_published=True))
        )
        .filter(entry_count__gt=0)
        .order_by("position", "pk")  # an aggregate drops Meta.ordering
    )


def entries_by_category(
    categories: list[FaqCategory], *, only: FaqCategory | None = None
) -> list[tuple[FaqCategory, list[FaqEntry]]]:
    """The published entries under their categories, in the categories' order (one query);
    with ``only``, that category's."""
    entries = published_entries()
    if only is not None:
        entries = entries.filter(category=only)
    by_category: dict[int, list[FaqEntry]] = {}
    for entry in entries:
        by_category.setdefault(entry.category_id, []).append(entry)
    return [
        (category, by_category[category.pk])
        for category in categories
        if category.pk in by_category
    ]


def popular_entries(*, limit: int = 8) -> list[FaqEntry]:
    """The most helpful published entries; before votes come in, each category's first."""
    return list(
        published_entries().order_by(
            "-helpful_count", "unhelpful_count", "position", "category__position", "pk"
        )[:limit]
    )


def related_entries(entry: FaqEntry, *, limit: int = 6) -> list[FaqEntry]:
    """Other published questions of the entry's category."""
    return list(
        FaqEntry.objects.filter(category_id=entry.category_id, is_published=True)
        .exclude(pk=entry.pk)
        .only("slug", "question")[:limit]
    )


def vote_of(
    entry: FaqEntry, *, user: User | AnonymousUser | None = None, session_key: str = ""
) -> FaqVote | None:
    """The vote this user (or visitor session) gave ``entry``, if any."""
    voter = _voter(user, session_key)
    if voter is None:
        return None
    return FaqVote.objects.filter(entry=entry, **voter).first()


# ---- votes -------------------------------------------------------------------------------------


def _voter(user: User | AnonymousUser | None, session_key: str) -> dict | None:
    if user is not None and user.is_authenticated:
        return {"user": user}
    if session_key:
        return {"user": None, "session_key": session_key}
    return None


def vote(
    entry: FaqEntry,
    *,
    user: User | AnonymousUser | None = None,
    session_key: str = "",
    helpful: bool,
) -> FaqEntry:
    """Record whether ``entry`` helped: once per signed-in user, or per visitor session;
    voting again changes the vote. The entry's counters move in the same transaction, by
    F() updates, and the entry is returned with them fresh.

    Refused (NotAllowed) for an unpublished entry and for a voter with neither a user nor
    a session.
    """
    voter = _voter(user, session_key)
    if voter is None:
        raise errors.NotAllowed()
    with transaction.atomic():
        locked = FaqEntry.objects.select_for_update().filter(pk=entry.pk).first()
        if locked is None or not locked.is_published:
            raise errors.NotAllowed()
        previous = FaqVote.objects.select_for_update().filter(entry=locked, **voter).first()
        if previous is None:
            try:
                with transaction.atomic():
                    FaqVote.objects.create(entry=locked, is_helpful=helpful, **voter)
            except IntegrityError:
                # The same voter's other request won the race: theirs is the vote to change.
                previous = FaqVote.objects.select_for_update().get(entry=locked, **voter)
            else:
                _count(locked, helpful, +1)
        if previous is not None and previous.is_helpful != helpful:
            FaqVote.objects.filter(pk=previous.pk).update(is_helpful=helpful)
            _count(locked, previous.is_helpful, -1)
            _count(locked, helpful, +1)
        locked.refresh_from_db(fields=["helpful_count", "unhelpful_count"])
    return locked


def _count(entry: FaqEntry, helpful: bool, step: int) -> None:
    field = "helpful_count" if helpful else "unhelpful_count"
    FaqEntry.objects.filter(pk=entry.pk).update(**{field: F(field) + step})
