"""Domain errors of orders; views turn them into a message on the form or a 4xx."""

from django.utils.translation import gettext_lazy as _

from catalog import errors as catalog_errors


class OrderError(Exception):
    message = _("This order cannot be changed that way.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class TransitionNotAllowed(OrderError):
    """A move that is not in ``orders.states.TRANSITIONS`` for the order's status, or an
    actor who may not make it."""

    message = _("This order cannot be changed that way.")


class DetailsMissing(OrderError):
    """The actor must say something for this move (the schedule on accept, the service
    summary when the provider completes)."""

    message = _("Fill in the details for the learner.")


class CheckoutError(OrderError):
    """The checkout cannot be placed as submitted; the message is for the form."""

    message = _("Your order could not be placed. Please check it and try again.")


class EmptyCheckout(CheckoutError):
    message = _("Choose at least one service to order.")


class TooManyLines(CheckoutError):
    message = _("Too many services in one order: place them in several orders.")


class LineUnavailable(CheckoutError):
    """A service is no longer on sale, or a package or add-on is not one it offers."""

    message = _("One of the services is no longer available.")


class InvalidQuantity(CheckoutError):
    message = _("Choose a quantity between 1 and 99.")


class InvalidContact(CheckoutError):
    message = _("Enter the contact name and a valid mainland China mobile number.")


class CheckoutExpired(CheckoutError):
    """The checkout form carried no usable idempotency token: reload and submit again."""

    message = _("This page has expired. Please reload it and try again.")


class SoldOut(CheckoutError, catalog_errors.SoldOut):
    """Not enough seats left for a line; also a ``catalog.errors.SoldOut``, so either
    ``except`` catches it."""

    message = _("Sold out.")


class ReviewNotAllowed(OrderError):
    """Only the buyer reviews, once per line, after the order is complete."""

    message = _("This line cannot be reviewed.")


class RefundError(OrderError):
    message = _("This refund cannot be changed that way.")


class RefundNotAllowed(RefundError):
    """The order cannot be refunded now, or the actor may not make this refund move."""

    message = _("This refund cannot be changed that way.")


class InvalidRefundAmount(RefundError):
    """The amount asked for is not above zero or more than the policy allows."""

    message = _("Enter an amount above ¥0.00 and no more than you can get back.")


class InvalidRefundReason(RefundError):
    message = _("Tell us why, in 5 to 500 characters.")
