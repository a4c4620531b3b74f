"""What the public pages keep between requests: rendered fragments and the validators of conditional responses.

A page that thousands of visitors reload (the tracking page, the procedure search, the catalogue) mostly
shows what did not change since the last request. Two mechanisms keep that work from being done again:

- :func:`fragment` keeps a rendered piece of HTML in the cache under a key naming everything it depends on
  (the record's version, the language, the filters) plus the *generation* of the data it was drawn from.
  :func:`bump` starts a new generation when that data changes (catalogue and agency edits do, through
  signals), so the process that made the change shows it at once; other processes (each keeps its own
  local-memory cache) show it when their copy expires, after ``TINHSO_PAGE_CACHE_SECONDS`` at most.
- :func:`page` keeps a whole public page for visitors without a session (no account, no pending messages):
  such a page depends only on its address, the language and the CSRF token, so it is rendered once with a
  placeholder where the token goes and each request only puts its own (masked) token in.
- :func:`etag` builds a strong entity tag from the same parts and :func:`not_modified` answers a browser's
  ``If-None-Match`` with 304 before anything is rendered. :func:`release` is part of every tag, so a new
  release (changed templates or translations) never reuses a page of the old one.

Keys are hashed, so any cache backend accepts them (memcached limits keys to 250 characters).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from functools import cache as memoise
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

import tinhso

# Stands where the CSRF token goes in a kept page; letters and digits like a real token, so no escaping differs.
CSRF_PLACEHOLDER = "tinhsoCsrfTokenPlaceholder" + "0" * 38
PACKAGE = Path(tinhso.__file__).resolve().parent
_FRESH_FILES = (".html", ".mo", ".txt")


def timeout() -> int:
    """Seconds a rendered fragment is kept (the longest another process may show data changed elsewhere)."""
    return int(getattr(settings, "TINHSO_PAGE_CACHE_SECONDS", 60))


@memoise
def release() -> str:
    """An identifier of the running release: the version and the newest template or catalogue file.

    Computed once per process (a walk over the package's templates and locales, a few milliseconds).
    """
    newest = 0.0
    for root, _dirs, files in os.walk(PACKAGE):
        if "templates" not in root and "locale" not in root:
            continue
        for name in files:
            if name.endswith(_FRESH_FILES):
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return hashlib.sha256(f"{tinhso.__version__}:{newest}".encode()).hexdigest()[:16]


def _digest(parts: Iterable) -> str:
    return hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()


def generation(name: str) -> int:
    """The current generation of the data called ``name`` (``catalogue``…); 0 until first bumped."""
    return cache.get(f"tinhso:generation:{name}", 0)


def bump(name: str) -> None:
    """Start a new generation of ``name``: fragments drawn from the old one are no longer used."""
    key = f"tinhso:generation:{name}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def remembered(key: Iterable, compute: Callable[[], object], *, depends_on: Iterable[str] = (),
               seconds: int | None = None):
    """What ``compute()`` returns, kept under ``key`` and the generations of ``depends_on`` for ``seconds``
    (:func:`timeout` by default). ``compute`` must not return None (None means "not kept")."""
    parts = (*key, *((name, generation(name)) for name in depends_on))
    cache_key = "tinhso:kept:" + _digest(parts)
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, timeout=seconds or timeout())
    return value


def fragment(key: Iterable, render: Callable[[], str], *, depends_on: Iterable[str] = ()) -> SafeString:
    """The HTML ``render()`` returns, kept under ``key`` (and the generations of ``depends_on``)."""
    html = remembered(("fragment", *key), lambda: str(render()), depends_on=depends_on)
    return mark_safe(html)  # noqa: S308 — rendered by our own templates, which escape what they show


def shareable(request) -> bool:
    """True when the page depends on nothing of the visitor but the address, language and CSRF token: no
    session cookie (so no account and no messages kept in a session) and no messages cookie."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def page(request, key: Iterable, render: Callable[[dict], HttpResponse], *,
         depends_on: Iterable[str] = ()) -> HttpResponse:
    """The response ``render(extra_context)`` gives, kept whole for visitors without a session.

    ``key`` names what the page shows besides its address and language (a record's version…). A visitor with
    a session gets ``render({})`` every time (its fragments may still come from the cache).
    """
    if request.method not in ("GET", "HEAD") or not shareable(request):
        return render({})
    parts = ("page", *key, request.get_full_path(), get_language(),
             *((name, generation(name)) for name in depends_on))
    cache_key = "tinhso:kept:" + _digest(parts)
    kept = cache.get(cache_key)
    if kept is None:
        response = render({"csrf_token": CSRF_PLACEHOLDER})
        if response.status_code != 200 or response.streaming:
            return response
        kept = (response["Content-Type"], response.content.decode(response.charset))
        cache.set(cache_key, kept, timeout=timeout())
    content_type, html = kept
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return HttpResponse(html, content_type=content_type)


def etag(*parts) -> str:
    """A strong entity tag for a response that depends on exactly ``parts`` (and the release)."""
    return '"' + _digest((release(), *parts))[:32] + '"'


def not_modified(request, tag: str):
    """The 304 answer when the browser already holds the page tagged ``tag``; None otherwise."""
    if request.method not in ("GET", "HEAD"):
        return None
    response = get_conditional_response(request, etag=tag)
    if response is not None:
        revalidate_privately(response, tag)
    return response


def revalidate_privately(response, tag: str):
    """Let the visitor's own browser keep the page, asking each time whether it changed (never a shared cache:
    the page shows personal data), and tag it."""
    response["ETag"] = tag
    patch_cache_control(response, private=True, no_cache=True, max_age=0)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response
