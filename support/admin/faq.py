"""Staff edit the help centre: FAQ categories (ordered in the list) and entries, with their
相似问法 and a preview of the rendered answer. Votes are read-only counters here."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.markdown import render_markdown

from ..models import FaqCategory, FaqEntry


@admin.register(FaqCategory)
class FaqCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "entry_count", "published_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                entries_total=Count("entries"),
                entries_published=Count("entries", filter=Q(entries__is_published=True)),
            )
        )

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, category: FaqCategory) -> int:
        return category.entries_total

    @admin.display(description=_("published"), ordering="entries_published")
    def published_count(self, category: FaqCategory) -> int:
        return category.entries_published


class FaqEntryForm(forms.ModelForm):
    class Meta:
        model = FaqEntry
        fields = [
            "category",
            "question",
            "slug",
            "position",
            "is_published",
            "answer",
            "similar_questions",
        ]
        widgets = {
            "answer": forms.Textarea(attrs={"rows": 14, "cols": 80}),
            "similar_questions": forms.Textarea(attrs={"rows": 6, "cols": 80}),
        }
        help_texts = {
            "answer": _(
                "Markdown: **bold**, lists starting with “- ” or “1. ”, links as "
                "[text](/orders/). Leave an empty line between paragraphs; a single line "
                "break stays a line break. HTML is not rendered. Save to refresh the preview."
            ),
        }


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    form = FaqEntryForm
    list_display = [
        "question",
        "category",
        "position",
        "is_published",
        "helpful_count",
        "unhelpful_count",
        "updated_at",
    ]
    list_display_links = ["question"]
    list_editable = ["position", "is_published"]
    list_filter = ["category", "is_published"]
    list_select_related = ["category"]
    search_fields = ["question", "similar_questions", "answer", "slug"]
    actions = ["publish", "unpublish"]
    readonly_fields = [
        "answer_preview",
        "helpful_count",
        "unhelpful_count",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["category", "question", "slug", "position", "is_published"]}),
        (_("Answer"), {"fields": ["answer", "answer_preview"]}),
        (_("Matching"), {"fields": ["similar_questions"]}),
        (
            _("Feedback"),
            {"fields": ["helpful_count", "unhelpful_count", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description=_("preview"))
    def answer_preview(self, entry: FaqEntry) -> str:
        if not entry.answer:
            return "—"
        # Safe: render_markdown escapes raw HTML and nh3 sanitises the result.
        answer = mark_safe(render_markdown(entry.answer))  # noqa: S308
        return format_html('<div class="faq-answer-preview">{}</div>', answer)

    def _set_published(self, request: HttpRequest, queryset: QuerySet, published: bool) -> int:
        # updated_at moves too: the search index rebuilds when it changes.
        return queryset.update(is_published=published, updated_at=timezone.now())

    @admin.action(description=_("Publish the selected entries"))
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = self._set_published(request, queryset, True)
        self.message_user(
            request,
            ngettext("%(n)d entry published.", "%(n)d entries published.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected entries"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = self._set_published(request, queryset, False)
        self.message_user(
            request,
            ngettext("%(n)d entry unpublished.", "%(n)d entries unpublished.", count)
            % {"n": count},
            messages.SUCCESS,
        )
