"""Cart errors beyond the catalogue's own (which the cart raises as they are)."""

from django.utils.translation import gettext_lazy as _

from catalog.errors import CatalogError


class PriceChanged(CatalogError):
    message = _("The price has changed: accept the new price to choose this line.")
