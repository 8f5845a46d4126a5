"""Support: FAQ, live chat and tickets (arrives with its issue)."""
