"""The help centre (/support/), the FAQ list with its search, one FAQ entry, and the
"was this helpful" vote (htmx swaps the answer box; without JavaScript it redirects)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import faq
from ..errors import SupportError
from ..models import FaqEntry

MAX_QUERY = 100  # characters of a search that count


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/home.html",
        {
            "categories": faq.categories_with_counts(),
            "popular": faq.popular_entries(limit=8),
            "support_hours": settings.SUPPORT_HOURS,
        },
    )


@require_GET
def faq_list(request: HttpRequest) -> HttpResponse:
    """Every published entry grouped by category; ``?category=`` shows one category and
    ``?q=`` ranked search results instead."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    categories = faq.categories_with_counts()
    current = next((c for c in categories if c.slug == request.GET.get("category")), None)
    context = {
        "categories": categories,
        "current": current,
        "query": query,
        "support_hours": settings.SUPPORT_HOURS,
    }
    if query:
        context["results"] = faq.search(query)
    else:
        context["groups"] = faq.entries_by_category(categories, only=current)
    return render(request, "support/faq.html", context)


def _published_entry(slug: str) -> FaqEntry:
    return get_object_or_404(
        FaqEntry.objects.select_related("category"), slug=slug, is_published=True
    )


def _voted(request: HttpRequest, entry: FaqEntry) -> bool | None:
    """Whether this user or visitor found ``entry`` helpful; None before they vote."""
    vote = faq.vote_of(entry, user=request.user, session_key=request.session.session_key or "")
    return None if vote is None else vote.is_helpful


@require_GET
def faq_entry(request: HttpRequest, slug: str) -> HttpResponse:
    entry = _published_entry(slug)
    return render(
        request,
        "support/faq_entry.html",
        {
            "entry": entry,
            "related": faq.related_entries(entry),
            "voted": _voted(request, entry),
            "support_hours": settings.SUPPORT_HOURS,
        },
    )


@require_POST
def faq_vote(request: HttpRequest, slug: str) -> HttpResponse:
    """Record 有帮助 / 没帮助 (``helpful`` = "yes" or "no") for this user or visitor."""
    entry = _published_entry(slug)
    choice = request.POST.get("helpful")
    voted = None
    if choice not in ("yes", "no"):
        error = _("Choose whether this answer helped.")
    else:
        if not request.user.is_authenticated and not request.session.session_key:
            # A visitor's vote is theirs by session: start one (marked, so that its cookie
            # is sent) to hold it.
            request.session["faq_voter"] = True
            request.session.save()
        try:
            entry = faq.vote(
                entry,
                user=request.user,
                session_key=request.session.session_key,
                helpful=choice == "yes",
            )
        except SupportError as refused:
            error = refused.message
        else:
            error, voted = "", choice == "yes"
    if request.htmx:
        return render(
            request, "support/_faq_vote.html", {"entry": entry, "voted": voted, "error": error}
        )
    if error:
        messages.error(request, error)
    # Otherwise the answer box itself says thanks, with the counts.
    return redirect(f"{entry.get_absolute_url()}#feedback")
