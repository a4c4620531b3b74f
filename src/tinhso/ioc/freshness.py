"""The version of the data the wall draws, and the wall's payload kept in the cache under it.

A wall polls its data endpoint every few seconds and almost every answer is the same as the last one. The
payload of a (scope, layout, period, language) is therefore computed once and kept in the process's cache
under the *data version*: a warm request reads one row (the version) and the cache, and answers with the
ETag. Every change the wall's numbers depend on moves the version:

- a dossier event (its rollups change in the same transaction), a reported or approved value, a target, a
  plan, an indicator, a score weight, an alert rule, an alert raised, acknowledged or closed, a layout, an
  indicator reading — through their ``post_save``/``post_delete`` (connected in ``apps.py``);
- an event a module publishes for the room (:data:`tinhso.common.events.room_event`);
- a rebuild of the rollups (:func:`tinhso.ioc.rollups.rebuild`).

The version is a row of :class:`tinhso.common.counters.SeriesCounter`, shared by every process, moved
**after the change commits** (in a statement of its own, so no dossier transaction waits on it): a process
never keeps a payload computed before the change under a version that follows it. The process that made the
change also moves a local generation at once, so within that process the next request is fresh even before
the commit (and inside a test's transaction, which never commits). Module indicators computed from other
registries without a change signal, and numbers that move with the clock alone (a dossier turning overdue),
are refreshed by the payload's short lifetime, :data:`PAYLOAD_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils.translation import get_language

from tinhso.common import counters

log = logging.getLogger(__name__)

SERIES, PERIOD = "ioc-wall-data", "-"
# The longest a kept payload is shown: the backstop for numbers that change without a signal.
PAYLOAD_SECONDS = 30

_local = {"generation": 0}
_lock = threading.Lock()


def version() -> int:
    """The shared data version (0 until the first change)."""
    return counters.last_allocated(SERIES, PERIOD)


def _bump_shared() -> None:
    try:
        with transaction.atomic():
            counters.allocate(SERIES, PERIOD)
    except DatabaseError:  # the payload's lifetime is the backstop
        log.exception("the wall's data version could not be moved")


def changed() -> None:
    """The wall's data changed (or will, when the caller's transaction commits)."""
    with _lock:
        _local["generation"] += 1
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
