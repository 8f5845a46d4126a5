"""The events the site announces, and how each reads in the inbox.

Each entry maps an event name to a title and a body (translatable, %-formatted with the
context given to ``notify``). Apps add their events here as they arrive; ``notify``
refuses an unknown event, so a typo fails loudly in tests.
"""

from django.utils.translation import gettext_lazy as _

EVENTS: dict[str, dict] = {
    "provider_approved": {
        "title": _("Your provider application was approved"),
        "body": _("Welcome aboard, %(name)s. You can now publish services from the dashboard."),
    },
    "provider_rejected": {
        "title": _("Your provider application was not approved"),
        "body": _("You can correct the application and apply again. Reason: %(reason)s"),
    },
    "service_approved": {
        "title": _("Your listing is live"),
        "body": _("“%(title)s” passed review and is now published in the catalogue."),
    },
    "service_rejected": {
        "title": _("Your listing was not approved"),
        "body": _("“%(title)s” needs changes before it can be published. Reason: %(reason)s"),
    },
    "review_replied": {
        "title": _("The provider answered your review"),
        "body": _("The provider of “%(title)s” replied to your review."),
    },
}


def render(event: str, part: str, context: dict) -> str:
    spec = EVENTS.get(event)
    if spec is None:
        return event
    template = str(spec.get(part, ""))
    try:
        return template % context
    except (KeyError, TypeError, ValueError):
        return template
