"""Carts: one per signed-in learner, and anonymous ones found through the session.

A line is a package with a set of add-ons and a quantity. Prices are never stored as the
truth: ``unit_price_seen`` is what the learner was shown, so that a price change since can
be flagged; checkout prices everything again with ``catalog.pricing.quote_line``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import AddOn, Package


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return f"{self.user}" if self.user_id else f"anonymous cart {self.pk}"


def addon_key(addon_ids) -> str:
    """The add-on set of a line as a stable string: the same package with the same add-ons
    is one line whose quantity grows."""
    return ",".join(str(pk) for pk in sorted({int(pk) for pk in addon_ids}))


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="+", verbose_name=_("package")
    )
    addons = models.ManyToManyField(AddOn, blank=True, related_name="+", verbose_name=_("add-ons"))
    addon_key = models.CharField(max_length=200, blank=True, editable=False)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    is_selected = models.BooleanField(_("selected"), default=True)
    unit_price_seen = models.DecimalField(
        _("unit price when added"), max_digits=10, decimal_places=2
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "package", "addon_key"], name="cart_line_once_per_choice"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=99), name="cart_line_quantity_1_99"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package} × {self.quantity}"
