"""Production: refuses to start with DEBUG on or the default secret key; HTTPS-only cookies."""

from django.core.exceptions import ImproperlyConfigured

from tinhso.conf.environment import VARIABLES, env_bool, env_int

from .base import *  # noqa: F403
from .base import DEBUG, SECRET_KEY

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set it to false).")
if VARIABLES["SECRET_KEY"].default == SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 32 characters in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES = {
    **STORAGES,  # noqa: F405 — the files' storage as FILE_STORAGE says
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
