"""Admin for the faq part of support."""
