"""Domain errors of support; views turn them into a message on the form or a 4xx."""

from django.utils.translation import gettext_lazy as _


class SupportError(Exception):
    message = _("This cannot be done.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class RateLimited(SupportError):
    """Too many chat messages or new tickets in a short time."""

    message = _("You are sending too fast. Please wait a moment and try again.")


class ConversationClosed(SupportError):
    message = _("This conversation has ended. Start a new one to ask something else.")


class NotAllowed(SupportError):
    """A move the actor may not make, or one the ticket's or conversation's state does
    not allow."""

    message = _("This cannot be done now.")
