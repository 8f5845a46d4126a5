"""factory-boy factories for the support models. Rows made here skip the services (and so
their notifications and rules): use them for data a test only reads."""

import factory

from accounts.tests.factories import UserFactory
from support.models import Conversation, FaqCategory, FaqEntry, Ticket


class FaqCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqCategory

    name = factory.Sequence(lambda n: f"分类{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class FaqEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqEntry

    category = factory.SubFactory(FaqCategoryFactory)
    slug = factory.Sequence(lambda n: f"entry-{n}")
    question = factory.Sequence(lambda n: f"问题{n}怎么办？")
    answer = "这样做：\n\n1. 第一步\n2. 第二步"


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    learner = factory.SubFactory(UserFactory)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    ticket_no = factory.Sequence(lambda n: f"T20261123{n:06d}")
    learner = factory.SubFactory(UserFactory)
    kind = Ticket.Kind.COMPLAINT
    subject = "课程内容与描述不符"
    body = "上课内容和详情页写的不一样。"
