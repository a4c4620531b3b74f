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
# Replica aliases (from DATABASE_REPLICA_URLS) exist, but reads are routed to them only in the tests that
# switch the routing on (override_settings(TINHSO_READ_REPLICAS=[…])): the others read what they wrote.
TINHSO_READ_REPLICAS = []
if "replica1" not in DATABASES:  # noqa: F405
    # Without a real standby (SQLite, or no replica started) the routing tests read through a second connection
    # to the same test database.
    DATABASES["replica1"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
# Static files come straight from the apps: no collect step before the browser tests.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
# Each page works its menu out again (the query-count tests count a page's own queries); the menu kept
# between pages, as in production, is tested on its own (common/tests/test_navigation.py).
TINHSO_MENU_SECONDS = 0
