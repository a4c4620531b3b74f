"""Helpers for the browser tests (Playwright on Debian's Chromium; the ``chromium`` and ``page`` fixtures are in
``src/conftest.py``).

A test starts signed in — the sign-in form has tests of its own — and from there reaches its pages through the
header, the menus and the buttons, as a person does.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client


def sign_in(context, live_server, user) -> None:
    """Start a session for ``user`` in the browser context (its cookies replaced)."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])


def sign_in_as(page, live_server, user) -> None:
    """The same for the context of ``page``."""
    sign_in(page.context, live_server, user)
