"""Live chat routes, for learners and in the agent console (namespace "support")."""

from django.urls import path

from .views import agent, chat

urlpatterns = [
    path("chat/", chat.chat_page, name="chat"),
    path("chat/messages/", chat.chat_messages, name="chat_messages"),
    path("chat/close/", chat.chat_close, name="chat_close"),
    path("chat/history/<int:pk>/", chat.chat_history, name="chat_history"),
    path("chat/history/<int:pk>/rate/", chat.chat_rate, name="chat_rate"),
    path("chat/images/<int:message_id>/", chat.chat_image, name="chat_image"),
    path("agent/", agent.queue, name="agent"),
    path("agent/queue/", agent.queue_partial, name="agent_queue"),
    path("agent/chats/<int:pk>/", agent.conversation, name="agent_chat"),
    path("agent/chats/<int:pk>/messages/", agent.conversation_messages, name="agent_chat_messages"),
    path("agent/chats/<int:pk>/claim/", agent.claim, name="agent_chat_claim"),
    path("agent/chats/<int:pk>/transfer/", agent.transfer, name="agent_chat_transfer"),
    path("agent/chats/<int:pk>/close/", agent.close, name="agent_chat_close"),
]
