"""Settings from the environment (docs/settings.md); defaults give the one-machine demo."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from arena.core.env import envbool, envchoice, envfloat, envhostmap, envint, envlist, envsize

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
SECRET_KEY = SECRET_KEY or "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "arena",
    "generation",
    "ratings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a form: one declared in a charset other than UTF-8 is a 400.
    "arena.core.charset.FormCharsetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the site's header built once (arena/core/csp.py).
    "arena.core.csp.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, with the user lookup of each request compiled once (arena/core/auth.py).
    "arena.core.auth.ModelBackend",
]
# Login rate limit: this many failures for one username from one address locks it out.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind a proxy, the client address comes from X-Forwarded-For set by this many proxies
# (see arena/core/proxies.py).
PROXY_COUNT = envint("PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "arena.core.proxies.client_address"

# Content-Security-Policy: scripts and styles only from this site, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "arena.project.urls"
WSGI_APPLICATION = "arena.project.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name), default a SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'arena.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=envbool("DATABASE_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A statement a connection runs again is planned once per connection (docs/settings.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=2 if envbool("DATABASE_PREPARED_STATEMENTS", True) else None,
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One machine, several threads: take the write lock at BEGIN and let readers go on
    # while a write happens, so two requests writing at once wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
    }
    # Tests get a file too: in memory, a live server's threads would share one connection,
    # and two requests at once would run inside each other's transactions.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-arena.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = os.environ.get("CACHE_URL", "")
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            # Redis down reads as an empty cache (see arena/core/cache.py), with short timeouts.
            "BACKEND": "arena.core.cache.ResilientRedisCache",
            "LOCATION": _cache_url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif _cache_url:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, got {_cache_url!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "arena:home"  # staff to the admin, voters to the next battle
LOGOUT_REDIRECT_URL = "login"

TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Outputs live on local disk or in an S3-compatible bucket; either way they reach browsers only
# through generation.views.output_file (signed-in users), never through a bucket URL.
STORAGE_BACKEND = envchoice("STORAGE_BACKEND", "local", ("local", "s3"))
_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_BACKEND == "s3":
    try:  # the optional "s3" extra, imported only when chosen
        import storages.backends.s3  # noqa: F401
    except (ImportError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(
            f"STORAGE_BACKEND=s3 needs django-storages and boto3: pip install -e '.[s3]' ({exc})"
        ) from None
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME is required when STORAGE_BACKEND=s3")
    # Keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role) via boto3.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "addressing_style": envchoice(
                "AWS_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")
            ),
            "default_acl": None,  # the bucket's own (private) policy
            "querystring_auth": True,
            "file_overwrite": True,  # names are content hashes: same name, same bytes
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ratings.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ratings.api.auth.CanRead"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "ratings.api.negotiation.JSONWhateverAccepted",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Arena API",
    "DESCRIPTION": (
        "Ratings of generative models from blind team votes, and which model to route each "
        "category of prompt to. Authenticate with `Authorization: Bearer KEY`."
    ),
    "VERSION": "1",
    # Operations in the order of ratings/api/urls.py, grouped for a router's author.
    "SORT_OPERATIONS": False,
    "TAGS": [
        {"name": "Routing", "description": "Which generator to send a category of prompt to."},
        {"name": "Leaderboards", "description": "The ratings behind the route."},
        {"name": "Catalogue", "description": "Categories and generators."},
        {"name": "Export", "description": "The votes, for analysis elsewhere."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page need a session or a key, like the rest of the API.
    "SERVE_PERMISSIONS": ["ratings.api.auth.CanRead"],
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# HTTPS behind a proxy: on by default when DEBUG is off.
HTTPS = envbool("HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Celery: tasks always run in workers, off the request (only the tests run them in-process).
# Without a broker URL the broker is a SQLite file (kombu's SQLAlchemy transport).
CELERY_BROKER_FILE = Path(os.environ.get("CELERY_BROKER_FILE", VAR_DIR / "broker.sqlite3"))
CELERY_BROKER_URL = (
    os.environ.get("CELERY_BROKER_URL", "") or f"sqla+sqlite:///{CELERY_BROKER_FILE}"
)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "arena")
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep database connections across tasks instead of reconnecting for each one.
CELERY_DB_REUSE_MAX = envint("CELERY_DB_REUSE_MAX", 1000, minimum=0) or None
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long a task whose worker vanished stays invisible before Redis hands it out again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 2, minimum=1)
}
if CELERY_BROKER_URL.startswith("sqla+"):
    # For SQLAlchemy's create_engine: a writer waits up to 30 s (not 5) for SQLite's one
    # lock, riding out a burst of web processes queueing tasks.
    CELERY_BROKER_TRANSPORT_OPTIONS = (
        {"connect_args": {"timeout": 30}} if CELERY_BROKER_URL.startswith("sqla+sqlite") else {}
    )
# Where beat keeps the last run of each scheduled task (a file it must be able to write).
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILE", str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "refill-battles": {
        "task": "arena.tasks.battles_refill",
        "schedule": envfloat("ARENA_REFILL_INTERVAL", 60.0, minimum=1.0),
    },
    # Catches votes whose recompute was never queued (Redis down when they landed).
    "recompute-stale-boards": {
        "task": "ratings.tasks.ratings_recompute_stale",
        "schedule": envfloat("RATINGS_SWEEP_INTERVAL", 300.0, minimum=1.0),
    },
}
if CELERY_BROKER_URL.startswith("sqla+"):
    # The SQLAlchemy transport keeps every delivered message: delete them now and then.
    CELERY_BEAT_SCHEDULE["sweep-broker"] = {
        "task": "arena.tasks.broker_messages_sweep",
        "schedule": envfloat("CELERY_BROKER_SWEEP_INTERVAL", 600.0, minimum=1.0),
    }

# The arena itself.
ARENA_BATTLE_BUFFER = envint("ARENA_BATTLE_BUFFER", 4, minimum=0)
# Open battles kept on their way for each voter who takes one, holding no output they have seen.
ARENA_BATTLES_AHEAD = envint("ARENA_BATTLES_AHEAD", 2, minimum=0)
ARENA_REUSE_GENERATIONS = envbool("ARENA_REUSE_GENERATIONS", True)
ARENA_IMAGE_FORMAT = envchoice("ARENA_IMAGE_FORMAT", "png", ("png", "webp", "jpeg"))
# Every image output is scaled to fit this box and padded to fill it, so that dimensions say
# nothing about the model; None ("native") keeps each model's own size.
ARENA_OUTPUT_SIZE = envsize("ARENA_OUTPUT_SIZE", (1024, 1024))
ARENA_GENERATION_STALE_SECONDS = envint(
    "ARENA_GENERATION_STALE_SECONDS", CELERY_TASK_TIME_LIMIT + 60, minimum=1
)
# Generators' concurrency caps are shared through Redis: the broker's, else the cache's.
ARENA_CONCURRENCY_REDIS_URL = next(
    (u for u in (CELERY_BROKER_URL, _cache_url) if u.startswith(("redis://", "rediss://"))), ""
)
ARENA_SLOT_LEASE_SECONDS = envfloat("ARENA_SLOT_LEASE_SECONDS", 30.0, minimum=1.0)
ARENA_SLOT_WAIT_SECONDS = envfloat("ARENA_SLOT_WAIT_SECONDS", 5.0, minimum=0.0)
# Fair votes: a faster vote is kept but flagged; 0 turns a limit off.
ARENA_MIN_VOTE_MS = envint("ARENA_MIN_VOTE_MS", 800, minimum=0)
ARENA_VOTE_RATE_PER_MINUTE = envint("ARENA_VOTE_RATE_PER_MINUTE", 60, minimum=0)
ARENA_DAILY_VOTE_CAP = envint("ARENA_DAILY_VOTE_CAP", 0, minimum=0)
ARENA_PROMPT_RATE_PER_HOUR = envint("ARENA_PROMPT_RATE_PER_HOUR", 20, minimum=0)
# Source images of edit prompts (uploads and curated ones): bytes, then decoded pixels.
ARENA_SOURCE_MAX_BYTES = envint("ARENA_SOURCE_MAX_BYTES", 20_000_000, minimum=1)
ARENA_SOURCE_MAX_PIXELS = envint("ARENA_SOURCE_MAX_PIXELS", 16_777_216, minimum=256)

# Only variables under this prefix may be named as API keys, so that no setting of the server
# itself (DATABASE_URL, SECRET_KEY) can be sent out as a key.
GENERATION_KEY_PREFIX = os.environ.get("GENERATION_KEY_PREFIX", "ARENA_KEY_").strip()
if not GENERATION_KEY_PREFIX:
    raise ImproperlyConfigured("GENERATION_KEY_PREFIX must not be empty")
# Each key variable goes only to the hosts bound to it (docs/settings.md).
GENERATION_KEY_HOSTS = envhostmap(
    "GENERATION_KEY_HOSTS",
    {
        f"{GENERATION_KEY_PREFIX}OPENAI": ("api.openai.com",),
        f"{GENERATION_KEY_PREFIX}FAL": ("queue.fal.run",),
        f"{GENERATION_KEY_PREFIX}REPLICATE": ("api.replicate.com",),
        f"{GENERATION_KEY_PREFIX}GEMINI": ("generativelanguage.googleapis.com",),
    },
    prefix=GENERATION_KEY_PREFIX,
)
# Server-side requests (base URLs, downloads, each redirect) go to public addresses only, and
# to these hosts: a self-hosted model on the local network, the tests' local servers.
GENERATION_ALLOWED_HOSTS = envlist("GENERATION_ALLOWED_HOSTS", [])

# Matchmaking: "active" sends votes where they decide a category's route, "uniform" draws
# every pair and category uniformly (an audit period no earlier vote has steered).
ARENA_PAIRING = envchoice("ARENA_PAIRING", "active", ("active", "uniform"))
ARENA_PAIRING_EXPLORATION = envfloat("ARENA_PAIRING_EXPLORATION", 0.1, minimum=0.0, maximum=1.0)
ARENA_PROMPT_REPEAT_HOURS = envfloat("ARENA_PROMPT_REPEAT_HOURS", 24.0, minimum=0.0)
# The share of new pool battles made as decoys (attention checks, see docs/blindness.md).
ARENA_DECOY_RATE = envfloat("ARENA_DECOY_RATE", 0.03, minimum=0.0, maximum=1.0)
ARENA_DECOY_RATE_NEW = envfloat("ARENA_DECOY_RATE_NEW", 0.25, minimum=0.0, maximum=0.9)
ARENA_DECOY_NEW_VOTES = envint("ARENA_DECOY_NEW_VOTES", 50, minimum=0)
ARENA_DECOY_RATE_DOUBT = envfloat("ARENA_DECOY_RATE_DOUBT", 0.6, minimum=0.0, maximum=0.9)

# Ratings (see docs/ratings.md for what each choice means).
RATINGS_ELO_K = envfloat("RATINGS_ELO_K", 4.0, minimum=0.0)
RATINGS_ELO_SCALE = envfloat("RATINGS_ELO_SCALE", 400.0, minimum=1.0)
RATINGS_ELO_BASE = envfloat("RATINGS_ELO_BASE", 10.0, minimum=1.0001)
RATINGS_ELO_INITIAL = envfloat("RATINGS_ELO_INITIAL", 1000.0)
RATINGS_ANCHOR = envfloat("RATINGS_ANCHOR", 1000.0)
RATINGS_BOTH_BAD = envchoice("RATINGS_BOTH_BAD", "tie", ("tie", "drop"))
# A flagged vote (cast too fast, or before both images loaded) judged nothing it saw: drop it.
RATINGS_FLAGGED = envchoice("RATINGS_FLAGGED", "drop", ("drop", "count"))
RATINGS_TIES = envchoice("RATINGS_TIES", "half", ("half", "davidson"))
RATINGS_POSITION_BIAS = envbool("RATINGS_POSITION_BIAS", False)
RATINGS_INTERVAL = envchoice("RATINGS_INTERVAL", "sandwich", ("sandwich", "fisher", "bootstrap"))
RATINGS_BOOTSTRAP_ROUNDS = envint("RATINGS_BOOTSTRAP_ROUNDS", 1000, minimum=10)
RATINGS_SEED = envint("RATINGS_SEED", 0, minimum=0)
RATINGS_RECOMPUTE_INTERVAL = envfloat("RATINGS_RECOMPUTE_INTERVAL", 10.0, minimum=0.0)
# A running recompute holds its board for this long and renews the hold while it runs, so the
# hold of a worker that died lapses within this many seconds.
RATINGS_RECOMPUTE_LEASE_SECONDS = envfloat("RATINGS_RECOMPUTE_LEASE_SECONDS", 30.0, minimum=1.0)
RATINGS_MIN_VOTES = envint("RATINGS_MIN_VOTES", 20, minimum=0)
# Votes whose battles have both outputs' styles measured that a style-controlled board needs.
RATINGS_STYLE_MIN_VOTES = envint("RATINGS_STYLE_MIN_VOTES", 200, minimum=1)
# Prior strength in virtual tied games per model; 0 is the plain maximum-likelihood fit.
RATINGS_PRIOR = envfloat("RATINGS_PRIOR", 1.0, minimum=0.0)
if RATINGS_PRIOR == 0 and RATINGS_INTERVAL == "bootstrap":
    raise ImproperlyConfigured(
        "RATINGS_PRIOR=0 cannot go with RATINGS_INTERVAL=bootstrap: a resample in which a model "
        "won everything has no finite maximum-likelihood fit"
    )
# Chance that a category is ever routed confidently to a model that is not its best.
RATINGS_ERROR_RATE = envfloat("RATINGS_ERROR_RATE", 0.05, minimum=0.0001, maximum=0.5)
# Rating points a confident pick may be below the best (25: a 53.6% head-to-head win rate).
RATINGS_ROUTE_TOLERANCE = envfloat("RATINGS_ROUTE_TOLERANCE", 25.0, minimum=0.0)
ROUTE_MIN_CATEGORY_VOTES = envint("ROUTE_MIN_CATEGORY_VOTES", 100, minimum=0)
# The prompt route (ratings.prompt_route, docs/settings.md).
ROUTE_PROMPT_SIMILARITY = envfloat("ROUTE_PROMPT_SIMILARITY", 0.5, minimum=0.0, maximum=0.95)
ROUTE_PROMPT_PRIOR_SD = envfloat("ROUTE_PROMPT_PRIOR_SD", 60.0, minimum=1.0)
RATINGS_SNAPSHOTS_KEPT = envint("RATINGS_SNAPSHOTS_KEPT", 200, minimum=1)
# Voters' tests (docs/voters.md).
RATERS_ERROR_RATE = envfloat("RATERS_ERROR_RATE", 0.05, minimum=0.0001, maximum=0.5)
RATERS_REVIEW_RATE = envfloat("RATERS_REVIEW_RATE", 0.2, minimum=0.0002, maximum=0.9)
if RATERS_REVIEW_RATE <= RATERS_ERROR_RATE:
    raise ImproperlyConfigured("RATERS_REVIEW_RATE must be above RATERS_ERROR_RATE")
RATERS_ATTENTIVE_FAILURE = envfloat("RATERS_ATTENTIVE_FAILURE", 0.10, minimum=0.001, maximum=0.2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": envchoice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}
