"""Live chat for learners: opening and sending, the smart assistant's suggestions, service
hours, ending and rating, images, the 2-second poll (with its query budget), the rate
limit, isolation between learners, and the floating button."""

from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.tests.factories import AgentFactory, UserFactory
from accounts.tests.images import image_bytes
from notifications.models import Message
from support import chat, errors
from support.models import ChatMessage, Conversation

from .factories import FaqCategoryFactory, FaqEntryFactory

pytestmark = pytest.mark.django_db

BEIJING = chat.BEIJING
CHAT = "/support/chat/"
POLL = "/support/chat/messages/"
HTMX = {"HX-Request": "true"}
Side = ChatMessage.Side


@pytest.fixture(autouse=True)
def in_service_hours():
    """A weekday morning in Beijing, inside the default 09:00–21:00."""
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=BEIJING), tick=True):
        yield


@pytest.fixture
def learner():
    return UserFactory(nickname="小林")


@pytest.fixture
def agent():
    return AgentFactory(nickname="小美")


@pytest.fixture
def faq_entries():
    """A small help centre, enough for the assistant to tell topics apart."""
    orders = FaqCategoryFactory(name="订单")
    account = FaqCategoryFactory(name="账号")
    rows = [
        (orders, "refund", "怎么申请退款？", "退款怎么操作\n如何退钱", "在订单页点击申请退款。"),
        (orders, "invoice", "如何开具发票？", "怎么开票\n发票在哪里申请", "在订单完成后申请发票。"),
        (orders, "transfer", "对公转账多久到账？", "公司转账什么时候确认", "一般 1–3 个工作日。"),
        (orders, "coupon", "优惠券怎么使用？", "优惠码在哪里输入", "结算时选择优惠券。"),
        (
            account,
            "password",
            "忘记密码怎么办？",
            "密码找回\n重置密码",
            "用验证码登录后设置新密码。",
        ),
        (account, "phone", "如何更换绑定的手机号？", "换手机号", "在账号设置里更换。"),
        (account, "provider", "如何成为服务商？", "入驻平台\n开店", "提交资质，等待审核。"),
        (account, "member", "会员有哪些权益？", "会员价\n积分", "会员享受会员价和积分。"),
    ]
    return {
        slug: FaqEntryFactory(
            category=category,
            slug=slug,
            question=question,
            similar_questions=similar,
            answer=answer,
        )
        for category, slug, question, similar, answer in rows
    }


def send(client, text="", **extra):
    return client.post(CHAT, {"text": text, **extra})


def site_text(message: str, **values) -> str:
    """A notice as the chat stores it: in the site's language."""
    with translation.override("zh-hans"):
        return _(message) % values if values else _(message)


def png(name="photo.png", size=(60, 40)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(size=size), content_type="image/png")


# ---- opening and sending --------------------------------------------------------------------


def test_the_page_welcomes_a_learner_without_a_conversation(client, learner):
    client.force_login(learner)

    response = client.get(CHAT)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="chat-thread"' not in body
    assert 'name="text"' in body
    assert not Conversation.objects.exists()


def test_a_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get(CHAT)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/support/chat/"


def test_the_first_message_opens_a_waiting_conversation(client, learner):
    client.force_login(learner)

    response = send(client, "课程买错了怎么办")

    assert response.status_code == 302
    assert response["Location"] == "/support/chat/#latest"
    conversation = Conversation.objects.get()
    assert conversation.learner == learner
    assert conversation.status == Conversation.Status.WAITING
    assert conversation.waiting_since is not None
    assert list(conversation.messages.values_list("side", "body")) == [
        (Side.LEARNER, "课程买错了怎么办")
    ]
    page = client.get(CHAT).content.decode()
    assert "课程买错了怎么办" in page
    assert 'id="chat-sentinel"' in page


def test_later_messages_go_to_the_same_conversation(learner):
    chat.send_as_learner(learner, text="第一条")
    chat.send_as_learner(learner, text="第二条")

    conversation = Conversation.objects.get()
    assert conversation.messages.filter(side=Side.LEARNER).count() == 2


