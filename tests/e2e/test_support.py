"""Customer service in Chromium, two people in two browsers: a learner asks in the live chat
(phone), gets the smart assistant's FAQ suggestion at once, and an agent in the console
(desktop) answers, seen by the learner within seconds without a reload; then a complaint
ticket travels from submitted to closed, with each side told of the other's moves. Every
page is audited and photographed into test-artifacts/."""

import time

import pytest

from accounts.tests.factories import AgentFactory, UserFactory
from accounts.tests.images import image_bytes
from notifications.models import Message
from orders.tests.factories import order_walked_to
from support.demo import load_support_demo
from support.models import Conversation, FaqEntry, Ticket
from tests.e2e.test_checkout import audit, sign_in

pytestmark = pytest.mark.usefixtures("media_root")

# The chat promises an answer on screen within 3 seconds of it being sent.
DELIVERY_SECONDS = 3


def follow(page, selector: str) -> None:
    """Click a link or a plain form's button and wait for the page it leads to: the
    database is read right after, so the request must be done."""
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def people(db):
    load_support_demo()
    return {
        "learner": UserFactory(nickname="小林"),
        "agent": AgentFactory(nickname="小美"),
    }


def test_a_learner_asks_in_the_chat_and_an_agent_answers_from_the_console(
    live_server, new_page, artifacts, people
):
    learner, agent = people["learner"], people["agent"]
    expected = FaqEntry.objects.get(slug="refund-arrival-time")
    mine = new_page("phone")
    desk = new_page("desktop")
    sign_in(mine, live_server, learner)
    sign_in(desk, live_server, agent)

    # The learner asks; the assistant's suggestion is on the page the send returns.
    mine.goto(live_server.url + "/")
    follow(mine, ".help-button")
    assert mine.url == live_server.url + "/support/chat/"
    audit(mine, artifacts, "support-chat-welcome-phone")
    mine.fill("#chat-text", "退款已经同意了，钱多久能回到我的支付宝？")
    mine.click(".chat-form__send")
    suggestion = mine.locator(".chat-msg--assistant .chat-msg__faq a", has_text=expected.question)
    suggestion.wait_for(timeout=2_000)
    audit(mine, artifacts, "support-chat-suggestion-phone")

    # The agent finds it waiting in the queue and answers.
    desk.goto(live_server.url + "/support/agent/")
    desk.locator(".queue-item", has_text="小林").click()
    desk.locator(".chat-msg--learner", has_text="多久能回到").wait_for()
    audit(desk, artifacts, "support-console-chat-desktop")
    desk.fill("#chat-text", "您好，退款审核通过后一般 1-3 个工作日原路退回，请留意支付宝账单。")
    sent = time.monotonic()
    desk.click(".chat-form__send")
    mine.locator(".chat-msg--agent", has_text="原路退回").wait_for(timeout=DELIVERY_SECONDS * 1000)
    assert time.monotonic() - sent < DELIVERY_SECONDS
    assert mine.locator(".chat-msg--agent .chat-msg__who", has_text="小美").count() == 1

    # And the other way round, again without a reload.
    mine.fill("#chat-text", "好的，谢谢！")
    sent = time.monotonic()
    mine.click(".chat-form__send")
    desk.locator(".chat-msg--learner", has_text="好的，谢谢").wait_for(
        timeout=DELIVERY_SECONDS * 1000
    )
    assert time.monotonic() - sent < DELIVERY_SECONDS
    assert mine.locator(".chat-msg--learner", has_text="好的，谢谢").count() == 1
    audit(mine, artifacts, "support-chat-answered-phone")

    # The agent ends it; the learner's page offers the rating by itself, and it is kept.
    desk.locator("form[action$='/close/'] button").click()
    mine.locator("#chat-rating form").wait_for(timeout=DELIVERY_SECONDS * 1000)
    mine.click("label[for$='-5']")
    mine.fill("#chat-rating textarea", "回复很快，谢谢")
    mine.click("#chat-rating button[type=submit]")
    mine.locator(".chat-rating__thanks").wait_for()
    audit(mine, artifacts, "support-chat-rated-phone")
    conversation = Conversation.objects.get(learner=learner)
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.agent == agent
    assert conversation.rating == 5
    assert Message.objects.filter(user=learner, event="chat_closed").exists()


