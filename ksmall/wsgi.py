"""WSGI entry point (gunicorn ksmall.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ksmall.settings")
application = get_wsgi_application()
