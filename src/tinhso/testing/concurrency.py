"""Running competing writers at once, for the concurrency tests of every app.

The SQLite test database is in memory with a shared cache, where a writer that finds the database busy
gets "database table is locked" at once instead of waiting out the busy timeout (as a file database does).
There the threads retry that error, as a client retries a busy server; the whole transaction was rolled
back, so a retry starts clean. PostgreSQL never takes that path.
"""

from __future__ import annotations

import threading
import time

from django.db import OperationalError, connection, connections

THREADS = 8


def _retry_when_sqlite_is_busy(work, i: int):
    for _ in range(500):
        try:
            return work(i)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.005)
    raise TimeoutError("the database stayed busy")


def run_together(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released at once; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = _retry_when_sqlite_is_busy(work, i)
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
