"""Domain errors of membership, points and coupons; views turn them into messages."""

from django.utils.translation import gettext_lazy as _


class LoyaltyError(Exception):
    message = _("This cannot be done now.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class NotEnoughPoints(LoyaltyError):
    message = _("You do not have that many points.")


class CouponUnavailable(LoyaltyError):
    """A coupon that cannot be used on this order (used, expired, not covering it)."""

    message = _("This coupon cannot be used on this order.")


class ClaimRefused(LoyaltyError):
    """A coupon that cannot be claimed: gone, not started, over the learner's limit."""

    message = _("This coupon cannot be claimed.")


class InvalidCoupon(LoyaltyError):
    """A coupon a provider or staff set up with values that do not hold together."""

    message = _("Check the coupon's values.")
