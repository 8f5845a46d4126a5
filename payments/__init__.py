"""Payments: gateway adapters, the callback inbox, reconciliation. No models yet."""
