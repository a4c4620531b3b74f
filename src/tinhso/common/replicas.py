"""Read replicas: which database each query goes to.

A province that outgrows one database server adds PostgreSQL streaming replicas of the primary and lists them
in ``DATABASE_REPLICA_URLS`` (settings: ``replica1``, ``replica2``… in ``TINHSO_READ_REPLICAS``). Then:

- every write, every migration and every read inside a transaction goes to the primary (``default``);
- a read goes to a replica only while a view marked :func:`replica_reads` serves a GET or HEAD request — the
  operations centre, the public catalogue and search, the tracking page, the desk's queues and the reference
  lists of the API; every other page (the dossier a desk officer acts on, forms, sign-in) reads the primary;
- **read-your-writes**: a request that may write (any method but GET, HEAD, OPTIONS, TRACE) marks the browser
  with a cookie (``tinhso_primary``) for ``TINHSO_REPLICA_PIN_SECONDS``; until then its pages read the
  primary, so a visitor sees their own change even while a replica is behind;
- a replica is checked at most every ``CHECK_SECONDS`` in each process: one that cannot be reached, or whose
  replay is more than ``TINHSO_REPLICA_MAX_LAG_SECONDS`` behind what it has received, is left out until the
  next check; with none left the primary serves the reads.

One replica is chosen per request, so the reads of one page see one consistent state.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger("tinhso.replicas")

PIN_COOKIE = "tinhso_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CHECK_SECONDS = 5.0
# How far behind the primary a replica may be (what it received but has not replayed yet).
DEFAULT_MAX_LAG_SECONDS = 30.0

_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("tinhso_replica", default=None)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("tinhso_pinned", default=False)
_health: dict[str, tuple[float, bool]] = {}
_health_lock = threading.Lock()


def replicas() -> list[str]:
    return list(getattr(settings, "TINHSO_READ_REPLICAS", []))


def reading_from() -> str:
    """The alias the reads of the running code go to (``default`` outside a replica view)."""
    return _reading_from.get() or "default"


class ReplicaRouter:
    """Django's database router for the primary and its replicas (see the module's docstring)."""

    def db_for_read(self, model, **hints):
        alias = _reading_from.get()
        if alias is None or connections["default"].in_atomic_block:
            return "default"
        return alias

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def _lag_seconds(alias: str) -> float:
    """How far the replica's replay is behind what it has received (0 when it has replayed everything)."""
    if connections[alias].vendor != "postgresql":
        connections[alias].ensure_connection()
        return 0.0
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
            "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        return float(cursor.fetchone()[0])


def _usable(alias: str) -> bool:
    """Whether ``alias`` may serve reads now: reachable and not too far behind, checked every CHECK_SECONDS."""
    now = time.monotonic()
    checked = _health.get(alias)
    if checked is not None and now - checked[0] < CHECK_SECONDS:
        return checked[1]
    with _health_lock:
        checked = _health.get(alias)
        if checked is not None and now - checked[0] < CHECK_SECONDS:
            return checked[1]
        limit = float(getattr(settings, "TINHSO_REPLICA_MAX_LAG_SECONDS", DEFAULT_MAX_LAG_SECONDS))
        try:
            lag = _lag_seconds(alias)
            usable = lag <= limit
            if not usable:
                logger.warning("replica %s is %.1f s behind: reads go elsewhere", alias, lag)
        except DatabaseError as error:
            usable = False
            logger.warning("replica %s cannot be read (%s): reads go elsewhere", alias, error)
            connections[alias].close()
        _health[alias] = (time.monotonic(), usable)
        return usable


def forget_health() -> None:
    """Check every replica again on its next use (tests; after an operator fixed one)."""
    _health.clear()


def choose_replica(request) -> str | None:
    """The replica this request reads from, or None when it must read the primary."""
    aliases = replicas()
    if not aliases or request.method not in ("GET", "HEAD") or _pinned.get():
        return None
    candidates = list(aliases)
    random.shuffle(candidates)
    return next((alias for alias in candidates if _usable(alias)), None)


def replica_reads(view):
    """Mark a view whose GET and HEAD requests may read from a replica (lists, dashboards, public pages)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        alias = choose_replica(request)
        if alias is None:
            return view(request, *args, **kwargs)
        token = _reading_from.set(alias)
        try:
            return view(request, *args, **kwargs)
        finally:
            _reading_from.reset(token)

    return wrapped


class ReplicaMiddleware:
    """Read-your-writes: requests that may write pin the browser's following reads to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas():
            return self.get_response(request)
        writing = request.method not in SAFE_METHODS
        pinned = writing or _pinned_by_cookie(request)
        token = _pinned.set(pinned)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writing:
            seconds = int(settings.TINHSO_REPLICA_PIN_SECONDS)
            response.set_cookie(PIN_COOKIE, str(int(time.time()) + seconds), max_age=seconds, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response


def _pinned_by_cookie(request) -> bool:
    try:
        return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False
