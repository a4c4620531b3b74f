"""The operations room's wall: its data endpoint for the whole province at 5 million dossiers, against the
overview page's own selector in the same run, and the time from a dossier event to its number changing on a
connected wall.

Run with `PYTHONPATH=bench:src python bench/bench_wall.py` (bench/run.py does). As ``bench_ioc.py``: a
throwaway PostgreSQL server, migrated, the demo province, ``BENCH_WALL_DOSSIERS`` dossiers (default 5,000,000)
written by ``generate_province.py`` with the rollups rebuilt, then VACUUM ANALYZE. Measured, warm (one
warming call), ``BENCH_WALL_REPEAT`` times (default 30), p50 and p95:

- wall: ``GET /dieu-hanh/phong/du-lieu/`` as an operations-centre viewer (the default layout: the headline
  numbers with targets, statuses and monthly sparklines, and the alerts), through Django's test client — the
  whole view, JSON and ETag included, without a network;
- baseline: ``selectors.overview(Scope(True), Period(<this year>))``, what /dieu-hanh/ computes (every
  active indicator);
- event to wall: a dossier received through ``dossiers.services`` (its event updates the rollups in the
  same transaction); then the endpoint is asked with the wall's last ETag until it answers a changed number
  (the layout shows *Số hồ sơ tiếp nhận*): the time from the service call to that answer. A wall polling
  every ``POLL_SECONDS`` sees it that much later at most (half of it on average).

Prints ``BENCH wall: <p50> ms; baseline overview-selector <p50> ms; ratio <r>``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"

import harness
from tinhso.testing import pgserver

DOSSIERS = int(os.environ.get("BENCH_WALL_DOSSIERS", "5000000"))
REPEAT = int(os.environ.get("BENCH_WALL_REPEAT", "30"))
SERVER_CONF = {"shared_buffers": "2GB", "work_mem": "64MB", "maintenance_work_mem": "1GB", "max_wal_size": "8GB",
               "checkpoint_timeout": "30min", "effective_cache_size": "12GB"}


def timed(function, repeat: int) -> tuple[float, float, object]:
    """p50 and p95 in ms of ``repeat`` warm calls (after one warming call), and the last call's result."""
    result = function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))], result


def main() -> int:
    with pgserver.running(SERVER_CONF) as server:
        os.environ["DATABASE_URL"] = server.url
        import generate_province

        generate_province.setup_django(server.url)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from tinhso.directory.models import Agency, Role
        from tinhso.dossiers import services
        from tinhso.dossiers.tests.factories import officer, submitted_dossier
        from tinhso.ioc import selectors, wall
        from tinhso.ioc.models import WallLayout
        from tinhso.ioc.periods import Period

        call_command("migrate", verbosity=0)
        generate_province.load_demo_province()
        generated = generate_province.generate(DOSSIERS)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

        wall.seed_default_layout()
        layout = WallLayout.objects.order_by("pk").first()
        layout.panels = [{"kind": "numbers", "indicators": [*wall.HEADLINE, "ho-so-tiep-nhan"], "layers": [],
                          "seconds": 30}, {"kind": "alerts", "indicators": [], "layers": [], "seconds": 20}]
        layout.save()
        viewer = officer(Role.OPERATIONS_VIEWER, Agency.objects.order_by("pk").first())
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
        client = Client()
        client.force_login(viewer)
        url = f"/dieu-hanh/phong/du-lieu/?bo-cuc={layout.pk}"

        def endpoint():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        wall_p50, wall_p95, last = timed(endpoint, REPEAT)
        scope, period, now = selectors.Scope(True), Period.current("year"), timezone.now()
        base_p50, base_p95, _ = timed(lambda: selectors.overview(scope, period, at=now), REPEAT)
        print(f"wall p50 {wall_p50:.1f} ms p95 {wall_p95:.1f} ms; overview p50 {base_p50:.1f} ms "
              f"p95 {base_p95:.1f} ms", file=sys.stderr, flush=True)

        # From a dossier event to the changed number on the wall's endpoint.
        def received(response):
            return next(n["value"] for n in response.json()["numbers"] if n["code"] == "ho-so-tiep-nhan")

        before, etag = received(last), last["ETag"]
        dossier = submitted_dossier()
        receiver = officer(Role.RECEIVER, dossier.receiving_agency)
        started = time.perf_counter()
        services.receive(dossier, actor=receiver, expected_version=dossier.version)
        polls = 0
        while True:
            polls += 1
            response = client.get(url, HTTP_IF_NONE_MATCH=etag)
            if response.status_code == 200 and received(response) != before:
                break
            if time.perf_counter() - started > 60:
                print("the wall's number did not change within 60 s", flush=True)
                return 1
        event_ms = (time.perf_counter() - started) * 1000
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        version = server.bindir.parent.name
    extra = (f"p95 {wall_p95:.1f} ms vs {base_p95:.1f} ms; year {period.key}; event to changed number on the "
             f"endpoint {event_ms:.0f} ms ({polls} polls), on a wall polling every {wall.POLL_SECONDS} s at most "
             f"{event_ms / 1000 + wall.POLL_SECONDS:.1f} s; {generated['dossiers']:,} dossiers, database {size}; "
             f"{harness.machine()}, PostgreSQL {version}")
    harness.report("wall", wall_p50, "ms", "overview-selector", base_p50, "ms", higher_is_better=False, extra=extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
