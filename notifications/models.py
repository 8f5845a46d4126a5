"""Inbox messages: what the site tells a user, kept until read (and after)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .events import render


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
