"""Settings, read from the environment (see the README's Configuration table)."""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("LABSHARE_VAR_DIR", BASE_DIR.parent.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def load_or_create_secret_key() -> str:
    """Use SECRET_KEY, or one generated on first start and kept under var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = load_or_create_secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "corsheaders",
    "oauth2_provider",
    "drf_spectacular_sidecar",
    "labshare.accounts",
    "labshare.equipment",
    "labshare.projects",
    "labshare.bookings",
    "labshare.oauth",
    "labshare.api",
    "labshare.changes",
    "labshare.feeds",
    "labshare.demo",
    "labshare.worker",
    "labshare.webhooks",
]

MIDDLEWARE = [
    # First, so that its line and its timing cover every answer, the others' included.
    "labshare.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "labshare.outages.DatabaseUnavailableMiddleware",
    "labshare.replicas.ReplicaReadsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "labshare.input_check.InputCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "labshare.urls"
WSGI_APPLICATION = "labshare.wsgi.application"
APPEND_SLASH = False

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
                "labshare.bookings.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'labshare.sqlite3'}"),
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound on the server and statements prepared after their fifth run on a
    # connection: PostgreSQL then stops planning them, and planning a booking's ten-table
    # join takes several times longer than running it.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite has no INCLUDE columns; such an index there simply covers its key columns.
SILENCED_SYSTEM_CHECKS = [
    "models.W040",
    # PKCE is required per client, of public clients (LabshareValidator.is_pkce_required),
    # which django-oauth-toolkit's check cannot see.
    "oauth2_provider.W010",
    # Native apps (the `labshare login` command among them) get their code on a loopback
    # http:// callback (RFC 8252 §7.3), so "http" stays an allowed redirect scheme.
    "oauth2_provider.W008",
    # The refresh grace period answers a fresh pair of the family (LabshareValidator), never the
    # earlier tokens, so it needs none of them in plaintext.
    "oauth2_provider.E001",
    # `iss` (RFC 9207) is added by oauth/views/authorize.py, from LABSHARE_WEB_URL.
    "oauth2_provider.W005",
]

REDIS_URL = os.environ.get("REDIS_URL", "")
# django-redis keeps one client per process; Django's own backend builds one for every call.
CACHES = {
    "default": (
        {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Outages (labshare/outages.py; README: Running in production). PostgreSQL: a connection
# attempt gives up after 3 s, and Django's health check (labshare/postgresql) drops a broken
# persistent connection before it is reused. Redis: a cache call gives up after 0.25 s and then
# misses, so the API answers from the database; the rate limits count in "local" meanwhile.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = 3
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 0.25,
        "SOCKET_TIMEOUT": 0.25,
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "labshare.outages.redis"
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "labshare-local"}

# Read replicas (labshare/replicas.py; README: Running in production, Read replicas): PostgreSQL
# streaming replicas of the primary, each connected as the primary is, serving the /v1 reads.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
if DATABASE_REPLICA_URLS and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL primary (DATABASE_URL).")
for number, replica_url in enumerate(DATABASE_REPLICA_URLS, start=1):
    replica = dj_database_url.parse(replica_url, conn_max_age=600, conn_health_checks=True)
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS: every replica is a postgres:// URL.")
    # Tests make no database of their own for a replica: it reads the test database.
    replica.update(OPTIONS=dict(DATABASES["default"]["OPTIONS"]), TEST={"MIRROR": "default"})
    DATABASES[f"replica_{number}"] = replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["labshare.replicas.ReplicaRouter"]
# Django's PostgreSQL backend with a health check that sends nothing while the socket is quiet.
for database in DATABASES.values():
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "labshare.postgresql"

AUTH_USER_MODEL = "accounts.User"
# django-axes refuses a locked address or account before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Users' passwords with Django's default; client secrets with a keyed SHA-256 (oauth/client_secrets.py).
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "labshare.oauth.client_secrets.ClientSecretHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/equipment"  # every member may book; not every one registers applications
LOGOUT_REDIRECT_URL = "/login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Production behind a TLS-terminating proxy that sets X-Forwarded-Proto (README: Running in production).
HTTPS = env_bool("LABSHARE_HTTPS") and not DEBUG
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 365 * 86400 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS

# django-oauth-toolkit: the lifetimes and rules REAL_CLIENTS.md lists.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read_user": "Read user details",
        "read_accounts": "Read accounts",
        "read_equipment": "Read equipment",
        "read_projects": "Read projects",
        "read_bookings": "Read bookings",
        "write_bookings": "Request, cancel, approve and decline bookings, and add notes",
    },
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 7200,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("LABSHARE_REFRESH_TOKEN_DAYS", 30) * 86400,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # A refresh token just rotated still answers, with a fresh pair of its family, for this
    # long: a retry after a lost answer, or several clients refreshing at once (oauth/validators.py).
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": env_int("LABSHARE_REFRESH_REUSE_SECONDS", 60),
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # RFC 9700: no implicit or password grant, no "plain" PKCE, no token in a query string
    # (Labshare offers none of them). `iss` (RFC 9207) is added by oauth/views/authorize.py,
    # from LABSHARE_WEB_URL.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "PKCE_REQUIRED": False,
    "CLIENT_SECRET_HASHER": "labshare_hmac_sha256",
    "OAUTH2_VALIDATOR_CLASS": "labshare.oauth.validators.LabshareValidator",
}

# Fixed-window limits counted in the cache (shared by every process when REDIS_URL is set).
LABSHARE_RATE_LIMIT = os.environ.get("LABSHARE_RATE_LIMIT", "60/minute")
# Peers whose X-Forwarded-For is believed (labshare.oauth.ratelimit.client_address).
LABSHARE_TRUSTED_PROXIES = [
    ipaddress.ip_network(proxy, strict=False) for proxy in env_list("LABSHARE_TRUSTED_PROXIES")
]

# The record of changes (labshare/changes): how long /v1/changes can follow from a cursor.
CHANGES_RETENTION_DAYS = env_int("LABSHARE_CHANGES_RETENTION_DAYS", 30)

# django-axes: failed sign-ins on every path (/login, /admin/login/), counted in the database
# per client address and per account; a lock lasts until no failure for the cool-off time.
AXES_FAILURE_LIMIT = env_int("LABSHARE_SIGN_IN_FAILURES", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LABSHARE_SIGN_IN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "labshare.oauth.ratelimit.client_address"
AXES_USERNAME_CALLABLE = "labshare.oauth.views.signin.account_name"
AXES_LOCKOUT_CALLABLE = "labshare.oauth.views.signin.locked_out"
AXES_DISABLE_ACCESS_LOG = True

# The public URLs of the web app (the OAuth issuer) and of the API, for OAuth discovery and
# `iss`; unset, the request's own origin (the API: the web URL and /v1).
LABSHARE_WEB_URL = os.environ.get("LABSHARE_WEB_URL", "").rstrip("/")
LABSHARE_API_URL = os.environ.get("LABSHARE_API_URL", "").rstrip("/")

# E-mail: the console by default; SMTP from EMAIL_URL (smtp://user:password@host:port,
# smtps:// for TLS on connect, ?starttls for STARTTLS) or EMAIL_HOST and EMAIL_PORT.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Labshare <labshare@localhost>")
EMAIL_URL = os.environ.get("EMAIL_URL", "")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = "starttls" in _email.query
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    if not EMAIL_URL:
        EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_TIMEOUT = 10
# The domain of the iCalendar UIDs in booking e-mails (booking-<id>@domain).
LABSHARE_ICS_DOMAIN = os.environ.get("LABSHARE_ICS_DOMAIN", ALLOWED_HOSTS[0] if ALLOWED_HOSTS else "labshare")
# Calendar feeds: bookings from so many days back to so many ahead, at most so many events;
# cancelled and declined ones while changed within so many days, so calendars remove them.
LABSHARE_FEEDS_PAST_DAYS = env_int("LABSHARE_FEEDS_PAST_DAYS", 30)
LABSHARE_FEEDS_FUTURE_DAYS = env_int("LABSHARE_FEEDS_FUTURE_DAYS", 365)
LABSHARE_FEEDS_CANCELLED_DAYS = env_int("LABSHARE_FEEDS_CANCELLED_DAYS", 30)
LABSHARE_FEEDS_MAX_EVENTS = env_int("LABSHARE_FEEDS_MAX_EVENTS", 2000)
LABSHARE_FEEDS_REFRESH_MINUTES = env_int("LABSHARE_FEEDS_REFRESH_MINUTES", 15)

# Webhooks (labshare/webhooks): the waits between attempts, in seconds (exponential, with
# jitter, about three days in all; then the endpoint is disabled), each attempt's timeout, how
# long a rotated secret still signs, and networks delivered to although they are not public.
LABSHARE_WEBHOOKS_RETRY_SCHEDULE = [
    float(seconds)
    for seconds in env_list(
        "LABSHARE_WEBHOOKS_RETRY_SCHEDULE",
        "5,30,120,600,1800,3600,7200,14400,28800,43200,43200,43200,43200,43200",
    )
]
LABSHARE_WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("LABSHARE_WEBHOOKS_TIMEOUT_SECONDS", 10))
LABSHARE_WEBHOOKS_SECRET_OVERLAP_HOURS = float(os.environ.get("LABSHARE_WEBHOOKS_SECRET_OVERLAP_HOURS", 24))
LABSHARE_WEBHOOKS_ALLOW_PRIVATE = [
    ipaddress.ip_network(network, strict=False) for network in env_list("LABSHARE_WEBHOOKS_ALLOW_PRIVATE")
]

CORS_URLS_REGEX = r"^/v1/.*$"
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_METHODS = ("GET", "OPTIONS")
CORS_EXPOSE_HEADERS = ("X-Total-Records", "X-Current-Page", "X-Per-Page", "Link", "WWW-Authenticate")

# Health, metrics and logs (README). Metrics are off unless a scrape token is set.
LABSHARE_METRICS_TOKEN = os.environ.get("LABSHARE_METRICS_TOKEN", "")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ValueError(f"LOG_FORMAT is {LOG_FORMAT!r}: use text or json")
# Probes come straight from the load balancer, often over plain HTTP: no redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "labshare.log_format.JsonLineFormatter"},
    },
    "filters": {
        "once_per_outage": {"()": "labshare.outages.OncePerOutage"},
        "drop_outage_answers": {"()": "labshare.outages.DropOutageAnswers"},
        "redact_feed_tokens": {"()": "labshare.feeds.log_filter.RedactFeedTokens"},
        "count_cache_errors": {"()": "labshare.outages.CountCacheErrors"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        },
        # One line per request on standard output (labshare/request_log.py), as an access log.
        "requests": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": LOG_FORMAT},
    },
    "loggers": {
        "labshare.outages.database": {"filters": ["once_per_outage"]},
        "labshare.outages.redis": {"filters": ["count_cache_errors", "once_per_outage"]},
        "labshare.replicas": {"filters": ["once_per_outage"]},
        "django.request": {"filters": ["drop_outage_answers", "redact_feed_tokens"]},
        "labshare.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a server process started by the end-to-end tests sees it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_labshare.sqlite3")}
