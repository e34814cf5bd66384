"""Steward settings, read from the environment (12-factor).

Two modes, chosen by ``STEWARD_ENV``:

* ``development`` (the default): SQLite under ``var/``, an embedded Celery broker on the filesystem,
  console email, a throwaway secret key. One command (``make run``) runs everything on a laptop.
* ``production``: refuses to start unless ``SECRET_KEY``, ``DATABASE_URL``,
  ``CELERY_BROKER_URL``, ``ALLOWED_HOSTS`` and ``EMAIL_URL`` (and an audit signing key,
  ``STEWARD_AUDIT_SIGNING_KEY[_FILE]``) are set, forces ``DEBUG`` off and
  turns on the secure-transport settings that ``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("STEWARD_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

STEWARD_ENV = env.str("STEWARD_ENV", default="development")
if STEWARD_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("STEWARD_ENV must be 'development' or 'production'.")
PRODUCTION = STEWARD_ENV == "production"

if PRODUCTION:
    _missing = [
        name
        for name in (
            "SECRET_KEY",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "ALLOWED_HOSTS",
            "EMAIL_URL",
        )
        if not env.str(name, default="")
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Production mode needs these environment variables: " + ", ".join(_missing)
        )

SECRET_KEY = env.str(
    "SECRET_KEY", default="django-insecure-development-only-key-not-for-production"
)
DEBUG = False if PRODUCTION else env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "guardian",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_htmx",
    "registry",
    "governance",
    "integrations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "registry.audit.middleware.RequestContextMiddleware",
    # Before anything reads a body (the CSRF check reads a form's): 413 over the limit.
    "registry.api.bodylimit.BodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "governance.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# SQLite is the embedded default. Every transaction takes the write lock up front (IMMEDIATE) so
# that concurrent writers queue instead of failing half-way, as they would with deferred locking.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'steward.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check of reused connections that needs no round trip
    # (config/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Parameters bound by the server, and a statement run five times on a connection prepared
    # there: PostgreSQL then stops parsing and planning the statements every request repeats
    # (planning the MLflow version read cost it more than running it). Behind a pooler that
    # cannot keep prepared statements (PgBouncer before 1.21 in transaction mode), set
    # DATABASE_PREPARE_THRESHOLD=0 to turn preparing off.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=env.int("DATABASE_PREPARE_THRESHOLD", default=5) or None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Auth ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # guardian's object permissions, answered in one query (registry/auth_backends.py)
    "registry.people.auth_backends.ObjectPermissionBackend",
]
# guardian.W001 looks for its own backend by name; ours is a subclass of it.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
GUARDIAN_RAISE_403 = True
# Guardian's anonymous user is not used: every Steward request is authenticated.
ANONYMOUS_USER_NAME = None

# API tokens: random 40-byte secrets shown once, stored as SHA-256 digests, expiring.
STEWARD_TOKEN_DEFAULT_DAYS = env.int("STEWARD_TOKEN_DEFAULT_DAYS", default=90)
STEWARD_TOKEN_MAX_DAYS = env.int("STEWARD_TOKEN_MAX_DAYS", default=365)

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# --- Evidence storage ------------------------------------------------------------------------
# Evidence files go through Django's storage API, the "evidence" alias: the local filesystem under
# STEWARD_EVIDENCE_DIR (default var/evidence) unless STEWARD_EVIDENCE_STORAGE=s3, which stores
# them in an S3-compatible bucket through django-storages (AWS S3, MinIO, Ceph, …):
#   STEWARD_EVIDENCE_S3_BUCKET          the bucket (required)
#   STEWARD_EVIDENCE_S3_ENDPOINT_URL    for a store other than AWS, e.g. http://minio:9000
#   STEWARD_EVIDENCE_S3_REGION          e.g. eu-central-1
#   STEWARD_EVIDENCE_S3_PREFIX          key prefix inside the bucket (default "evidence")
#   STEWARD_EVIDENCE_S3_ACCESS_KEY_ID / STEWARD_EVIDENCE_S3_SECRET_ACCESS_KEY
#                                       credentials; without them boto3's own chain is used
#                                       (AWS_ACCESS_KEY_ID…, a profile, an instance role)
#   STEWARD_EVIDENCE_S3_ADDRESSING_STYLE  "path" for stores without virtual-host buckets
#   STEWARD_EVIDENCE_S3_SSE             server-side encryption, e.g. AES256 or aws:kms
# Objects are private (no ACL) and are only ever served through Steward, which checks who may
# read them and records downloads of restricted evidence.
STEWARD_EVIDENCE_STORAGE = env.str("STEWARD_EVIDENCE_STORAGE", default="filesystem")
if STEWARD_EVIDENCE_STORAGE == "s3":
    from boto3.s3.transfer import TransferConfig

    _sse = env.str("STEWARD_EVIDENCE_S3_SSE", default="")
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("STEWARD_EVIDENCE_S3_BUCKET"),
            "endpoint_url": env.str("STEWARD_EVIDENCE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("STEWARD_EVIDENCE_S3_REGION", default="") or None,
            "location": env.str("STEWARD_EVIDENCE_S3_PREFIX", default="evidence"),
            "access_key": env.str("STEWARD_EVIDENCE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("STEWARD_EVIDENCE_S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("STEWARD_EVIDENCE_S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            # Keys are random UUIDs: no existence check before each write.
            "file_overwrite": True,
            "object_parameters": {"ServerSideEncryption": _sse} if _sse else {},
            # A download is spooled to disk past 1 MiB, and an upload sent in 8 MiB parts two
            # at a time: memory does not grow with the file.
            "max_memory_size": 1024 * 1024,
            "transfer_config": TransferConfig(
                multipart_chunksize=8 * 1024 * 1024, max_concurrency=2
            ),
        },
    }
elif STEWARD_EVIDENCE_STORAGE == "filesystem":
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("STEWARD_EVIDENCE_DIR", default=str(VAR_DIR / "evidence")),
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    }
else:
    raise ImproperlyConfigured("STEWARD_EVIDENCE_STORAGE must be 'filesystem' or 's3'.")
# Evidence files over this size are refused with 413 before they are stored (default 100 MiB);
# an Office file whose parts would expand past the second limit is refused as a zip bomb.
STEWARD_EVIDENCE_MAX_BYTES = env.int("STEWARD_EVIDENCE_MAX_BYTES", default=100 * 1024 * 1024)
STEWARD_EVIDENCE_MAX_UNZIPPED_BYTES = env.int(
    "STEWARD_EVIDENCE_MAX_UNZIPPED_BYTES", default=1024 * 1024 * 1024
)

# Outside production whitenoise serves straight from the finders: no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Request bodies --------------------------------------------------------------------------
# The one limit on a request body, in bytes, for every endpoint (REST, MLflow, OpenLineage, the
# sign-in form) but evidence uploads (STEWARD_EVIDENCE_MAX_BYTES): a body over it is refused
# with 413 and the JSON error body before anything reads it (registry/api/bodylimit.py).
STEWARD_MAX_BODY_BYTES = env.int("STEWARD_MAX_BODY_BYTES", default=1024 * 1024)
# Django's own check would fire first, as an exception the REST framework answers with a 500;
# the whole body is already held to STEWARD_MAX_BODY_BYTES, form fields included.
DATA_UPLOAD_MAX_MEMORY_SIZE = None

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.people.api.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["registry.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "registry.api.filters.SearchFilter",
        "registry.api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "registry.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token_create": env.str("TOKEN_CREATE_RATE", default="20/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "registry.api.errors.StewardExceptionHandler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": (
        "System of record for AI governance: AI systems, models, versions, datasets, lineage, "
        "deployments, approvals, reviews and the audit trail."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
        for name in (
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            "ErrorCode401Enum",
            "ErrorCode403Enum",
            "ErrorCode404Enum",
            "ErrorCode405Enum",
            "ErrorCode406Enum",
            "ErrorCode415Enum",
            "ErrorCode429Enum",
            "ErrorCode500Enum",
        )
    }
    | {
        "VersionStatusEnum": "registry.inventory.choices.VersionStatus",
        "DeploymentStatusEnum": "registry.inventory.choices.DeploymentStatus",
        "IncidentStatusEnum": "registry.inventory.choices.IncidentStatus",
        "AuditSourceEnum": "registry.audit.choices.AuditSource",
        "CostSourceEnum": "registry.inventory.choices.CostSource",
        "TeamFunctionEnum": "registry.people.choices.TeamFunction",
        "ReviewFunctionEnum": "governance.policies.choices.ReviewFunction",
        "ApprovalStatusEnum": "governance.approvals.choices.ApprovalStatus",
        "ReviewStatusEnum": "governance.reviews.choices.ReviewStatus",
        "FindingStatusEnum": "governance.reviews.choices.FindingStatus",
        # The approvals' and evidence's names stay theirs; the documents' enums get their own.
        "DecisionEnum": "governance.approvals.choices.Decision",
        "FRIADecisionEnum": "governance.documents.choices.FRIADecision",
        "FRIAFunctionEnum": "governance.documents.choices.FRIAFunction",
        "DocumentKindEnum": "governance.documents.choices.DocumentKind",
        # Ratings of reviews and findings and the severity of incidents share one scale.
        "RiskLevelEnum": "governance.reviews.choices.RiskRating",
        "EvidenceKindEnum": "registry.evidence.choices.EvidenceKind",
        "EvidenceSubjectTypeEnum": "registry.evidence.choices.SubjectType",
        "EvidenceStatusEnum": "registry.evidence.choices.EvidenceStatus",
        "EvidenceFunctionEnum": "registry.evidence.permissions.NAMEABLE_FUNCTIONS",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

# --- Celery ----------------------------------------------------------------------------------
# With no CELERY_BROKER_URL the embedded broker is kombu's filesystem transport under var/, so
# `make run` needs no Redis. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Without this kombu writes its exchange tables to ./control in the working directory.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # kombu's filesystem transport does not create its folders; any worker, beat or web process
    # may be the first to touch the broker.
    for _folder in ("out", "processed", "control"):
        (VAR_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Governance's chasing cadence. The intervals can be shortened (seconds) for a demo or a test;
# production keeps the defaults: chase hourly, schedule reviews and expire approvals daily.
STEWARD_CHASE_INTERVAL = timedelta(seconds=env.int("STEWARD_CHASE_INTERVAL_SECONDS", default=3600))
STEWARD_DAILY_INTERVAL = timedelta(seconds=env.int("STEWARD_DAILY_INTERVAL_SECONDS", default=86400))
# A worker queues one chase as it starts (governance.tasks.chase_at_worker_start), so `make run`
# shows reminders at once rather than after the first hourly beat.
STEWARD_CHASE_ON_WORKER_START = env.bool("STEWARD_CHASE_ON_WORKER_START", default=not PRODUCTION)
CELERY_BEAT_SCHEDULE: dict = {
    # Sign the audit ledger's head once a day (registry.tasks.audit_checkpoint).
    "audit-checkpoint": {"task": "registry.audit_checkpoint", "schedule": timedelta(days=1)},
    # Remind and escalate overdue reviews, sign-offs and incident reports (governance.tasks).
    "chase-overdue": {"task": "governance.chase_overdue", "schedule": STEWARD_CHASE_INTERVAL},
    # Open the next review of every production system due one.
    "schedule-reviews": {"task": "governance.schedule_reviews", "schedule": STEWARD_DAILY_INTERVAL},
    # Expire approvals not used within their validity.
    "expire-approvals": {"task": "governance.expire_approvals", "schedule": STEWARD_DAILY_INTERVAL},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Email -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 (just set)
    # The console: each message one INFO log line, among the others (registry/core/mail.py).
    EMAIL_BACKEND = "registry.core.mail.LoggingEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="steward@localhost")
# Links in notification emails point here.
STEWARD_BASE_URL = env.str("STEWARD_BASE_URL", default="http://127.0.0.1:8000")

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie for its headers
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment only the domain's owner can make (browsers hard-code it and
        # undoing it takes months), so it stays opt-in; until then W021 is a decision, not a gap.
        SILENCED_SYSTEM_CHECKS += ["security.W021"]

# --- Audit -----------------------------------------------------------------------------------
STEWARD_AUDIT_CHECKPOINT_DIR = env.str(
    "STEWARD_AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "checkpoints")
)
# The Ed25519 key that signs checkpoints lives outside the database: inline (PEM, or base64 of the
# 32-byte seed) or in a file. Development generates one under var/ on first use; production
# refuses to start without one. Public keys of earlier keys (after a rotation) stay trusted.
STEWARD_AUDIT_SIGNING_KEY = env.str("STEWARD_AUDIT_SIGNING_KEY", default="")
STEWARD_AUDIT_SIGNING_KEY_FILE = env.str(
    "STEWARD_AUDIT_SIGNING_KEY_FILE",
    default="" if PRODUCTION else str(VAR_DIR / "audit-signing-key.pem"),
)
STEWARD_AUDIT_GENERATE_KEY = not PRODUCTION
STEWARD_AUDIT_TRUSTED_KEY_FILES = env.list("STEWARD_AUDIT_TRUSTED_KEY_FILES", default=[])
if PRODUCTION and not (STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE):
    raise ImproperlyConfigured(
        "Production mode needs STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE."
    )

# --- Logging ---------------------------------------------------------------------------------
# One line per refused request (4xx: status, method, path, user) from "steward.request", a
# traceback only for a server error (5xx), the request id on every line (registry/audit/logs.py).
# LOG_FORMAT=json writes one JSON object a line. Celery's worker and beat log the same way
# (config/celery.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"requests": {"()": "registry.audit.logs.RequestLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "registry.audit.logs.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["requests"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Only through the root's handler: Django's default adds a console handler of its own
        # in DEBUG, which printed every one of its lines (and tracebacks) twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Its 4xx warnings are replaced by steward.request's one line; its 5xx errors stay.
        "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
    },
}

STEWARD_LINEAGE_MAX_DEPTH = 20

# --- Integrations (MLflow, OpenLineage) ------------------------------------------------------
# Setting one of these MLflow aliases on a version is a production deployment: it goes through
# the approval gate and records the deployment. Compared case-insensitively.
STEWARD_MLFLOW_PRODUCTION_ALIASES = env.list(
    "STEWARD_MLFLOW_PRODUCTION_ALIASES", default=["production", "champion"]
)
STEWARD_DEFAULT_TOKEN_LIFETIME = timedelta(days=STEWARD_TOKEN_DEFAULT_DAYS)