def test_a_race_to_open_meets_the_one_open_conversation_rule(learner, monkeypatch):
    existing = Conversation.objects.create(learner=learner)
    # The other request has not committed yet when this one looks: it sees nothing.
    monkeypatch.setattr(chat, "current_conversation", lambda learner: None)

    assert chat.open_conversation(learner) == existing
    assert Conversation.objects.count() == 1


def test_the_database_refuses_a_second_open_conversation(learner):
    Conversation.objects.create(learner=learner)

    with pytest.raises(IntegrityError):
        Conversation.objects.create(learner=learner)


@pytest.mark.parametrize("text", ["", "   ", "长" * 1001])
def test_an_empty_or_too_long_message_is_refused_on_the_form(client, learner, text):
    client.force_login(learner)

    response = send(client, text)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="chat-form__errors"' in response.content.decode()
    assert not Conversation.objects.exists()
    assert not ChatMessage.objects.exists()


def test_the_service_refuses_an_empty_message_too(learner):
    conversation = chat.open_conversation(learner)

    with pytest.raises(errors.NotAllowed):
        chat.post_message(conversation, learner, text="  ")
    with pytest.raises(errors.NotAllowed):
        chat.post_message(conversation, learner, text="长" * 1001)


def test_an_htmx_send_returns_the_new_messages_and_the_next_sentinel(client, learner):
    chat.send_as_learner(learner, text="你好")
    conversation = Conversation.objects.get()
    shown = conversation.messages.latest("pk").pk
    client.force_login(learner)

    response = client.post(
        CHAT,
        {"text": "第二个问题", "conversation": conversation.pk, "after": shown},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "chatSent"
    body = response.content.decode()
    assert "<html" not in body
    assert "第二个问题" in body
    assert "你好" not in body  # already on the page
    newest = conversation.messages.latest("pk").pk
    assert f"after={newest}" in body
    assert 'hx-swap-oob="true"' in body  # the form's errors box, emptied


def test_an_htmx_send_with_bad_input_keeps_the_sentinel_and_shows_the_error(client, learner):
    chat.send_as_learner(learner, text="你好")
    conversation = Conversation.objects.get()
    shown = conversation.messages.latest("pk").pk
    client.force_login(learner)

    response = client.post(
        CHAT, {"text": "", "conversation": conversation.pk, "after": shown}, headers=HTMX
    )

    body = response.content.decode()
    assert "HX-Trigger" not in response
    assert f"after={shown}" in body
    assert _("Write a message or choose an image.") in body
    assert conversation.messages.count() == 1


def test_an_htmx_send_after_the_shown_conversation_ended_reloads_the_page(client, learner, agent):
    chat.send_as_learner(learner, text="你好")
    conversation = Conversation.objects.get()
    chat.close(conversation, by=agent)
    client.force_login(learner)

    response = client.post(
        CHAT, {"text": "还有一个问题", "conversation": conversation.pk, "after": 0}, headers=HTMX
    )

    assert response["HX-Redirect"] == "/support/chat/"
    assert Conversation.objects.exclude(status="closed").get().learner == learner


# ---- the poll -------------------------------------------------------------------------------


def test_the_agents_reply_reaches_the_learners_poll_and_is_marked_read(client, learner, agent):
    chat.send_as_learner(learner, text="在吗")
    conversation = Conversation.objects.get()
    seen = conversation.messages.latest("pk").pk
    reply = chat.post_message(conversation, agent, text="您好，请讲")
    client.force_login(learner)

    response = client.get(POLL, {"conversation": conversation.pk, "after": seen})

    assert response.status_code == 200
    body = response.content.decode()
    assert "您好，请讲" in body
    assert "在吗" not in body
    assert "小美" in body  # the agent's name on their message
    conversation.refresh_from_db()
    assert conversation.learner_read_id == reply[-1].pk
    assert f"after={reply[-1].pk}" in body


def test_an_empty_poll_returns_the_same_sentinel(client, learner):
    chat.send_as_learner(learner, text="在吗")
    conversation = Conversation.objects.get()
    last = conversation.messages.latest("pk").pk
    client.force_login(learner)

    response = client.get(POLL, {"conversation": conversation.pk, "after": last})

    assert response.status_code == 200
    assert f"after={last}" in response.content.decode()
    assert "data-message-id" not in response.content.decode()


@pytest.mark.parametrize("query", [{}, {"conversation": "x", "after": "1"}, {"conversation": "1"}])
def test_a_poll_without_proper_ids_is_a_bad_request(client, learner, query):
    client.force_login(learner)

    assert client.get(POLL, query).status_code == 400


def test_the_poll_stops_and_offers_the_rating_when_the_conversation_ends(client, learner, agent):
    chat.send_as_learner(learner, text="谢谢")
    conversation = Conversation.objects.get()
    seen = conversation.messages.latest("pk").pk
    chat.close(conversation, by=agent)
    client.force_login(learner)

    response = client.get(POLL, {"conversation": conversation.pk, "after": seen})

    assert response.status_code == 286  # htmx stops polling
    body = response.content.decode()
    assert 'id="chat-sentinel"' not in body
    assert site_text("Customer service ended the conversation.") in body
    assert f'action="/support/chat/history/{conversation.pk}/rate/"' in body
    assert (
        'id="chat-composer" class="chat-composer chat-composer--closed" hx-swap-oob="true"' in body
    )


@pytest.mark.parametrize("history", [3, 60])
def test_the_poll_has_a_fixed_query_budget(
    client, learner, agent, django_assert_max_num_queries, history
):
    conversation = Conversation.objects.create(learner=learner, agent=agent, status="open")
    ChatMessage.objects.bulk_create(
        ChatMessage(conversation=conversation, side=Side.LEARNER, sender=learner, body=f"消息{n}")
        for n in range(history)
    )
    seen = conversation.messages.latest("pk").pk
    chat.post_message(conversation, agent, text="新的回复")
    client.force_login(learner)

    # session, user, the new messages with their conversation, the read mark
    with django_assert_max_num_queries(4):
        response = client.get(POLL, {"conversation": conversation.pk, "after": seen})
    assert "新的回复" in response.content.decode()
    # nothing new: session, user, messages, the conversation
    with django_assert_max_num_queries(4):
        client.get(POLL, {"conversation": conversation.pk, "after": seen + 1})


# ---- the smart assistant ----------------------------------------------------------------------


def test_a_waiting_learners_question_gets_faq_suggestions_in_the_send_response(
    client, learner, faq_entries
):
    chat.send_as_learner(learner, text="你好")
    conversation = Conversation.objects.get()
    shown = conversation.messages.latest("pk").pk
    client.force_login(learner)

    response = client.post(
        CHAT,
        {"text": "我想申请退款，怎么操作？", "conversation": conversation.pk, "after": shown},
        headers=HTMX,
    )

    body = response.content.decode()
    assert site_text("These questions may help you:") in body
    assert 'href="/support/faq/refund/"' in body
    card = conversation.messages.get(side=Side.ASSISTANT)
    assert "refund" in card.suggestions.values_list("slug", flat=True)
    assert card.suggestions.count() <= chat.SUGGESTIONS


def test_the_assistant_keeps_quiet_when_nothing_matches(learner, faq_entries):
    written = chat.send_as_learner(learner, text="你好，在吗？")

    assert [message.side for message in written] == [Side.LEARNER]
    assert not ChatMessage.objects.filter(side=Side.ASSISTANT).exists()


def test_the_assistant_does_not_offer_the_same_entry_twice(learner, faq_entries):
    chat.send_as_learner(learner, text="怎么申请退款")
    written = chat.send_as_learner(learner, text="申请退款怎么操作")

    assert Side.ASSISTANT not in [message.side for message in written]
    assert ChatMessage.objects.filter(side=Side.ASSISTANT).count() == 1


def test_the_assistant_steps_back_once_an_agent_has_joined(learner, agent, faq_entries):
    chat.send_as_learner(learner, text="你好")
    chat.claim(Conversation.objects.get(), agent)

    written = chat.send_as_learner(learner, text="怎么申请退款？")

    assert [message.side for message in written] == [Side.LEARNER]


def test_the_assistant_card_lists_its_entries_in_rank_order(learner, faq_entries):
    chat.send_as_learner(learner, text="忘记密码怎么办？手机号也换了")
    card = ChatMessage.objects.get(side=Side.ASSISTANT)

    listed = chat.with_suggestions([card])[0].entries

    assert listed[0].slug == "password"
    assert {entry.slug for entry in listed} <= set(faq_entries)


# ---- service hours ------------------------------------------------------------------------------


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("now", "is_open", "opens_today"),
    [
        (at(9), True, False),
        (at(12, 30), True, False),
        (at(20, 59), True, False),
        (at(8, 59), False, True),
        (at(0, 5), False, True),
        (at(21), False, False),
        (at(23, 30), False, False),
    ],
)
def test_service_hours_at_a_given_moment(now, is_open, opens_today):
    hours = chat.service_hours(now, hours="09:00-21:00")

    assert hours.is_open is is_open
    assert hours.opens_today is opens_today
    if is_open:
        assert hours.next_opening is None
    else:
        day = 24 if opens_today else 25
        assert hours.next_opening == datetime(2026, 11, day, 9, 0, tzinfo=BEIJING)


