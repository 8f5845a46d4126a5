"""Accounts: the custom User, sign-up and login by email or phone (allauth), roles."""
