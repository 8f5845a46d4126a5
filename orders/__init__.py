"""Orders: checkout, order numbers, the order state machine, refunds (arrives with its issue)."""
