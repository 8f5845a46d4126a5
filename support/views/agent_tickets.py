"""The console's tickets at /support/agent/tickets/ (agents and staff): the queue with its
filters, and one ticket with the learner's contact and orders, where agents reply, assign,
start, resolve and close, and staff decide a refund put to the platform. Each POST goes
through one service of ``support.tickets`` and comes back to the ticket with a message."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import agent_required, is_staff
from orders.selectors import recent_orders

from .. import tickets
from ..errors import SupportError
from ..forms import AssignForm, ConsoleFilterForm, DecisionForm, ReplyForm, ResolveForm
from ..models import Ticket

PAGE_SIZE = 20
# A learner waiting longer than this for an answer is shown in warning colours.
LONG_WAIT = timedelta(hours=24)


@agent_required
def ticket_list(request):
    form = ConsoleFilterForm(request.GET)
    filters = form.filters()
    queue, tabs = tickets.console_tickets(
        agent=request.user,
        status=filters["status"],
        kind=filters["kind"],
        owner=filters["owner"],
        query=filters["q"],
    )
    paginator = Paginator(queue, PAGE_SIZE)
    # The status tabs hold the list's length already: spare the paginator its COUNT.
    paginator.count = next(tab["count"] for tab in tabs if tab["slug"] == filters["status"])
    page = paginator.get_page(request.GET.get("page"))
    long_ago = timezone.now() - LONG_WAIT
    for ticket in page.object_list:
        ticket.waits_long = ticket.waiting_since is not None and ticket.waiting_since < long_ago
    kept = {name: value for name, value in filters.items() if value != form.DEFAULTS[name]}
    return render(
        request,
        "support/agent/tickets.html",
        {
            "section": "tickets",
            "form": form,
            "filters": filters,
            "tabs": tabs,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2),
            "page_query": urlencode(kept),
            "tab_query": urlencode({k: v for k, v in kept.items() if k != "status"}),
            "has_filters": any(name != "status" for name in kept),
        },
    )


def _detail(request, ticket: Ticket, **forms) -> HttpResponse:
    role = tickets.role_of(ticket, request.user)
    if role != tickets.AGENT:
        # An agent's own ticket is theirs as a learner: they follow it on the learner page.
        return redirect("support:ticket", ticket_no=ticket.ticket_no)
    actions = tickets.allowed_actions(ticket, role)
    return render(
        request,
        "support/agent/ticket.html",
        {
            "section": "tickets",
            "ticket": ticket,
            "actions": actions,
            "awaits_platform": tickets.awaits_platform(ticket),
            "may_decide": is_staff(request.user),
            "recent_orders": recent_orders(ticket.learner_id),
            "reply_form": forms.get("reply_form") or ReplyForm(),
            "resolve_form": forms.get("resolve_form") or ResolveForm(),
            "assign_form": forms.get("assign_form") or AssignForm(),
            "decision_form": forms.get("decision_form") or DecisionForm(),
            "reopen_until": tickets.reopen_until(ticket),
            "closes_at": tickets.closes_at(ticket),
        },
    )


@agent_required
def ticket_detail(request, ticket_no: str):
    return _detail(request, tickets.console_ticket(ticket_no))


def _done(request, ticket: Ticket, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("support:agent_ticket", ticket_no=ticket.ticket_no)


def _refused(request, ticket: Ticket, error: SupportError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("support:agent_ticket", ticket_no=ticket.ticket_no)


@agent_required
@require_POST
def ticket_reply(request, ticket_no: str):
    ticket = tickets.console_ticket(ticket_no)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, ticket, reply_form=form)
    try:
        tickets.reply(
            ticket,
            author=request.user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
        )
    except SupportError as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, _("Your reply was sent to the learner."))


@agent_required
@require_POST
def ticket_move(request, ticket_no: str):
    """Start, resolve (with a resolution for the learner) or close."""
    ticket = tickets.console_ticket(ticket_no)
    action = request.POST.get("action")
    note = ""
    if action == "resolve":
        form = ResolveForm(request.POST)
        if not form.is_valid():
            return _detail(request, ticket, resolve_form=form)
        note = form.cleaned_data["note"]
    elif action not in ("start", "close"):
        raise Http404
    try:
        tickets.move(ticket, action, by=request.user, note=note)
    except SupportError as error:
        return _refused(request, ticket, error)
    done = {
        "start": _("You are handling this ticket."),
        "resolve": _("The ticket is resolved. The learner can confirm it or reopen it."),
        "close": _("The ticket is closed."),
    }[action]
    return _done(request, ticket, done)


@agent_required
@require_POST
def ticket_assign(request, ticket_no: str):
    """Assign to the agent chosen, or to oneself (``to=me``)."""
    ticket = tickets.console_ticket(ticket_no)
    if request.POST.get("to") == "me":
        assignee = request.user
    else:
        form = AssignForm(request.POST)
        if not form.is_valid():
            return _detail(request, ticket, assign_form=form)
        assignee = form.cleaned_data["assignee"]
    try:
        tickets.assign(ticket, to=assignee, by=request.user)
    except SupportError as error:
        return _refused(request, ticket, error)
    if assignee.pk == request.user.pk:
        return _done(request, ticket, _("The ticket is assigned to you."))
    return _done(
        request,
        ticket,
        _("The ticket is assigned to %(name)s.") % {"name": assignee.display_name},
    )


@agent_required
@require_POST
def ticket_decide(request, ticket_no: str):
    """Staff decide the refund this ticket put to the platform."""
    ticket = tickets.console_ticket(ticket_no)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, decision_form=form)
    approve = form.cleaned_data["decision"] == DecisionForm.APPROVE
    try:
        tickets.decide_refund(
            ticket, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except SupportError as error:
        return _refused(request, ticket, error)
    return _done(
        request,
        ticket,
        _("Refund approved: the money goes back to the learner, and the ticket is resolved.")
        if approve
        else _("The provider's rejection stands, and the ticket is resolved."),
    )
