"""A web process made ready before it takes its first request.

Django loads the URL configuration on the first request a process serves, and with it every app's views, the
API (its schemas built one operation at a time) and the PDF renderer: one to two seconds of one core. Under
gunicorn every worker pays it on its own first request, after a restart or a ``max_requests`` recycle too,
so the first citizens to reach a fresh worker wait that long, and a load test that starts with cold workers
counts the loading against whatever it measures first. :func:`warm` does that work while the process starts
(``tinhso.conf.wsgi`` and ``tinhso.conf.asgi`` call it once the application is built): the URL configuration
and what it imports, the message catalogues of every language the platform speaks, and the public holidays the
working-day calendar starts from (the ``holidays`` package's tables, read without the database).
"""

from __future__ import annotations


def warm() -> None:
    """Load the URL configuration (and the modules it imports), each language's message catalogue and the
    statutory days off of the working-day calendar."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    from tinhso.common import workdays

    get_resolver().url_patterns  # noqa: B018 — the property imports the URL configuration
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Tiếng Việt")  # the catalogue is read when the language is first activated
    workdays.statutory_days()  # the deadlines' calendar adds the database's overrides to these
