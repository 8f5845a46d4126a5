"""Forms of accounts: sign-up by email or by phone, and the profile."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from ksmall.images import reencode_image

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_SIZE = 256


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
