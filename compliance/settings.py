"""Settings for Pledge. Everything comes from the environment, with embedded defaults
so that a fresh checkout runs at once on SQLite and a server-less Celery broker."""

import hashlib
import hmac
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# First: a checkout's .env.local is read into the environment (compliance/env.py).
from compliance.env import BASE_DIR, VAR_DIR, env_bool, env_float, env_int, env_list, env_str  # noqa: F401

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
# Off unless asked for: bin/run turns it on for the laptop; a deployment never has it.
DEBUG = env_bool("DEBUG", False)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
                  or SECRET_KEY.startswith("django-insecure-") or SECRET_KEY == "change-me"):
    # Forged sessions and messages follow from a known key: refuse to start rather than run on one.
    raise ImproperlyConfigured(
        "SECRET_KEY is missing, the built-in development key, or weak (under 50 characters). Set a long random "
        "SECRET_KEY (e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'), or DEBUG=true on a laptop.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
# Where people open Pledge (scheme, host and port, no path): links that leave the app —
# emails, the calendar feed's events, invitations and password links — are made absolute on it.
PLEDGE_SITE_URL = env_str("PLEDGE_SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
if urlsplit(PLEDGE_SITE_URL).scheme not in ("http", "https") or not urlsplit(PLEDGE_SITE_URL).netloc \
        or urlsplit(PLEDGE_SITE_URL).path:
    raise ImproperlyConfigured(f"PLEDGE_SITE_URL must be like https://pledge.example.cn (no path): {PLEDGE_SITE_URL!r}")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "compliance.errors.csrf_failure"  # the site's own 403 page, in the user's language

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs page's Swagger UI, served from our own static files
    "obligations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (collectstatic), hashed names cached for a year, by gunicorn itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # The database down: a Chinese 503 "请稍后重试" instead of a 500 (compliance/unavailable.py).
    "compliance.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads the body: one too large gets the site's answer, DEBUG on or off.
    "compliance.too_large.TooLargeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After authentication: a signed-in user's pages in the language kept on their account, else the cookie's.
    "compliance.locale.ChineseFirstLocaleMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "obligations.signin_middleware.IdleSessionMiddleware",
    "obligations.signin_middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "compliance.urls"
WSGI_APPLICATION = "compliance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "obligations.context.nav",
                "obligations.health.scheduler_status",
            ],
            # {% person user platform %} names a member as the platform does, on every page without a load.
            "builtins": ["obligations.templatetags.people"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pledge.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A connection the server dropped (a restart, pg_terminate_backend) is replaced
        # before the next request or task uses it, instead of failing that one.
        conn_health_checks=True,
    )
}
# Two roles on PostgreSQL (README "Database roles"): DATABASE_URL is the app's own role, which
# owns no table and is no superuser, so it cannot switch the database's guards off; migrate
# connects as DATABASE_OWNER_URL (the tables' owner) when set, then grants PLEDGE_DB_RUNTIME_ROLE
# (default: DATABASE_URL's user) what the app needs. `check --deploy` warns of an app role that can more.
DATABASE_OWNER = dj_database_url.parse(env_str("DATABASE_OWNER_URL")) if env_str("DATABASE_OWNER_URL") else None
if DATABASE_OWNER and DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]:
    raise ImproperlyConfigured("DATABASE_OWNER_URL must name the database of DATABASE_URL "
                               f"({DATABASES['default']['NAME']!r}), not {DATABASE_OWNER['NAME']!r}.")
