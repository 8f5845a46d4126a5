"""/support/: the help centre and FAQ, live chat, tickets, and the agent console
(``agent/``). Each part keeps its routes in its own module; all share the "support"
namespace."""

from django.urls import include, path

app_name = "support"

urlpatterns = [
    path("", include("support.urls_faq")),
    path("", include("support.urls_chat")),
    path("", include("support.urls_tickets")),
]
