"""The data-sharing gateway under load, and the national-portal outbox draining.

Run with `PYTHONPATH=bench:src python bench/bench_exchange.py` (bench/run.py does). A throwaway PostgreSQL is
started (tinhso.testing.pgserver) and migrated.

**gateway** — requests per second through the gateway for a small service, logging and access checks
included, against the same service called directly on the same server in the same run. The service is the
agency registry's `GET /agencies/{identifier}`: directly `GET /api/directory/agencies/000.00.00.H41`, through
the gateway `GET /r1/VN/GOV/000.00.00.H41/tinhso/agencies/agencies/000.00.00.H41` as a registered member
holding the right. The production server (gunicorn -w 4, bench/bench_settings.py) serves both on loopback
as behind a TLS-terminating proxy: the member's certificate (from the test CA, registered, its CA trusted and
its CRL held) arrives in `X-SSL-Client-Cert` from the trusted proxy address, since `wrk` cannot present a
client certificate; TLS itself would cost both paths the same. Every gateway call is authenticated (the
certificate parsed, matched and checked against validity, issuer and CRL), its right checked, the platform
API run, and its request and answer written to the message log. `wrk` with 50 connections for
BENCH_EXCHANGE_SECONDS (12 s by default) per measurement.

**outbox** — draining BENCH_OUTBOX_CHANGES (100,000 by default) status changes (25,000 dossiers × 4 changes,
in order per dossier) to the stand-in national portal (in this process, on loopback) by BENCH_OUTBOX_WORKERS
(2) delivery processes (`tinhso exchange deliver`, batches of 500, SKIP LOCKED claims), every request and
answer in the message log; against a plain INSERT of the same rows (bulk_create, 5,000 per statement). The
bench fails unless the portal's application received every change exactly once and in order per dossier.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import harness
from bench_portal import Result, _free_port, request, server_environment, start_server
from tinhso.testing import pgserver

ROOT = Path(__file__).resolve().parents[1]
CHANGES = int(os.environ.get("BENCH_OUTBOX_CHANGES", "100000"))
PER_DOSSIER = 4
WORKERS = int(os.environ.get("BENCH_OUTBOX_WORKERS", "2"))
BATCH = 500
MEMBER = "VN/GOV/000.00.00.H42/tinhso"
SECONDS = int(os.environ.get("BENCH_EXCHANGE_SECONDS", "12"))
CONNECTIONS = 50


def prepare(database_url: str) -> str:
    """Migrate, the demo agencies, a member with a certificate and the right; returns its PEM."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tinhso.directory.demo import load_demo_directory
    from tinhso.exchange import services
    from tinhso.exchange.testing import enrol, trust
    from tinhso.geo.services import load_units
    from tinhso.testing.pki import TestPKI

    load_units()
    load_demo_directory(settings.TINHSO_PROVINCE_CODE, "bench-exchange-password")
    pki = TestPKI.create("Tỉnh số — đo hiệu năng")
    trust(pki)
    member, credential = enrol(pki, MEMBER, "Tỉnh lân cận")
    services.grant_access(member, "agencies")
    return credential.cert_pem.decode()


NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def run_wrk(port: int, path: str, headers: dict[str, str]) -> tuple[Result, int]:
    """`wrk` with request headers; fails on any answer that is not 2xx, counts socket errors (a loaded
    machine times some requests out) and returns them beside the result."""
    from bench_portal import WRK_P99, WRK_RATE

    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency", "--timeout", "20s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout
    rate = float(WRK_RATE.search(output).group(1))
    value, unit = WRK_P99.search(output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    refused = NON_2XX.search(output)
    if refused:
        raise RuntimeError(f"{refused.group(1)} answers other than 2xx on {path}")
    socket_errors = sum(int(n) for n in SOCKET_ERRORS.search(output).groups()) if SOCKET_ERRORS.search(output) else 0
    result = Result(rate, p99, 0, "wrk")
    print(f"  {path}: {rate:.1f} req/s, p99 {p99:.1f} ms, socket errors {socket_errors}", flush=True)
    return result, socket_errors


def bench_gateway(database_url: str) -> None:
    pem = prepare(database_url)
    from django.db import connections

    connections.close_all()
    direct_path = "/api/directory/agencies/000.00.00.H41"
    gateway_path = "/r1/VN/GOV/000.00.00.H41/tinhso/agencies" + "/agencies/000.00.00.H41"
    headers = {"X-Road-Client": MEMBER, "X-SSL-Client-Cert": quote(pem, safe="")}
    with tempfile.TemporaryDirectory(prefix="tinhso-bench-static-") as static_root:
        env = {**server_environment(database_url, static_root), "EXCHANGE_CLIENT_CERT_HEADER": "X-SSL-Client-Cert",
               "EXCHANGE_TRUSTED_PROXIES": "127.0.0.1"}
        port = _free_port()
        server = start_server(env, port)
        try:
            status, answer_headers, body = request(port, "GET", gateway_path, headers=headers)
            assert status == 200 and "X-Road-Request-Hash" in dict(answer_headers), (status, body[:500])
            for path, sent in ((direct_path, {}), (gateway_path, headers)):  # warm every worker a little
                for _ in range(8):
                    request(port, "GET", path, headers=sent)
            (direct, direct_errors), (through, through_errors) = (run_wrk(port, direct_path, {}),
                                                                  run_wrk(port, gateway_path, headers))
        finally:
            server.terminate()
            server.wait(timeout=30)
    from tinhso.exchange.models import MessageRecord

    logged = MessageRecord.objects.filter(direction="served", kind="response", status=200).count()
    harness.report("gateway", through.rate, "req/s", "direct-api", direct.rate, "req/s",
                   extra=f"p99 {through.p99_ms:.1f} ms, direct p99 {direct.p99_ms:.1f} ms; {logged} calls logged; "
                         f"socket errors {through_errors}/{direct_errors}; {CONNECTIONS} connections, {SECONDS} s, "
                         f"gunicorn -w 4, wrk; {harness.machine()}")


def _rows(agency_id: int, version_id: int):
    from tinhso.exchange.models import OutboxEntry

    at = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    states = ["submitted", "received", "in_progress", "result_ready", "returned"]
    event = 0
    for dossier in range(CHANGES // PER_DOSSIER):
        code = f"000.00.10.H41-260302-{dossier + 1:05d}"
        for step in range(PER_DOSSIER):
            event += 1
            yield OutboxEntry(
                dossier_id=dossier + 1, dossier_code=code, agency_id=agency_id, event_id=event,
                action=["submit_online", "receive", "assign", "approve"][step], from_state=states[step] if step else "",
                to_state=states[step + 1] if step else states[0], event_at=at + datetime.timedelta(minutes=step),
                data={"procedure_version": version_id, "receiving_agency": agency_id, "channel": "online",
                      "received_at": None, "due_at": None, "finished_at": None, "note": ""},
            )


def bench_outbox(database_url: str) -> None:
    from django.db import connection

    from tinhso.catalogue.tests.factories import FieldFactory, ProcedureFactory
    from tinhso.directory.models import Agency
    from tinhso.exchange.models import MessageRecord, OutboxEntry, OutboxStatus
    from tinhso.testing.national_portal import StandInPortal

    agency = Agency.objects.order_by("pk").first()
    from tinhso.catalogue.models import ProcedureVersion

    version = ProcedureVersion.objects.create(procedure=ProcedureFactory(code="1.123456"), name="Thủ tục đo",
                                              field=FieldFactory(code="DO"), level="province", time_limit=5,
                                              result="Giấy phép")
    rows = list(_rows(agency.pk, version.pk))
    started = time.perf_counter()
    OutboxEntry.objects.bulk_create(rows, batch_size=5000)
    insert_seconds = time.perf_counter() - started
    print(f"  plain INSERT of {len(rows)} rows: {insert_seconds:.2f} s", flush=True)
    OutboxEntry.objects.all().delete()
    OutboxEntry.objects.bulk_create(list(_rows(agency.pk, version.pk)), batch_size=5000)
    MessageRecord.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE exchange_outboxentry")
    connection.close()

    with StandInPortal(keep_payloads=False) as portal:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "src")]),
               "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test", "DATABASE_URL": database_url,
               "NATIONAL_PORTAL_URL": portal.url, "NATIONAL_PORTAL_SYSTEM_ID": portal.system_id,
               "NATIONAL_PORTAL_SECRET": portal.secret, "NATIONAL_PORTAL_BATCH": str(BATCH),
               "NATIONAL_PORTAL_TIMEOUT": "60", "LOG_LEVEL": "WARNING"}
        started = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "tinhso.manage", "exchange", "deliver"], env=env,
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for _ in range(WORKERS)]
        outputs = [worker.communicate(timeout=3600) for worker in workers]
        drain_seconds = time.perf_counter() - started
        for worker, (out, err) in zip(workers, outputs, strict=True):
            print("  worker:", out.decode().strip(), err.decode().strip()[-500:], flush=True)
            if worker.returncode:
                raise RuntimeError("a delivery worker failed")
        ids = portal.received_ids()
        received, unique, requests = len(ids), len(set(ids)), portal.requests
        out_of_order = len(portal.out_of_order)
    delivered = OutboxEntry.objects.filter(status=OutboxStatus.DELIVERED).count()
    if not (delivered == received == unique == len(rows)) or out_of_order:
        raise RuntimeError(f"delivered {delivered}, portal received {received} ({unique} distinct), "
                           f"{out_of_order} out of order, of {len(rows)}")
    logged = MessageRecord.objects.filter(direction="made").count()
    print(f"  drained {delivered} changes in {drain_seconds:.2f} s: {requests} requests, {logged} log records",
          flush=True)
    harness.report("outbox", delivered / drain_seconds, "changes/s", "plain-insert", len(rows) / insert_seconds,
                   "rows/s", extra=f"{len(rows)} changes, {WORKERS} workers, batches of {BATCH}; "
                                   f"{harness.machine()}, PostgreSQL")


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("the gateway bench needs wrk (apt-get install -y wrk) to send the certificate header")
    with pgserver.running({"shared_buffers": "256MB", "synchronous_commit": "on"}) as database:
        bench_gateway(database.url)
        bench_outbox(database.url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