def test_service_hours_are_read_in_beijing_time():
    utc_evening = datetime.fromisoformat("2026-11-24T02:00:00+00:00")  # 10:00 in Beijing

    assert chat.service_hours(utc_evening, hours="09:00-21:00").is_open


def test_the_hours_text_says_when_an_agent_answers():
    times = {"opens": "09:00", "closes": "21:00"}

    assert chat.hours_text(chat.service_hours(at(10))) == (
        _("Customer service is online every day from %(opens)s to %(closes)s.") % times
    )
    assert (
        chat.hours_text(chat.service_hours(at(7)))
        == _(
            "Customer service is online every day from %(opens)s to %(closes)s. An agent will "
            "answer you today from %(opens)s."
        )
        % times
    )
    assert (
        chat.hours_text(chat.service_hours(at(22)))
        == _(
            "Customer service is online every day from %(opens)s to %(closes)s. An agent will "
            "answer you tomorrow from %(opens)s."
        )
        % times
    )
    assert "明天 09:00" in chat.hours_text(chat.service_hours(at(22)))


def test_a_first_message_after_hours_gets_a_notice_and_the_page_says_so(client, learner):
    client.force_login(learner)
    with time_machine.travel(at(22, 15), tick=False):
        send(client, "有人在吗")
        send(client, "还在吗")
        page = client.get(CHAT).content.decode()

    notices = ChatMessage.objects.filter(side=Side.NOTICE)
    assert notices.count() == 1
    with translation.override("zh-hans"):
        expected = chat.hours_text(chat.service_hours(at(22, 15)))
    assert notices.get().body == expected
    assert "chat__hours--closed" in page
    assert chat.hours_text(chat.service_hours(at(22, 15))) in page


