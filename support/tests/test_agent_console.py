"""The console's chat pages: who gets in, the queue (groups, order, counts, its query budget),
one conversation (messages both ways with read marks, replies, canned replies, claim,
transfer, close, the learner's recent orders) and the chat admin."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import translation
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from accounts.tests.factories import AgentFactory, StaffFactory, UserFactory
from orders.selectors import recent_orders
from orders.tests.factories import order_walked_to
from support import chat, errors
from support.models import CannedReply, ChatMessage, Conversation

pytestmark = pytest.mark.django_db

BEIJING = chat.BEIJING
QUEUE = "/support/agent/"
HTMX = {"HX-Request": "true"}
Side = ChatMessage.Side


@pytest.fixture(autouse=True)
def in_service_hours():
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=BEIJING), tick=True):
        yield


@pytest.fixture
def learner():
    return UserFactory(nickname="小林")


@pytest.fixture
def agent():
    return AgentFactory(nickname="小美")


@pytest.fixture
def other_agent():
    return AgentFactory(nickname="小王")


def conversation_of(learner, text="你好") -> Conversation:
    chat.send_as_learner(learner, text=text)
    return Conversation.objects.get(learner=learner, status__in=["waiting", "open"])


def chat_url(conversation: Conversation, rest: str = "") -> str:
    return f"/support/agent/chats/{conversation.pk}/{rest}"


def site_text(message: str, **values) -> str:
    with translation.override("zh-hans"):
        return _(message) % values if values else _(message)


# ---- who gets in ---------------------------------------------------------------------------


def test_learners_get_403_and_visitors_the_login_page(client, learner):
    conversation = conversation_of(learner)
    pages = [QUEUE, "/support/agent/queue/", chat_url(conversation)]
    poll = chat_url(conversation, "messages/") + "?after=0"
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")
    # A poll whose session ended sends the page to the login page (no login page swapped in).
    response = client.get(
        poll, headers={**HTMX, "HX-Current-URL": f"http://testserver{chat_url(conversation)}"}
    )
    assert response.status_code == 286
    assert response["HX-Redirect"] == f"/accounts/login/?next={chat_url(conversation)}"
    client.force_login(learner)
    for url in [*pages, poll]:
        assert client.get(url).status_code == 403, url
    for action in ("claim/", "close/", "transfer/"):
        assert client.post(chat_url(conversation, action)).status_code == 403
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING


def test_staff_are_agents_too(client, learner):
    conversation_of(learner)
    client.force_login(StaffFactory())

    assert client.get(QUEUE).status_code == 200


def test_an_unknown_conversation_is_not_found(client, agent):
    client.force_login(agent)

    assert client.get("/support/agent/chats/999/").status_code == 404
    assert client.get("/support/agent/chats/999/messages/?after=0").status_code == 404


# ---- the queue -----------------------------------------------------------------------------


def test_the_queue_groups_waiting_mine_and_others(client, agent, other_agent):
    first = conversation_of(UserFactory(nickname="先来的"), "第一行\n第二行")
    with time_machine.travel(timedelta(minutes=3)):
        later = conversation_of(UserFactory(nickname="后来的"), "后来的问题")
    mine = conversation_of(UserFactory(nickname="我的学员"), "我的问题")
    chat.claim(mine, agent)
    chat.send_as_learner(mine.learner, text="还有一个问题")
    theirs = conversation_of(UserFactory(nickname="别人的学员"))
    chat.claim(theirs, other_agent)
    ended = conversation_of(UserFactory(nickname="已结束"))
    chat.close(ended, by=agent)

    queue = chat.agent_queue(agent)

    assert queue.waiting == [first, later]  # oldest first
    assert queue.mine == [mine]
    assert queue.others == [theirs]
    assert queue.waiting[0].preview == "第一行"
    assert queue.mine[0].unread == 2  # nothing read yet
    client.force_login(agent)
    with time_machine.travel(timedelta(minutes=5)):
        body = client.get(QUEUE).content.decode()
    assert body.index("先来的") < body.index("后来的")
    assert "第二行" not in body
    assert "已结束" not in body
    assert 'class="queue__count queue__count--hot">2<' in body
    assert 'class="queue-item__unread"' in body
    assert "小王" in body
    assert 'hx-get="/support/agent/queue/" hx-trigger="every 5s"' in body


def test_the_waiting_time_is_shown(client, agent, learner):
    start = datetime(2026, 11, 24, 10, 30, tzinfo=BEIJING)
    with time_machine.travel(start, tick=False):
        conversation_of(learner)
    client.force_login(agent)

    with time_machine.travel(start + timedelta(minutes=3, seconds=5), tick=False):
        body = client.get("/support/agent/queue/").content.decode()
        with translation.override("zh-hans"):
            waited = _("waiting %(time)s") % {"time": timesince(start)}

    assert "<html" not in body
    assert waited in body
    assert "3" in waited


def test_a_wait_under_a_minute_reads_as_just_started(client, agent, learner):
    start = datetime(2026, 11, 24, 10, 30, tzinfo=BEIJING)
    with time_machine.travel(start, tick=False):
        conversation_of(learner)
    client.force_login(agent)

    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        body = client.get("/support/agent/queue/").content.decode()

    assert "刚开始等待" in body
    assert "0 分钟" not in body


def test_an_image_without_text_shows_in_the_queue_as_an_image(agent, learner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.tests.images import image_bytes

    picture = SimpleUploadedFile("a.png", image_bytes(size=(20, 20)), content_type="image/png")
    chat.send_as_learner(learner, image=picture)

    assert chat.agent_queue(agent).waiting[0].preview == _("[Image]")


@pytest.mark.parametrize("count", [2, 20])
def test_the_queue_has_a_fixed_query_budget(
    client, agent, other_agent, count, django_assert_max_num_queries
):
    for n in range(count):
        conversation = conversation_of(UserFactory(nickname=f"学员{n}"), f"问题{n}")
        if n % 3 == 1:
            chat.claim(conversation, agent)
        elif n % 3 == 2:
            chat.claim(conversation, other_agent)
    client.force_login(agent)

    # session, user, the 客服 group check, the conversations, and the layout's inbox count,
    # categories and roles, the viewer's membership (the header badge, cached after the first
    # page); the request's savepoint and its release
    with django_assert_max_num_queries(10):
        page = client.get(QUEUE)
    with django_assert_max_num_queries(7):
        client.get("/support/agent/queue/")
    assert page.status_code == 200


# ---- one conversation ------------------------------------------------------------------------


def test_the_learners_message_reaches_the_agents_poll_and_is_marked_read(client, agent, learner):
    conversation = conversation_of(learner, "订单一直没开课")
    chat.claim(conversation, agent)
    chat.send_as_learner(learner, text="请尽快处理")
    client.force_login(agent)

    response = client.get(chat_url(conversation, "messages/"), {"after": 0})

    assert response.status_code == 200
    body = response.content.decode()
    assert "订单一直没开课" in body
    assert "请尽快处理" in body
    assert "小林" in body
    conversation.refresh_from_db()
    assert conversation.agent_read_id == conversation.messages.latest("pk").pk
    assert chat.agent_queue(agent).mine[0].unread == 0


def test_a_colleague_reading_along_leaves_the_unread_count_alone(
    client, agent, other_agent, learner
):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    chat.send_as_learner(learner, text="在吗")
    client.force_login(other_agent)

    client.get(chat_url(conversation))
    client.get(chat_url(conversation, "messages/"), {"after": 0})

    conversation.refresh_from_db()
    assert conversation.agent_read_id == 0
    assert chat.agent_queue(agent).mine[0].unread == 2


def test_unread_counts_follow_the_agents_read_mark(agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    seen = conversation.messages.latest("pk").pk
    chat.mark_read(conversation, side=Side.AGENT, upto_id=seen)
    chat.send_as_learner(learner, text="一")
    chat.send_as_learner(learner, text="二")

    assert chat.agent_queue(agent).mine[0].unread == 2

    chat.mark_read(conversation, side=Side.AGENT, upto_id=seen)  # an older poll: no step back
    conversation.refresh_from_db()
    assert chat.agent_queue(agent).mine[0].unread == 2


@pytest.mark.parametrize("history", [3, 60])
def test_the_agents_poll_has_a_fixed_query_budget(
    client, agent, learner, history, django_assert_max_num_queries
):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    ChatMessage.objects.bulk_create(
        ChatMessage(conversation=conversation, side=Side.LEARNER, sender=learner, body=f"旧{n}")
        for n in range(history)
    )
    seen = conversation.messages.latest("pk").pk
    chat.send_as_learner(learner, text="新的问题")
    client.force_login(agent)

    # session, user, the 客服 group check, the new messages, the read mark
    with django_assert_max_num_queries(5):
        response = client.get(chat_url(conversation, "messages/"), {"after": seen})
    assert "新的问题" in response.content.decode()


def test_the_page_shows_the_conversation_canned_replies_and_recent_orders(client, agent, learner):
    order = order_walked_to("paid", buyer=learner)
    conversation = conversation_of(learner, "我的订单什么时候开始")
    CannedReply.objects.create(title="问候", body="您好，很高兴为您服务。")
    CannedReply.objects.create(title="停用的", body="不显示", is_active=False)
    client.force_login(agent)

    body = client.get(chat_url(conversation)).content.decode()

    assert "我的订单什么时候开始" in body
    assert 'data-canned="您好，很高兴为您服务。"' in body
    assert "不显示" not in body
    assert order.order_no in body
    assert "/admin/orders/order/" not in body  # agents are not staff
    assert f'action="{chat_url(conversation, "claim/")}"' in body
    assert 'id="chat-sentinel"' in body
    assert 'class="help-button"' not in body


@pytest.mark.parametrize("count", [2, 30])
def test_the_conversation_page_has_a_fixed_query_budget(
    client, agent, learner, count, django_assert_max_num_queries
):
    for _n in range(min(count, 6)):
        order_walked_to("paid", buyer=learner)
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    ChatMessage.objects.bulk_create(
        ChatMessage(conversation=conversation, side=Side.LEARNER, sender=learner, body=f"旧{n}")
        for n in range(count)
    )
    for n in range(count):
        CannedReply.objects.create(title=f"快捷{n}", body=f"回复{n}")
    client.force_login(agent)

    # the messages, the learner's orders and their lines, the agents to transfer to and the
    # canned replies (buttons and select) are one query each, however many there are; the
    # header's member badge one more on a cold cache
    with django_assert_max_num_queries(18):
        response = client.get(chat_url(conversation))
    assert response.status_code == 200


def test_staff_get_a_link_to_the_order_in_the_operations_console(client, learner):
    order = order_walked_to("paid", buyer=learner)
    conversation = conversation_of(learner)
    client.force_login(StaffFactory())

    body = client.get(chat_url(conversation)).content.decode()

    assert f'href="/admin/orders/order/{order.pk}/change/"' in body


def test_recent_orders_are_the_latest_five(learner):
    orders = [order_walked_to("paid", buyer=learner) for _ in range(6)]

    recent = recent_orders(learner)

    assert [order.pk for order in recent] == [order.pk for order in reversed(orders)][:5]


def test_replying_to_a_waiting_conversation_claims_it(client, agent, learner):
    conversation = conversation_of(learner)
    client.force_login(agent)

    response = client.post(chat_url(conversation), {"text": "您好，我是小美"})

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.status, conversation.agent) == ("open", agent)
    assert conversation.waiting_since is None
    assert list(conversation.messages.values_list("side", "body"))[-2:] == [
        (Side.NOTICE, site_text("Agent %(name)s is here to help you.", name="小美")),
        (Side.AGENT, "您好，我是小美"),
    ]


def test_the_agents_reply_reaches_the_learner_and_the_learners_answer_waits_again(
    client, agent, learner
):
    conversation = conversation_of(learner)
    seen = conversation.messages.latest("pk").pk
    chat.post_message(conversation, agent, text="请提供订单号")
    client.force_login(learner)

    body = client.get(
        "/support/chat/messages/", {"conversation": conversation.pk, "after": seen}
    ).content.decode()

    assert "请提供订单号" in body
    assert site_text("Agent %(name)s is here to help you.", name="小美") in body
    chat.send_as_learner(learner, text="KS123")
    conversation.refresh_from_db()
    assert conversation.waiting_since is not None


def test_an_htmx_reply_that_claims_reloads_the_page_for_its_buttons(client, agent, learner):
    conversation = conversation_of(learner)
    client.force_login(agent)

    response = client.post(chat_url(conversation), {"text": "您好", "after": 0}, headers=HTMX)

    assert response["HX-Refresh"] == "true"
    conversation.refresh_from_db()
    assert conversation.agent == agent


def test_an_htmx_reply_returns_the_fragment(client, agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    seen = conversation.messages.latest("pk").pk
    client.force_login(agent)

    response = client.post(
        chat_url(conversation), {"text": "马上为您查询", "after": seen}, headers=HTMX
    )

    assert response["HX-Trigger"] == "chatSent"
    body = response.content.decode()
    assert "马上为您查询" in body
    assert "<html" not in body


def test_a_canned_reply_is_sent_when_the_box_is_empty(client, agent, learner):
    conversation = conversation_of(learner)
    canned = CannedReply.objects.create(title="稍等", body="请稍等，我帮您查一下。")
    client.force_login(agent)

    client.post(chat_url(conversation), {"text": "", "canned": canned.pk})
    client.post(chat_url(conversation), {"text": "自己写的", "canned": canned.pk})

    bodies = list(conversation.messages.filter(side=Side.AGENT).values_list("body", flat=True))
    assert bodies == ["请稍等，我帮您查一下。", "自己写的"]


def test_an_empty_reply_is_refused_on_the_form(client, agent, learner):
    conversation = conversation_of(learner)
    client.force_login(agent)

    response = client.post(chat_url(conversation), {"text": " "})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not conversation.messages.filter(side=Side.AGENT).exists()


def test_only_the_assigned_agent_or_staff_may_reply(client, agent, other_agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    client.force_login(other_agent)

    response = client.post(chat_url(conversation), {"text": "我来插一句"})

    assert response.status_code == 200
    assert "插一句" not in "".join(conversation.messages.values_list("body", flat=True))
    assert response.context["form"].non_field_errors()
    page = client.get(chat_url(conversation)).content.decode()
    assert 'id="chat-form"' not in page  # they read it; the box is for 小美
    chat.post_message(conversation, StaffFactory(), text="运营人员补充说明")
    assert conversation.messages.filter(body="运营人员补充说明", side=Side.AGENT).exists()


def test_claiming_twice_and_claiming_anothers(agent, other_agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    chat.claim(conversation, agent)  # a double click

    assert conversation.messages.filter(side=Side.NOTICE).count() == 1
    with pytest.raises(errors.NotAllowed, match="小美"):
        chat.claim(conversation, other_agent)
    with pytest.raises(errors.NotAllowed):
        chat.claim(conversation, learner)


def test_claim_through_the_console(client, agent, learner):
    conversation = conversation_of(learner)
    client.force_login(agent)

    response = client.post(chat_url(conversation, "claim/"), follow=True)

    conversation.refresh_from_db()
    assert conversation.agent == agent
    assert _("You are now answering this conversation.") in response.content.decode()


def test_transfer_to_another_agent(client, agent, other_agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    client.force_login(agent)

    client.post(chat_url(conversation, "transfer/"), {"to": other_agent.pk})

    conversation.refresh_from_db()
    assert conversation.agent == other_agent
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.messages.latest("pk").body == site_text(
        "Your conversation was transferred to agent %(name)s.", name="小王"
    )


def test_transfer_rules(agent, other_agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)

    with pytest.raises(errors.NotAllowed):  # not theirs to hand on
        chat.transfer(conversation, by=other_agent, to=AgentFactory())
    with pytest.raises(errors.NotAllowed):  # not an agent
        chat.transfer(conversation, by=agent, to=UserFactory())
    with pytest.raises(errors.NotAllowed):  # already theirs
        chat.transfer(conversation, by=agent, to=agent)
    inactive = AgentFactory(is_active=False)
    with pytest.raises(errors.NotAllowed):
        chat.transfer(conversation, by=agent, to=inactive)
    chat.transfer(conversation, by=StaffFactory(), to=other_agent)  # staff may
    conversation.refresh_from_db()
    assert conversation.agent == other_agent


def test_a_transfer_to_someone_who_is_not_an_agent_is_refused_on_the_page(client, agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    client.force_login(agent)

    response = client.post(
        chat_url(conversation, "transfer/"), {"to": UserFactory().pk}, follow=True
    )

    assert _("Choose an agent to transfer the conversation to.") in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.agent == agent


def test_close_through_the_console_notifies_the_learner(client, agent, learner):
    from notifications.models import Message

    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    client.force_login(agent)

    client.post(chat_url(conversation, "close/"))

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.closed_by == agent
    assert Message.objects.filter(user=learner, event="chat_closed").count() == 1
    page = client.get(chat_url(conversation)).content.decode()
    assert 'id="chat-sentinel"' not in page
    assert 'id="chat-form"' not in page


def test_another_agent_cannot_close_a_conversation_that_is_not_theirs(agent, other_agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)

    with pytest.raises(errors.NotAllowed):
        chat.close(conversation, by=other_agent)


def test_the_agents_poll_sees_the_learner_end_the_conversation(client, agent, learner):
    conversation = conversation_of(learner)
    chat.claim(conversation, agent)
    seen = conversation.messages.latest("pk").pk
    chat.close(conversation, by=learner)
    client.force_login(agent)

    response = client.get(chat_url(conversation, "messages/"), {"after": seen})

    assert response.status_code == 286
    body = response.content.decode()
    assert site_text("The learner ended the conversation.") in body
    assert 'id="chat-actions" class="chat-actions" hx-swap-oob="true"' in body


def test_the_moves_table_is_what_the_services_apply(agent, other_agent, learner):
    conversation = conversation_of(learner)
    assert chat.allowed_actions(conversation, agent) == {"claim", "transfer", "close", "reply"}
    assert chat.allowed_actions(conversation, learner) == {"close"}
    chat.claim(conversation, agent)
    conversation.refresh_from_db()
    assert chat.allowed_actions(conversation, agent) == {"transfer", "close", "reply"}
    assert chat.allowed_actions(conversation, other_agent) == frozenset()
    chat.close(conversation, by=agent)
    conversation.refresh_from_db()
    assert chat.allowed_actions(conversation, agent) == frozenset()


# ---- admin -------------------------------------------------------------------------------------


def test_staff_read_conversations_in_admin_with_images_through_the_serving_view(client, learner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.tests.images import image_bytes

    picture = SimpleUploadedFile("a.png", image_bytes(size=(20, 20)), content_type="image/png")
    chat.send_as_learner(learner, text="附图", image=picture)
    conversation = Conversation.objects.get()
    image = conversation.messages.exclude(image="").get()
    client.force_login(StaffFactory(is_superuser=True))

    listing = client.get("/admin/support/conversation/?q=小林")
    page = client.get(f"/admin/support/conversation/{conversation.pk}/change/")

    assert listing.status_code == 200
    assert f"/admin/support/conversation/{conversation.pk}/change/" in listing.content.decode()
    assert page.status_code == 200
    assert f'src="/support/chat/images/{image.pk}/"' in page.content.decode()
    assert "附图" in page.content.decode()


def test_staff_keep_canned_replies_in_admin(client):
    CannedReply.objects.create(title="问候", body="您好")
    client.force_login(StaffFactory(is_superuser=True))

    response = client.get("/admin/support/cannedreply/")

    assert response.status_code == 200
    assert 'name="form-0-position"' in response.content.decode()
