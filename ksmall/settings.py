"""KS Mall settings, configured entirely by environment variables (django-environ).

Every variable has an embedded default so that a fresh clone runs on one machine with
nothing else installed (SQLite, eager Celery, console email and SMS). Production sets
DEBUG=False, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; see README.md.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)

# DEVELOPMENT ONLY: this key is public. Production must set SECRET_KEY (checked below).
_DEV_SECRET_KEY = "dev-only-not-secret-ksmall-4f9c2b7e1a8d6e3f0b5c9a2d7e4f1b8c3a6d9e2f5b8c1d4"  # noqa: S105 (public on purpose)
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
if not DEBUG and "ALLOWED_HOSTS" not in env:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "django_htmx",
    "allauth",
    "allauth.account",
    "ksmall",
    "notifications",
    "accounts",
    "catalog",
    "loyalty",
    "cart",
    "orders",
    "payments",
    "support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ksmall.middleware.RateLimitedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ksmall.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "ksmall.urls"
WSGI_APPLICATION = "ksmall.wsgi.application"
ASGI_APPLICATION = "ksmall.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ksmall.context_processors.site",
                "catalog.context_processors.nav_categories",
                "cart.context_processors.cart_count",
                "loyalty.context_processors.membership",
            ],
        },
    },
]

# Forms render through our templates (templates/django/forms/), so every form shares one look.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Each request is one transaction: a step that fails rolls back everything the request
# wrote, and side effects queued with on_commit leave only if it succeeds.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's default random_page_cost (4) models spinning disks and makes the planner
    # scan the whole catalogue instead of using the search trigram index (12 ms against 3 ms
    # at 10,000 services). 1.1 is the usual value for SSD and cloud storage.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={env.float('PG_RANDOM_PAGE_COST', default=1.1)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "ksmall",
            "TIMEOUT": 300,
            # A stalled Redis must fail fast, not hang every request (and /healthz).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database: logging in works before Redis does, and they survive restarts.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 7
SESSION_COOKIE_HTTPONLY = True

# --- Celery (ksmall/celery.py reads the CELERY_ names) -----------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis every task runs in-process, right when it is queued (after the commit).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Countdowns longer than the visibility timeout would run twice; timers stay well below 6 h.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 60 * 60}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 60 * 60}
# The timers (Celery beat, `make beat`). Each task is idempotent; without a broker,
# `manage.py run_timers` runs them once.
CELERY_BEAT_SCHEDULE = {
    "cancel-expired-orders": {"task": "orders.cancel_expired_orders", "schedule": 60.0},
    "start-due-orders": {"task": "orders.start_due_orders", "schedule": 15 * 60.0},
    "complete-overdue-orders": {"task": "orders.complete_overdue_orders", "schedule": 60 * 60.0},
    "auto-approve-overdue-refunds": {
        "task": "orders.auto_approve_overdue_refunds",
        "schedule": 15 * 60.0,
    },
    "settle-approved-refunds": {"task": "orders.settle_approved_refunds", "schedule": 10 * 60.0},
    "apply-pending-callbacks": {"task": "payments.apply_pending_callbacks", "schedule": 60.0},
    "query-pending-payments": {"task": "payments.query_pending_payments", "schedule": 60.0},
    "retry-pending-refunds": {"task": "payments.retry_pending_refunds", "schedule": 5 * 60.0},
    "reconcile-payments": {
        "task": "payments.reconcile_yesterday",
        "schedule": crontab(hour=9, minute=30),  # Beijing time (CELERY_TIMEZONE)
    },
    "close-resolved-tickets": {"task": "support.close_resolved_tickets", "schedule": 60 * 60.0},
    "remind-expiring-memberships": {
        "task": "loyalty.remind_expiring_memberships",
        "schedule": crontab(hour=10, minute=0),  # Beijing time (CELERY_TIMEZONE)
    },
}

# --- Auth and accounts ------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:me"

SMS_CODE = {"numeric": True, "length": 6, "dashed": False}
ALLAUTH_USER_CODE_FORMAT = SMS_CODE
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
    "request_login_code": "accounts.forms.RequestLoginCodeForm",
}
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
# Email is required by default; the signup form relaxes it when the learner signs up by phone.
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[KS Mall] "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Adding or changing an email or phone, or changing the password, asks for the password
# (or a code) again unless the user re-authenticated in the last 5 minutes.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# allauth's defaults, except:
# - change_phone: after re-authentication allauth replays the request, which would spend
#   the default 1/m/user budget twice;
# - verify_phone per IP: mainland carriers put many phones behind one address (CGNAT), so
#   3/m/ip would refuse real people; the per-number limit (1 per 30 s) stays.
ACCOUNT_RATE_LIMITS = {"change_phone": "3/m/user", "verify_phone": "1/30s/key,10/m/ip"}
# A reset or code request for an unknown address sends nothing (the page looks the same).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_FORMAT = SMS_CODE
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 600
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = SMS_CODE
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
# Behind one reverse proxy (deploy/nginx.conf), the client address is the last
# X-Forwarded-For hop.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# SMS goes through a backend like Django's email backends (notifications/sms.py).
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.ConsoleBackend")
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
# The console backends print codes and reset links: production must choose on purpose.
if not DEBUG and not ("SMS_BACKEND" in env and "EMAIL_URL" in env):
    raise ImproperlyConfigured("SMS_BACKEND and EMAIL_URL must be set when DEBUG is off.")

vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="KS Mall <noreply@ksmall.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

# --- Static and media -------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploads only the site may hand out, after checking who asks (ID and licence scans): never
# under MEDIA_ROOT, never served by the web server. Shared by every web node.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
# Django serves uploads itself in development and for `make serve` on one machine; behind
# nginx (deploy/nginx.conf) the web server does, from a separate domain in production.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files above this size are streamed to disk; the real caps live in the forms.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- Security ---------------------------------------------------------------------------------

HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Uploads may be served from their own domain (MEDIA_URL=https://media.example.com/), which
# images and videos must be allowed to load from. Video clips given by address play from
# the https host the provider named.
_MEDIA_ORIGIN = ["/".join(MEDIA_URL.split("/")[:3])] if MEDIA_URL.startswith("https://") else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_MEDIA_ORIGIN],
        "media-src": ["'self'", "https:", *_MEDIA_ORIGIN],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Orders -----------------------------------------------------------------------------------

# An unpaid order is cancelled (and its seats given back) this long after checkout.
ORDER_PAYMENT_MINUTES = env.int("ORDER_PAYMENT_MINUTES", default=30)
# An order in service completes by itself this many days after it started, or after the
# service's study period when that is longer.
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=7)
# Unpaid checkouts one learner may hold at once (seats stay reserved while unpaid).
ORDER_MAX_UNPAID_CHECKOUTS = env.int("ORDER_MAX_UNPAID_CHECKOUTS", default=5)
# The provider answers a refund request within this many hours, else it is approved.
REFUND_RESPONSE_HOURS = env.int("REFUND_RESPONSE_HOURS", default=72)
# Approved refunds are paid back by the payment gateway (payments.services). Only a site
# without the payments app would settle them at once (orders.receivers).
REFUNDS_SETTLE_WITHOUT_GATEWAY = env.bool("REFUNDS_SETTLE_WITHOUT_GATEWAY", default=False)
# The platform's share of each completed order (a provider may have its own:
# orders.CommissionRate).
PLATFORM_COMMISSION_RATE = Decimal(env.str("PLATFORM_COMMISSION_RATE", default="0.10"))

# --- Membership, points and coupons (loyalty) --------------------------------------------------

# Points a completed order earns per yuan the learner paid in money (rounded down).
POINTS_EARNED_PER_YUAN = Decimal(env.str("POINTS_EARNED_PER_YUAN", default="1"))
# Points worth one yuan at checkout (100 points = ¥1), and the largest share of an order's
# amount (after member price and coupons) that points may pay.
POINTS_PER_YUAN = env.int("POINTS_PER_YUAN", default=100)
POINTS_MAX_SHARE = Decimal(env.str("POINTS_MAX_SHARE", default="0.50"))
# Members hear this many days before their membership ends.
MEMBERSHIP_REMINDER_DAYS = env.int("MEMBERSHIP_REMINDER_DAYS", default=7)

# --- Support (DESIGN.md "Support") -----------------------------------------------------------

# When agents answer chats, every day, Beijing time ("HH:MM-HH:MM"). Outside these hours
# the learner is told when an answer will come.
SUPPORT_HOURS = env.str("SUPPORT_HOURS", default="09:00-21:00")
# Rate limits, as (count, seconds) per user: chat messages and new tickets.
SUPPORT_CHAT_RATE = (env.int("SUPPORT_CHAT_PER_MINUTE", default=20), 60)
SUPPORT_TICKET_RATE = (env.int("SUPPORT_TICKETS_PER_HOUR", default=5), 60 * 60)
# A resolved ticket the learner does not answer closes by itself after this many days; a
# closed ticket can be reopened for this many days.
TICKET_AUTO_CLOSE_DAYS = env.int("TICKET_AUTO_CLOSE_DAYS", default=7)
TICKET_REOPEN_DAYS = env.int("TICKET_REOPEN_DAYS", default=7)

# --- Payments (DESIGN.md "Payments"; keys are PEM strings or paths to PEM files) --------------

ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_SELLER_ID = env.str("ALIPAY_SELLER_ID", default="")  # the merchant's PID (2088…)
ALIPAY_APP_PRIVATE_KEY = env.str("ALIPAY_APP_PRIVATE_KEY", default="", multiline=True)
ALIPAY_PUBLIC_KEY = env.str("ALIPAY_PUBLIC_KEY", default="", multiline=True)  # Alipay's key
ALIPAY_GATEWAY_URL = env.str(
    "ALIPAY_GATEWAY_URL", default="https://openapi.alipay.com/gateway.do"
)  # sandbox: https://openapi-sandbox.dl.alipaydev.com/gateway.do
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_MCH_ID = env.str("WECHAT_MCH_ID", default="")
WECHAT_API_KEY = env.str("WECHAT_API_KEY", default="")  # the 32-character API v2 key
WECHAT_MCH_CERT = env.str("WECHAT_MCH_CERT", default="")  # apiclient_cert.pem (refunds)
WECHAT_MCH_KEY = env.str("WECHAT_MCH_KEY", default="")  # apiclient_key.pem (refunds)
# The simulated gateway (/pay/sandbox/…) stands in for Alipay and WeChat Pay until both
# are configured; it signs its callbacks with keys generated into PAYMENT_SANDBOX_KEY_DIR.
PAYMENT_SANDBOX = env.bool(
    "PAYMENT_SANDBOX",
    default=not (ALIPAY_APP_ID and ALIPAY_APP_PRIVATE_KEY and WECHAT_MCH_ID and WECHAT_API_KEY),
)
PAYMENT_SANDBOX_KEY_DIR = Path(env.str("PAYMENT_SANDBOX_KEY_DIR", default=str(VAR_DIR / "sandbox")))
# Where the sandbox sends its callbacks: this site's own address ("" = the address the
# sandbox page was opened on).
PAYMENT_SANDBOX_CALLBACK_BASE = env.str("PAYMENT_SANDBOX_CALLBACK_BASE", default="")
# 对公转账: the account a company pays into, quoting the payment number.
BANK_TRANSFER_ACCOUNT = {
    "name": env.str("BANK_ACCOUNT_NAME", default="杭州知享科技有限公司"),
    "bank": env.str("BANK_NAME", default="招商银行杭州分行营业部"),
    "number": env.str("BANK_ACCOUNT_NUMBER", default="5719 0888 6610 802"),
}
# A checkout paid by bank transfer is kept this long for the money to arrive.
BANK_TRANSFER_HOURS = env.int("BANK_TRANSFER_HOURS", default=72)
# Outbound gateway calls give up after this many seconds (a Celery worker must not hang).
PAYMENT_GATEWAY_TIMEOUT = env.int("PAYMENT_GATEWAY_TIMEOUT", default=10)

# --- Operations -------------------------------------------------------------------------------

ADMINS = [("KS Mall ops", a) for a in env.list("ADMIN_EMAILS", default=[])]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

KSMALL_SITE_NAME = "KS Mall"
# The site's address as users reach it, put in front of links that leave the site (email).
KSMALL_SITE_URL = env.str("SITE_URL", default="")
