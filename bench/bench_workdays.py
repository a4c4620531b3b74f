"""Due moments of 30-working-day limits: the precomputed calendar against counting day by day.

Run with `PYTHONPATH=bench:src python bench/bench_workdays.py` (bench/run.py does). The calendar is built
from the ``holidays`` package and the shipped schedules, as the database holds them after migrating, so
no database is needed. The baseline asks each day in turn whether it is a working day.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django

django.setup()

import harness  # noqa: E402
from tinhso.common.calendar_schedules import KNOWN_SCHEDULES  # noqa: E402
from tinhso.common.tests.naive_calendar import NaiveCalendar  # noqa: E402
from tinhso.common.workdays import build_calendar, configured_office_hours  # noqa: E402

LIMIT_DAYS = 30
STARTS = 20_000
REQUIRED_RATIO = 50


def random_moments(count: int, seed: int = 2026) -> list[datetime]:
    """Receipts spread over 2024–2030, as the database returns them (aware, in UTC)."""
    rng = random.Random(seed)
    first = datetime(2024, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=7 * 365).total_seconds())
    return [first + timedelta(seconds=rng.randrange(span)) for _ in range(count)]


def calls_per_second(function, moments: list[datetime], min_seconds: float = 1.0) -> float:
    calls, elapsed = 0, 0.0
    while elapsed < min_seconds:
        started = time.perf_counter()
        for moment in moments:
            function(moment, LIMIT_DAYS)
        elapsed += time.perf_counter() - started
        calls += len(moments)
    return calls / elapsed


def main() -> int:
    office_hours = configured_office_hours()
    started = time.perf_counter()
    calendar = build_calendar(KNOWN_SCHEDULES, office_hours=office_hours)
    build_seconds = time.perf_counter() - started
    naive = NaiveCalendar(office_hours, KNOWN_SCHEDULES)
    moments = random_moments(STARTS)
    for moment in moments[:2000]:
        if calendar.add_working_days(moment, LIMIT_DAYS) != naive.add_working_days(moment, LIMIT_DAYS):
            print(f"mismatch at {moment.isoformat()}", file=sys.stderr)
            return 1
    fast = calls_per_second(calendar.add_working_days, moments)
    slow = calls_per_second(naive.add_working_days, moments[:5000])
    harness.report("workdays", fast, "calls/s", "naive-loop", slow, "calls/s",
                   extra=f"add_working_days, {LIMIT_DAYS}-day limits, {harness.machine()}, "
                         f"calendar 2000–2060 built in {build_seconds * 1000:.0f} ms")
    if fast < REQUIRED_RATIO * slow:
        print(f"FAIL: less than {REQUIRED_RATIO}x the day-by-day loop", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
