"""Full dossier lifecycles on PostgreSQL against pgbench's TPC-B on the same server, in the same run.

Run with `PYTHONPATH=bench:src python bench/bench_lifecycle.py` (bench/run.py does). A throwaway server
is started from the installed binaries (tinhso.testing.pgserver); the schema is migrated and one
procedure is created at one agency: receive (0) → handle (3 working days) → approve (1) → return (0),
with one officer per desk role. Then:

- baseline: ``pgbench -i -s 4``, then TPC-B for 15 s with 1 client and with 4 clients (2 threads);
- lifecycle: submit_online → receive → assign → forward → approve → return_result (6 transitions, each
  one service call in its own transaction; notices go to the database task queue, as in production) for 15 s in 1 worker
  process and in 4, each with its own connection and its own dossiers, counted in transitions per second;
- a cProfile of one worker for a few seconds: where the time goes, and the queries per transition;
- a reference: pgbench's own TPC-B transaction sent by a Python client (``tpcb_client``, psycopg, no
  framework) from 1 process and from 4, for the same time.

Prints ``BENCH lifecycle-1`` (against pgbench with 1 client), ``BENCH lifecycle-4`` (4 clients) — each
with the SQL statements per transition — and ``BENCH lifecycle-scaling``: the lifecycle's own 4-worker/1-worker
factor against pgbench's 4-client/1-client factor (the goal: a ratio ≥ 0.9, scaling as the database does).
A line then gives the CPU each run spent per transaction (the machine's busy cores, from /proc/stat, over the
rate): on a machine whose cores one worker already keeps busy, 4 workers gain only as much as the cores left
idle, unless their CPU per transition falls as pgbench's does with more clients. ``BENCH tpcb-python-scaling``
then gives the Python client's own 4/1 factor against pgbench's: what any client written in Python reaches on
this machine with the database's own transaction, the ceiling the lifecycle's scaling line is read against.
"""

from __future__ import annotations

import cProfile
import multiprocessing
import os
import pstats
import re
import sys
import time
from collections import Counter, defaultdict

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
# Notices go to the database task queue, as in production: the web transaction only enqueues them and
# `tinhso db_worker` sends them in its own process.
os.environ["TASKS_BACKEND"] = "database"

import harness
import tpcb_client
from lifecycle_worker import TRANSITIONS_PER_LIFECYCLE, Lifecycles, Setup, run_for, work
from tinhso.testing import pgserver

SECONDS = float(os.environ.get("BENCH_LIFECYCLE_SECONDS", "15"))
PROFILE_SECONDS = 5.0
WORKERS = 4
PGBENCH_SCALE = 4
TPS_LINE = re.compile(r"^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)",
                      re.MULTILINE)


def cpu_jiffies() -> tuple[int, int]:
    """The machine's (busy, total) CPU time so far, in clock ticks, from /proc/stat (every core)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def cores_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """How many of the machine's cores were busy on average between two readings of :func:`cpu_jiffies`."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * busy / total if total else 0.0


