"""Customer service: the FAQ help centre, live chat between a learner and an agent, and
complaint and suggestion tickets.

The FAQ (``FaqCategory``, ``FaqEntry``, ``FaqVote``) is edited by staff in admin; its
search and the chat's smart suggestions are ``support.faq``. A learner has at most one
``Conversation`` that is not closed; its ``ChatMessage`` rows are the history, written
only by ``support.chat``. A ``Ticket`` moves along the table in ``support.tickets``, with
its ``TicketReply`` thread, ``TicketAttachment`` files and ``TicketEvent`` timeline.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.storage import private_storage
from catalog.models import UploadTo

RATING_CHOICES = [(score, str(score)) for score in range(1, 6)]


# ---- FAQ (常见问题) -----------------------------------------------------------------------


class FaqCategory(models.Model):
    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("slug"), unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class FaqEntry(models.Model):
    """One question and its Markdown answer. ``similar_questions`` holds other ways
    learners ask it (相似问法), one per line: search and smart suggestions read them."""

    category = models.ForeignKey(
        FaqCategory, on_delete=models.PROTECT, related_name="entries", verbose_name=_("category")
    )
    slug = models.SlugField(_("slug"), unique=True)
    question = models.CharField(_("question"), max_length=120)
    answer = models.TextField(_("answer"), help_text=_("Markdown: lists, links and bold work."))
    similar_questions = models.TextField(
        _("similar questions"),
        blank=True,
        help_text=_(
            "Other ways learners ask this question, one per line. Search and the chat's "
            "suggestions match them too."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=True)
    helpful_count = models.PositiveIntegerField(_("helpful votes"), default=0, editable=False)
    unhelpful_count = models.PositiveIntegerField(_("not helpful votes"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["category__position", "position", "pk"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return f"/support/faq/{self.slug}/"


class FaqVote(models.Model):
    """One "was this helpful" answer: by a signed-in user, or by a visitor's session."""

    entry = models.ForeignKey(
        FaqEntry, on_delete=models.CASCADE, related_name="votes", verbose_name=_("FAQ entry")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session"), max_length=40, blank=True)
    is_helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("voted at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("FAQ vote")
        verbose_name_plural = _("FAQ votes")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "user"],
                condition=Q(user__isnull=False),
                name="support_faqvote_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["entry", "session_key"],
                condition=Q(user__isnull=True),
                name="support_faqvote_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""),
                name="support_faqvote_has_voter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {'+' if self.is_helpful else '-'}"


# ---- live chat (在线客服) ---------------------------------------------------------------------


class Conversation(models.Model):
    """A learner's chat with customer service: waiting in the queue until an agent claims
    it, then open with that agent, until closed (and rated by the learner)."""

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("conversation status", "Waiting")
        OPEN = "open", pgettext_lazy("conversation status", "With an agent")
        CLOSED = "closed", pgettext_lazy("conversation status", "Closed")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="support_conversations",
        verbose_name=_("learner"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)
    # Since when the learner has been waiting for an answer (their first message after the
    # agent's last one); null while nothing is unanswered. The queue sorts by it.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    # The id of the last message each side has seen: unread counts are the messages after.
    learner_read_id = models.PositiveBigIntegerField(default=0, editable=False)
    agent_read_id = models.PositiveBigIntegerField(default=0, editable=False)
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=RATING_CHOICES, null=True, blank=True
    )
    rating_comment = models.CharField(_("rating comment"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]
        indexes = [models.Index(fields=["status", "waiting_since"], name="support_conv_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=~Q(status="closed"),
                name="support_conversation_one_open_per_learner",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="support_conversation_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.learner_id} ({self.status})"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ChatMessage(models.Model):
    """One line of a conversation: the learner's or the agent's text or image, the smart
    assistant's FAQ suggestions, or a notice (claimed, transferred, closed, after hours)."""

    class Side(models.TextChoices):
        LEARNER = "learner", _("Learner")
        AGENT = "agent", _("Agent")
        ASSISTANT = "assistant", _("Smart assistant")
        NOTICE = "notice", _("Notice")

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    side = models.CharField(_("sent by"), max_length=16, choices=Side.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    body = models.TextField(_("text"), blank=True)
    image = models.ImageField(
        _("image"),
        upload_to=UploadTo("support/chat"),
        storage=private_storage,
        width_field="image_width",
        height_field="image_height",
        blank=True,
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    suggestions = models.ManyToManyField(
        FaqEntry, blank=True, related_name="+", verbose_name=_("suggested FAQ entries")
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["pk"]
        indexes = [models.Index(fields=["conversation", "id"], name="support_msg_after")]

    def __str__(self) -> str:
        return f"{self.conversation_id}/{self.pk} {self.side}"


class CannedReply(models.Model):
    """A ready answer agents insert with one click (快捷回复), kept by staff."""

    title = models.CharField(_("title"), max_length=40)
    body = models.TextField(_("text"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


# ---- tickets (投诉与建议) -------------------------------------------------------------------


class Ticket(models.Model):
    """A complaint or suggestion. It moves submitted → in progress → resolved → closed
    (reopened within ``settings.TICKET_REOPEN_DAYS``) along ``support.tickets.MOVES``.
    A complaint may be about one of the learner's orders, and about a refund the provider
    rejected: then it is that refund's escalation to the platform (one ticket per refund).
    """

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", pgettext_lazy("ticket kind", "Complaint")
        SUGGESTION = "suggestion", pgettext_lazy("ticket kind", "Suggestion")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("ticket status", "Submitted")
        IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "In progress")
        RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")

    ticket_no = models.CharField(_("ticket number"), max_length=20, unique=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="support_tickets",
        verbose_name=_("learner"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=80)
    body = models.TextField(_("description"), max_length=2000)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name=_("order"),
    )
    refund = models.OneToOneField(
        "orders.Refund",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_ticket",
        verbose_name=_("escalated refund"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=RATING_CHOICES, null=True, blank=True
    )
    rating_comment = models.CharField(_("rating comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["status", "updated_at"], name="support_ticket_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="support_ticket_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_no} {self.subject}"

    def get_absolute_url(self) -> str:
        return f"/support/tickets/{self.ticket_no}/"


class TicketReply(models.Model):
    """One message in a ticket's thread, from the learner or from customer service."""

    class Side(models.TextChoices):
        LEARNER = "learner", _("Learner")
        SUPPORT = "support", _("Customer service")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="replies", verbose_name=_("ticket")
    )
    side = models.CharField(_("sent by"), max_length=16, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("ticket reply")
        verbose_name_plural = _("ticket replies")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.pk} {self.side}"


class TicketAttachment(models.Model):
    """A checked file (an image re-encoded to JPEG, or a PDF without active content) on a
    ticket or one of its replies, on private storage: served only to the ticket's learner
    and to customer service."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    reply = models.ForeignKey(
        TicketReply,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("reply"),
    )
    file = models.FileField(
        _("file"), upload_to=UploadTo("support/tickets"), storage=private_storage
    )
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TicketEvent(models.Model):
    """A ticket's timeline: every move along ``support.tickets.MOVES`` and every
    assignment, with who did it (null: the system)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    action = models.CharField(_("action"), max_length=16)
    from_status = models.CharField(_("status before"), max_length=16, blank=True)
    to_status = models.CharField(_("status after"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket timeline")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.action} → {self.to_status}"
