"""Test helpers for the read replicas: wait for a standby to catch up, make it lag on purpose.

In the PostgreSQL half of the suite ``replica1`` is a real hot standby of the throwaway server (started by
``tinhso.testing.run`` with ``pgserver.running(replicas=1)``); elsewhere it is a second connection to the test
database, which never lags, and these helpers do nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from django.db import connections


def is_standby(alias: str = "replica1") -> bool:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return bool(cursor.fetchone()[0])


def caught_up(alias: str = "replica1", timeout: float = 30) -> None:
    """Return once the standby ``alias`` has replayed everything the primary has written so far."""
    if not is_standby(alias):
        return
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with connections[alias].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{alias} did not replay up to {target} in {timeout} s")
            time.sleep(0.05)


@contextlib.contextmanager
def replay_paused(alias: str = "replica1") -> Iterator[None]:
    """While inside, the standby receives the primary's changes but applies none of them (it lags)."""
    caught_up(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
