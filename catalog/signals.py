"""Keep cached and denormalised catalogue data in step with the rows it comes from: the
navigation's category list, and the search text that holds provider and instructor names."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from accounts.models import ProviderProfile

from .context_processors import CACHE_KEY
from .models import Category, Instructor, Service
from .services import refresh_listing


@receiver([post_save, post_delete], sender=Category)
def forget_nav_categories(**kwargs) -> None:
    # After the commit: a request running meanwhile would otherwise cache the old list again.
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


@receiver(pre_save, sender=ProviderProfile)
def provider_name_before(instance: ProviderProfile, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._old_display_name = None
        return
    instance._old_display_name = (
        ProviderProfile.objects.filter(pk=instance.pk)
        .values_list("display_name", flat=True)
        .first()
    )


@receiver(post_save, sender=ProviderProfile)
def provider_renamed(instance: ProviderProfile, raw=False, **kwargs) -> None:
    """Only a new public name changes what search matches; approvals and the like do not."""
    if raw or getattr(instance, "_old_display_name", None) == instance.display_name:
        return
    for service in Service.objects.filter(provider_id=instance.user_id).select_related(
        "provider__provider_profile"
    ):
        refresh_listing(service)


@receiver(post_save, sender=Instructor)
def instructor_renamed(instance: Instructor, raw=False, **kwargs) -> None:
    if raw:
        return
    for service in instance.services.select_related("provider__provider_profile"):
        refresh_listing(service)


@receiver(pre_delete, sender=Instructor)
def instructor_leaving(instance: Instructor, **kwargs) -> None:
    # The links go with the instructor, without an m2m signal: remember whom to refresh.
    instance._service_ids = list(instance.services.values_list("pk", flat=True))


@receiver(post_delete, sender=Instructor)
def instructor_deleted(instance: Instructor, **kwargs) -> None:
    for service in Service.objects.filter(pk__in=getattr(instance, "_service_ids", [])):
        refresh_listing(service)


@receiver(m2m_changed, sender=Service.instructors.through)
def instructors_changed(instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if not reverse:  # service.instructors.add/remove/clear(...)
        if action in ("post_add", "post_remove", "post_clear"):
            refresh_listing(instance)
        return
    # instructor.services.add/remove/clear(...): the services concerned are in pk_set,
    # except for clear, where they must be read before the links go.
    if action == "pre_clear":
        instance._cleared_service_ids = list(instance.services.values_list("pk", flat=True))
        return
    if action in ("post_add", "post_remove"):
        service_ids = pk_set or ()
    elif action == "post_clear":
        service_ids = getattr(instance, "_cleared_service_ids", [])
    else:
        return
    for service in Service.objects.filter(pk__in=service_ids).select_related(
        "provider__provider_profile"
    ):
        refresh_listing(service)
