"""The embedded mode: SQLite, local files, mail printed to the console. What `make run` uses."""

from .base import *  # noqa: F403

# The embedded server serves static files straight from the apps, with no collect step needed.
WHITENOISE_USE_FINDERS = True
