"""The officer desk's queues in an agency holding a million dossiers, against the naive page in the same run.

Run with `PYTHONPATH=bench:src python bench/bench_desk.py` (bench/run.py does). A throwaway PostgreSQL server is
started (tinhso.testing.pgserver), migrated and loaded with the demo province (no demo dossiers); then
``generate_province.py`` writes ``BENCH_DESK_DOSSIERS`` dossiers (default 1,000,000) over 3 years, every one
received by the agency that carries out the most procedures, with the route steps of the open ones (so the
queues hold what they would), and VACUUM ANALYZE. One officer holds the four desk roles there.

The production server (gunicorn, 4 workers, the production settings) serves the desk; measured:

- desk-queue: GET /mot-cua/?hang=<queue> for each of the four queues (the first page, with the four tabs'
  counts) and two filtered pages (one procedure's dossiers waiting for handling; the overdue ones), by one
  officer after another (1 user) and by 16 officers at once (16 users), ``BENCH_DESK_REPEAT`` rounds; p50 and
  p95 over every page;
- baseline naive-count-offset: the same pages' data the way a plain Django list gets it — an exact COUNT(*) for
  the queue and each tab and the first page by LIMIT/OFFSET — timed in-process (no HTTP, no template, so it
  flatters the baseline), and the 400th page by OFFSET beside the keyset's;
- the reference figure: Open Zaak's published median of 140–240 ms for a list of cases at 1 million cases,
  measured with 10 replicas (their performance documentation).

EXPLAIN ANALYZE of each queue's first page, its count and the filtered pages is printed (bench/README.md keeps
them). Prints ``BENCH desk-queue`` (1 user) and ``BENCH desk-queue-16`` (16 users), each against the naive page.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"

import bench_portal
import harness
from tinhso.testing import pgserver

DOSSIERS = int(os.environ.get("BENCH_DESK_DOSSIERS", "1000000"))
REPEAT = int(os.environ.get("BENCH_DESK_REPEAT", "20"))
USERS = 16
SERVER_CONF = {"shared_buffers": "1GB", "work_mem": "32MB", "maintenance_work_mem": "512MB", "max_wal_size": "4GB",
               "effective_cache_size": "8GB"}
PASSWORD = "bench-desk-password"  # noqa: S105 — a throwaway account on a throwaway server
QUEUES = ("tiep-nhan", "xu-ly", "phe-duyet", "tra-ket-qua")


def prepare(database_url: str) -> dict:
    """Migrate, load the demo province, generate the dossiers into one agency, create its officer."""
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    import generate_province

    generate_province.load_demo_province()
    started = time.monotonic()
    result = generate_province.generate(DOSSIERS, agency="busiest", steps=True, rebuild=False)
    result["generate_total_s"] = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from tinhso.directory.models import Agency, Membership, Role
    from tinhso.directory.tests.factories import UserFactory

    agency = Agency.objects.get(pk=result["agency"])
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    officer = UserFactory(username="canbo.motcua")
    # Hashed as the production server checks it (the test settings in this process hash with MD5 only).
    officer.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    officer.save()
    for role in (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER):
        Membership.objects.create(user=officer, agency=agency, role=role, valid_from="2020-01-01")
    result["agency_name"] = agency.name
    return result


def busiest_procedure() -> str:
    """The national code of the procedure with most dossiers waiting for handling: the filtered page."""
    from django.db.models import Count

    from tinhso.dossiers.models import Dossier

    row = (Dossier.objects.filter(state__in=["received", "in_progress"]).values("procedure_version__procedure__code")
           .annotate(n=Count("pk")).order_by("-n").first())
    return row["procedure_version__procedure__code"]


def pages(procedure: str) -> list[str]:
    paths = [f"/mot-cua/?hang={queue}" for queue in QUEUES]
    paths.append("/mot-cua/?" + urllib.parse.urlencode({"hang": "xu-ly", "procedure": procedure}))
    paths.append("/mot-cua/?" + urllib.parse.urlencode({"hang": "xu-ly", "overdue": "1"}))
    return paths


def sign_in(port: int) -> str:
    """Sign the officer in through the sign-in page; return the Cookie header of the session."""
    status, headers, page = bench_portal.request(port, "GET", "/dang-nhap/")
    csrf = bench_portal._cookies(headers)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "canbo.motcua", "password": PASSWORD})
    status, headers, _ = bench_portal.request(port, "POST", "/dang-nhap/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"})
    assert status == 302, f"sign-in answered {status}"
    return f"sessionid={bench_portal._cookies(headers)['sessionid']}; csrftoken={csrf}"


def timed_get(port: int, path: str, cookie: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200 or b"queue-title" not in body:
        raise RuntimeError(f"{path} answered {response.status}")
    return elapsed * 1000


def measure(port: int, paths: list[str], cookies: list[str], rounds: int) -> list[float]:
    """Each user requests every page ``rounds`` times, one after the other; the users run at once."""
    times: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def user(cookie: str) -> None:
        try:
            for _ in range(rounds):
                for path in paths:
                    elapsed = timed_get(port, path, cookie)
                    with lock:
                        times.append(elapsed)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=user, args=(cookie,)) for cookie in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return times


def naive(officer, paths_params: list[dict], rounds: int) -> tuple[list[float], float, float]:
    """The same pages' data the plain way: exact counts of the queue and its tabs, the page by OFFSET."""
    from django.core.paginator import Paginator

    from tinhso.dossiers import selectors

    roles = {"tiep-nhan": "receive", "xu-ly": "handle", "phe-duyet": "approve", "tra-ket-qua": "return"}
    times = []
    for _ in range(rounds):
        for params in paths_params:
            started = time.perf_counter()
            for queue, role in roles.items():
                dossiers = selectors.filter_dossiers(selectors.queue_for(officer, role), params, queue=True)
                if queue == params["hang"]:
                    list(Paginator(dossiers, 25).get_page(1).object_list)
                else:
                    dossiers.count()
            times.append((time.perf_counter() - started) * 1000)
    handle = selectors.queue_for(officer, "handle")
    deep = max(2, handle.count() // 25 // 2)  # a page in the middle of the queue
    ordering = selectors.queue_ordering("handle")
    started = time.perf_counter()
    list(handle.order_by(*ordering)[(deep - 1) * 25: deep * 25])
    deep_offset = (time.perf_counter() - started) * 1000
    count = selectors.count_up_to(handle)
    before = handle.order_by(*ordering)[(deep - 1) * 25 - 1]  # the last row of the page before
    started = time.perf_counter()
    selectors.queue_page(handle, ordering, after=selectors._cursor_of(before, ordering), number=deep, count=count)
    deep_keyset = (time.perf_counter() - started) * 1000
    return times, (deep, deep_offset, deep_keyset)


def explain(officer, procedure: str) -> str:
    """EXPLAIN ANALYZE of what the first pages run: each queue's page and count, the filtered pages."""
    from django.db import connection

    from tinhso.dossiers import selectors

    out = []
    cases = [("receive", {}), ("handle", {}), ("handle", {"procedure": procedure}), ("handle", {"overdue": "1"})]
    for role, params in cases:
        dossiers = selectors.filter_dossiers(selectors.queue_for(officer, role), params, queue=True)
        ordering = selectors.queue_ordering(role)
        for what, queryset in (("page", dossiers.order_by(*ordering)[:26]),
                               ("count", dossiers.order_by().values("pk")[:selectors.COUNT_EXACT_UP_TO + 1])):
            sql, sql_params = queryset.query.sql_with_params()
            if what == "count":
                sql = f"SELECT count(*) FROM ({sql}) AS capped"
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, sql_params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(f"-- {role} {params or ''} {what}\n{plan}")
    return "\n\n".join(out)


def main() -> int:
    with pgserver.running(SERVER_CONF) as database, \
            tempfile.TemporaryDirectory(prefix="tinhso-bench-static-") as static_root:
        generated = prepare(database.url)
        print(f"{generated['dossiers']:,} dossiers at {generated['agency_name']} ({generated['steps']:,} route steps "
              f"of the open ones) in {generated['generate_total_s']:.0f} s; states {generated['states']}", flush=True)
        from django.contrib.auth import get_user_model
        from django.db import connections

        officer = get_user_model().objects.get(username="canbo.motcua")
        procedure = busiest_procedure()
        paths = pages(procedure)
        params = [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(p).query)) for p in paths]
        plans = explain(officer, procedure)
        naive_times, (deep, deep_offset, deep_keyset) = naive(officer, params, max(3, REPEAT // 4))
        connections.close_all()
        port = bench_portal._free_port()
        server = bench_portal.start_server(bench_portal.server_environment(database.url, static_root), port)
        try:
            cookie = sign_in(port)
            measure(port, paths, [cookie], 2)  # every worker warms up
            one = measure(port, paths, [cookie], REPEAT)
            many = measure(port, paths, [sign_in(port) for _ in range(USERS)], max(2, REPEAT // 4))
        finally:
            server.terminate()
            server.wait(timeout=30)
    naive_p50 = statistics.median(naive_times)
    p50_one, p95_one = statistics.median(one), statistics.quantiles(one, n=20)[-1]
    p50_many, p95_many = statistics.median(many), statistics.quantiles(many, n=20)[-1]
    common = (f"{generated['dossiers']:,} dossiers in one agency; first pages of the 4 queues and 2 filtered pages; "
              f"reference Open Zaak 140–240 ms median at 1 M cases (10 replicas); {harness.machine()}, PostgreSQL "
              f"{database.bindir.parent.name}")
    harness.report("desk-queue", p50_one, "ms", "naive-count-offset", naive_p50, "ms", higher_is_better=False,
                   extra=f"1 user, p50 {p50_one:.1f} ms, p95 {p95_one:.1f} ms over {len(one)} pages; {common}")
    harness.report("desk-queue-16", p50_many, "ms", "naive-count-offset", naive_p50, "ms", higher_is_better=False,
                   extra=f"{USERS} users at once, p50 {p50_many:.1f} ms, p95 {p95_many:.1f} ms over {len(many)} "
                         f"pages; {common}")
    print(f"page {deep} of the handling queue: OFFSET {deep_offset:.1f} ms, keyset {deep_keyset:.1f} ms", flush=True)
    print(plans, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
