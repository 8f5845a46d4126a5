"""Admin for the tickets part of support."""
