"""Forms of accounts: sign-up by email or by phone, and the profile."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from ksmall.documents import checked_document
from ksmall.fields import MultipleFileField, MultipleFileInput
from ksmall.images import reencode_image

from .models import MAX_CERTIFICATES, ProviderProfile, validate_id_number

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_SIZE = 256
LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 40_000_000
LOGO_SIZE = 400
IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


def _is_invisible_control(ch: str) -> bool:
    code = ord(ch)
    return code < 32 or 0x200B <= code <= 0x200F or 0x202A <= code <= 0x202E or code == 0xFEFF


class SignupForm(AllauthSignupForm):
    """One form, two ways in: "email" (email + password, then a link by email) or
    "phone" (mobile + password, then a 6-digit SMS code). The ``method`` field says which;
    the other identifier is left out."""

    METHODS = (("phone", _("Mobile number")), ("email", _("Email")))
    method = forms.ChoiceField(choices=METHODS, initial="phone", widget=forms.HiddenInput)

    field_order = ["method", "phone", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        method = self.data.get("method") if self.is_bound else self.initial.get("method")
        self.signup_method = method if method in dict(self.METHODS) else "phone"
        self.fields["phone"].label = _("Mobile number")
        if self.signup_method == "phone":
            self.fields["phone"].required = True
            self.fields["email"].required = False
        else:
            self.fields["phone"].required = False
            self.fields["email"].required = True

    def clean(self):
        cleaned = super().clean()
        # Only the chosen identifier is kept, whatever else was posted.
        if self.signup_method == "phone":
            cleaned["email"] = ""
        else:
            cleaned["phone"] = ""
        return cleaned


class ProfileForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname"),
        max_length=30,
        required=False,
        help_text=_("Shown to providers and in reviews; up to 30 characters."),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, at most 5 MB; cropped to a square."),
        widget=forms.FileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp,image/gif",
                "data-preview": "#avatar-preview",
            }
        ),
    )

    remove_avatar = forms.BooleanField(label=_("Remove the current avatar"), required=False)

    def __init__(self, *args, has_avatar: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not has_avatar:
            del self.fields["remove_avatar"]

    def clean_nickname(self) -> str:
        nickname = " ".join(self.cleaned_data["nickname"].split())
        if any(_is_invisible_control(ch) for ch in nickname):
            raise forms.ValidationError(_("The nickname contains invisible control characters."))
        return nickname

    def clean_avatar(self) -> ContentFile | None:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return reencode_image(
            upload,
            max_bytes=AVATAR_MAX_BYTES,
            max_pixels=AVATAR_MAX_PIXELS,
            square=AVATAR_SIZE,
        )


class ProviderApplicationForm(forms.Form):
    """The application to become a provider. ``profile`` is the earlier (rejected)
    application, if any: its number and certificates are kept unless new ones are sent,
    so the number never has to be shown again."""

    kind = forms.ChoiceField(
        label=_("I apply as"),
        choices=ProviderProfile.Kind.choices,
        initial=ProviderProfile.Kind.INDIVIDUAL,
        widget=forms.RadioSelect,
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("How learners see you on the site."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=100,
        help_text=_("Your real name as on your ID card, or the institution's registered name."),
    )
    id_number = forms.CharField(
        label=_("ID card or business licence number"),
        max_length=30,
        help_text=_(
            "Individuals: the 18-character resident ID card number. Institutions: the "
            "18-character unified social credit code. Only staff reviewing your application "
            "can see it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    qualifications = forms.CharField(
        label=_("Qualifications"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Degrees, certificates, teaching experience; up to 2,000 characters."),
    )
    introduction = forms.CharField(
        label=_("Introduction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you teach and for whom; up to 2,000 characters."),
    )
    logo = forms.FileField(
        label=_("Logo or photo"),
        required=False,
        help_text=_("Optional. JPEG, PNG, WebP or GIF, at most 5 MB; cropped to a square."),
        widget=forms.FileInput(attrs={"accept": IMAGE_TYPES}),
    )
    certificates = MultipleFileField(
        label=_("Qualification files"),
        required=False,
        help_text=_(
            "Up to 5 files: scans or photos (JPEG, PNG, WebP, GIF) or PDF, at most 10 MB each."
        ),
        widget=MultipleFileInput(attrs={"accept": IMAGE_TYPES + ",application/pdf"}),
    )

    def __init__(self, *args, profile: ProviderProfile | None = None, **kwargs) -> None:
        self.profile = profile
        if profile is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": profile.kind,
                    "display_name": profile.display_name,
                    "legal_name": profile.legal_name,
                    "qualifications": profile.qualifications,
                    "introduction": profile.introduction,
                },
            )
        super().__init__(*args, **kwargs)
        if profile is not None and profile.id_number:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "Leave empty to keep the number you sent before (%(masked)s)."
            ) % {"masked": profile.masked_id_number}
        self.has_certificates = profile is not None and profile.certificates.exists()
        if self.has_certificates:
            self.fields["certificates"].help_text = _(
                "Leave empty to keep the files you sent before; new files replace them all. "
                "Up to 5 files: scans or photos (JPEG, PNG, WebP, GIF) or PDF, at most 10 MB each."
            )

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if any(_is_invisible_control(ch) for ch in name):
            raise forms.ValidationError(_("The name contains invisible control characters."))
        return name

    def clean_legal_name(self) -> str:
        return " ".join(self.cleaned_data["legal_name"].split())

    def clean_id_number(self) -> str:
        return "".join(self.cleaned_data["id_number"].split()).upper()

    def clean_logo(self) -> ContentFile | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        return reencode_image(
            upload, max_bytes=LOGO_MAX_BYTES, max_pixels=LOGO_MAX_PIXELS, square=LOGO_SIZE
        )

    def clean_certificates(self) -> list[ContentFile]:
        uploads = self.cleaned_data["certificates"]
        if len(uploads) > MAX_CERTIFICATES:
            raise forms.ValidationError(
                _("Send at most %(n)d qualification files.") % {"n": MAX_CERTIFICATES},
                code="too_many_files",
            )
        if not uploads and not self.has_certificates:
            raise forms.ValidationError(_("Send at least one qualification file."), code="no_files")
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(checked_document(upload))
            except ValidationError as exc:
                errors += [f"{upload.name}: {message}" for message in exc.messages]
        if errors:
            raise forms.ValidationError(errors)
        return checked

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and "id_number" in cleaned:
            number = cleaned["id_number"] or (self.profile.id_number if self.profile else "")
            try:
                validate_id_number(kind, number)
            except ValidationError as exc:
                self.add_error("id_number", exc)
        return cleaned


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """Ask for a sign-in code by mobile number (first) or by email.

    A code is sent only for a verified number or address: signing in by code proves the
    number or address, and must never hand over an account that someone else opened
    with it and a password of their own.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["phone", "email"])
        self.fields["phone"].label = _("Mobile number")
        self.fields["email"].label = _("Or email")
        self.fields["email"].help_text = _("Fill in one of the two.")

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Enter your mobile number or your email."))
        return cleaned

    def clean_email(self) -> str:
        email = super().clean_email()
        user = getattr(self, "_user", None)
        if email and user is not None:
            verified = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True)
            if not verified.exists():
                self._user = None
        return email


class LoginForm(AllauthLoginForm):
    """allauth's login form, with the identifier field labelled the way people think of it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The page has its own "forgot your password?" link under the button.
        self.fields["password"].help_text = ""
        login = self.fields["login"]
        login.label = _("Mobile number or email")
        login.widget.attrs.update(
            {"placeholder": _("11-digit mobile number or email"), "autocomplete": "username"}
        )
