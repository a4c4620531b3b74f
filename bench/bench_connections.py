"""Connections under load: the lifecycle bench with Django's psycopg pool and with PgBouncer, against plain
connections, in the same run.

Run with `PYTHONPATH=bench:src python bench/bench_connections.py` (bench/run.py does). A throwaway PostgreSQL
server (tinhso.testing.pgserver) with the lifecycle bench's procedure and officers (bench_lifecycle.prepare);
then 4 worker processes run full lifecycles (6 transitions each) for ``BENCH_CONNECTIONS_SECONDS`` (10 s) in
each mode, every lifecycle inside a request cycle (Django's request_started/request_finished signals, as a web
process sends them, which is when Django closes or gives back its connection):

- direct: one persistent connection per process (``DATABASE_CONN_MAX_AGE=60``, the default) — the baseline;
- direct, new connection per request (``DATABASE_CONN_MAX_AGE=0``): what pooling exists to avoid;
- pool: Django's psycopg pool (``DATABASE_POOL_SIZE=2``), a connection borrowed per request;
- pgbouncer: PgBouncer from Debian in transaction mode (pool of 4 server connections) between the processes
  and PostgreSQL, a new client connection per request (``DATABASE_PGBOUNCER=true``, ``DATABASE_CONN_MAX_AGE=0``).

The modes take turns (``BENCH_CONNECTIONS_ROUNDS``, 2 by default) and each figure is the mean of its turns.
Prints ``BENCH lifecycle-4-<mode>`` against ``lifecycle-4-direct``.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
os.environ["TASKS_BACKEND"] = "database"

import bench_portal
import harness
from lifecycle_worker import Setup
from tinhso.testing import pgserver

SECONDS = float(os.environ.get("BENCH_CONNECTIONS_SECONDS", "10"))
WORKERS = 4
ROUNDS = int(os.environ.get("BENCH_CONNECTIONS_ROUNDS", "2"))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def work(setup: Setup, start_at: float, seconds: float) -> tuple[int, float]:
    """A worker process: lifecycles, each inside a request cycle, for ``seconds``."""
    from lifecycle_worker import Lifecycles, _setup_django

    _setup_django()
    from django.core.signals import request_finished, request_started

    lifecycles = Lifecycles(setup)
    for _ in range(2):
        lifecycles.run_one()
    time.sleep(max(0.0, start_at - time.time()))
    transitions, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        request_started.send(sender=None)
        try:
            transitions += lifecycles.run_one()
        finally:
            request_finished.send(sender=None)
    elapsed = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    return transitions, elapsed


def rate(setup: Setup, env: dict[str, str]) -> float:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        context = multiprocessing.get_context("spawn")
        start_at = time.time() + 10.0
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(work, [(setup, start_at, SECONDS)] * WORKERS)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return sum(count for count, _ in results) / max(seconds for _, seconds in results)


def start_pgbouncer(server, folder: Path) -> tuple[subprocess.Popen, int]:
    """PgBouncer in transaction mode in front of ``server``, on a loopback port."""
    port = bench_portal._free_port()
    (folder / "users.txt").write_text('"tinhso" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"tinhso = host=127.0.0.1 port={server.port} dbname=tinhso user=tinhso\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 200\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {folder / 'pgbouncer.log'}\n")
    command = [PGBOUNCER, "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 20
    import socket

    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("PgBouncer did not start")


def main() -> int:
    import bench_lifecycle

    with pgserver.running() as server, tempfile.TemporaryDirectory(prefix="tinhso-pgbouncer-") as folder:
        os.environ["DATABASE_URL"] = server.url
        setup = bench_lifecycle.prepare()
        from django.db import connections

        connections.close_all()
        bouncer, port = start_pgbouncer(server, Path(folder))
        modes = {
            "direct": {"DATABASE_CONN_MAX_AGE": "60"},
            "direct-new-connection": {"DATABASE_CONN_MAX_AGE": "0"},
            "pool": {"DATABASE_POOL_SIZE": "2"},
            "pgbouncer": {"DATABASE_URL": f"postgres://tinhso@127.0.0.1:{port}/tinhso",
                          "DATABASE_PGBOUNCER": "true", "DATABASE_CONN_MAX_AGE": "0"},
        }
        runs: dict[str, list[float]] = {mode: [] for mode in modes}
        try:
            # The modes take turns, ROUNDS times, so that a change in the machine's load falls on all of them.
            for _ in range(ROUNDS):
                for mode, env in modes.items():
                    runs[mode].append(rate(setup, env))
        finally:
            bouncer.terminate()
            bouncer.wait(timeout=10)
        results = {mode: statistics.mean(values) for mode, values in runs.items()}
    machine = f"{WORKERS} worker processes, every lifecycle in a request cycle, mean of {ROUNDS} turns, " \
              f"{harness.machine()}, PostgreSQL {server.bindir.parent.name}"
    for mode in ("direct-new-connection", "pool", "pgbouncer"):
        harness.report(f"lifecycle-4-{mode}", results[mode], "transitions/s", "lifecycle-4-direct",
                       results["direct"], "transitions/s", extra=machine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
