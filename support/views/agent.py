"""The console's chat pages (agents and staff): the queue, refreshed every 5 seconds, and one
conversation with its 2-second poll, the reply box with canned replies, claim, transfer
and close, and the learner's recent orders beside it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import agent_required, is_staff
from orders.selectors import recent_orders

from .. import chat
from ..chat_forms import ReplyForm, TransferForm
from ..errors import SupportError
from ..models import ChatMessage
from .chat import poll_sign_in, render_fragment, whole_number

AGENT = ChatMessage.Side.AGENT


def _queue_context(request) -> dict:
    return {"queue": chat.agent_queue(request.user), "section": "chats"}


@agent_required
@require_GET
def queue(request):
    return render(request, "support/agent/queue.html", _queue_context(request))


@agent_required
@require_GET
def queue_partial(request):
    """The three lists alone, for the page's 5-second refresh."""
    return render(request, "support/agent/_queue.html", _queue_context(request))


@agent_required
def conversation(request, pk: int):
    """GET: the conversation. POST: a reply (claiming a waiting conversation first)."""
    current = chat.any_conversation(pk)
    form = None
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        after = whole_number(request.POST.get("after")) or 0
        written = []
        if form.is_valid():
            try:
                written = chat.post_message(
                    current,
                    request.user,
                    text=form.cleaned_data["text"],
                    image=form.cleaned_data["image"],
                )
            except SupportError as error:
                form.add_error(None, error.message)
            except ValidationError as error:  # the image: nothing was saved
                form.add_error("image", error)
        if request.htmx:
            if written:
                current = written[0].conversation
            response = render_fragment(
                request,
                current,
                chat.messages_after(current, after),
                viewer=AGENT,
                after=after,
                form=form,
                sent=bool(written),
            )
            if written and written[0].side == ChatMessage.Side.NOTICE:
                # The reply claimed the conversation: the page's buttons are out of date.
                response["HX-Refresh"] = "true"
            return response
        if written:
            return redirect(reverse("support:agent_chat", args=[pk]) + "#latest")

    shown = chat.messages_after(current, 0)
    side = chat.reading_side(current, request.user)
    if shown and side:
        chat.mark_read(current, side=side, upto_id=shown[-1].pk)
    return render(
        request,
        "support/agent/chat.html",
        {
            "section": "chats",
            "conversation": current,
            "chat_messages": shown,
            "after": chat.last_id(shown),
            "viewer": AGENT,
            "me": request.user.pk,
            "form": form or ReplyForm(),
            "canned_replies": chat.canned_replies(),
            "transfer_form": TransferForm(conversation=current),
            "actions": chat.allowed_actions(current, request.user),
            "orders": recent_orders(current.learner),
            "is_staff": is_staff(request.user),
        },
    )


@poll_sign_in
@agent_required
@require_GET
@transaction.non_atomic_requests
def conversation_messages(request, pk: int):
    """The console's poll: ``?after=<last message id>``."""
    after = whole_number(request.GET.get("after"))
    if after is None:
        return HttpResponseBadRequest()
    current, new = chat.poll(pk, after)
    return render_fragment(request, current, new, viewer=AGENT, after=after)


def _move(request, pk: int, move, done: str):
    """Apply ``move(conversation)`` and go back to the conversation with the outcome."""
    try:
        move(chat.any_conversation(pk))
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("support:agent_chat", pk=pk)


@agent_required
@require_POST
def claim(request, pk: int):
    return _move(
        request,
        pk,
        lambda conversation: chat.claim(conversation, request.user),
        _("You are now answering this conversation."),
    )


@agent_required
@require_POST
def transfer(request, pk: int):
    current = chat.any_conversation(pk)
    form = TransferForm(request.POST, conversation=current)
    if not form.is_valid():
        messages.error(request, _("Choose an agent to transfer the conversation to."))
        return redirect("support:agent_chat", pk=pk)
    to = form.cleaned_data["to"]
    return _move(
        request,
        pk,
        lambda conversation: chat.transfer(conversation, by=request.user, to=to),
        _("The conversation was transferred to %(name)s.") % {"name": to.display_name},
    )


@agent_required
@require_POST
def close(request, pk: int):
    return _move(
        request,
        pk,
        lambda conversation: chat.close(conversation, by=request.user),
        _("The conversation has ended."),
    )
