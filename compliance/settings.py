"""Settings for Pledge. Everything comes from the environment, with embedded defaults
so that a fresh checkout runs at once on SQLite and a server-less Celery broker."""

import hashlib
import hmac
import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def _read_local_env(path: Path) -> None:
    """A checkout's own settings (KEY=VALUE lines), written by bin/run with DEBUG on and a random key,
    so that every manage.py command works after it. The environment wins; a deployment has no such file,
    and the tests name none (PLEDGE_LOCAL_ENV= empty, bin/test)."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


if os.environ.get("PLEDGE_LOCAL_ENV", ".env.local"):
    _read_local_env(BASE_DIR / os.environ.get("PLEDGE_LOCAL_ENV", ".env.local"))
VAR_DIR = Path(os.environ.get("PLEDGE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its files here


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


def env_list(name, default):
    value = os.environ.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else default


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
    "DESCRIPTION": "Pledge for other systems: tasks, check-offs with evidence, cases, figures. Read docs/api.md.",
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

# Scheduling: how far ahead occurrences exist, and how long after due before "missed".
PLEDGE_HORIZON_DAYS = env_int("PLEDGE_HORIZON_DAYS", 14)
PLEDGE_SWEEP_BATCH = env_int("PLEDGE_SWEEP_BATCH", 1000)
# Reminder lead time before due, in minutes, per period kind (plus "event" and "one_time");
# PLEDGE_REMINDER_LEAD='{"daily": 30}' overrides some of them.
PLEDGE_REMINDER_LEAD = {
    "daily": 60, "weekly": 24 * 60, "tenday": 2 * 24 * 60, "monthly": 3 * 24 * 60,
    "quarterly": 7 * 24 * 60, "halfyear": 14 * 24 * 60, "yearly": 30 * 24 * 60, "biennial": 30 * 24 * 60,
    "event": 2 * 60, "one_time": 3 * 24 * 60,
    **json.loads(env_str("PLEDGE_REMINDER_LEAD", "{}")),
}
# Minutes after due before the officer is told of an unfinished task, per period kind (capped
# by the obligation's grace; an obligation may set its own). PLEDGE_ESCALATE_OFFICER='{"daily": 60}'.
PLEDGE_ESCALATE_OFFICER = {
    "daily": 30, "weekly": 4 * 60, "tenday": 4 * 60, "monthly": 12 * 60, "quarterly": 24 * 60,
    "halfyear": 24 * 60, "yearly": 2 * 24 * 60, "biennial": 2 * 24 * 60, "event": 60, "one_time": 24 * 60,
    **json.loads(env_str("PLEDGE_ESCALATE_OFFICER", "{}")),
}
# Extra folders of letter templates (*.toml), beside obligations/letters/library/.
PLEDGE_TEMPLATE_DIRS = [d for d in env_str("PLEDGE_TEMPLATE_DIRS", "").split(":") if d]
PLEDGE_CASE_TEXT_MAX = env_int("PLEDGE_CASE_TEXT_MAX", 2000)  # characters of a complaint
# Public complaint page: submissions and status lookups per client address per window.
PLEDGE_PUBLIC_SUBMIT_LIMIT = env_int("PLEDGE_PUBLIC_SUBMIT_LIMIT", 5)
PLEDGE_PUBLIC_LOOKUP_LIMIT = env_int("PLEDGE_PUBLIC_LOOKUP_LIMIT", 20)
PLEDGE_PUBLIC_WINDOW_SECONDS = env_int("PLEDGE_PUBLIC_WINDOW_SECONDS", 600)
PLEDGE_DIGEST_HOUR = env_int("PLEDGE_DIGEST_HOUR", 8)  # local hour of the daily digest
PLEDGE_SEND_RETRY_MINUTES = env_int("PLEDGE_SEND_RETRY_MINUTES", 10)  # a claim older than this is retried once
# SMS (alerts/channels.py): an apprise URL with {phone} where the number goes, e.g.
# infobip://APIKEY@xxxxx.api.infobip.com/{phone}?from=Pledge; empty: nobody can choose SMS.
PLEDGE_SMS_URL = env_str("PLEDGE_SMS_URL", "")
# Tests only: send every channel's request to this base (a local receiver) instead of the service's host.
PLEDGE_CHANNEL_API_BASE = env_str("PLEDGE_CHANNEL_API_BASE", "")
# A message due longer ago than this (beat or the workers were down) goes into one catch-up message per person.
PLEDGE_CATCH_UP_MINUTES = env_int("PLEDGE_CATCH_UP_MINUTES", 30)
# Platforms whose late messages one planning transaction folds into catch-ups (a plan cut short keeps its batches).
PLEDGE_PLAN_BATCH = env_int("PLEDGE_PLAN_BATCH", 500)
# Outbound webhooks (docs/webhooks.md): each delivery is tried at most PLEDGE_WEBHOOK_MAX_ATTEMPTS
# times, waiting PLEDGE_WEBHOOK_BACKOFF_SECONDS, then twice as long after each failure; each
# attempt waits PLEDGE_WEBHOOK_TIMEOUT seconds for the receiver. Missed tasks and breached clocks
# are found by a sweep that looks PLEDGE_WEBHOOK_LOOKBACK_HOURS back. Addresses that are not public
# (loopback, private, link-local: the worker's own network) are refused unless
# PLEDGE_WEBHOOK_ALLOW_PRIVATE is set (a test, or a receiver on the company's own network).
PLEDGE_WEBHOOK_MAX_ATTEMPTS = env_int("PLEDGE_WEBHOOK_MAX_ATTEMPTS", 8)
PLEDGE_WEBHOOK_BACKOFF_SECONDS = env_int("PLEDGE_WEBHOOK_BACKOFF_SECONDS", 60)
PLEDGE_WEBHOOK_TIMEOUT = env_float("PLEDGE_WEBHOOK_TIMEOUT", 10.0)
PLEDGE_WEBHOOK_LOOKBACK_HOURS = env_int("PLEDGE_WEBHOOK_LOOKBACK_HOURS", 24)
PLEDGE_WEBHOOK_ALLOW_PRIVATE = env_bool("PLEDGE_WEBHOOK_ALLOW_PRIVATE", False)
# /healthz answers 503 when no sweep finished within this many seconds; the officer's
# pages show a red banner and the site administrator is mailed once per silence.
PLEDGE_HEALTH_MAX_SWEEP_AGE = env_int("PLEDGE_HEALTH_MAX_SWEEP_AGE", 300)
# The audit trail's HMAC key (trust/audit.py). It lives outside the database, so whoever can
# rewrite the database cannot recompute the chain. Set PLEDGE_AUDIT_KEY in production: the
# default is derived from SECRET_KEY (also from the environment, never in the database), so
# changing SECRET_KEY without setting PLEDGE_AUDIT_KEY makes every existing record fail to verify.
PLEDGE_AUDIT_KEY = env_str("PLEDGE_AUDIT_KEY") or hmac.new(
    SECRET_KEY.encode(), b"pledge audit chain", hashlib.sha256).hexdigest()
# Where the chain's head is anchored (an HMAC of its id and hash): a file, not the database,
# so that a rewritten database is caught even when its tail was cut. Keep it on a volume.
PLEDGE_AUDIT_ANCHOR = Path(env_str("PLEDGE_AUDIT_ANCHOR", str(VAR_DIR / "audit-anchor.json")))

# Celery: Redis when REDIS_URL is set, else a server-less filesystem broker.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
    # The minute sweeps and the materialize batches are acknowledged late: one whose worker
    # died (kill -9) is delivered again after the visibility timeout. The timeout must outlast
    # the longest time such a message stays unacknowledged with a live worker, or a second
    # worker would start it while the first still runs it: a retry's countdown (at most
    # obligations.tasks.RETRY_BACKOFF_MAX, 60 s), a wait in the worker behind a batch (a batch's
    # hard limit, BATCH_TASK, 300 s), then its own run (300 s): 660 s, so 720 s. Longer tasks
    # (hourly, daily, exports: up to 1,900 s) are acknowledged when they start and do not count
    # (obligations/tasks.py; tests/test_celery.py checks this sum against the tasks).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("PLEDGE_BROKER_VISIBILITY_TIMEOUT", 720),
        "unacked_restore_interval": env_int("PLEDGE_BROKER_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": env_int("PLEDGE_BROKER_RESTORE_THROTTLE", 10),
        "socket_timeout": 10, "socket_connect_timeout": 5,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _d in (_broker_dir / "out", _broker_dir / "processed", VAR_DIR / "results"):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        # The exchange table; kombu's default is ./control, in whatever folder the worker starts.
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", f"file://{VAR_DIR / 'results'}")
# The cache holds rate-limit counters: Redis when configured, so every web process shares them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
          if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a long batch does not hold queued ones back from the other workers
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose broker went away keeps trying to reconnect, however long the outage (Celery's
# default gives up after 100 tries, about 50 minutes, and the worker exits).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# The worker writes its own heartbeat (obligations/trust/worker_heartbeat.py) every this many
# seconds (times PLEDGE_BEAT_SCALE, which the fault tests shrink); /healthz fails its "worker"
# check when no worker wrote one within PLEDGE_HEALTH_WORKER_AGE seconds: one beat interval
# (the close-out sweep's minute) by default.
PLEDGE_WORKER_HEARTBEAT = env_float("PLEDGE_WORKER_HEARTBEAT", 15)
PLEDGE_HEALTH_WORKER_AGE = env_int("PLEDGE_HEALTH_WORKER_AGE", 60)
# /healthz fails its "evidence_store" check when the evidence folder has less free space than
# this (MB), or a probe file cannot be written there.
PLEDGE_HEALTH_MIN_FREE_MB = env_int("PLEDGE_HEALTH_MIN_FREE_MB", 1024)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

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
