"""/dashboard/reviews/: the reviews of the provider's own services, newest first, with the
provider's public reply written or edited through ``catalog.services.reply_to_review``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import provider_required

from . import selectors, services
from .forms import REPLY_MAX_LENGTH, ReplyForm
from .models import Review

PER_PAGE = 20

STARS = range(5, 0, -1)
# ?show= → the reviews it keeps (None for every review). "unanswered" counts like the
# overview's "Reviews to answer": hidden reviews cannot be answered, so they wait for nothing.
FILTERS = {
    "all": None,
    "unanswered": {"reply": "", "is_hidden": False},
    **{str(stars): {"rating": stars} for stars in STARS},
}
DEFAULT_FILTER = "all"


def filter_tabs() -> list[tuple[str, str]]:
    """(key, label) of each filter, in the language of the request."""
    return [("all", _("All")), ("unanswered", _("Not answered yet"))] + [
        (str(stars), ngettext("%(n)d star", "%(n)d stars", stars) % {"n": stars}) for stars in STARS
    ]


@provider_required
def review_list(request):
    show = request.GET.get("show", DEFAULT_FILTER)
    if show not in FILTERS:
        show = DEFAULT_FILTER
    page = Paginator(selectors.provider_reviews(request.user, FILTERS[show]), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalog/dashboard/reviews.html",
        {
            "section": "reviews",
            "filters": filter_tabs(),
            "show": show,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query": f"show={show}",
            "reply_max_length": REPLY_MAX_LENGTH,
        },
    )


def _back(request):
    """Where the reply form came from (its page and filter), if that is on this site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("dashboard_catalog:reviews")


@provider_required
@require_POST
def reply(request, review_id: int):
    # Another provider's review is a 404, like one that does not exist; a hidden review
    # has no reply form, so it is not found here either.
    review = get_object_or_404(
        Review.objects.select_related("service", "author"),
        pk=review_id,
        service__provider=request.user,
        is_hidden=False,
    )
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["text"]))
        return _back(request)
    was_answered = bool(review.reply)
    try:
        services.reply_to_review(review, by=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your reply is updated.")
            if was_answered
            else _("Your reply is published; the learner has been notified."),
        )
    return _back(request)
