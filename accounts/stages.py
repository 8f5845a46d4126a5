"""Login stages adapted to accounts that may have a phone and no email."""

from allauth.account import stages
from allauth.account.models import EmailAddress


class EmailVerificationStage(stages.EmailVerificationStage):
    """Mandatory email verification, except for people who signed up by phone alone.

    allauth asks every account to verify an email when verification is mandatory; a
    learner who signed up with a mobile number has no email to verify, and their phone
    was verified by SMS code in the stage before this one.
    """

    def handle(self):
        user = self.login.user
        if (
            user is not None
            and not self.login.email
            and not user.email
            and not EmailAddress.objects.filter(user=user).exists()
        ):
            return None, True
        return super().handle()
