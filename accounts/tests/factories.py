"""factory-boy factories for users, roles and provider profiles, shared by every app's tests."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import AGENT_GROUP, ProviderProfile, User

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A learner who signed up by email and confirmed it; the password is ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    nickname = ""
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and self.email:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )
        if create:
            self.save()


class PhoneUserFactory(UserFactory):
    """A learner who signed up by mobile number only and verified it by SMS."""

    email = ""
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    phone_verified = True


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True


class AgentFactory(UserFactory):
    email = factory.Sequence(lambda n: f"agent{n}@example.com")

    @factory.post_generation
    def agent_group(self, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=AGENT_GROUP)
            self.groups.add(group)


class ProviderProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"讲师{n}")
    status = ProviderProfile.Status.PENDING


class ProviderFactory(UserFactory):
    """A user with an approved provider profile."""

    email = factory.Sequence(lambda n: f"provider{n}@example.com")

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        if create:
            ProviderProfileFactory(user=self, status=ProviderProfile.Status.APPROVED, **kwargs)
