"""The operations centre's province-year overview from the rollups, against the same numbers computed
straight from the dossier table, on a generated province, in the same run.

Run with `PYTHONPATH=bench:src python bench/bench_ioc.py` (bench/run.py does). A throwaway PostgreSQL
server is started (tinhso.testing.pgserver), migrated, loaded with the demo province (no demo dossiers),
and ``generate_province.py`` writes ``BENCH_IOC_DOSSIERS`` dossiers (default 5,000,000) over 3 years with
COPY and rebuilds the rollups set-based; then VACUUM ANALYZE. Measured:

- overview: ``selectors.overview(Scope(True), Period(<last full year>))`` — what /dieu-hanh/ computes for a
  province-year (every active indicator, its value, previous value, target and status) — warmed once,
  then timed ``BENCH_IOC_REPEAT`` times (default 30): p50 and p95;
- baseline: the same one-stop counters (received by channel, returned early / on time / late, processing
  days and their median, refused, stopped, withdrawn, supplements, apologies, electronic results,
  payments, for the year and the year before, and the overdue dossiers now) by one naive aggregation over
  the dossier and event tables, warmed once and timed ``BENCH_IOC_BASELINE_REPEAT`` times (default 5: each
  reads the whole table); its numbers are checked equal to the rollups' totals;
- ``tinhso ioc verify`` at that scale (its time, and that it passes).

Prints ``BENCH ioc-overview: <p50> ms; baseline naive-aggregation <p50> ms; ratio <r>``.
"""

from __future__ import annotations

import datetime
import io
import os
import statistics
import sys
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"

import harness
from tinhso.testing import pgserver

DOSSIERS = int(os.environ.get("BENCH_IOC_DOSSIERS", "5000000"))
REPEAT = int(os.environ.get("BENCH_IOC_REPEAT", "30"))
# Each naive aggregation reads the whole dossier table (about a minute at 5 M): fewer repeats.
BASELINE_REPEAT = int(os.environ.get("BENCH_IOC_BASELINE_REPEAT", "5"))
SERVER_CONF = {"shared_buffers": "2GB", "work_mem": "64MB", "maintenance_work_mem": "1GB", "max_wal_size": "8GB",
               "checkpoint_timeout": "30min", "effective_cache_size": "12GB"}


def naive_sql() -> str:
    """One GROUP BY over the dossiers (and their supplement and payment events) of two years."""
    from tinhso.ioc.rollups import _vn_date

    local = "AT TIME ZONE 'Asia/Ho_Chi_Minh'"
    done = "CASE WHEN d.state = 'returned' THEN COALESCE(d.result_ready_at, d.finished_at) END"
    return f"""
WITH d AS (
  SELECT d.*, v.online_level, {done} AS done,
         CASE WHEN d.received_at IS NOT NULL AND ({done}) IS NOT NULL
              THEN GREATEST(COALESCE(w1.up_to, 0) - COALESCE(w0.up_to, 0), 0) ELSE 0 END AS days
  FROM dossiers_dossier d
  JOIN catalogue_procedureversion v ON v.id = d.procedure_version_id
  LEFT JOIN ioc_workday w1 ON w1.day = {_vn_date(done)}
  LEFT JOIN ioc_workday w0 ON w0.day = {_vn_date("d.received_at")}
  WHERE d.submitted_at >= %(start)s OR d.received_at >= %(start)s OR d.finished_at >= %(start)s
     OR d.apology_issued_at >= %(start)s
)
SELECT y.year,
  count(*) FILTER (WHERE d.channel = 'online' AND extract(year FROM d.submitted_at {local}) = y.year),
  count(*) FILTER (WHERE extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.channel = 'online' AND extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.channel = 'counter' AND extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.channel = 'post' AND extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.state = 'returned' AND extract(year FROM d.finished_at {local}) = y.year),
  count(*) FILTER (WHERE d.state = 'returned' AND extract(year FROM d.finished_at {local}) = y.year
                   AND d.done <= d.due_at AND {_vn_date("d.done")} < {_vn_date("d.due_at")}),
  count(*) FILTER (WHERE d.state = 'returned' AND extract(year FROM d.finished_at {local}) = y.year
                   AND d.done <= d.due_at AND {_vn_date("d.done")} >= {_vn_date("d.due_at")}),
  count(*) FILTER (WHERE d.state = 'returned' AND extract(year FROM d.finished_at {local}) = y.year
                   AND d.done > d.due_at),
  COALESCE(sum(d.days) FILTER (WHERE d.state = 'returned' AND extract(year FROM d.finished_at {local}) = y.year), 0),
  count(*) FILTER (WHERE d.state = 'refused' AND extract(year FROM d.finished_at {local}) = y.year),
  count(*) FILTER (WHERE d.state = 'stopped' AND extract(year FROM d.finished_at {local}) = y.year),
  count(*) FILTER (WHERE d.state = 'withdrawn' AND extract(year FROM d.finished_at {local}) = y.year),
  count(*) FILTER (WHERE extract(year FROM d.apology_issued_at {local}) = y.year),
  count(*) FILTER (WHERE d.state = 'returned' AND d.return_method = 'online'
                   AND extract(year FROM d.finished_at {local}) = y.year),
  count(*) FILTER (WHERE d.digitised AND extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.online_level = 'full' AND extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.online_level = 'full' AND d.channel = 'online'
                   AND extract(year FROM d.received_at {local}) = y.year),
  count(*) FILTER (WHERE d.state = 'returned' AND d.result_digitised
                   AND extract(year FROM d.finished_at {local}) = y.year),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY d.days) FILTER (
      WHERE d.state = 'returned' AND extract(year FROM d.finished_at {local}) = y.year),
  (SELECT count(*) FILTER (WHERE e.action = 'request_supplement') FROM dossiers_dossierevent e
   WHERE e.action IN ('request_supplement', 'record_payment') AND extract(year FROM e.at {local}) = y.year),
  (SELECT count(*) FILTER (WHERE e.action = 'record_payment') FROM dossiers_dossierevent e
   WHERE e.action IN ('request_supplement', 'record_payment') AND extract(year FROM e.at {local}) = y.year),
  (SELECT count(*) FILTER (WHERE e.action = 'record_payment' AND e.data ->> 'channel' = 'online')
   FROM dossiers_dossierevent e
   WHERE e.action IN ('request_supplement', 'record_payment') AND extract(year FROM e.at {local}) = y.year),
  (SELECT count(*) FROM dossiers_dossier r WHERE r.state IN ('received', 'in_progress', 'result_ready')
   AND r.due_at < %(now)s)
FROM d CROSS JOIN (VALUES (%(year)s), (%(year)s - 1)) y(year)
GROUP BY y.year
"""


