"""Orders: checkout, order numbers, the order state machine, refunds. No models yet."""
