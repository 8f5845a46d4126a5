"""Inbox messages (what the site tells a user, kept until read and after), the user's choice
of channels besides the inbox, and the record of each email or SMS sent for a message."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .events import CATEGORIES, render


class Channel(models.TextChoices):
    """The ways out besides the inbox, which is always on."""

    EMAIL = "email", pgettext_lazy("notification channel", "Email")
    SMS = "sms", pgettext_lazy("notification channel", "SMS")


class Message(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=64)
    context = models.JSONField(_("context"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notif_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    # Text is rendered when shown, so each reader sees it in their own language.
    @property
    def title(self) -> str:
        return render(self.event, "title", self.context)

    @property
    def body(self) -> str:
        return render(self.event, "body", self.context)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


# One boolean per category and channel, named "<category>_<channel>" (``orders_email``).
PREFERENCE_FIELDS: tuple[str, ...] = tuple(
    f"{category}_{channel}" for category in CATEGORIES for channel in Channel.values
)


class NotificationPreference(models.Model):
    """Which categories of messages also go out by email and by SMS, for one user.

    Created on the first save from the settings page; until then the field defaults apply
    (``selectors.get_preferences`` returns them unsaved): email for everything, SMS only
    for orders and refunds, where money moves.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    orders_email = models.BooleanField(_("order updates by email"), default=True)
    orders_sms = models.BooleanField(_("order updates by SMS"), default=True)
    refunds_email = models.BooleanField(_("refunds and after-sales by email"), default=True)
    refunds_sms = models.BooleanField(_("refunds and after-sales by SMS"), default=True)
    account_email = models.BooleanField(_("account and provider review by email"), default=True)
    account_sms = models.BooleanField(_("account and provider review by SMS"), default=False)
    support_email = models.BooleanField(_("support replies by email"), default=True)
    support_sms = models.BooleanField(_("support replies by SMS"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def allows(self, category: str, channel: str) -> bool:
        return bool(getattr(self, f"{category}_{channel}", False))


class Delivery(models.Model):
    """One message sent, or being sent, on one channel: the guard that sends it only once.

    The delivery task creates the row as pending, then sends under a row lock and marks it
    sent in the same transaction; a retried or duplicated task finds it sent and stops.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("message")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    address = models.CharField(_("sent to"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "channel"], name="notif_delivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", sent_at__isnull=True)
                | models.Q(status="sent", sent_at__isnull=False),
                name="notif_delivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.status}"
