"""Hromada Intake settings: one module, everything read from the environment.

The defaults run on a laptop with nothing installed (the "embedded default"): SQLite under var/, files on the
local disk under var/media/ (never served by URL), Celery tasks run in-process. Production switches each part on
by setting its variable; see .env.example and docs/deployment.md. Secrets have no default outside DEBUG.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - DEBUG only, never in production

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "cases.apps.LoginThrottlingConfig",  # django-axes, named in Ukrainian in the admin
    "cases",
    "frontoffice",
    "backoffice",
    "payments",
    "registries",
    "notifications",
    "public",
    "uploads",
    "eligibility",
    "proactive",
    "renewals",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cases.middleware.CompressTextMiddleware",  # below WhiteNoise: static files come pre-compressed from it
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cases.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login with 429
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:pass@host:5432/hromada. Default: a SQLite file under var/.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two claims cannot interleave on SQLite
    # (it has no SELECT ... FOR UPDATE); WAL lets readers go on while one writer works.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling and counters need one shared by all web processes in production) ------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Users --------------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "cases.User"
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one user name from one address, that pair
# is locked out for AXES_COOLOFF_MINUTES; the web form and the API token endpoint both count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None  # trusted proxies in front (X-Forwarded-For)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if env_bool("BEHIND_TLS_PROXY") else ("REMOTE_ADDR",)
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages: Ukrainian first -----------------------------------------------------------------------------------
LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "Europe/Kyiv")
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------------------------
# Originals, page images, thumbnails and PDFs go through Django's storage API. Locally: var/media (no MEDIA_URL:
# nothing there is reachable by URL; every file goes through a view that checks access). In production set
# AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for any S3-compatible store) to use django-storages.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME"),
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env("AWS_LOCATION", ""),
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "cases.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise reads it at start-up, before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploads: Django spools anything over 2.5 MB to a temporary file, so large scans stream rather than sit in memory.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
UPLOAD_MAX_PDF_PAGES = env_int("UPLOAD_MAX_PDF_PAGES", 200)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 90_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR")

# --- Background work ----------------------------------------------------------------------------------------------
# CELERY_BROKER_URL unset: tasks run in-process when their transaction commits (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged only once done, so a killed worker's task is redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Work whose nudge never reached a worker (broker down at commit) is sent again after this many seconds.
STALE_WORK_SECONDS = env_int("STALE_WORK_SECONDS", 120)
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BEAT_SCHEDULE: dict = {
    "requeue-stale-work": {"task": "frontoffice.requeue_stale_work", "schedule": 60.0},
    # Month end: issue the statements of every ended month. Daily and idempotent, so a missed run catches up.
    "payments-close-ended-months": {"task": "payments.close_ended_months", "schedule": crontab(minute=30, hour=0)},
}

# --- Batch scanning (frontoffice.batches; docs/api-batches.md) ---------------------------------------------------
SCAN_BATCH_MAX_PAGES = env_int("SCAN_BATCH_MAX_PAGES", 1000)
SCAN_BATCH_MAX_BYTES = env_int("SCAN_BATCH_MAX_BYTES", 500 * 1024 * 1024)
# Pages are rendered this small to read barcodes: enough for our sheets and PATCH-T, a quarter of 300 dpi's work.
SCAN_BARCODE_DPI = env_int("SCAN_BARCODE_DPI", 150)
# A long document is handed to its case in files of at most this many pages (each within UPLOAD_MAX_BYTES).
SCAN_BATCH_PIECE_PAGES = env_int("SCAN_BATCH_PIECE_PAGES", 50)
SCAN_BATCH_TASK_TIME_LIMIT = env_int("SCAN_BATCH_TASK_TIME_LIMIT", 3600)
# A batch whose worker has not reported for this long is taken over by another worker.
SCAN_BATCH_STALE_SECONDS = env_int("SCAN_BATCH_STALE_SECONDS", 300)
# Where pages cut out for cases are written while a batch is routed (default: the system's temporary folder).
SCAN_SCRATCH_DIR = env("SCAN_SCRATCH_DIR")
SCAN_SCRATCH_MAX_AGE_SECONDS = env_int("SCAN_SCRATCH_MAX_AGE_SECONDS", 6 * 60 * 60)
# Scanner inboxes: <root>/<front-office code>/ unless the front office names its own folder.
SCAN_INBOX_ROOT = Path(env("SCAN_INBOX_ROOT", str(VAR_DIR / "scan-inbox")))
# How scanners reach that root over the network, shown to clerks instead of the server's path, e.g. \\hromada\scan
SCAN_INBOX_SHARE = env("SCAN_INBOX_SHARE", "")
SCAN_INBOX_POLL_SECONDS = env_int("SCAN_INBOX_POLL_SECONDS", 30)
# A claimed file left in working/ this long belonged to a worker that died; another worker finishes it.
SCAN_INBOX_STALE_SECONDS = env_int("SCAN_INBOX_STALE_SECONDS", 900)
CELERY_BEAT_SCHEDULE["poll-scan-inboxes"] = {
    "task": "frontoffice.poll_scan_inboxes",
    "schedule": float(SCAN_INBOX_POLL_SECONDS),
}
CELERY_BEAT_SCHEDULE["resume-scan-batches"] = {"task": "frontoffice.resume_scan_batches", "schedule": 300.0}

# --- Registries through the exchange gateway (registries/; docs/registries.md) -----------------------------------
# The stand-in (gateway/) is mounted under /_gateway/ in DEBUG, or when switched on explicitly: its fixture API lets
# anyone write registry facts, so it is never there in production by accident.
REGISTRY_GATEWAY_STANDIN = env_bool("REGISTRY_GATEWAY_STANDIN", DEBUG)
REGISTRY_GATEWAY_STORE = env("REGISTRY_GATEWAY_STORE", str(VAR_DIR / "gateway.sqlite3"))  # the stand-in's own file
# Our security server. Empty: every query fails loudly as not_configured (and papers are asked for).
REGISTRY_GATEWAY_URL = env(
    "REGISTRY_GATEWAY_URL", f"http://127.0.0.1:{env('PORT', '8000')}/_gateway" if REGISTRY_GATEWAY_STANDIN else ""
)
REGISTRY_HEADER_DIALECT = env("REGISTRY_HEADER_DIALECT", "trembita")  # trembita (Uxp-*) | xroad (X-Road-*)
REGISTRY_CLIENT_ID = env("REGISTRY_CLIENT_ID", "SEVDEIR-TEST/GOV/37567866/hromada-intake")
REGISTRY_CLIENT_CERT = env("REGISTRY_CLIENT_CERT")  # PEM, mutual TLS with our security server
REGISTRY_CLIENT_KEY = env("REGISTRY_CLIENT_KEY")
REGISTRY_CA_BUNDLE = env("REGISTRY_CA_BUNDLE")  # the CA the security server's certificate chains to
REGISTRY_CONNECT_TIMEOUT = float(env("REGISTRY_CONNECT_TIMEOUT", "3"))
REGISTRY_READ_TIMEOUT = float(env("REGISTRY_READ_TIMEOUT", "10"))
REGISTRY_MAX_ANSWER_BYTES = env_int("REGISTRY_MAX_ANSWER_BYTES", 256 * 1024)
REGISTRY_MAX_ATTEMPTS = env_int("REGISTRY_MAX_ATTEMPTS", 4)
REGISTRY_RETRY_BACKOFF_SECONDS = env_int("REGISTRY_RETRY_BACKOFF_SECONDS", 30)  # doubled on every attempt
# A query "sent" this long without an outcome belonged to a worker that died: the sweeper sends it again.
REGISTRY_STALE_SECONDS = env_int("REGISTRY_STALE_SECONDS", 120)
# A queued query whose time has come is left this long for its own nudge before the sweeper sends one.
REGISTRY_NUDGE_GRACE_SECONDS = env_int("REGISTRY_NUDGE_GRACE_SECONDS", 30)
REGISTRY_HEALTH_WINDOW_MINUTES = env_int("REGISTRY_HEALTH_WINDOW_MINUTES", 30)
# An answer this recent (or a question still pending) serves every case of the application, and a case opened after
# the check at the desk, instead of asking again (docs/registries.md "One question per application").
REGISTRY_ANSWER_FRESH_DAYS = env_int("REGISTRY_ANSWER_FRESH_DAYS", 30)
CELERY_BEAT_SCHEDULE["registries-sweep"] = {"task": "registries.sweep", "schedule": 60.0}
# --- Proactive offers from registry events (proactive/, registries/events.py; docs/proactive.md) ----------------
REGISTRY_EVENTS_SERVICE = env("REGISTRY_EVENTS_SERVICE", "SEVDEIR-TEST/GOV/37567866/events/eventFeed")
REGISTRY_EVENTS_VERSION = env("REGISTRY_EVENTS_VERSION", "v1")
REGISTRY_EVENTS_PURPOSE = env("REGISTRY_EVENTS_PURPOSE", "proactive-support")
PROACTIVE_FEED_SECONDS = env_int("PROACTIVE_FEED_SECONDS", 30)
PROACTIVE_OFFER_DAYS = env_int("PROACTIVE_OFFER_DAYS", 60)
# The embedded default has no beat: the stand-in, on taking an event, asks the product to read the feed (over HTTP).
REGISTRY_EVENTS_NUDGE_URL = env(
    "REGISTRY_EVENTS_NUDGE_URL",
    f"http://127.0.0.1:{env('PORT', '8000')}/proactive/_feed/read/" if REGISTRY_GATEWAY_STANDIN else "",
)
CELERY_BEAT_SCHEDULE["proactive-read-feed"] = {"task": "proactive.read_feed", "schedule": float(PROACTIVE_FEED_SECONDS)}
CELERY_BEAT_SCHEDULE["proactive-sweep"] = {"task": "proactive.sweep", "schedule": crontab(minute=40, hour=2)}
CELERY_BEAT_SCHEDULE["proactive-expire-offers"] = {
    "task": "proactive.expire_offers",
    "schedule": crontab(minute=10, hour=1),
}
# --- Messages to applicants and the public status page (notifications/, public/; docs/operations.md) -----------
# NOTIFY_SMS_BACKEND: "outbox" (default: nothing is sent, every message is kept and shown at /_outbox/) or
# "turbosms" (SMS, and Viber with SMS fallback, through TurboSMS's HTTP API). NOTIFY_EMAIL_BACKEND: "outbox" or
# "django" (Django's mail backend: EMAIL_HOST etc.).
NOTIFY_SMS_BACKEND = env("NOTIFY_SMS_BACKEND", "outbox")
NOTIFY_EMAIL_BACKEND = env("NOTIFY_EMAIL_BACKEND", "outbox")
if NOTIFY_SMS_BACKEND not in ("outbox", "turbosms") or NOTIFY_EMAIL_BACKEND not in ("outbox", "django"):
    raise ImproperlyConfigured("NOTIFY_SMS_BACKEND is outbox|turbosms; NOTIFY_EMAIL_BACKEND is outbox|django.")
TURBOSMS_URL = env("TURBOSMS_URL", "https://api.turbosms.ua")
TURBOSMS_TOKEN = env("TURBOSMS_TOKEN", "")
TURBOSMS_SENDER = env("TURBOSMS_SENDER", "Hromada")
TURBOSMS_VIBER_SENDER = env("TURBOSMS_VIBER_SENDER", "")
TURBOSMS_TIMEOUT = float(env("TURBOSMS_TIMEOUT", "10"))
if NOTIFY_SMS_BACKEND == "turbosms" and not TURBOSMS_TOKEN and not DEBUG:
    raise ImproperlyConfigured("TURBOSMS_TOKEN must be set when NOTIFY_SMS_BACKEND=turbosms.")
if NOTIFY_EMAIL_BACKEND == "django":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env("EMAIL_HOST_USER", ""),
                "password": env("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "hromada@localhost")
NOTIFY_EMAIL_SUBJECT = env("NOTIFY_EMAIL_SUBJECT", "Hromada Intake")
NOTIFY_EMAIL_DOMAIN = env("NOTIFY_EMAIL_DOMAIN", "hromada.local")
# A message whose provider stays down is tried this many times (backoff, then the sweeper) before it fails.
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 30)
# A message whose provider is down is retried by its task after NOTIFY_RETRY_SECONDS, doubling, at most 30 minutes.
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 30)
NOTIFY_STALE_SECONDS = env_int("NOTIFY_STALE_SECONDS", 120)
CELERY_BEAT_SCHEDULE["requeue-stale-messages"] = {"task": "notifications.requeue_stale_messages", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["poll-message-delivery"] = {"task": "notifications.poll_delivery", "schedule": 120.0}
# The address links in messages point at (the status page, the phone upload link).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Status page: a code lives this long; a session this long; limits per receipt, phone and address.
PUBLIC_CODE_MINUTES = env_int("PUBLIC_CODE_MINUTES", 10)
PUBLIC_SESSION_MINUTES = env_int("PUBLIC_SESSION_MINUTES", 15)
PUBLIC_CODE_WINDOW_MINUTES = env_int("PUBLIC_CODE_WINDOW_MINUTES", 60)
PUBLIC_CODES_PER_RECEIPT = env_int("PUBLIC_CODES_PER_RECEIPT", 3)
PUBLIC_CODES_PER_PHONE = env_int("PUBLIC_CODES_PER_PHONE", 5)
PUBLIC_CODES_PER_ADDRESS = env_int("PUBLIC_CODES_PER_ADDRESS", 10)
PUBLIC_CODE_MAX_FAILURES = env_int("PUBLIC_CODE_MAX_FAILURES", 5)
# Where "who looked at my data" comes from: callables ``fn(*, cases) -> list[dict]`` (a registries app adds its own).
PUBLIC_DATA_ACCESS_SOURCES = env_list(
    "PUBLIC_DATA_ACCESS_SOURCES",
    "public.data_access.file_views,registries.selectors.queries_for_the_person,"
    "proactive.selectors.detections_for_the_person",
)
# The phone upload link of a request for information stays valid this many days.
PUBLIC_UPLOAD_LINK_DAYS = env_int("PUBLIC_UPLOAD_LINK_DAYS", 30)

# Resumable (tus) uploads: parts on the local disk of the web node (a shared volume when there are several),
# unfinished ones swept with their parts after TUS_UPLOAD_EXPIRY_HOURS.
TUS_PARTS_DIR = Path(env("TUS_PARTS_DIR", str(VAR_DIR / "tus-parts")))
TUS_UPLOAD_EXPIRY_HOURS = env_int("TUS_UPLOAD_EXPIRY_HOURS", 24)
CELERY_BEAT_SCHEDULE["sweep-expired-uploads"] = {"task": "uploads.sweep_expired", "schedule": 3600.0}

# --- API ----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous client is told 401 with "WWW-Authenticate: Token" rather than a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "cases.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "cases.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # The token endpoint also has axes' lockout; this bounds anonymous hammering of the API as a whole.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_RATE", "60/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hromada Intake API",
    "DESCRIPTION": "Front-office intake, the back-office queue and fees owed to communities.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cases.api.schema.error_shapes",
    ],
    # One name per choice set that several serializers share (case status, page status).
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Case.Status",
        "PageStatusEnum": "cases.models.Page.Status",
        "ScanBatchStatusEnum": "frontoffice.models.ScanBatch.Status",
        "ScanBatchPageStatusEnum": "frontoffice.models.ScanBatchPage.Status",
        "RegistryQueryStatusEnum": "registries.models.RegistryQuery.Status",
        "RegistryHealthStatusEnum": ["up", "degraded", "down", "unknown"],
        "CaseChannelEnum": "cases.models.Case.Channel",
        "MessageChannelEnum": "notifications.models.Channel",
        "CaseDecisionEnum": "cases.models.Case.Decision",
    },
}

# --- Security -----------------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "cases.views.csrf_failure"  # a translated page, or the form again with what was typed
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Logging: no personal data. Log ids, never names, RNOKPP or document contents. -----------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},  # one line per task is noise; failures still show
        "kombu.connection": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # its request lines carry the query string: an RNOKPP
        "httpcore": {"level": "WARNING"},  # lockouts are logged (user names masked); start-up chatter is not
    },
}

# --- Product rules that are configuration, not code ---------------------------------------------------------------
# Working days the front office has to pass a package on (docs/product.md §5).
FRONT_OFFICE_SUBMIT_WORKING_DAYS = env_int("FRONT_OFFICE_SUBMIT_WORKING_DAYS", 3)
# Cases due within this many days are "due soon" in the queue.
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 2)
DEMO_PASSWORD = env("DEMO_PASSWORD", "demo")
# Renewals of fixed-term benefits (renewals/; docs/renewals.md): a grant ending within RENEWAL_WINDOW_DAYS is renewed
# without an application; a renewal still waiting on a registry is sent to be checked as it is once the old term ends
# within RENEWAL_DECIDE_DAYS, so that the person is told what to bring before anything stops.
RENEWAL_WINDOW_DAYS = env_int("RENEWAL_WINDOW_DAYS", 30)
RENEWAL_DECIDE_DAYS = env_int("RENEWAL_DECIDE_DAYS", 14)
CELERY_BEAT_SCHEDULE["renewals-daily"] = {"task": "renewals.run", "schedule": crontab(minute=15, hour=1)}
# The robot (eligibility/; docs/eligibility.md): how many cases one transaction decides (the catch-up, ``robot_run``),
# and the catch-up that decides the waiting automatic cases whose nudge was lost (a worker or broker outage): every
# ROBOT_CATCH_UP_SECONDS, the cases left unevaluated for ROBOT_CATCH_UP_GRACE_SECONDS since their latest submission or
# registry answer (younger ones still have their task on the way).
ROBOT_BATCH = env_int("ROBOT_BATCH", 50)
ROBOT_CATCH_UP_SECONDS = env_int("ROBOT_CATCH_UP_SECONDS", 300)
ROBOT_CATCH_UP_GRACE_SECONDS = env_int("ROBOT_CATCH_UP_GRACE_SECONDS", 120)
# A case waiting this long for its robot task means the worker is behind a burst: the next robot task takes such
# cases into its own batch (eligibility.tasks.evaluate_case), so a backlog is decided at the batch rate.
ROBOT_BACKLOG_SECONDS = env_int("ROBOT_BACKLOG_SECONDS", 2)
CELERY_BEAT_SCHEDULE["robot-catch-up"] = {
    "task": "eligibility.robot_catch_up",
    "schedule": float(ROBOT_CATCH_UP_SECONDS),
}