def pgbench_tps(server, clients: int, threads: int) -> tuple[float, float]:
    """pgbench's TPC-B rate with ``clients`` clients, and the cores the machine kept busy meanwhile."""
    before = cpu_jiffies()
    result = server.run("pgbench", "-h", "127.0.0.1", "-p", str(server.port), "-U", "tinhso", "-n",
                        "-c", str(clients), "-j", str(threads), "-T", str(int(SECONDS)), "tinhso")
    match = TPS_LINE.search(result.stdout)
    if match is None:
        raise RuntimeError(f"no tps line in pgbench output:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1)), cores_busy(before, cpu_jiffies())


def prepare() -> Setup:
    """Migrate and create the procedure, the agency and its officers."""
    from django.core.management import call_command

    from lifecycle_worker import _setup_django

    _setup_django()
    call_command("migrate", verbosity=0)
    from tinhso.directory.models import Role
    from tinhso.directory.tests.factories import AgencyFactory
    from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, staff_for

    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    staff = staff_for(agency)
    return Setup(version.pk, agency.pk, staff[Role.RECEIVER].pk, staff[Role.HANDLER].pk, staff[Role.APPROVER].pk,
                 staff[Role.RETURNER].pk)


def lifecycle_rate(setup: Setup, workers: int) -> tuple[float, float]:
    """Transitions per second over ``workers`` processes started together, and the cores the machine kept
    busy while they ran (measured over the middle of the run)."""
    start_at = time.time() + 8.0  # after every worker has set up Django and warmed up
    return _together(work, [(setup, start_at, SECONDS)] * workers, start_at)


def python_tpcb_rate(server, clients: int) -> tuple[float, float]:
    """pgbench's TPC-B transaction from ``clients`` Python processes (``tpcb_client``): transactions per second,
    and the cores the machine kept busy meanwhile (measured over the middle of the run)."""
    url = f"postgresql://tinhso@127.0.0.1:{server.port}/tinhso"
    start_at = time.time() + 3.0  # after every process has connected and warmed up
    return _together(tpcb_client.work, [(url, PGBENCH_SCALE, start_at, SECONDS)] * clients, start_at)


def _together(function, arguments: list[tuple], start_at: float) -> tuple[float, float]:
    """``function(*a)`` for each ``a`` of ``arguments`` in processes of their own, which start counting at
    ``start_at`` and each return (count, elapsed seconds): the counts per second of them all, and the cores the
    machine kept busy over the middle of the run."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(arguments)) as pool:
        pending = pool.starmap_async(function, arguments)
        time.sleep(max(0.0, start_at + 1.0 - time.time()))
        before = cpu_jiffies()
        time.sleep(max(1.0, SECONDS - 2.0))
        busy = cores_busy(before, cpu_jiffies())
        results = pending.get()
    return sum(count for count, _ in results) / max(seconds for _, seconds in results), busy


CATEGORIES = (
    ("SQL: driver and waiting for the server", ("psycopg", "socket", "selectors")),
    ("audit chain (hashing, JSON)", ("tinhso/common/audit", "hashlib", "json/")),
    ("working-day calendar", ("tinhso/common/workdays",)),
    ("notices (task, mail, SMS log)", ("django_tasks", "tinhso/dossiers/notices", "tinhso/common/notices",
                                       "django/core/mail", "email/", "logging/")),
    ("Django ORM and SQL compilation", ("django/db/",)),
    ("dossier services and the rest", ("",)),
)


def _category(filename: str) -> str:
    for name, needles in CATEGORIES:
        if any(needle in filename for needle in needles):
            return name
    return CATEGORIES[-1][0]


def profile(setup: Setup) -> tuple[str, float]:
    """Profile one in-process worker; return a short summary of where the time goes, and the SQL
    statements per transition."""
    from django.db import connection

    from tinhso.common.statements import original

    lifecycles = Lifecycles(setup)
    for _ in range(3):
        lifecycles.run_one()
    queries: Counter[str] = Counter()

    def count(execute, sql, params, many, context):
        queries[original(sql).split(None, 1)[0].upper()] += 1  # a prepared statement by what it runs
        return execute(sql, params, many, context)

    profiler = cProfile.Profile()
    with connection.execute_wrapper(count):
        profiler.enable()
        transitions, elapsed = run_for(lifecycles, PROFILE_SECONDS)
        profiler.disable()
    stats = pstats.Stats(profiler)
    by_category: dict[str, float] = defaultdict(float)
    by_module: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, function), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        name = filename if not filename.startswith("~") else function
        by_category[_category(name)] += tottime
        total += tottime
        module = _module(filename)
        if module:
            by_module[module] = max(by_module[module], cumtime)
    lines = [f"profile of 1 worker, {transitions} transitions in {elapsed:.1f} s under cProfile; "
             f"{sum(queries.values()) / transitions:.1f} SQL statements per transition "
             f"({', '.join(f'{k} {v / transitions:.1f}' for k, v in queries.most_common())})",
             "own time by category:"]
    for name, seconds in sorted(by_category.items(), key=lambda item: -item[1]):
        lines.append(f"  {100 * seconds / total:5.1f} %  {name}")
    lines.append("top 15 modules by cumulative time (largest function in each):")
    for module, seconds in sorted(by_module.items(), key=lambda item: -item[1])[:15]:
        lines.append(f"  {100 * seconds / elapsed:5.1f} %  {module}")
    return "\n".join(lines), sum(queries.values()) / transitions


def _module(filename: str) -> str:
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in filename:
            tail = filename.split(marker, 1)[1]
            if marker == "/lib/python3":
                tail = tail.split("/", 1)[1] if "/" in tail else tail
            return tail.removesuffix(".py").replace("/", ".")
    return ""


def main() -> int:
    with pgserver.running() as server:
        os.environ["DATABASE_URL"] = server.url
        setup = prepare()
        from django.db import connections

        server.run("pgbench", "-h", "127.0.0.1", "-p", str(server.port), "-U", "tinhso", "-i", "-s",
                   str(PGBENCH_SCALE), "-q", "tinhso")
        tps_1, busy_tps_1 = pgbench_tps(server, 1, 1)
        tps_4, busy_tps_4 = pgbench_tps(server, WORKERS, 2)
        python_1, busy_python_1 = python_tpcb_rate(server, 1)
        python_4, busy_python_4 = python_tpcb_rate(server, WORKERS)
        summary, statements = profile(setup)
        connections.close_all()
        rate_1, busy_1 = lifecycle_rate(setup, 1)
        rate_4, busy_4 = lifecycle_rate(setup, WORKERS)
    machine = f"{harness.machine()}, PostgreSQL {server.bindir.parent.name}"
    harness.report("lifecycle-1", rate_1, "transitions/s", "pgbench-tpcb-1-client", tps_1, "tps",
                   extra=f"1 worker, {TRANSITIONS_PER_LIFECYCLE} transitions per lifecycle, "
                         f"{statements:.1f} SQL statements per transition, {machine}")
    harness.report("lifecycle-4", rate_4, "transitions/s", f"pgbench-tpcb-{WORKERS}-clients", tps_4, "tps",
                   extra=f"{WORKERS} worker processes, {statements:.1f} SQL statements per transition, {machine}")
    harness.report("lifecycle-scaling", rate_4 / rate_1, f"× ({WORKERS} workers / 1)", "pgbench",
                   tps_4 / tps_1, f"× ({WORKERS} clients / 1)",
                   extra=f"lifecycle {rate_1:.1f} → {rate_4:.1f} transitions/s, pgbench {tps_1:.0f} → {tps_4:.0f} tps")
    harness.report("tpcb-python-scaling", python_4 / python_1, f"× ({WORKERS} processes / 1)", "pgbench",
                   tps_4 / tps_1, f"× ({WORKERS} clients / 1)",
                   extra=f"pgbench's TPC-B transaction from Python processes (psycopg): {python_1:.0f} → "
                         f"{python_4:.0f} tps; the lifecycle's factor is {rate_4 / rate_1 / (python_4 / python_1):.2f} "
                         f"of this client's")
    cores = os.cpu_count() or 1
    ceiling = min(WORKERS, cores / busy_1) if busy_1 else WORKERS

    def cpu(busy: float, rate: float) -> str:
        return f"{1000 * busy / rate:.2f} ms ({busy:.2f} cores busy)"

    print(f"CPU per transaction, the machine's busy cores (/proc/stat) over the rate: lifecycle {cpu(busy_1, rate_1)} "
          f"with 1 worker, {cpu(busy_4, rate_4)} with {WORKERS}; pgbench {cpu(busy_tps_1, tps_1)} with 1 client, "
          f"{cpu(busy_tps_4, tps_4)} with {WORKERS}; the Python TPC-B client {cpu(busy_python_1, python_1)} with 1, "
          f"{cpu(busy_python_4, python_4)} with {WORKERS}. At 1 worker's CPU per transition, {WORKERS} workers on "
          f"{cores} cores reach at most {ceiling:.2f}× its rate", flush=True)
    print(summary, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
