"""The support pages, one module per part: faq, chat (learner), agent (console chat),
tickets (learner) and agent_tickets (console tickets)."""
