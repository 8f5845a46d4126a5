from django.apps import AppConfig


class KsmallConfig(AppConfig):
    name = "ksmall"
    verbose_name = "KS Mall"
