"""Ticket routes, for learners and in the agent console (namespace "support")."""

urlpatterns = []
