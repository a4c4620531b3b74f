"""The version of the data the wall draws, and the wall's payload kept in the cache under it.

A wall polls its data endpoint every few seconds and almost every answer is the same as the last one. The
payload of a (scope, layout, period, language) is therefore computed once and kept in the process's cache
under the *data version*: a warm request reads one row (the version) and the cache, and answers with the
ETag. Every change the wall's numbers depend on moves the version:

- a dossier event: it writes an audit entry in its own transaction (with its rollups), and the version
  includes the audit streams' positions (:class:`tinhso.common.audit.AuditStream`, 16 rows), which move
  with it and become visible with it at commit — no write of its own, so no transition waits on a shared row
  or pays a second transaction for the wall;
- a reported or approved value, a target, a plan, an indicator, a score weight, an alert rule, an alert
  raised, acknowledged or closed, a layout, an indicator reading — through their ``post_save``/
  ``post_delete`` (connected in ``apps.py``), which move a row of :class:`tinhso.common.counters.SeriesCounter`
  **after the change commits** (in a statement of its own);
- an event a module publishes for the room (:data:`tinhso.common.events.room_event`);
- a rebuild of the rollups (:func:`tinhso.ioc.rollups.rebuild`).

The version is read before the payload is computed, so a payload is never older than the version it is kept
under: a process never keeps a payload computed before a change under a version that follows it. The process
that made a change also moves a local generation at once, so within that process the next request is fresh
even before the commit (and inside a test's transaction, which never commits). Module indicators computed from
other registries without a change signal, and numbers that move with the clock alone (a dossier turning
overdue), are refreshed by the payload's short lifetime, :data:`PAYLOAD_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.core.cache import cache
from django.db import DatabaseError, connections, router, transaction
from django.utils.translation import get_language

from tinhso.common import counters
from tinhso.common.audit import AuditStream

log = logging.getLogger(__name__)

SERIES, PERIOD = "ioc-wall-data", "-"
# The longest a kept payload is shown: the backstop for numbers that change without a signal.
PAYLOAD_SECONDS = 30

_local = {"generation": 0}
_lock = threading.Lock()


def version() -> tuple[int, int]:
    """The shared data version: the counter moved after changes commit, and the audit streams' positions
    summed (both only grow). One statement, on the database the models are read from."""
    table = counters.SeriesCounter._meta.db_table
    db = connections[router.db_for_read(counters.SeriesCounter)]
    quote = db.ops.quote_name
    sql = _version_sql.get(db.vendor)
    if sql is None:
        sql = _version_sql[db.vendor] = (
            f"SELECT (SELECT {quote('last')} FROM {quote(table)} "  # noqa: S608
            f"WHERE series = %s AND period = %s), (SELECT SUM(head_seq) FROM {quote(AuditStream._meta.db_table)})")
    with db.cursor() as cursor:
        cursor.execute(sql, [SERIES, PERIOD])
        counter, audited = cursor.fetchone()
    return int(counter or 0), int(audited or 0)


_version_sql: dict[str, str] = {}


def _bump_shared() -> None:
    try:
        with transaction.atomic():
            counters.allocate(SERIES, PERIOD)
    except DatabaseError:  # the payload's lifetime is the backstop
        log.exception("the wall's data version could not be moved")


def _move_local() -> None:
    with _lock:
        _local["generation"] += 1


def changed() -> None:
    """The wall's data changed (or will, when the caller's transaction commits)."""
    _move_local()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump_shared()
        return
    # One shared move per transaction, however many changes it holds.
    if any(entry[1] is _bump_shared for entry in connection.run_on_commit):
        return
    transaction.on_commit(_bump_shared)


def on_change(sender, raw: bool = False, **kwargs) -> None:
    """A ``post_save``/``post_delete`` receiver (fixtures loaded raw move nothing)."""
    if not raw:
        changed()


def on_audited_change(sender, raw: bool = False, **kwargs) -> None:
    """A receiver for a change written with its audit entry (a dossier event): the audit streams move the
    shared version in the change's own transaction; only this process's generation moves here."""
    if not raw:
        _move_local()


def on_room_event(sender, **kwargs) -> None:
    changed()


def key(*parts) -> str:
    """The cache key of a payload: its parts, the shared version, the local generation and the language."""
    digest = hashlib.sha256(repr((*parts, version(), _local["generation"], get_language())).encode())
    return "ioc-wall:" + digest.hexdigest()


def kept(parts: tuple, build):
    """``build()``'s result for ``parts`` at the current data version, from the cache when it is there."""
    cache_key = key(*parts)
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, PAYLOAD_SECONDS)
    return value
