"""Settings for the test suite: tasks run immediately, mail is kept in memory, hashing is fast."""

import os

os.environ.setdefault("EMAIL_URL", "memory:")
os.environ.setdefault("TASKS_BACKEND", "immediate")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come straight from the apps: no collect step before the browser tests.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
