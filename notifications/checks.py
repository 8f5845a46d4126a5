"""System checks: the SMS backend named in settings must exist (a stale path, such as one
from before the backends moved to notifications, fails at startup, not at the first code)."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register()
def sms_backend_importable(app_configs, **kwargs) -> list[Error]:
    try:
        import_string(settings.SMS_BACKEND)
    except ImportError as error:
        return [
            Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported: {error}",
                hint="Use notifications.sms.ConsoleBackend, or a provider adapter class "
                "with send(phone, text).",
                id="notifications.E001",
            )
        ]
    return []
