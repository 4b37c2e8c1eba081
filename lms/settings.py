"""Aula settings: one module, driven by the environment (django-environ).

`AULA_ENV` picks the mode: `development` (default; embedded SQLite, a broker that needs no server, a
secret key generated into `var/`), `test`, or `production` (refuses to start without a real
`SECRET_KEY` and `ALLOWED_HOSTS`). Every setting below names its variable; the README has the table.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

# Admin and form classes take type parameters at runtime (`ModelAdmin[Course]`), as mypy wants.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

AULA_ENV = env.str("AULA_ENV", default="development")
if AULA_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"AULA_ENV must be development, test or production, not {AULA_ENV!r}"
    )
PRODUCTION = AULA_ENV == "production"

VAR_DIR = Path(env.str("AULA_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret_key() -> str:
    """Generate a key once into var/ so sessions survive restarts of `make run`."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


def _require(name: str) -> Any:
    if name not in env:
        raise ImproperlyConfigured(f"{name} must be set when AULA_ENV=production")
    return env(name)


# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=AULA_ENV == "development")

if PRODUCTION:
    SECRET_KEY = _require("SECRET_KEY")
    if (
        len(SECRET_KEY) < 50
        or SECRET_KEY.startswith("django-insecure")
        or "change-me" in SECRET_KEY
    ):
        raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters")
    ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when AULA_ENV=production")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when AULA_ENV=production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )

CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "lms.core",
    "lms.accounts",
    "lms.courses",
    "lms.assignments",
    "lms.grading",
    "lms.api",
    "lms.notifications",
    "mlcore",
]

MIDDLEWARE = [
    # First, so that container health checks answer before host validation and the HTTPS redirect.
    "lms.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
ASGI_APPLICATION = "lms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'aula.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file: WAL lets readers run beside a writer,
    # and IMMEDIATE transactions take the write lock up front instead of failing half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if env.str("AULA_TEST_DB_FILE", default=""):
        # Integration tests share the test database with worker processes, so it must be a file.
        DATABASES["default"]["TEST"] = {"NAME": env.str("AULA_TEST_DB_FILE")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # A file cache is shared by the web and worker processes of `make run`, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "django"),
        }
    }

