"""Domain errors of the catalogue; views turn them into messages."""

from django.utils.translation import gettext_lazy as _


class CatalogError(Exception):
    message = _("This choice is not available.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class NotPurchasable(CatalogError):
    message = _("This service is not on sale at the moment.")


class InvalidChoice(CatalogError):
    message = _("Choose one of the packages and add-ons offered for this service.")


class SoldOut(CatalogError):
    message = _("Sold out.")


class InvalidQuantity(CatalogError):
    message = _("Choose a quantity between 1 and 99.")
