"""Ticket routes, for learners and in the agent console (namespace "support")."""

from django.urls import path

from .views import agent_tickets, tickets

urlpatterns = [
    path("tickets/", tickets.ticket_list, name="tickets"),
    path("tickets/new/", tickets.ticket_new, name="ticket_new"),
    path("tickets/<str:ticket_no>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<str:ticket_no>/reply/", tickets.ticket_reply, name="ticket_reply"),
    path("tickets/<str:ticket_no>/move/", tickets.ticket_move, name="ticket_move"),
    path("tickets/<str:ticket_no>/rate/", tickets.ticket_rate, name="ticket_rate"),
    path(
        "tickets/<str:ticket_no>/files/<int:attachment_id>/",
        tickets.ticket_file,
        name="ticket_file",
    ),
    path("agent/tickets/", agent_tickets.ticket_list, name="agent_tickets"),
    path("agent/tickets/<str:ticket_no>/", agent_tickets.ticket_detail, name="agent_ticket"),
    path(
        "agent/tickets/<str:ticket_no>/reply/",
        agent_tickets.ticket_reply,
        name="agent_ticket_reply",
    ),
    path(
        "agent/tickets/<str:ticket_no>/move/", agent_tickets.ticket_move, name="agent_ticket_move"
    ),
    path(
        "agent/tickets/<str:ticket_no>/assign/",
        agent_tickets.ticket_assign,
        name="agent_ticket_assign",
    ),
    path(
        "agent/tickets/<str:ticket_no>/decide/",
        agent_tickets.ticket_decide,
        name="agent_ticket_decide",
    ),
]
