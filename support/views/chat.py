"""The learner's live chat: /support/chat/ (the open conversation or a welcome, and the
ended ones), sending, the 2-second poll, ending and rating, and chat images.

Every form is a plain POST that redirects back; with htmx, sending and the poll swap in a
fragment of new messages instead (``render_fragment``), and the rating form swaps itself.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ksmall.private_files import private_file_response

from .. import chat
from ..chat_forms import MessageForm, RatingForm
from ..errors import SupportError
from ..models import ChatMessage, Conversation

HISTORY_PAGE_SIZE = 10
POLL_STOP = 286  # htmx stops polling on this status


def poll_sign_in(view):
    """For the polls: when the session has ended, send the page to the login page (and back
    to it after) instead of letting htmx swap the login page into the chat."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        page = urlsplit(request.headers.get("HX-Current-URL", "")).path
        if not page.startswith("/support/"):
            page = reverse("support:chat")
        response = HttpResponse(status=POLL_STOP)
        response["HX-Redirect"] = redirect_to_login(page).url
        return response

    return wrapped


def whole_number(value: str | None) -> int | None:
    """A non-negative id from a query or form field; None for anything else."""
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def render_fragment(
    request,
    conversation: Conversation,
    new: list[ChatMessage],
    *,
    viewer: str,
    after: int,
    form=None,
    sent: bool = False,
) -> HttpResponse:
    """New messages and the next polling sentinel (the end of the conversation instead,
    with a 286 that stops htmx polling), and marks them read for the reader's side.

    Rendered without the request on purpose: the context processors (the inbox count, the
    header's roles) would add queries to a request every open chat makes every 2 seconds.
    """
    upto = chat.last_id(new, after)
    side = chat.reading_side(conversation, request.user)
    if new and side:
        chat.mark_read(conversation, side=side, upto_id=upto)
    html = render_to_string(
        "support/_chat_messages.html",
        {
            "conversation": conversation,
            "chat_messages": new,
            "after": upto,
            "viewer": viewer,
            "me": request.user.pk,
            "form": form,
            "is_send": form is not None,
            "is_fragment": True,
            "csrf_token": get_token(request),
            "rating_form": RatingForm() if conversation.is_closed else None,
        },
    )
    response = HttpResponse(html, status=POLL_STOP if conversation.is_closed else 200)
    if sent:
        response["HX-Trigger"] = "chatSent"
    return response


@login_required
def chat_page(request):
    """GET: the page. POST: send a message (opening a conversation if needed)."""
    if request.method == "POST":
        return _send(request)
    return _render_page(request)


def _render_page(request, form: MessageForm | None = None):
    conversation = chat.current_conversation(request.user)
    shown = chat.messages_after(conversation, 0) if conversation else []
    if shown:
        chat.mark_read(conversation, side=ChatMessage.Side.LEARNER, upto_id=shown[-1].pk)
    hours = chat.service_hours(timezone.now())
    history = Paginator(chat.learner_history(request.user), HISTORY_PAGE_SIZE)
    return render(
        request,
        "support/chat.html",
        {
            "conversation": conversation,
            "chat_messages": shown,
            "after": chat.last_id(shown),
            "viewer": ChatMessage.Side.LEARNER,
            "me": request.user.pk,
            "form": form or MessageForm(),
            "hours": hours,
            "hours_text": chat.hours_text(hours),
            "history": history.get_page(request.GET.get("page")),
        },
    )


def _send(request):
    form = MessageForm(request.POST, request.FILES)
    shown = whole_number(request.POST.get("conversation"))
    after = whole_number(request.POST.get("after")) or 0
    written = []
    if form.is_valid():
        try:
            written = chat.send_as_learner(
                request.user, text=form.cleaned_data["text"], image=form.cleaned_data["image"]
            )
        except SupportError as error:
            form.add_error(None, error.message)
        except ValidationError as error:  # the image: nothing was saved
            form.add_error("image", error)

    if request.htmx and shown is not None:
        current = written[0].conversation if written else chat.current_conversation(request.user)
        if current is None or current.pk != shown:
            # The conversation on the page ended meanwhile (this message may have opened a
            # new one): load the page again.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("support:chat")
            return response
        return render_fragment(
            request,
            current,
            chat.messages_after(current, after),
            viewer=ChatMessage.Side.LEARNER,
            after=after,
            form=form,
            sent=bool(written),
        )
    if not written:
        return _render_page(request, form)
    return redirect(reverse("support:chat") + "#latest")


@poll_sign_in
@require_GET
@transaction.non_atomic_requests
def chat_messages(request):
    """The learner's poll: ``?conversation=<id>&after=<last message id>``."""
    pk = whole_number(request.GET.get("conversation"))
    after = whole_number(request.GET.get("after"))
    if pk is None or after is None:
        return HttpResponseBadRequest()
    conversation, new = chat.poll(pk, after, learner=request.user)
    return render_fragment(request, conversation, new, viewer=ChatMessage.Side.LEARNER, after=after)


@login_required
@require_POST
def chat_close(request):
    conversation = chat.learner_conversation(
        request.user, whole_number(request.POST.get("conversation")) or 0
    )
    try:
        chat.close(conversation, by=request.user)
    except SupportError as error:
        messages.error(request, error.message)
        return redirect("support:chat")
    return redirect("support:chat_history", pk=conversation.pk)


@login_required
def chat_history(request, pk: int, rating_form: RatingForm | None = None):
    """One of the learner's conversations, read-only, with the rating form once it ended."""
    conversation = chat.learner_conversation(request.user, pk)
    if not conversation.is_closed:
        return redirect("support:chat")
    return render(
        request,
        "support/chat_history.html",
        {
            "conversation": conversation,
            "chat_messages": chat.messages_after(conversation, 0),
            "viewer": ChatMessage.Side.LEARNER,
            "me": request.user.pk,
            "rating_form": rating_form or RatingForm(),
        },
    )


@login_required
@require_POST
def chat_rate(request, pk: int):
    conversation = chat.learner_conversation(request.user, pk)
    form = RatingForm(request.POST)
    refused = None
    if form.is_valid():
        try:
            conversation = chat.rate(
                conversation,
                learner=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except SupportError as error:
            refused = error.message
            form.add_error(None, refused)
    if request.htmx:
        return render(
            request,
            "support/_chat_rating.html",
            {"conversation": conversation, "rating_form": form},
        )
    if refused:
        messages.error(request, refused)
    elif form.errors:
        return chat_history(request, pk, rating_form=form)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("support:chat_history", pk=conversation.pk)


@login_required
@require_GET
def chat_image(request, message_id: int):
    """A chat image, for the conversation's learner and for agents; a 404 for anyone else.
    ``nosniff``: the type is the one its (site-chosen) name says."""
    message = chat.viewable_image(request.user, message_id)
    # A chat image never changes under its name: this browser may keep it for a while.
    return private_file_response(message.image, max_age=3600)