def test_within_hours_there_is_no_notice(client, learner):
    client.force_login(learner)

    send(client, "有人在吗")

    assert not ChatMessage.objects.filter(side=Side.NOTICE).exists()
    assert "chat__hours--closed" not in client.get(CHAT).content.decode()


# ---- ending and rating ------------------------------------------------------------------------


def test_the_learner_ends_the_conversation_and_is_asked_to_rate_it(client, learner):
    chat.send_as_learner(learner, text="好的，没问题了")
    conversation = Conversation.objects.get()
    client.force_login(learner)

    response = client.post("/support/chat/close/", {"conversation": conversation.pk})

    assert response["Location"] == f"/support/chat/history/{conversation.pk}/"
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.closed_by == learner
    assert conversation.messages.latest("pk").body == site_text(
        "The learner ended the conversation."
    )
    assert not Message.objects.filter(event="chat_closed").exists()  # they know
    page = client.get(response["Location"]).content.decode()
    assert f'action="/support/chat/history/{conversation.pk}/rate/"' in page


def test_an_agent_ending_the_conversation_notifies_the_learner(learner, agent):
    chat.send_as_learner(learner, text="谢谢")
    conversation = Conversation.objects.get()

    chat.close(conversation, by=agent)

    message = Message.objects.get(user=learner, event="chat_closed")
    assert message.url == f"/support/chat/history/{conversation.pk}/"


def test_nothing_can_be_sent_to_an_ended_conversation(learner, agent):
    chat.send_as_learner(learner, text="谢谢")
    conversation = Conversation.objects.get()
    chat.close(conversation, by=learner)

    with pytest.raises(errors.ConversationClosed):
        chat.post_message(conversation, agent, text="还有什么问题吗")
    with pytest.raises(errors.ConversationClosed):
        chat.close(conversation, by=agent)


