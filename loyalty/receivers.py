"""A learner who just signed up gets the platform's running new-user coupons."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from . import services


@receiver(user_signed_up, dispatch_uid="loyalty.new_user_coupons")
def give_new_user_coupons(sender, request, user, **kwargs) -> None:
    services.issue_new_user_coupons(user)
