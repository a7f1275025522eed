"""Hashar settings: everything from the environment (see README "Configuration").

DJANGO_ENV selects the mode: `development` (make run), `test` (make test) or `production`
(docker-compose).  A bad value anywhere raises ImproperlyConfigured at start-up, never later.
"""

import re
import sys
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
MODES = ("development", "test", "production")

env = environ.Env()
BOOLEANS = {"1": True, "true": True, "yes": True, "on": True,
            "0": False, "false": False, "no": False, "off": False}


def env_bool(name: str, default: bool) -> bool:
    """A boolean that refuses anything but true/false/yes/no/on/off/1/0 (environ's own
    parser reads any other word as False, silently)."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in BOOLEANS:
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")
    return BOOLEANS[raw]

# pytest (8.2+) announces itself in PYTEST_VERSION: the suite runs in test mode by default
DJANGO_ENV = env.str("DJANGO_ENV", default="test" if "PYTEST_VERSION" in env else "development")
if DJANGO_ENV not in MODES:
    raise ImproperlyConfigured(f"DJANGO_ENV must be one of {', '.join(MODES)}, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

DEBUG = env_bool("DJANGO_DEBUG", DJANGO_ENV == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be on in production")

if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: refuse to start without it
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS",
                         default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Where people reach the site: links in e-mails sent without a request (reminders).
SITE_URL = env.str("SITE_URL", default=(f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION and ALLOWED_HOSTS
                                        else "http://127.0.0.1:8000")).rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SITE_URL must start with http:// or https://")

# PostgreSQL only: there is deliberately no SQLite fallback.
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"].get("ENGINE") != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...)")
DATABASES["default"].update(
    CONN_MAX_AGE=env.int("DATABASE_CONN_MAX_AGE", default=60),
    CONN_HEALTH_CHECKS=True,
    ATOMIC_REQUESTS=False,
)
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 10
# Only the hot reads' server-binding cursors prepare (matching/prepared.py); Django's own
# cursors bind on the client and never do.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 0
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}

# Read replicas (README "Running past one machine"): streaming replicas of the primary, one
# URL or several, comma-separated. Public pages, reports, exports and API reads go to them
# (matching/routing.py); writes, reads in a transaction or after a write, and a user's reads
# for REPLICA_PIN_SECONDS after his own write stay on the primary.
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URL", default=[]), start=1):
    _replica = env.db_url_config(_url)
    if _replica.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point to PostgreSQL servers")
    _replica.update(ENGINE="matching.db_replica", CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
                    CONN_HEALTH_CHECKS=True, ATOMIC_REQUESTS=False,
                    TEST={"MIRROR": "default"})  # tests read the primary's test database
    _replica.setdefault("OPTIONS", {}).update(
        # a replica that is down must cost a request little: it is then skipped
        connect_timeout=env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2),
        prepare_threshold=0)
    DATABASES[f"replica_{_number}"] = _replica
DATABASE_ROUTERS = ["matching.routing.Router"]
# a replica further behind than this is skipped (and used again once it has caught up)
REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
# how often each process checks each replica's lag (and retries one that was down)
REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
# read-your-writes: after a write, the user reads from the primary for this long; more than
# the lag bound plus the check interval, the most a replica used can be behind
REPLICA_PIN_SECONDS = env.float("DATABASE_REPLICA_PIN_SECONDS", default=15.0)
if REPLICA_PIN_SECONDS < REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS:
    raise ImproperlyConfigured("DATABASE_REPLICA_PIN_SECONDS must be at least "
                               "DATABASE_REPLICA_MAX_LAG + DATABASE_REPLICA_CHECK_SECONDS")
# the GET requests that may read from a replica: public pages, reports, the API
REPLICA_PATHS = ("/projects/", "/reports/", "/api/v1/")

REDIS_URL = env.str("REDIS_URL")
if not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("REDIS_URL must be a redis:// or rediss:// URL")
if TESTING and env.str("PYTEST_XDIST_WORKER", default="") and "_pytest" in sys.modules:
    # `make test` runs the suite in parallel processes (pytest-xdist, gw0, gw1, ...): each
    # gets a Redis database of its own (1, 2, ...), as it gets a test database of its own, so
    # that one's cache (throttles, lockouts) and queues are never another's. A process that a
    # test starts (a Celery worker, a settings check) keeps the REDIS_URL the test gives it.
    REDIS_URL = urlsplit(REDIS_URL)._replace(
        path=f"/{1 + int(env.str('PYTEST_XDIST_WORKER').removeprefix('gw'))}").geturl()
# High availability: Redis Sentinel. With REDIS_SENTINELS (host:port,host:port ...) the broker
# and the cache find the current master of REDIS_SENTINEL_MASTER through the sentinels and
# follow a failover; REDIS_URL then only gives the database number and the password.
REDIS_SENTINELS = [s.strip() for s in env.list("REDIS_SENTINELS", default=[]) if s.strip()]
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="hashar")
for _sentinel in REDIS_SENTINELS:
    if not _sentinel.rpartition(":")[2].isdigit():
        raise ImproperlyConfigured(f"REDIS_SENTINELS: {_sentinel!r} is not host:port")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "knox",
    "axes",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "matching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "matching.middleware.PageGZipMiddleware",  # pages gzipped, API answers as they are
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "matching.routing.ReplicaMiddleware",  # before sessions: a retry on the primary redoes them
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "matching.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "matching.security.SecurityLogMiddleware",  # logs the refusals the views answer
]

ROOT_URLCONF = "config.urls"
# a refused form (expired page, cookies off) gets a page in the site's layout, with a way back
CSRF_FAILURE_VIEW = "matching.web.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "matching.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "matching.web.menu.menu",
        "matching.web.offline.offline",
    ]},
}]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:  # hashing dominates fixture time otherwise
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Internationalisation: Uzbek (Latin), Russian, Tajik, Kyrgyz, English.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("uz", _("Uzbek")), ("ru", _("Russian")), ("tg", _("Tajik")),
             ("ky", _("Kyrgyz")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tashkent")

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "matching" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# Photos of works flagged to the officer (matching/photos.py): taken more than this many days
# before their report, or farther than this from the mahalla's position.
PHOTO_MAX_AGE_DAYS = env.int("PHOTO_MAX_AGE_DAYS", default=30)
PHOTO_MAX_DISTANCE_KM = env.float("PHOTO_MAX_DISTANCE_KM", default=5.0)
if PHOTO_MAX_AGE_DAYS < 0 or PHOTO_MAX_DISTANCE_KM < 0:
    raise ImproperlyConfigured("PHOTO_MAX_AGE_DAYS and PHOTO_MAX_DISTANCE_KM cannot be negative")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if PRODUCTION else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# E-mail: console in development, an SMTP URL (smtp://user:pass@host:587) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hashar@localhost")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # a hung SMTP server must not hold a worker
# An SMS longer than this many segments is shortened (the link back is never cut).
SMS_MAX_SEGMENTS = env.int("SMS_MAX_SEGMENTS", default=2)
if SMS_MAX_SEGMENTS < 1:
    raise ImproperlyConfigured("SMS_MAX_SEGMENTS must be at least 1")
# Telegram: the channel is off without a bot token. Users link their chat with a one-time
# code sent to the bot (a deep link to TELEGRAM_BOT_USERNAME); Telegram delivers the bot's
# updates to /telegram/webhook/ with TELEGRAM_WEBHOOK_SECRET in a header, or `manage.py
# telegram_poll` fetches them where the site has no public address.
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="").lstrip("@")
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org").rstrip("/")
if not TELEGRAM_API_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("TELEGRAM_API_URL must start with http:// or https://")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
if TELEGRAM_WEBHOOK_SECRET and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}",
                                                TELEGRAM_WEBHOOK_SECRET):
    raise ImproperlyConfigured("TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters of "
                               "A-Z, a-z, 0-9, _ and -")
TELEGRAM_LINK_MINUTES = env.int("TELEGRAM_LINK_MINUTES", default=15)
if TELEGRAM_LINK_MINUTES < 1:
    raise ImproperlyConfigured("TELEGRAM_LINK_MINUTES must be at least 1")
# Reminders go out at this hour of the recipient's own day (Asia/Tashkent, Asia/Bishkek, ...).
REMINDER_LOCAL_HOUR = env.int("REMINDER_LOCAL_HOUR", default=9)
if not 0 <= REMINDER_LOCAL_HOUR <= 23:
    raise ImproperlyConfigured("REMINDER_LOCAL_HOUR must be an hour, 0 to 23")
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=6)

# Complaints from the public (no account): what keeps a flood out without a third-party
# service. Per client address, complaints accepted per hour and per day (counted in Redis);
# a form sent back sooner than a person could fill it is refused; photos are capped.
COMPLAINTS_PER_IP_HOUR = env.int("COMPLAINTS_PER_IP_HOUR", default=5)
COMPLAINTS_PER_IP_DAY = env.int("COMPLAINTS_PER_IP_DAY", default=20)
COMPLAINT_MIN_FILL_SECONDS = env.int("COMPLAINT_MIN_FILL_SECONDS", default=5)
COMPLAINT_FORM_MAX_AGE_SECONDS = env.int("COMPLAINT_FORM_MAX_AGE_SECONDS", default=4 * 3600)
COMPLAINT_PHOTO_MAX_BYTES = env.int("COMPLAINT_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
if min(COMPLAINTS_PER_IP_HOUR, COMPLAINTS_PER_IP_DAY) < 1:
    raise ImproperlyConfigured("COMPLAINTS_PER_IP_HOUR and COMPLAINTS_PER_IP_DAY must be at least 1")
if not 0 <= COMPLAINT_MIN_FILL_SECONDS < COMPLAINT_FORM_MAX_AGE_SECONDS:
    raise ImproperlyConfigured("COMPLAINT_MIN_FILL_SECONDS must be at least 0 and below "
                               "COMPLAINT_FORM_MAX_AGE_SECONDS")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": REDIS_URL, "KEY_PREFIX": "hashar"}}
if REDIS_SENTINELS:
    CACHES["default"]["OPTIONS"] = {"pool_class": "matching.redis_sentinel.SentinelPool"}

# Celery: Redis is the broker; the database (outbox, reminders, jobs) is the source of truth.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 5,
                                   "socket_connect_timeout": 5}
if REDIS_SENTINELS:
    from matching.redis_sentinel import broker_url, sentinel_kwargs  # noqa: E402

    CELERY_BROKER_URL = broker_url(REDIS_URL, REDIS_SENTINELS)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(master_name=REDIS_SENTINEL_MASTER,
                                           sentinel_kwargs=sentinel_kwargs(REDIS_URL))
# Queues, one per kind of work, each with workers of its own (docker-compose.yml), so that a
# 100,000-row import never delays a reminder. `make run` starts one worker for all of them.
WORKER_QUEUES = ("reminders", "webhooks", "imports", "exports", "default")
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "matching.notifications.*": {"queue": "reminders"},
    "matching.api.webhooks.*": {"queue": "webhooks"},
    # a job goes to its kind's queue (imports, exports: matching/jobs/runner.QUEUES)
    "matching.jobs.run": {"queue": "imports"},
    "matching.jobs.sweep": {"queue": "default"},
}
# Background jobs (matching/jobs): a worker beats every second; one silent this long is
# looked at by the sweeper, which queues it again (or fails it after JOB_MAX_ATTEMPTS)
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=60)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# an export's file is kept this long for its author, then removed by the sweeper
JOB_FILES_DAYS = env.int("JOB_FILES_DAYS", default=30)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "matching.tasks.relay_outbox", "schedule": 15.0},
    "verify-ledger": {"task": "matching.tasks.verify_ledger",
                      "schedule": crontab(hour=2, minute=30)},
    "purge-expired-tokens": {"task": "matching.tasks.purge_expired_tokens",
                             "schedule": crontab(hour=3, minute=15)},
    "purge-idempotency-keys": {"task": "matching.tasks.purge_idempotency_keys",
                               "schedule": crontab(minute=20)},
    # the files kept from refused forms for their corrected submit (web/stash.py)
    "purge-upload-stashes": {"task": "matching.tasks.purge_upload_stashes",
                             "schedule": crontab(minute=40)},
    # plans every day that is today somewhere or begins within 2 hours, before its send hour,
    # and again to pick up what was created since
    "plan-reminders": {"task": "matching.notifications.plan_reminders", "schedule": 900.0},
    # hands out the due reminders (plans a day only if the planner has not); the Reminder
    # table is the truth
    "dispatch-reminders": {"task": "matching.notifications.dispatch_reminders",
                           "schedule": 120.0},
    # jobs whose worker died, jobs no worker took up
    "sweep-jobs": {"task": "matching.jobs.sweep", "schedule": 60.0},
}

# The outbox (matching/outbox.py): a relayed message not processed within the lease is
# relayed again; a failing one is retried after a doubling backoff and dead-lettered after
# OUTBOX_MAX_ATTEMPTS failures (administrators replay it on /outbox/).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=30)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=3600)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=600)
for _name in ("OUTBOX_MAX_ATTEMPTS", "OUTBOX_BACKOFF_SECONDS", "OUTBOX_BACKOFF_MAX_SECONDS",
              "OUTBOX_LEASE_SECONDS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be a positive whole number")

# Django REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "matching.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "matching.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["matching.api.filters.FilterBackend"],
    # JSON bodies (receipts also take multipart, for their proof: api/views/money.py)
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": ["matching.api.throttling.AnonThrottle",
                                 "matching.api.throttling.TokenThrottle"],
}
# Rate limits (matching/api/throttling.py): "<requests>/<second|minute|hour|day>"
API_RATES = {"anon": env.str("API_RATE_ANON", default="120/minute"),
             "user": env.str("API_RATE_USER", default="600/minute"),
             "login": env.str("API_RATE_LOGIN", default="10/minute")}
for _scope, _rate in API_RATES.items():
    _count, _, _period = _rate.partition("/")
    if not (_count.isdigit() and int(_count) > 0
            and _period in ("s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day")):
        raise ImproperlyConfigured(f"API_RATE_{_scope.upper()} must look like 600/minute, "
                                   f"not {_rate!r}")
# A receipt that would take a project's money received beyond this multiple of its eligible
# cost is held until an officer of the district (not its recorder) confirms it (bounds.py).
try:
    RECEIPT_HOLD_COST_RATIO = Decimal(env.str("RECEIPT_HOLD_COST_RATIO", default="1"))
except InvalidOperation:
    RECEIPT_HOLD_COST_RATIO = Decimal(0)
if not RECEIPT_HOLD_COST_RATIO.is_finite() or RECEIPT_HOLD_COST_RATIO <= 0:
    raise ImproperlyConfigured("RECEIPT_HOLD_COST_RATIO must be a positive number, e.g. 1 or 1.5")

# how long an Idempotency-Key is remembered (matching/api/idempotency.py)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
REST_KNOX = {"TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24 * 30)),
             "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hashar API",
    "DESCRIPTION": "Remittance matching schemes: projects, pledges, receipts, matches.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from our own static files: no CDN, and the CSP stays 'self'
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ProjectStatusEnum": "matching.models.ProjectStatus",
        "PledgeStatusEnum": "matching.models.PledgeStatus",
        "ReceiptStatusEnum": "matching.models.ReceiptStatus",
        "DeliveryStatusEnum": "matching.models.DeliveryStatus",
        "CategoryEnum": "matching.models.Category",
        "EvidenceKindEnum": "matching.models.EvidenceKind",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
                             "matching.api.schema.document_headers",
                             "matching.api.schema.document_text"],
}

# Brute force on login: locked out after 5 failures for one hour, per user name and IP.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "matching.lockout.locked_out"
# Reverse proxies in front of the app (the TLS terminator in production): how far to believe
# X-Forwarded-For. axes locks out by the same address that the logs and audit trail record.
PROXY_HOPS = env.int("DJANGO_PROXY_HOPS", default=1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "matching.middleware.client_ip"

# Audit trail (django-pghistory): inserts, updates and deletes of every tracked model.
PGHISTORY_DEFAULT_TRACKERS = None  # set per model in matching.models.base.audited
PGHISTORY_APPEND_ONLY = True
# reads write nothing: no audit context (and no wrapper around each of their queries)
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Security headers (checked by `manage.py check --deploy` in production).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"], "img-src": ["'self'", "data:"], "style-src": ["'self'"],
    "script-src": ["'self'"], "frame-ancestors": ["'none'"], "form-action": ["'self'"],
}}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# Open data (matching/iati.py): the publisher named in every IATI activity. The reference is
# the organisation's IATI identifier (registration agency prefix + number); type 10: government.
IATI_REPORTING_ORG_REF = env.str("IATI_REPORTING_ORG_REF", default="XM-DAC-HASHAR")
IATI_REPORTING_ORG_NAME = env.str("IATI_REPORTING_ORG_NAME", default="Hashar matching programme")
IATI_REPORTING_ORG_TYPE = env.str("IATI_REPORTING_ORG_TYPE", default="10")