def test_rating_once_with_stars_and_a_comment(client, learner):
    chat.send_as_learner(learner, text="好的")
    conversation = chat.close(Conversation.objects.get(), by=learner)
    client.force_login(learner)
    url = f"/support/chat/history/{conversation.pk}/rate/"

    response = client.post(url, {"score": "4", "comment": "回复很快"})

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.rating, conversation.rating_comment) == (4, "回复很快")
    page = client.get(response["Location"]).content.decode()
    assert _("Thank you for your rating.") in page

    again = client.post(url, {"score": "1"}, follow=True)
    assert _("You have already rated this conversation.") in again.content.decode()
    conversation.refresh_from_db()
    assert conversation.rating == 4


def test_an_htmx_rating_swaps_in_the_thanks(client, learner):
    chat.send_as_learner(learner, text="好的")
    conversation = chat.close(Conversation.objects.get(), by=learner)
    client.force_login(learner)

    response = client.post(
        f"/support/chat/history/{conversation.pk}/rate/", {"score": "5"}, headers=HTMX
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="chat-rating"')
    assert _("Thank you for your rating.") in body


@pytest.mark.parametrize("score", ["0", "6", "", "五"])
def test_a_rating_outside_one_to_five_is_refused(client, learner, score):
    chat.send_as_learner(learner, text="好的")
    conversation = chat.close(Conversation.objects.get(), by=learner)
    client.force_login(learner)

    response = client.post(f"/support/chat/history/{conversation.pk}/rate/", {"score": score})

    assert response.status_code == 200
    assert response.context["rating_form"].errors
    conversation.refresh_from_db()
    assert conversation.rating is None


def test_the_rating_service_checks_its_rules(learner, agent):
    chat.send_as_learner(learner, text="好的")
    conversation = Conversation.objects.get()

    with pytest.raises(errors.NotAllowed):  # still open
        chat.rate(conversation, learner=learner, score=5)
    chat.close(conversation, by=agent)
    with pytest.raises(errors.NotAllowed):
        chat.rate(conversation, learner=learner, score=6)
    with pytest.raises(errors.NotAllowed):  # someone else
        chat.rate(conversation, learner=UserFactory(), score=5)
    chat.rate(conversation, learner=learner, score=5)
    with pytest.raises(errors.NotAllowed):  # once
        chat.rate(conversation, learner=learner, score=3)


def test_ended_conversations_are_listed_and_a_new_one_can_start(client, learner):
    chat.send_as_learner(learner, text="第一次咨询")
    first = chat.close(Conversation.objects.get(), by=learner)
    client.force_login(learner)

    page = client.get(CHAT).content.decode()
    assert f'href="/support/chat/history/{first.pk}/"' in page
    assert "第一次咨询" in page

    send(client, "第二次咨询")
    second = Conversation.objects.exclude(pk=first.pk).get()
    assert second.status == Conversation.Status.WAITING


@pytest.mark.parametrize("count", [2, 25])
def test_the_chat_page_has_a_fixed_query_budget(
    client, learner, agent, django_assert_max_num_queries, count
):
    for n in range(count):
        past = Conversation.objects.create(learner=learner, agent=agent, status="closed")
        ChatMessage.objects.create(conversation=past, side=Side.LEARNER, body=f"旧问题{n}")
    current = Conversation.objects.create(learner=learner, agent=agent, status="open")
    ChatMessage.objects.bulk_create(
        ChatMessage(conversation=current, side=Side.LEARNER, body=f"消息{n}") for n in range(count)
    )
    client.force_login(learner)

    # session, user, the conversation, its messages, the read mark, the history's count and
    # page, the layout's inbox count, categories, roles and member badge; the request's
    # savepoint, released
    with django_assert_max_num_queries(13):
        response = client.get(CHAT)
    assert response.status_code == 200


# ---- images -------------------------------------------------------------------------------------


def test_an_image_is_re_encoded_and_served_to_the_learner_and_agents(client, learner, agent):
    client.force_login(learner)

    send(client, image=png())

    message = ChatMessage.objects.get(side=Side.LEARNER)
    assert message.image.name.startswith("support/chat/")
    assert message.image.name.endswith(".jpg")
    assert (message.image_width, message.image_height) == (60, 40)
    url = f"/support/chat/images/{message.pk}/"
    assert f'src="{url}"' in client.get(CHAT).content.decode()
    for viewer in (learner, agent):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_text_and_an_image_together_are_two_messages(learner):
    written = chat.send_as_learner(learner, text="截图如下", image=png())

    assert [(m.side, bool(m.image), m.body) for m in written] == [
        (Side.LEARNER, True, ""),
        (Side.LEARNER, False, "截图如下"),
    ]


def test_a_file_that_is_not_an_image_is_refused(client, learner):
    client.force_login(learner)
    fake = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", content_type="image/png")

    response = send(client, image=fake)

    assert response.status_code == 200
    assert response.context["form"].errors["image"]
    assert not Conversation.objects.exists()
    assert not ChatMessage.objects.exists()


def test_an_image_over_five_megabytes_is_refused(client, learner):
    client.force_login(learner)
    big = SimpleUploadedFile(
        "big.png", b"\x89PNG" + b"0" * chat.IMAGE_MAX_BYTES, content_type="image/png"
    )

    response = send(client, image=big)

    assert response.context["form"].errors["image"]
    assert not ChatMessage.objects.exists()


# ---- rate limit ---------------------------------------------------------------------------------


def test_the_twenty_first_message_in_a_minute_is_refused_and_not_saved(client, learner, settings):
    settings.SUPPORT_CHAT_RATE = (20, 60)
    client.force_login(learner)
    for n in range(20):
        assert send(client, f"消息{n}").status_code == 302

    response = send(client, "第二十一条")

    assert response.status_code == 200
    assert str(errors.RateLimited.message) in response.content.decode()
    assert ChatMessage.objects.filter(side=Side.LEARNER).count() == 20
    assert not ChatMessage.objects.filter(body="第二十一条").exists()


# ---- isolation -----------------------------------------------------------------------------------


def test_another_learners_conversation_history_and_image_are_not_found(client, learner, agent):
    chat.send_as_learner(learner, text="我的隐私问题", image=png())
    conversation = Conversation.objects.get()
    image = conversation.messages.exclude(image="").get()
    chat.close(conversation, by=learner)
    client.force_login(UserFactory())

    assert client.get(f"/support/chat/history/{conversation.pk}/").status_code == 404
    assert client.get(f"/support/chat/images/{image.pk}/").status_code == 404
    assert client.get(POLL, {"conversation": conversation.pk, "after": 0}).status_code == 404
    assert (
        client.post(f"/support/chat/history/{conversation.pk}/rate/", {"score": "1"}).status_code
        == 404
    )
    page = client.get(CHAT).content.decode()
    assert "我的隐私问题" not in page
    conversation.refresh_from_db()
    assert conversation.rating is None


def test_a_learner_cannot_end_someone_elses_conversation(client, learner):
    chat.send_as_learner(learner, text="你好")
    conversation = Conversation.objects.get()
    client.force_login(UserFactory())

    response = client.post("/support/chat/close/", {"conversation": conversation.pk})

    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING


def test_a_visitors_poll_sends_the_page_to_sign_in(client, learner):
    chat.send_as_learner(learner, text="你好")
    conversation = Conversation.objects.get()

    response = client.get(POLL, {"conversation": conversation.pk, "after": 0}, headers=HTMX)

    assert response.status_code == 286
    assert response["HX-Redirect"] == "/accounts/login/?next=/support/chat/"
    assert "你好" not in response.content.decode()


def test_a_visitor_gets_no_image(client, learner):
    chat.send_as_learner(learner, image=png())
    message = ChatMessage.objects.get()

    response = client.get(f"/support/chat/images/{message.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# ---- the floating button -------------------------------------------------------------------


def test_the_floating_button_shows_on_the_home_page_but_not_in_the_chat(client, learner):
    home = client.get("/").content.decode()
    assert 'class="help-button" href="/support/chat/"' in home

    client.force_login(learner)
    assert 'class="help-button"' not in client.get(CHAT).content.decode()
    chat.send_as_learner(learner, text="你好")
    closed = chat.close(Conversation.objects.get(), by=learner)
    history = client.get(f"/support/chat/history/{closed.pk}/").content.decode()
    assert 'class="help-button"' not in history