# --- Auth -------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files, uploads and model artifacts ------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MODEL_ARTIFACTS_ROOT = Path(env.str("MODEL_ARTIFACTS_ROOT", default=str(VAR_DIR / "models")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Scaled out: uploads and model artifacts go to S3-compatible storage shared by every host.
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "media"},
    }
    _artifact_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "models"},
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
    _artifact_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MODEL_ARTIFACTS_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "artifacts": _artifact_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail -----------------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Aula <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production) --------------------------------------------------------------------

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Celery -----------------------------------------------------------------------------------
# Embedded (`make run`): kombu's filesystem transport, consumed by a real worker process, needs no
# server. Scaled out: Redis. Never eager mode: tests run real worker processes instead.

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = VAR_DIR / "celery"
# The longest task (a GPU fine-tuning run) is allowed this long; the broker must not redeliver a
# message that is still being worked on, so Redis's visibility timeout is set well above it.
CELERY_LONGEST_TASK_SECONDS = env.int("CELERY_LONGEST_TASK_SECONDS", default=2 * 60 * 60)
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange bindings; kombu would otherwise write them to ./control in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # kombu sleeps this long whenever the worker cannot take a message (none waiting, or its
        # prefetch slots full): at its default of 1 s the worker takes about one task a second,
        # so a burst of submissions (the demo's seed, a class submitting together) leaves a new
        # one's AI feedback waiting a minute or more. A listdir of a small folder is cheap.
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_LONGEST_TASK_SECONDS * 2 + 600}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_QUEUES_ALL = ("default", "ml_cpu", "ml_gpu")
CELERY_TASK_ROUTES = {
    "mlcore.score_*": {"queue": "ml_cpu"},
    "mlcore.train_cpu": {"queue": "ml_cpu"},
    "mlcore.train_gpu": {"queue": "ml_gpu"},
    "mlcore.rescore_*": {"queue": "ml_cpu"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=5 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 60)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Aula -------------------------------------------------------------------------------------

AULA_ANSWER_MAX_CHARS = env.int("AULA_ANSWER_MAX_CHARS", default=20_000)
# The AI feedback loop (mlcore).
AULA_RETRAIN_THRESHOLD = env.int("AULA_RETRAIN_THRESHOLD", default=20)
AULA_RETRAIN_CHECK_SECONDS = env.int("AULA_RETRAIN_CHECK_SECONDS", default=60)
AULA_SCORING_SWEEP_SECONDS = env.int("AULA_SCORING_SWEEP_SECONDS", default=60)
AULA_SCORING_STALE_SECONDS = env.int("AULA_SCORING_STALE_SECONDS", default=120)
AULA_TRAINING_STALE_SECONDS = env.int("AULA_TRAINING_STALE_SECONDS", default=60)
AULA_ARTIFACTS_KEEP = env.int("AULA_ARTIFACTS_KEEP", default=5)
AULA_ARTIFACTS_PRUNE_SECONDS = env.int("AULA_ARTIFACTS_PRUNE_SECONDS", default=24 * 60 * 60)
AULA_ML_DEVICE = env.str("AULA_ML_DEVICE", default="")
# How often celery beat reminds students of work due within 24 hours (lms.notifications).
AULA_DUE_REMINDER_SECONDS = env.int("AULA_DUE_REMINDER_SECONDS", default=15 * 60)
# What the student pages show as AI feedback: named here because the LMS apps never import mlcore.
AULA_FEEDBACK_SELECTOR = "mlcore.selectors.feedback.feedback_for_submission"
# Fields of the engine's TrainConfig set for every training run, as JSON: '{"epochs": 5}'.
AULA_TRAINING_OVERRIDES: dict[str, Any] = env.json("AULA_TRAINING_OVERRIDES", default={})
CELERY_BEAT_SCHEDULE = {
    "mlcore-retrain-due": {"task": "mlcore.retrain_due", "schedule": AULA_RETRAIN_CHECK_SECONDS},
    "mlcore-sweep-unscored": {
        "task": "mlcore.sweep_unscored",
        "schedule": AULA_SCORING_SWEEP_SECONDS,
    },
    "mlcore-sweep-stale-runs": {
        "task": "mlcore.sweep_stale_runs",
        "schedule": AULA_TRAINING_STALE_SECONDS,
    },
    "mlcore-prune-artifacts": {
        "task": "mlcore.prune_artifacts",
        "schedule": AULA_ARTIFACTS_PRUNE_SECONDS,
    },
    "notifications-due-soon": {
        "task": "notifications.due_soon",
        "schedule": AULA_DUE_REMINDER_SECONDS,
    },
}

# --- REST API (lms/api) ----------------------------------------------------------------------
# Canvas conventions: `page`/`per_page` with `Link` headers, one error body shape, ISO 8601 times.

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that an anonymous caller gets 401 with `WWW-Authenticate: Bearer`.
        "lms.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "lms.api.permissions.TokenScope",
    ],
    "DEFAULT_PAGINATION_CLASS": "lms.api.pagination.LinkHeaderPagination",
    "PAGE_SIZE": 10,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "lms.api.throttles.UserThrottle",
        "lms.api.throttles.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("AULA_API_THROTTLE_USER", default="3000/hour"),
        "anon": env.str("AULA_API_THROTTLE_ANON", default="60/hour"),
        "tokens": env.str("AULA_API_THROTTLE_TOKENS", default="20/hour"),
    },
    "EXCEPTION_HANDLER": "lms.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aula API",
    "DESCRIPTION": "Courses, assignments, submissions, grades, AI feedback and models.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"WebhookEventEnum": "lms.api.models.WebhookEvent"},
}

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
