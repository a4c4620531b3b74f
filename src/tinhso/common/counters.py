"""Per-series, per-period counters that never gap or repeat: dossier codes, document numbers, arrival
numbers, case codes — every number a person writes down and that must be consecutive.

A series names what is numbered and for whom (``"dossier-code:17"`` — agency 17's dossier codes;
``"document-out:17:general"`` — its outgoing documents), a period the span after which numbering starts again
(``"2026-11-22"`` for a day, ``"2026"`` for a year). :func:`allocate` takes the next number of a series in a
period with one statement, ``INSERT … ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last`` (PostgreSQL
and SQLite alike): the row stays locked by the caller's transaction until it ends, so concurrent callers queue
on it and get consecutive numbers, and a caller that rolls back takes its increment with it — no gap, no reuse.
It must therefore run inside the transaction that stores the numbered record.
"""

from __future__ import annotations

from django.db import connection, models, transaction

from tinhso.common import statements


class SeriesCounter(models.Model):
    """The last number given in one series and period; its row lock serialises allocation."""

    series = models.CharField("dãy số", max_length=100)
    period = models.CharField("kỳ", max_length=20)
    last = models.PositiveBigIntegerField("số cuối đã cấp", default=0)

    class Meta:
        app_label = "common"
        verbose_name = "bộ đếm số thứ tự"
        verbose_name_plural = "bộ đếm số thứ tự"
        constraints = [models.UniqueConstraint(fields=["series", "period"], name="common_seriescounter_key")]

    def __str__(self) -> str:
        return f"{self.series} {self.period}: {self.last}"


def allocate(series: str, period: str) -> int:
    """The next number of ``series`` in ``period`` (1 for the first), in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counters.allocate must run inside the transaction that stores the numbered record")
    table = connection.ops.quote_name(SeriesCounter._meta.db_table)
    with connection.cursor() as cursor:
        statements.execute(
            cursor,
            f"INSERT INTO {table} (series, period, last) VALUES (%s, %s, 1) "  # noqa: S608 — table name only
            f"ON CONFLICT (series, period) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [series, period])
        return cursor.fetchone()[0]


def last_allocated(series: str, period: str) -> int:
    """The last number given (0 when none): for displays and checks, never to derive the next number."""
    return SeriesCounter.objects.filter(series=series, period=period).values_list("last", flat=True).first() or 0


def set_last(series: str, period: str, last: int) -> None:
    """Start a series after ``last`` (numbers taken over from a register kept before the platform)."""
    SeriesCounter.objects.update_or_create(series=series, period=period, defaults={"last": last})
