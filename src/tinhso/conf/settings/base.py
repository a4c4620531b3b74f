"""Settings shared by every environment. Configuration comes only from ``tinhso.conf.environment``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from tinhso.conf.environment import env, env_bool, env_int, env_list

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/tinhso
BASE_DIR = PACKAGE_DIR.parents[1]  # the project's root
DATA_DIR = (BASE_DIR / env("DATA_DIR")).resolve()

DEBUG = env_bool("DEBUG")
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "tinhso.common",
    "tinhso.common.notices",
    "tinhso.geo",
    "tinhso.directory",
    "tinhso.catalogue",
    "tinhso.exchange",
    "tinhso.dossiers",
    "tinhso.ioc",
    "tinhso.portal",
    "tinhso.portal.accounts",
    "tinhso.portal.feedback",
    "tinhso.telecom",
    "tinhso.directives",
    "tinhso.media",
    "tinhso.documents",
    "tinhso.broadcast",
    "tinhso.demo",
]

MIDDLEWARE = [
    "tinhso.common.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tinhso.common.middleware.RequestIdMiddleware",
    "tinhso.common.replicas.ReplicaMiddleware",
    "tinhso.common.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tinhso.common.middleware.UnsafeInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tinhso.common.audit.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tinhso.conf.urls"
WSGI_APPLICATION = "tinhso.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tinhso.common.context_processors.platform",
                "tinhso.common.notices.context_processors.notices",
            ],
        },
    }
]


def _database(url: str) -> dict:
    if not url:
        # The embedded default follows DATA_DIR, so that a second instance with its own DATA_DIR never
        # shares the first one's database.
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'tinhso.sqlite3'}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = BASE_DIR / url.removeprefix("sqlite:///")
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and a busy timeout let the web process and the task worker share the embedded database.
        config["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    else:
        pool_size = env_int("DATABASE_POOL_SIZE")
        if pool_size > 0:
            # Django's psycopg pool: connections are borrowed for a request or a task and given back.
            config["CONN_MAX_AGE"] = 0
            config["OPTIONS"] = {"pool": {"min_size": min(2, pool_size), "max_size": pool_size, "timeout": 10}}
        else:
            config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE")
        config["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_HEALTH_CHECKS")
        if env_bool("DATABASE_PGBOUNCER"):
            # PgBouncer in transaction mode hands each transaction to any server connection: no cursor may
            # outlive its transaction (Django's psycopg settings already send no prepared statements).
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
            # nor a statement prepared on one server connection be run on another (common.statements.execute)
            config["PREPARED_STATEMENTS"] = False
    return config


DATABASES = {"default": _database(env("DATABASE_URL"))}
# Read replicas (PostgreSQL streaming standbys of the primary): `tinhso.common.replicas` routes the reads of the
# pages that allow it there. In tests a replica alias mirrors the test database (no database is created on it).
TINHSO_READ_REPLICAS: list[str] = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_number}"] = {**_database(_url), "TEST": {"MIRROR": "default"}}
    TINHSO_READ_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["tinhso.common.replicas.ReplicaRouter"]
TINHSO_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS")
TINHSO_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS")
TINHSO_PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS")
TINHSO_TASK_WORKER_HEARTBEAT_SECONDS = float(env("TASK_WORKER_HEARTBEAT_SECONDS"))
TINHSO_TASK_WORKER_STALE_SECONDS = float(env("TASK_WORKER_STALE_SECONDS"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # User name, e-mail or verified phone with a password; then the national identity (VNeID) over OIDC.
    "tinhso.portal.accounts.backends.IdentifierBackend",
    "tinhso.portal.accounts.oidc.NationalIdentityBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Dates are typed and shown day first (dd/mm/yyyy) or ISO, never month first, in both languages:
# the platform's formats replace Django's locale ones (conf/formats), and the same hold with no language.
FORMAT_MODULE_PATH = ["tinhso.conf.formats"]
from tinhso.conf.formats import (  # noqa: E402
    DATE_INPUT_FORMATS,  # noqa: F401
    DATETIME_INPUT_FORMATS,  # noqa: F401
    TIME_INPUT_FORMATS,  # noqa: F401
)

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT")) if env("STATIC_ROOT") else DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT")) if env("MEDIA_ROOT") else DATA_DIR / "media"


def _file_storage(kind: str) -> dict:
    """Uploaded and issued files: the local file system, or S3-compatible object storage (django-storages), so
    that web processes and workers on several machines see the same files."""
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ValueError(f"FILE_STORAGE: unknown storage {kind!r} (local or s3)")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env("S3_BUCKET"), "endpoint_url": env("S3_ENDPOINT_URL") or None,
        "region_name": env("S3_REGION") or None, "access_key": env("S3_ACCESS_KEY_ID") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY") or None, "location": env("S3_PREFIX"),
        # Files are private: read through the application's own checks, never by a public address.
        "default_acl": None, "querystring_auth": True, "file_overwrite": False, "addressing_style": "path",
    }}


STORAGES = {
    "default": _file_storage(env("FILE_STORAGE")),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _email(url: str) -> dict:
    """Translate EMAIL_URL into Django's EMAIL_* settings."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ValueError(f"EMAIL_URL: unknown scheme {scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme],
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email(env("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": (
        {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        if env("TASKS_BACKEND") == "database"
        else {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    )
}

# The province this deployment serves (2025 code list) and its working day (standards §3).
TINHSO_PROVINCE_CODE = env("PROVINCE_CODE")
TINHSO_OFFICE_HOURS = env("OFFICE_HOURS")
TINHSO_PUBLIC_BASE_URL = env("PUBLIC_BASE_URL").rstrip("/")
TINHSO_SMS_BACKEND = env("SMS_BACKEND")
TINHSO_SMS_ENCODING = env("SMS_ENCODING").strip().lower()
TINHSO_SMS_MAX_SEGMENTS = env_int("SMS_MAX_SEGMENTS")
TINHSO_NOTICE_RETRY_DELAYS = [int(float(delay)) for delay in env_list("NOTICE_RETRY_DELAYS")]
TINHSO_MAP_TILE_URL = env("MAP_TILE_URL")
TINHSO_MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION")
TINHSO_MAP_MAX_ZOOM = int(env("MAP_MAX_ZOOM"))
TINHSO_BRIEFING_HOUR = env_int("BRIEFING_HOUR")
TINHSO_UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB") * 1024 * 1024
TINHSO_DUE_SOON_WORKING_DAYS = env_int("DUE_SOON_WORKING_DAYS")
TINHSO_COMPLAINT_HANDLING_WORKING_DAYS = env_int("COMPLAINT_HANDLING_WORKING_DAYS")
TINHSO_DIRECTIVES_REMINDER_DAYS = tuple(int(days) for days in env_list("DIRECTIVES_REMINDER_DAYS"))
# Press and information (tinhso.media).
TINHSO_MEDIA_LICENCE_EXPIRY_DAYS = env_int("MEDIA_LICENCE_EXPIRY_DAYS")
TINHSO_MEDIA_MONITOR_FAILURES = env_int("MEDIA_MONITOR_FAILURES")
TINHSO_MEDIA_MONITOR_TIMEOUT = float(env("MEDIA_MONITOR_TIMEOUT"))
TINHSO_MEDIA_REPORTS_PER_HOUR = env_int("MEDIA_REPORTS_PER_HOUR")
TINHSO_MEDIA_BRIEFING_INFO_WORKING_DAYS = env_int("MEDIA_BRIEFING_INFO_WORKING_DAYS")
# The reverse proxies whose X-Forwarded-For names the client (common.middleware.ClientAddressMiddleware).
TINHSO_TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# RFC 3161 timestamps (tinhso.common.timestamps): the audit chain's seals, signatures.
TINHSO_TSA_URL = env("TSA_URL")
TINHSO_DOCUMENTS_TRUSTED_ROOTS = env("DOCUMENTS_TRUSTED_ROOTS")
TINHSO_TSA_TRUSTED_ROOTS = env("TSA_TRUSTED_ROOTS")
TINHSO_TSA_POLICY = env("TSA_POLICY")
TINHSO_TSA_TIMEOUT = float(env("TSA_TIMEOUT"))
TINHSO_AUDIT_SEAL_INTERVAL = float(env("AUDIT_SEAL_INTERVAL"))
BROADCAST_MQTT_URL = env("BROADCAST_MQTT_URL")
BROADCAST_OFFLINE_AFTER = float(env("BROADCAST_OFFLINE_AFTER"))
BROADCAST_EXTREME_STARTS_AT_ONCE = env_bool("BROADCAST_EXTREME_STARTS_AT_ONCE")
BROADCAST_CAP_SENDER = env("BROADCAST_CAP_SENDER")
BROADCAST_VOICE = env("BROADCAST_VOICE")
BROADCAST_ICECAST_URL = env("BROADCAST_ICECAST_URL")
BROADCAST_ICECAST_PUBLIC_URL = env("BROADCAST_ICECAST_PUBLIC_URL")
BROADCAST_ICECAST_SOURCE_PASSWORD = env("BROADCAST_ICECAST_SOURCE_PASSWORD")
BROADCAST_ICECAST_ADMIN_PASSWORD = env("BROADCAST_ICECAST_ADMIN_PASSWORD")
BROADCAST_LIVE_SOURCE_HOSTS = env_list("BROADCAST_LIVE_SOURCE_HOSTS")

# Sign-in with the national identity (VNeID) through OpenID Connect (mozilla-django-oidc's settings).
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OIDC_USERINFO_ENDPOINT")
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGORITHM")
OIDC_RP_SCOPES = env("OIDC_SCOPES")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE")
OIDC_USE_NONCE = True
OIDC_TIMEOUT = 15
OIDC_AUTHENTICATION_CALLBACK_URL = "citizens:vneid-callback"
TINHSO_OIDC_ISSUER = env("OIDC_ISSUER")
TINHSO_OIDC_CITIZEN_ID_CLAIM = env("OIDC_CITIZEN_ID_CLAIM")

# The data-sharing gateway (X-Road REST) and the national public-service portal adapter (tinhso.exchange).
TINHSO_EXCHANGE_INSTANCE = env("EXCHANGE_INSTANCE")
TINHSO_EXCHANGE_MEMBER_CLASS = env("EXCHANGE_MEMBER_CLASS")
TINHSO_EXCHANGE_MEMBER_CODE = env("EXCHANGE_MEMBER_CODE")
TINHSO_EXCHANGE_SUBSYSTEM = env("EXCHANGE_SUBSYSTEM")
TINHSO_EXCHANGE_CLIENT_CERT_HEADER = env("EXCHANGE_CLIENT_CERT_HEADER")
TINHSO_EXCHANGE_TRUSTED_PROXIES = env_list("EXCHANGE_TRUSTED_PROXIES")
TINHSO_EXCHANGE_TLS_CERT = env("EXCHANGE_TLS_CERT")
TINHSO_EXCHANGE_TLS_KEY = env("EXCHANGE_TLS_KEY")
TINHSO_EXCHANGE_TLS_CA = env("EXCHANGE_TLS_CA")
TINHSO_EXCHANGE_SECURITY_SERVER_URL = env("EXCHANGE_SECURITY_SERVER_URL").rstrip("/")
TINHSO_EXCHANGE_CALL_TIMEOUT = float(env("EXCHANGE_CALL_TIMEOUT"))
TINHSO_EXCHANGE_CALL_RETRIES = env_int("EXCHANGE_CALL_RETRIES")
TINHSO_EXCHANGE_MAX_REQUEST_BYTES = env_int("EXCHANGE_MAX_REQUEST_MB") * 1024 * 1024
TINHSO_EXCHANGE_LOG_BODY_LIMIT = env_int("EXCHANGE_LOG_BODY_LIMIT_KB") * 1024
TINHSO_EXCHANGE_SEAL_BATCH = env_int("EXCHANGE_SEAL_BATCH")
TINHSO_EXCHANGE_SEAL_INTERVAL = env_int("EXCHANGE_SEAL_INTERVAL_SECONDS")
TINHSO_EXCHANGE_SEAL_ALERT_MINUTES = env_int("EXCHANGE_SEAL_ALERT_MINUTES")
TINHSO_NATIONAL_PORTAL_SYNC = env_bool("NATIONAL_PORTAL_SYNC")
TINHSO_NATIONAL_PORTAL_URL = env("NATIONAL_PORTAL_URL").rstrip("/")
TINHSO_NATIONAL_PORTAL_SYSTEM_ID = env("NATIONAL_PORTAL_SYSTEM_ID")
TINHSO_NATIONAL_PORTAL_SECRET = env("NATIONAL_PORTAL_SECRET")
TINHSO_NATIONAL_PORTAL_TIMEOUT = float(env("NATIONAL_PORTAL_TIMEOUT"))
TINHSO_NATIONAL_PORTAL_BATCH = env_int("NATIONAL_PORTAL_BATCH")
TINHSO_NATIONAL_PORTAL_MAX_ATTEMPTS = env_int("NATIONAL_PORTAL_MAX_ATTEMPTS")

# Django's database sessions, the row read through one prebuilt statement (tinhso.common.sessions).
SESSION_ENGINE = "tinhso.common.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tinhso.common.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # A timestamp or signature that fails validation is reported by tinhso.common.timestamps itself.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}

CACHES = {
    # Per process: rendered public pages and fragments (tinhso.common.pagecache), the calendar. Room for a few
    # thousand pages (about 10 kB each).
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tinhso",
                "OPTIONS": {"MAX_ENTRIES": 3000}},
}