def events_for(user) -> list[str]:
    return list(Message.objects.filter(user=user).values_list("event", flat=True))


def test_a_complaint_travels_from_submitted_to_closed_with_both_sides_told(
    live_server, new_page, artifacts, people
):
    learner, agent = people["learner"], people["agent"]
    order = order_walked_to("in_service", buyer=learner)
    mine = new_page("phone")
    desk = new_page("desktop")
    sign_in(mine, live_server, learner)
    sign_in(desk, live_server, agent)

    # The learner files a complaint about their order, with a screenshot.
    mine.goto(live_server.url + "/support/tickets/new/")
    mine.check("input[name=kind][value=complaint]")
    mine.select_option("select[name=order]", order.order_no)
    mine.fill("input[name=subject]", "老师连续两次没有按约定时间上课")
    mine.fill(
        "textarea[name=body]", "约好周三和周五晚上八点上课，两次老师都没出现，也没有提前通知。"
    )
    mine.set_input_files(
        "input[name=attachments]",
        files=[{"name": "聊天截图.png", "mimeType": "image/png", "buffer": image_bytes()}],
    )
    audit(mine, artifacts, "support-ticket-new-phone")
    follow(mine, "main form button[type=submit]")
    ticket = Ticket.objects.get(learner=learner)
    assert mine.url == f"{live_server.url}/support/tickets/{ticket.ticket_no}/"
    assert ticket.status == Ticket.Status.SUBMITTED and ticket.order == order
    assert ticket.attachments.count() == 1
    assert "ticket_submitted" in events_for(agent)

    # The agent answers from the console: the ticket is now in progress, and the learner told.
    desk.goto(live_server.url + "/support/agent/tickets/")
    audit(desk, artifacts, "support-console-tickets-desktop")
    desk.locator("a", has_text="老师连续两次").first.click()
    desk.fill("textarea[name=body]", "非常抱歉给您带来不便，我们已联系服务商核实，今天内给您答复。")
    follow(desk, "form[action$='/reply/'] button[type=submit]")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS and ticket.assignee == agent
    assert "ticket_replied" in events_for(learner)

    # The learner reads it and answers back; the agent is told.
    mine.goto(live_server.url + ticket.get_absolute_url())
    mine.locator(".ticket-message__body", has_text="我们已联系服务商核实").wait_for()
    mine.fill("textarea[name=body]", "好的，希望能补上这两节课。")
    follow(mine, "form[action$='/reply/'] button[type=submit]")
    assert "ticket_learner_replied" in events_for(agent)

    # The agent resolves it with the outcome; the learner confirms, closes and rates it.
    desk.reload()
    desk.locator("summary", has_text="解决").or_(
        desk.locator("summary", has_text="Resolve")
    ).click()
    desk.fill("details[open] textarea[name=note]", "服务商已确认，将在本周六补上两节课。")
    follow(desk, "details[open] button[type=submit]")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    mine.reload()
    mine.locator(".ticket-message__body", has_text="将在本周六补上两节课").wait_for()
    audit(mine, artifacts, "support-ticket-resolved-phone")
    follow(mine, "form[action$='/move/'] button[type=submit]")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    mine.check("input[name=score][value='4']")
    follow(mine, "form[action$='/rate/'] button[type=submit]")
    ticket.refresh_from_db()
    assert ticket.rating == 4
    audit(mine, artifacts, "support-ticket-closed-phone")
    moves = list(ticket.events.values_list("action", "to_status"))
    assert moves[-3:] == [("start", "in_progress"), ("resolve", "resolved"), ("close", "closed")]
    told = Message.objects.filter(user=learner, event="ticket_status_changed")
    # The reply that started it was its own message; the learner closed it themselves.
    assert [m.context["ticket_no"] for m in told] == [ticket.ticket_no]  # resolved
