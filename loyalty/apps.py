from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Membership, points and coupons")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (new-user coupons at sign-up)