NAIVE_NAMES = ("submitted_online", "received", "received_online", "received_counter", "received_post", "returned",
               "early", "on_time", "late", "processing_days", "refused", "stopped", "withdrawn", "apologies",
               "electronic_results", "digitised", "received_full_service", "received_full_online",
               "results_digitised", "median_processing_days",
               "supplement_requests", "payments", "payments_online", "overdue")


def naive(year: int, now: datetime.datetime) -> dict[int, dict]:
    """The baseline: the year's (and the year before's) counters straight from the dossier table."""
    from django.db import connection, transaction

    from tinhso.ioc.rollups import _workday_table

    start = datetime.datetime(year - 1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))
    with transaction.atomic(), connection.cursor() as cursor:
        _workday_table(cursor)
        cursor.execute(naive_sql(), {"start": start, "year": year, "now": now})
        return {int(row[0]): dict(zip(NAIVE_NAMES, row[1:], strict=True)) for row in cursor.fetchall()}


def timed(function, repeat: int) -> tuple[float, float, object]:
    """p50 and p95 in ms of ``repeat`` warm calls (after one warming call), and the last call's result."""
    result = function()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, result


def main() -> int:
    with pgserver.running(SERVER_CONF) as server:
        os.environ["DATABASE_URL"] = server.url
        import generate_province

        generate_province.setup_django(server.url)
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from tinhso.ioc import selectors
        from tinhso.ioc.periods import Period

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        generate_province.load_demo_province()
        setup_s = time.monotonic() - started
        generated = generate_province.generate(DOSSIERS)
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        vacuum_s = time.monotonic() - started

        year = timezone.localdate().year - 1  # the last full year
        period, scope, now = Period(year), selectors.Scope(True), timezone.now()
        overview_p50, overview_p95, _ = timed(lambda: selectors.overview(scope, period, at=now), REPEAT)
        print(f"overview p50 {overview_p50:.1f} ms, p95 {overview_p95:.1f} ms", file=sys.stderr, flush=True)
        # For the record, not the BENCH line: one field's overview, which reads the fine rollups.
        field_id = generate_province.busiest_field()
        field_p50, field_p95, _ = timed(lambda: selectors.overview(scope, period, at=now,
                                                                   filters=selectors.Filters(field=field_id)), REPEAT)
        print(f"overview of the busiest field (fine rollups) p50 {field_p50:.1f} ms, p95 {field_p95:.1f} ms",
              file=sys.stderr, flush=True)
        naive_p50, naive_p95, baseline = timed(lambda: naive(year, now), BASELINE_REPEAT)

        # The baseline computes the same numbers as the rollups.
        mismatched = []
        for y in (year, year - 1):
            totals = selectors.totals(scope, Period(y), at=now)
            for name in NAIVE_NAMES:
                if name == "overdue" and y != year:
                    continue
                want, have = baseline[y][name], totals[name]
                if name == "median_processing_days":
                    want = None if want is None else float(want)
                    have = None if have is None else float(have)
                if want != have:
                    mismatched.append(f"{y} {name}: rollups {have}, dossier table {want}")

        started = time.monotonic()
        out = io.StringIO()
        try:
            call_command("ioc", "verify", stdout=out, stderr=out)
            verified = "passes"
        except Exception as error:  # reported in the line, and the exit code
            verified = f"FAILS: {error}; {out.getvalue()[:500]}"
        verify_s = time.monotonic() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ioc_dossiermonth")
            month_rows = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        version = server.bindir.parent.name
    machine = f"{harness.machine()}, PostgreSQL {version}"
    extra = (f"p95 {overview_p95:.1f} ms vs {naive_p95:.0f} ms; year {year}; {generated['dossiers']:,} dossiers, "
             f"{generated['events']:,} events, {month_rows:,} rollup rows, database {size}; generation "
             f"{generated['generate_s']:.0f} s (COPY {generated['copy_s']:.0f} s, indexes "
             f"{generated['indexes_s']:.0f} s), rebuild {generated['rebuild_s']:.0f} s, VACUUM ANALYZE "
             f"{vacuum_s:.0f} s, verify {verify_s:.0f} s {verified}; "
             f"baseline equals rollups: {'yes' if not mismatched else 'NO'}; {machine}")
    harness.report("ioc-overview", overview_p50, "ms", "naive-aggregation", naive_p50, "ms", higher_is_better=False,
                   extra=extra)
    print(f"setup (migrate, demo province) {setup_s:.0f} s; states {generated['states']}", flush=True)
    for line in mismatched:
        print("MISMATCH", line, flush=True)
    return 0 if verified == "passes" and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main())
