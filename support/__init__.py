"""Support: FAQ, live chat and tickets. No models yet."""
