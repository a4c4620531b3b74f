"""Fixed-window rate limits (sign-in, account forms, tracking: no brute force, no enumeration), counted in the
database so that they hold across every web process and host without another service.

One row per (limit, window, hashed key) holds the attempts; an attempt is one
``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits`` (PostgreSQL and SQLite alike), so
concurrent attempts are each counted exactly once. The key itself (an address, a user name, a dossier code)
is never stored, only a hash of it. Windows that are over are deleted now and then by the attempts
themselves.

Besides fixed windows, the same table holds **strikes** and **locks** (slot 0): :func:`strike` counts failures
of one key in a window that starts at its first failure (so no boundary between two windows doubles the
allowance), :func:`lock` closes a key until a moment and :func:`locked_for` says for how long. The tracking
page locks a dossier code after its fifth wrong answer this way, and sign-in slows down guessing on one
account (:func:`backoff_seconds`): both hold across processes, hosts and restarts.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone

# About one attempt in this many also deletes the windows that are over.
PURGE_ONE_IN = 200
# The slot of strikes and locks, whose window is their own expiry rather than a slice of the clock.
OWN_WINDOW = 0


@dataclass(frozen=True)
class Limit:
    scope: str
    max_hits: int
    window_seconds: int


class RateCounter(models.Model):
    """The attempts counted for one key in one window of one limit."""

    scope = models.CharField("giới hạn", max_length=40)
    slot = models.BigIntegerField("cửa sổ thời gian")
    digest = models.CharField("mã băm của khóa", max_length=32)
    hits = models.PositiveIntegerField("số lần", default=0)
    expires_at = models.DateTimeField("hết hạn lúc", db_index=True)

    class Meta:
        app_label = "common"
        verbose_name = "bộ đếm giới hạn tần suất"
        verbose_name_plural = "bộ đếm giới hạn tần suất"
        constraints = [models.UniqueConstraint(fields=["scope", "slot", "digest"], name="common_ratecounter_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.slot}: {self.hits}"


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR`` as ``common.middleware.ClientAddressMiddleware`` leaves it (the
    address a trusted reverse proxy names in ``X-Forwarded-For``, see the ``TRUSTED_PROXIES`` setting)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _where(limit: Limit, key: str) -> tuple[int, str]:
    return int(time.time()) // limit.window_seconds, _digest(key)


def hit(limit: Limit, key: str) -> bool:
    """Count one attempt for ``key``; False when the limit for the current window is exceeded."""
    slot, digest = _where(limit, key)
    expires = timezone.now() + datetime.timedelta(seconds=limit.window_seconds)
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, slot, digest, hits, expires_at) VALUES (%s, %s, %s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (scope, slot, digest) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [limit.scope, slot, digest, expires])
        hits = cursor.fetchone()[0]
    if random.randrange(PURGE_ONE_IN) == 0:  # spreading housekeeping over attempts, not a secret
        purge()
    return hits <= limit.max_hits


def _moment(value: datetime.datetime):
    """A moment as the ORM writes it, so that raw statements and querysets compare alike."""
    return connection.ops.adapt_datetimefield_value(value)


def strike(scope: str, key: str, window_seconds: int) -> int:
    """Count one failure of ``key``; returns the failures since the first one of a window that began then
    (a window that is over starts again at 1). One upsert, counted once under concurrency."""
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=window_seconds)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, slot, digest, hits, expires_at) VALUES (%s, %s, %s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (scope, slot, digest) DO UPDATE SET "
            f"hits = CASE WHEN {table}.expires_at <= %s THEN 1 ELSE {table}.hits + 1 END, "
            f"expires_at = CASE WHEN {table}.expires_at <= %s THEN %s ELSE {table}.expires_at END "
            f"RETURNING hits",
            [scope, OWN_WINDOW, _digest(key), *map(_moment, (expires, now, now, expires))])
        return cursor.fetchone()[0]


def strikes(scope: str, key: str) -> int:
    """The failures :func:`strike` counted for ``key`` in its window (0 when none or over)."""
    row = RateCounter.objects.filter(scope=scope, slot=OWN_WINDOW, digest=_digest(key),
                                     expires_at__gt=timezone.now()).values_list("hits", flat=True).first()
    return row or 0


def forgive(scope: str, key: str) -> None:
    """Forget the strikes (or the lock) of ``key``."""
    RateCounter.objects.filter(scope=scope, slot=OWN_WINDOW, digest=_digest(key)).delete()


def lock(scope: str, key: str, seconds: int) -> None:
    """Close ``key`` for ``seconds`` from now (a later lock replaces an earlier one)."""
    until = timezone.now() + datetime.timedelta(seconds=seconds)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, slot, digest, hits, expires_at) VALUES (%s, %s, %s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (scope, slot, digest) DO UPDATE SET expires_at = %s",
            [scope, OWN_WINDOW, _digest(key), _moment(until), _moment(until)])


def locked_for(scope: str, key: str) -> int:
    """Seconds until ``key``'s lock opens (0 when it is not locked)."""
    until = RateCounter.objects.filter(scope=scope, slot=OWN_WINDOW, digest=_digest(key),
                                       expires_at__gt=timezone.now()).values_list("expires_at", flat=True).first()
    return max(1, int((until - timezone.now()).total_seconds() + 0.999)) if until else 0


def reset(limit: Limit, key: str) -> None:
    """Forget the attempts of ``key`` in the current window (a successful sign-in clears its name's count)."""
    slot, digest = _where(limit, key)
    RateCounter.objects.filter(scope=limit.scope, slot=slot, digest=digest).delete()


def purge(now: datetime.datetime | None = None) -> int:
    """Delete the counters of windows that are over; returns how many."""
    deleted, _ = RateCounter.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
