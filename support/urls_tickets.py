"""Ticket routes, for learners and in the agent console, of /support/ (namespace "support", see support.urls)."""

urlpatterns = []
