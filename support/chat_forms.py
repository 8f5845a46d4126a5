"""The live chat's forms: a message (text, an image, or both), an agent's reply with the
快捷回复 choice for browsers without JavaScript, a transfer, and the learner's rating. The
image is checked and re-encoded by ``support.chat.post_message``, not here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import active_agents

from . import chat


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=chat.MAX_TEXT,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("Type your question…"), "id": "chat-text"}
        ),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "id": "chat-image"}),
    )

    def clean_text(self) -> str:
        return self.cleaned_data["text"].strip()

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("text") and not cleaned.get("image"):
            raise forms.ValidationError(_("Write a message or choose an image."), code="empty")
        return cleaned


class ReplyForm(MessageForm):
    """An agent's reply. A canned reply chosen in the select (the way without JavaScript;
    with it, a click puts the text in the box) is sent when the box is empty."""

    canned = forms.ModelChoiceField(
        label=_("Canned replies"),
        queryset=chat.canned_replies(),
        required=False,
        empty_label=_("— choose —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["placeholder"] = _("Type your reply…")

    def clean(self):
        canned = self.cleaned_data.get("canned")
        if canned is not None and not self.cleaned_data.get("text"):
            self.cleaned_data["text"] = canned.body
        return super().clean()


class TransferForm(forms.Form):
    to = forms.ModelChoiceField(
        label=_("Transfer to"), queryset=active_agents(), empty_label=_("— choose an agent —")
    )

    def __init__(self, *args, conversation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if conversation is not None:
            self.fields["to"].queryset = active_agents().exclude(
                pk__in=[conversation.agent_id or 0, conversation.learner_id]
            )
        self.fields["to"].label_from_instance = lambda user: user.display_name


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=chat.MAX_COMMENT,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("What went well, what could be better?")}
        ),
    )
