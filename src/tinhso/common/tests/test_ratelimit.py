"""Rate limits counted in the database: exact counts per window and key, the key never stored, windows
purged, and concurrent attempts from several connections each counted once."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from django.utils import timezone

from tinhso.common import ratelimit
from tinhso.common.ratelimit import Limit, RateCounter

THREE = Limit("test-three", 3, 60)


@pytest.mark.django_db
def test_attempts_beyond_the_limit_are_refused_until_reset():
    assert [ratelimit.hit(THREE, "10.0.0.1") for _ in range(5)] == [True, True, True, False, False]
    assert ratelimit.hit(THREE, "10.0.0.2"), "another key has its own count"
    assert ratelimit.hit(Limit("test-other", 3, 60), "10.0.0.1"), "another limit has its own count"
    ratelimit.reset(THREE, "10.0.0.1")
    assert ratelimit.hit(THREE, "10.0.0.1")


@pytest.mark.django_db
def test_the_key_is_kept_only_as_a_hash(monkeypatch):
    ratelimit.hit(THREE, "nguyen.van.a@example.vn")
    row = RateCounter.objects.get()
    assert "nguyen" not in row.digest and len(row.digest) == 32 and row.hits == 1
    # A new window starts a new count.
    later = ratelimit.time.time() + 61
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)
    assert [ratelimit.hit(THREE, "nguyen.van.a@example.vn") for _ in range(3)] == [True, True, True]
    assert RateCounter.objects.count() == 2


@pytest.mark.django_db
def test_windows_that_are_over_are_purged():
    ratelimit.hit(THREE, "a")
    ratelimit.hit(Limit("test-long", 3, 3600), "b")
    assert ratelimit.purge(timezone.now() + datetime.timedelta(minutes=5)) == 1
    assert list(RateCounter.objects.values_list("scope", flat=True)) == ["test-long"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_are_each_counted_once():
    threads, per_thread = 6, 5
    limit = Limit("test-concurrent", 12, 3600)
    allowed, errors = [], []
    start = threading.Barrier(threads)

    def attempts():
        try:
            start.wait()
            for _ in range(per_thread):
                for _retry in range(500):
                    try:
                        allowed.append(ratelimit.hit(limit, "203.0.113.7"))
                        break
                    except OperationalError as error:  # SQLite's shared in-memory test database is busy
                        if connection.vendor != "sqlite" or "locked" not in str(error):
                            raise
                        time.sleep(0.002)
        except Exception as error:  # reported below, with the thread's failure
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=attempts) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert RateCounter.objects.get(scope="test-concurrent").hits == threads * per_thread
    assert allowed.count(True) == 12 and allowed.count(False) == threads * per_thread - 12
