"""The events the site announces, how each reads, and which channels may carry it.

Each entry maps an event name to a ``category`` (a key of ``CATEGORIES``: the user's
preferences are per category and channel), a ``title`` and a ``body`` (translatable,
%-formatted with the context given to ``notify``) and, for events worth a text message,
an ``sms`` text: short (at most 70 Chinese characters once filled in, the length of one
message, so no free-text placeholders such as titles), without the sender's signature, which
the SMS channel adds. An event without ``sms`` never goes by SMS. Apps add their events
here as they arrive; ``notify`` refuses an unknown event, so a typo fails loudly in tests.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The groups of events a user can switch email and SMS on or off for (the inbox is always on).
CATEGORIES: dict[str, str] = {
    "orders": _("Order updates"),
    "refunds": _("Refunds and after-sales"),
    "account": _("Account and provider review"),
    "support": _("Support replies"),
}

# The channels besides the inbox, in the order the settings page shows them.
CHANNELS: dict[str, str] = {
    "email": pgettext_lazy("notification channel", "Email"),
    "sms": pgettext_lazy("notification channel", "SMS"),
}

# What a user gets before choosing: email for everything, SMS only where money moves.
DEFAULT_CHANNELS: dict[str, set[str]] = {
    "orders": {"email", "sms"},
    "refunds": {"email", "sms"},
    "account": {"email"},
    "support": {"email"},
}

EVENTS: dict[str, dict] = {
    # --- accounts and catalogue review -------------------------------------------------------
    "provider_approved": {
        "category": "account",
        "title": _("Your provider application was approved"),
        "body": _("Welcome aboard, %(name)s. You can now publish services from the dashboard."),
        "sms": _("Your provider application was approved. You can now publish services."),
    },
    "provider_applied": {
        "category": "account",
        "title": _("Provider application to review: %(name)s"),
        "body": _(
            "%(name)s sent an application to become a provider. Check the identity details "
            "and qualification files, then approve or reject it in the operations console."
        ),
    },
    "provider_rejected": {
        "category": "account",
        "title": _("Your provider application was not approved"),
        "body": _("You can correct the application and apply again. Reason: %(reason)s"),
        "sms": _("Your provider application was not approved. See the reason in your messages."),
    },
    "service_approved": {
        "category": "account",
        "title": _("Your listing is live"),
        "body": _("“%(title)s” passed review and is now published in the catalogue."),
    },
    "service_rejected": {
        "category": "account",
        "title": _("Your listing was not approved"),
        "body": _("“%(title)s” needs changes before it can be published. Reason: %(reason)s"),
    },
    "review_replied": {
        "category": "orders",
        "title": _("The provider answered your review"),
        "body": _("The provider of “%(title)s” replied to your review."),
    },
    # --- orders (context: order_no, title and the keys named in each text) -------------------
    "order_placed": {
        "category": "orders",
        "title": _("Order placed: please pay by %(deadline)s"),
        "body": _(
            "Order %(order_no)s for “%(title)s” (%(amount)s) is waiting for payment. "
            "Pay by %(deadline)s, or the order will be cancelled automatically."
        ),
    },
    "order_paid": {
        "category": "orders",
        "title": _("Payment received"),
        "body": _(
            "We received %(amount)s for order %(order_no)s, “%(title)s”. We will let you know "
            "when the provider confirms the arrangements."
        ),
        "sms": _("We received your payment of %(amount)s for order %(order_no)s."),
    },
    "order_received": {
        "category": "orders",
        "title": _("New order: %(title)s"),
        "body": _(
            "%(buyer)s paid %(amount)s for order %(order_no)s, “%(title)s”. Please confirm "
            "the arrangements from your dashboard."
        ),
        "sms": _("New paid order %(order_no)s (%(amount)s). Please confirm it in your dashboard."),
    },
    "order_cancelled": {
        "category": "orders",
        "title": _("Order cancelled"),
        "body": _("Order %(order_no)s for “%(title)s” was cancelled. Reason: %(reason)s"),
    },
    "order_accepted": {
        "category": "orders",
        "title": _("The provider confirmed your order"),
        "body": _(
            "Order %(order_no)s for “%(title)s” is confirmed and waiting for the service. "
            "Schedule: %(schedule)s"
        ),
        "sms": _("The provider confirmed order %(order_no)s. See the schedule in your orders."),
    },
    "order_started": {
        "category": "orders",
        "title": _("Your service has started"),
        "body": _("“%(title)s” (order %(order_no)s) is now in progress."),
    },
    "order_completed": {
        "category": "orders",
        "title": _("Order completed: how did it go?"),
        "body": _(
            "“%(title)s” (order %(order_no)s) is complete. Leave a review to help other "
            "learners choose."
        ),
    },
    # --- refunds -----------------------------------------------------------------------------
    "refund_escalated": {
        "category": "refunds",
        "title": _("Refund of order %(order_no)s put to the platform"),
        "body": _(
            "The learner asked the platform to review the rejected refund of %(amount)s on "
            "“%(title)s”. Decide it in the operations console."
        ),
    },
    "platform_refunded": {
        "category": "refunds",
        "title": _("The platform refunded completed order %(order_no)s"),
        "body": _(
            "After reviewing the case, the platform refunded %(amount)s of “%(title)s” to the "
            "learner. Reason: %(reason)s. Your settlement is debited for this amount less the "
            "platform's commission."
        ),
    },
    "refund_requested": {
        "category": "refunds",
        "title": _("Refund requested for order %(order_no)s"),
        "body": _(
            "The learner asked for a refund of %(amount)s on “%(title)s”. Reason: %(reason)s. "
            "Approve or reject it within 72 hours, or it will be approved automatically."
        ),
        "sms": _(
            "A refund of %(amount)s was requested on order %(order_no)s. "
            "Please respond within 72 hours."
        ),
    },
    "refund_approved": {
        "category": "refunds",
        "title": _("Refund approved"),
        "body": _(
            "Your refund of %(amount)s for order %(order_no)s, “%(title)s”, was approved and "
            "is on its way back to your original payment method."
        ),
        "sms": _("Your refund of %(amount)s for order %(order_no)s was approved."),
    },
    "refund_rejected": {
        "category": "refunds",
        "title": _("Refund not approved"),
        "body": _(
            "The provider did not approve the refund for order %(order_no)s, “%(title)s”. "
            "Reason: %(reason)s. If you disagree, you can ask the platform to step in."
        ),
        "sms": _(
            "The refund for order %(order_no)s was not approved. See the reason in your messages."
        ),
    },
    "refund_rejection_upheld": {
        "category": "refunds",
        "title": _("The platform kept the refund decision"),
        "body": _(
            "The platform reviewed the refund for order %(order_no)s, “%(title)s”, and kept "
            "the provider's decision. Reason: %(reason)s. This is the final decision."
        ),
        "sms": _(
            "The platform reviewed the refund for order %(order_no)s and kept the provider's "
            "decision. See the reason in your messages."
        ),
    },
    "payment_returned": {
        "category": "refunds",
        "title": _("A payment was returned to you"),
        "body": _(
            "Your payment of %(amount)s (payment number %(payment_no)s) has been returned to "
            "your original payment method. Reason: %(reason)s."
        ),
        "sms": _(
            "Your payment of %(amount)s (%(payment_no)s) was not needed and has been returned "
            "to your original payment method."
        ),
    },
    "transfer_rejected": {
        "category": "orders",
        "title": _("Bank transfer not confirmed"),
        "body": _(
            "We could not confirm your bank transfer for payment number %(payment_no)s. "
            "Reason: %(reason)s. Upload a new receipt or choose another way to pay."
        ),
        "sms": _(
            "Your bank transfer for payment %(payment_no)s could not be confirmed. "
            "See the reason in your messages."
        ),
    },
    "transfer_submitted": {
        "category": "orders",
        "title": _("Bank transfer to confirm: %(payment_no)s"),
        "body": _(
            "%(payer)s uploaded a receipt for a bank transfer of %(amount)s, payment number "
            "%(payment_no)s. Check the account and confirm or reject it."
        ),
    },
    "payment_flagged": {
        "category": "orders",
        "title": _("Payment %(out_trade_no)s needs attention"),
        "body": _("%(reason)s"),
    },
    "order_refunded": {
        "category": "refunds",
        "title": _("Refund completed"),
        "body": _(
            "%(amount)s for order %(order_no)s, “%(title)s”, has been refunded to your "
            "original payment method."
        ),
        "sms": _(
            "%(amount)s for order %(order_no)s has been refunded to your original payment method."
        ),
    },
    # The same, for an order paid partly with points: they come back with the money.
    "order_refunded_with_points": {
        "category": "refunds",
        "title": _("Refund completed"),
        "body": _(
            "%(amount)s for order %(order_no)s, “%(title)s”, has been refunded to your "
            "original payment method, and %(points)s points to your points balance."
        ),
        "sms": _("Order %(order_no)s: %(amount)s and %(points)s points have been refunded."),
    },
    # --- membership and points ----------------------------------------------------------------
    "membership_started": {
        "category": "account",
        "title": _("Your membership is active: %(plan)s"),
        "body": _(
            "Thank you for joining. Member prices apply to your orders until %(until)s. "
            "See your membership for the details."
        ),
        "sms": _("Your KS Mall membership is active until %(until)s."),
    },
    "membership_expiring": {
        "category": "account",
        "title": _("Your membership ends on %(until)s"),
        "body": _(
            "Your %(plan)s membership ends in %(days)s days, on %(until)s. Renew it to keep "
            "member prices: the new days are added after the current end."
        ),
        "sms": _("Your KS Mall membership ends on %(until)s. Renew to keep member prices."),
    },
    # --- support ----------------------------------------------------------------------------
    "ticket_submitted": {
        "category": "support",
        "title": _("New %(kind)s %(ticket_no)s: %(subject)s"),
        "body": _(
            "%(learner)s submitted a %(kind)s. Assign it and answer it in the support console."
        ),
    },
    "ticket_replied": {
        "category": "support",
        "title": _("Customer service replied to %(ticket_no)s"),
        "body": _(
            "Customer service answered your ticket “%(subject)s”. Read the reply and "
            "answer it if you need to."
        ),
    },
    "ticket_learner_replied": {
        "category": "support",
        "title": _("The learner replied to %(ticket_no)s"),
        "body": _("%(learner)s added a reply to the ticket “%(subject)s”."),
    },
    "ticket_status_changed": {
        "category": "support",
        "title": _("Ticket %(ticket_no)s: %(status)s"),
        "body": _("Your ticket “%(subject)s” is now: %(status)s. %(note)s"),
    },
    "ticket_reopened": {
        "category": "support",
        "title": _("Ticket %(ticket_no)s reopened"),
        "body": _("%(learner)s reopened the ticket “%(subject)s”. Reason: %(note)s"),
    },
    "ticket_assigned": {
        "category": "support",
        "title": _("Ticket %(ticket_no)s assigned to you"),
        "body": _("The ticket “%(subject)s” is now yours to answer."),
    },
    "chat_closed": {
        "category": "support",
        "title": _("Your chat with customer service has ended"),
        "body": _(
            "The conversation is kept in your chat history. Tell us how we did: rate it in "
            "the chat."
        ),
    },
}


def render(event: str, part: str, context: dict) -> str:
    """One part of an event (``title``, ``body`` or ``sms``) filled in with ``context``, in
    the active language; an empty string when the event has no such part."""
    spec = EVENTS.get(event)
    if spec is None:
        return "" if part == "sms" else event
    template = str(spec.get(part, ""))
    try:
        return template % context
    except (KeyError, TypeError, ValueError):
        return template


def category_of(event: str) -> str:
    return EVENTS[event]["category"]
