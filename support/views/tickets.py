"""The learner's tickets at /support/tickets/: the list, a new complaint or suggestion (also
the way to ask the platform to step in on a rejected refund), one ticket with its thread,
and its files. Another learner's ticket or file is a 404; every change goes through
``support.tickets``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ksmall.private_files import private_file_response

from .. import tickets
from ..errors import SupportError
from ..forms import RateForm, ReopenForm, ReplyForm, TicketForm
from ..models import Ticket

PAGE_SIZE = 10


@login_required
def ticket_list(request):
    tab = request.GET.get("tab", "")
    if tab not in {slug for slug, _label, _statuses in tickets.LEARNER_TABS}:
        tab = ""
    mine, tabs = tickets.learner_tickets(request.user, tab)
    paginator = Paginator(mine, PAGE_SIZE)
    # The tab counts hold the list's length already: spare the paginator its COUNT.
    paginator.count = next(item["count"] for item in tabs if item["slug"] == tab)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "support/tickets/list.html",
        {"tabs": tabs, "tab": tab, "page": page, "page_query": f"tab={tab}" if tab else ""},
    )


def _initial(request) -> dict:
    """What a link may prefill: ``?order=<order_no>`` (one of the learner's own orders,
    else ignored) and ``?escalate=1`` (the order page's "ask the platform to step in")."""
    order_no = request.GET.get("order", "")[:32]
    if (
        not order_no
        or not tickets.learner_orders_for_form(request.user).filter(order_no=order_no).exists()
    ):
        return {}
    initial = {"order": order_no}
    if request.GET.get("escalate") == "1":
        initial.update(
            escalate=True,
            kind=Ticket.Kind.COMPLAINT,
            subject=_("Platform review of the refund on order %(order_no)s")
            % {"order_no": order_no},
        )
    return initial


@login_required
def ticket_new(request):
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, learner=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = tickets.open_ticket(
                    request.user,
                    kind=data["kind"],
                    subject=data["subject"],
                    body=data["body"],
                    files=data["attachments"],
                    order=data["order"],
                    escalate=data["escalate"],
                )
            except SupportError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your ticket %(ticket_no)s was submitted. The platform will review "
                        "your refund and answer here."
                    )
                    % {"ticket_no": ticket.ticket_no}
                    if ticket.refund_id
                    else _(
                        "Your ticket %(ticket_no)s was submitted. Customer service will answer "
                        "here, and we will let you know."
                    )
                    % {"ticket_no": ticket.ticket_no},
                )
                return redirect("support:ticket", ticket_no=ticket.ticket_no)
    else:
        form = TicketForm(initial=_initial(request), learner=request.user)
    return render(request, "support/tickets/new.html", {"form": form})


def _detail(request, ticket: Ticket, **forms) -> HttpResponse:
    actions = tickets.allowed_actions(ticket, tickets.LEARNER)
    is_closed = ticket.status == Ticket.Status.CLOSED
    return render(
        request,
        "support/tickets/detail.html",
        {
            "ticket": ticket,
            "actions": actions,
            "reopen_until": tickets.reopen_until(ticket),
            "closes_at": tickets.closes_at(ticket),
            "awaits_platform": tickets.awaits_platform(ticket),
            "reply_form": None if is_closed else forms.get("reply_form") or ReplyForm(),
            "reopen_form": forms.get("reopen_form") or ReopenForm(),
            "rate_form": (
                forms.get("rate_form") or RateForm()
                if is_closed and ticket.rating is None
                else None
            ),
        },
    )


@login_required
def ticket_detail(request, ticket_no: str):
    return _detail(request, tickets.learner_ticket(request.user, ticket_no))


@login_required
@require_POST
def ticket_reply(request, ticket_no: str):
    """Bad input shows the form again; a reply the ticket takes no more (closed meanwhile)
    comes back as a message."""
    ticket = tickets.learner_ticket(request.user, ticket_no)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, ticket, reply_form=form)
    was_resolved = ticket.status == Ticket.Status.RESOLVED
    try:
        tickets.reply(
            ticket,
            author=request.user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
        )
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your reply was sent, and the ticket is open again.")
            if was_resolved
            else _("Your reply was sent."),
        )
    return redirect("support:ticket", ticket_no=ticket.ticket_no)


@login_required
@require_POST
def ticket_move(request, ticket_no: str):
    """The learner confirms (close a resolved ticket), withdraws (close an open one) or
    reopens with a reason."""
    ticket = tickets.learner_ticket(request.user, ticket_no)
    action = request.POST.get("action")
    note = ""
    if action == "reopen":
        form = ReopenForm(request.POST)
        if not form.is_valid():
            return _detail(request, ticket, reopen_form=form)
        note = form.cleaned_data["note"]
    elif action != "close":
        raise Http404
    confirming = ticket.status == Ticket.Status.RESOLVED
    try:
        tickets.move(ticket, action, by=request.user, note=note)
    except SupportError as error:
        messages.error(request, error.message)
    else:
        if action == "reopen":
            done = _("The ticket is open again: customer service will get back to you.")
        elif confirming:
            done = _("Thank you for confirming. The ticket is closed.")
        else:
            done = _("Your ticket was withdrawn.")
        messages.success(request, done)
    return redirect("support:ticket", ticket_no=ticket.ticket_no)


@login_required
@require_POST
def ticket_rate(request, ticket_no: str):
    ticket = tickets.learner_ticket(request.user, ticket_no)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, rate_form=form)
    try:
        tickets.rate(
            ticket,
            learner=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("support:ticket", ticket_no=ticket.ticket_no)


@login_required
@require_GET
def ticket_file(request, ticket_no: str, attachment_id: int):
    """A ticket's file, for its learner and for customer service (the console and the
    admin link here too); anyone else gets a 404. Served under its stored name (random,
    chosen by the site), ``nosniff`` and never cached (``ksmall.private_files``)."""
    attachment = tickets.viewable_attachment(request.user, ticket_no, attachment_id)
    return private_file_response(attachment.file)
