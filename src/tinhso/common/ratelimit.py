"""Fixed-window rate limits (sign-in, account forms, tracking: no brute force, no enumeration), counted in the
database so that they hold across every web process and host without another service.

One row per (limit, window, hashed key) holds the attempts; an attempt is one
``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits`` (PostgreSQL and SQLite alike), so
concurrent attempts are each counted exactly once. The key itself (an address, a user name, a dossier code)
is never stored, only a hash of it. Windows that are over are deleted now and then by the attempts
themselves.
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
    """The client's address as the server sees it (a trusted proxy must set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _where(limit: Limit, key: str) -> tuple[int, str]:
    return int(time.time()) // limit.window_seconds, hashlib.sha256(key.encode()).hexdigest()[:32]


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


def reset(limit: Limit, key: str) -> None:
    """Forget the attempts of ``key`` in the current window (a successful sign-in clears its name's count)."""
    slot, digest = _where(limit, key)
    RateCounter.objects.filter(scope=limit.scope, slot=slot, digest=digest).delete()


def purge(now: datetime.datetime | None = None) -> int:
    """Delete the counters of windows that are over; returns how many."""
    deleted, _ = RateCounter.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
