"""Payments: gateway adapters, the callback inbox, reconciliation (arrives with its issue)."""
