"""Admin for the chat part of support."""
