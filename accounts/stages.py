"""Login stages adapted to accounts that may have a phone and no email."""

from allauth.account import stages


class EmailVerificationStage(stages.EmailVerificationStage):
    """Mandatory email verification, except for people who proved a mobile number.

    allauth asks every account to verify an email when verification is mandatory. A
    learner who signed up by phone verified the number by SMS code (the stage before this
    one); an email they add later is verified from the email page, and must not lock
    them out of signing in meanwhile.
    """

    def handle(self):
        user = self.login.user
        if user is not None and user.phone and user.phone_verified:
            return None, True
        return super().handle()