PLEDGE_DB_RUNTIME_ROLE = env_str("PLEDGE_DB_RUNTIME_ROLE") or DATABASES["default"].get("USER", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "obligations.trust.passwords.VarietyValidator"},
]
# Sign-in that resists guessing (obligations/trust/lockout.py, second_factor.py; docs/signin.md):
# a user name from one client address is locked for PLEDGE_LOCKOUT_MINUTES after
# PLEDGE_LOGIN_FAILURES wrong passwords, an address for any name after
# PLEDGE_LOGIN_FAILURES_PER_ADDRESS; a user name from anywhere, past PLEDGE_LOGIN_FAILURES,
# waits a growing delay (at most PLEDGE_LOGIN_DELAY_MAX_SECONDS) between tries, never a lock.
# The login page and the admin's; django-axes keeps the counts in the database. Officers,
# supervisors and admin users need a TOTP code.
AUTHENTICATION_BACKENDS = [
    "obligations.trust.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("PLEDGE_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PLEDGE_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # together: an attacker's address locks only itself
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a try during a lockout neither counts nor extends it
PLEDGE_LOGIN_FAILURES_PER_ADDRESS = env_int("PLEDGE_LOGIN_FAILURES_PER_ADDRESS", 20)
PLEDGE_LOGIN_DELAY_MAX_SECONDS = env_int("PLEDGE_LOGIN_DELAY_MAX_SECONDS", 300)
# Failed sign-ins are counted per client address and user name in windows of this length and
# written to the audit chain once per window, with the count (trust/failed_signins.py).
PLEDGE_SIGNIN_WINDOW_MINUTES = env_int("PLEDGE_SIGNIN_WINDOW_MINUTES", 15)
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "obligations.views.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "obligations.trust.lockout.client_ip"  # as the rate limits see it
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Password reset mails per hour: per client address, and per email address and account.
PLEDGE_RESET_MAILS_PER_ADDRESS = env_int("PLEDGE_RESET_MAILS_PER_ADDRESS", 10)
PLEDGE_RESET_MAILS_PER_ACCOUNT = env_int("PLEDGE_RESET_MAILS_PER_ACCOUNT", 3)
OTP_TOTP_ISSUER = "Pledge"
# Sessions end PLEDGE_SESSION_HOURS after sign-in, and after PLEDGE_SESSION_IDLE_MINUTES idle.
SESSION_COOKIE_AGE = env_int("PLEDGE_SESSION_HOURS", 12) * 3600
PLEDGE_SESSION_IDLE_SECONDS = env_int("PLEDGE_SESSION_IDLE_MINUTES", 30) * 60
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown and scheduled in the platform's zone (Asia/Shanghai by default).
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic writes here; the image keeps it in the image (/app/staticfiles), not on the shared volume.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# Hashed names (bootstrap.min.<hash>.css) from collectstatic's manifest: a page names the exact version it
# was made with, so browsers may cache each file for ever. A page whose file is missing from the manifest is
# a 500, not a page without its styles. bin/test turns it off (the tests run no collectstatic).
STATICFILES_BACKEND = ("whitenoise.storage.CompressedManifestStaticFilesStorage"
                       if env_bool("PLEDGE_STATIC_MANIFEST", True)
                       else "django.contrib.staticfiles.storage.StaticFilesStorage")

# Evidence lives outside anything the web server serves; it leaves only through a view
# that checks the role. Set PLEDGE_EVIDENCE_STORAGE to a django-storages backend for S3.
EVIDENCE_ROOT = Path(env_str("PLEDGE_EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_BACKEND},
    "evidence": {
        "BACKEND": env_str("PLEDGE_EVIDENCE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": str(EVIDENCE_ROOT)} if not os.environ.get("PLEDGE_EVIDENCE_STORAGE") else {},
    },
}
# Files made for people to send out of Pledge (reports, evidence archives): written by the
# export worker, read only through the role-checked download view.
EXPORTS_ROOT = Path(env_str("PLEDGE_EXPORTS_ROOT", str(VAR_DIR / "exports")))
STORAGES["exports"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                       "OPTIONS": {"location": str(EXPORTS_ROOT)}}
# Seconds an export job may run before the worker stops it (and it is marked failed).
PLEDGE_EXPORT_TIME_LIMIT = env_int("PLEDGE_EXPORT_TIME_LIMIT", 30 * 60)
# The CJK fonts embedded in PDF reports (Debian: fonts-noto-cjk).
PLEDGE_PDF_FONT_DIR = Path(env_str("PLEDGE_PDF_FONT_DIR", "/usr/share/fonts/opentype/noto"))
EVIDENCE_MAX_BYTES = env_int("PLEDGE_EVIDENCE_MAX_BYTES", 25 * 1024 * 1024)
EVIDENCE_ALLOWED_TYPES = env_list(
    "PLEDGE_EVIDENCE_ALLOWED_TYPES",
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
)
# Files stream to disk and are limited by EVIDENCE_MAX_BYTES. The rest of a request body is
# held in memory: up to 16 MB, so a letter pasted far past its 200,000 characters still reaches
# the intake page, which keeps it in the box and explains the limit; past this, the 400 page says
# to upload a file (compliance/errors.bad_request).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PLEDGE_MAX_FORM_BYTES", 16 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("PLEDGE_MAX_FILES_PER_REQUEST", 100)

# HTTPS behind a proxy: set these in production (README lists them); check --deploy is clean then.
SECURE_SSL_REDIRECT = env_bool("PLEDGE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("PLEDGE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PLEDGE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("PLEDGE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("PLEDGE_SECURE_COOKIES", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("PLEDGE_BEHIND_TLS_PROXY") else None
# How many proxies in front of the app append to X-Forwarded-For (0: trust none, use REMOTE_ADDR).
PLEDGE_TRUSTED_PROXY_HOPS = env_int("PLEDGE_TRUSTED_PROXY_HOPS", 0)

# Content-Security-Policy: scripts and styles only from our own static files. Style
# attributes stay allowed (Bootstrap progress bars, SVG sizes); <style> and <script>
# elements written into a page, and inline event handlers, are refused.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# The REST API (obligations/api/, docs/api.md): bearer tokens of a platform only, JSON only (no browsable
# API: its pages need inline scripts), errors as {"code", "detail"} in the caller's language.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["obligations.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["obligations.api.auth.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser",
                               "rest_framework.parsers.FormParser"],
    "DEFAULT_THROTTLE_CLASSES": ["obligations.api.auth.TokenRateLimit"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "obligations.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pledge API",
    # Swagger UI shows it as markdown: the way back to Pledge and to the guide (docs/api.md, served).
    "DESCRIPTION": "Pledge for other systems: tasks, check-offs with evidence, cases, figures. "
                   "Start with the [integration guide](/api/v1/guide/) (tokens, scopes, times, errors, idempotency). "
                   "[← Back to Pledge](/)",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OccurrenceStateEnum": "obligations.models.Occurrence.State",
                            "CaseStateEnum": "obligations.models.Case.State"},
}
# Requests a token may make per window (trust/ratelimit.py), then 429 with Retry-After.
PLEDGE_API_RATE = env_int("PLEDGE_API_RATE", 600)
PLEDGE_API_RATE_WINDOW = env_int("PLEDGE_API_RATE_WINDOW", 60)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The audit trail's HMAC key (trust/audit.py). It lives outside the database, so whoever can
# rewrite the database cannot recompute the chain. Set PLEDGE_AUDIT_KEY in production: the
# default is derived from SECRET_KEY (also from the environment, never in the database), so
# changing SECRET_KEY without setting PLEDGE_AUDIT_KEY makes every existing record fail to verify.
PLEDGE_AUDIT_KEY = env_str("PLEDGE_AUDIT_KEY") or hmac.new(
    SECRET_KEY.encode(), b"pledge audit chain", hashlib.sha256).hexdigest()
# Where the chain's head is anchored (an HMAC of its id and hash): a file, not the database,
# so that a rewritten database is caught even when its tail was cut. Keep it on a volume.
PLEDGE_AUDIT_ANCHOR = Path(env_str("PLEDGE_AUDIT_ANCHOR", str(VAR_DIR / "audit-anchor.json")))


# Console mail in the embedded default; set EMAIL_BACKEND (and EMAIL_HOST etc.) for SMTP.
_email_backend = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {"host": env_str("EMAIL_HOST", "localhost"), "port": env_int("EMAIL_PORT", 25)}
        if "smtp" in _email_backend
        else {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))} if "filebased" in _email_backend
        else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pledge@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every PDF at INFO; its warnings are what matter.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Pledge's own rules, and the broker, cache and workers: their own modules, settings all the same.
from compliance.celery_settings import *  # noqa: E402, F403
from compliance.rules_settings import *  # noqa: E402, F403
