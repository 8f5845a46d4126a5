"""Support in the operations console: FAQ and canned replies, conversations, tickets."""

from . import chat, faq, tickets  # noqa: F401 (each module registers its models)
