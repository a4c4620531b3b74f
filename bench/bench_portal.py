"""The public portal under load: tracking and procedure search against the same server's trivial endpoint.

Run with `PYTHONPATH=bench:src python bench/bench_portal.py` (bench/run.py does). A throwaway PostgreSQL is
started (tinhso.testing.pgserver), migrated and given a small demo: the administrative units, the demo
agencies, the demo catalogue and 30 days of dossiers. The production server (gunicorn, 4 workers, the
production settings through bench/bench_settings.py, which only raises the tracking rate limits) serves it
on loopback. The load generator is `wrk` when installed, else a keep-alive generator in this file (asyncio,
raw sockets); each measurement runs 50 connections for BENCH_PORTAL_SECONDS (12 s by default):

- baseline: GET /healthz;
- tracking: the tracking page of a dossier (GET /tra-cuu/<code>/) with the session cookie obtained once by a
  successful check (code + last 4 digits), which is what a citizen's browser sends on every later visit;
- procedure-search: GET /thu-tuc/?q=dang ky khai sinh (folded words; ranked by pg_trgm on PostgreSQL).

Prints `BENCH tracking` and `BENCH procedure-search`, each against the baseline, with p99 latencies.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import harness
from tinhso.testing import pgserver

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_PORTAL_SECONDS", "12"))
CONNECTIONS = 50
WORKERS = 4
SEARCH_PATH = "/thu-tuc/?" + urllib.parse.urlencode({"q": "dang ky khai sinh"})
SECRET = "bench-portal-" + "x" * 40


@dataclass
class Result:
    rate: float  # requests per second
    p99_ms: float
    errors: int
    tool: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(database_url: str) -> tuple[str, str]:
    """Migrate, load the small demo and return a tracked dossier's code and the digits that open it."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tinhso.catalogue.demo import load_demo_catalogue
    from tinhso.directory.demo import load_demo_directory
    from tinhso.dossiers.demo import load_demo_dossiers
    from tinhso.dossiers.models import Dossier
    from tinhso.geo.services import load_units

    province = settings.TINHSO_PROVINCE_CODE
    load_units()
    load_demo_directory(province, "bench-portal-password")
    procedures = load_demo_catalogue(province)
    dossiers = load_demo_dossiers(province, days=30)
    print(f"demo: {procedures} procedures, {dossiers} dossiers", flush=True)
    dossier = (Dossier.objects.exclude(applicant_phone="").order_by("-events__id").first()
               or Dossier.objects.exclude(applicant_phone="").first())
    digits = "".join(ch for ch in dossier.applicant_phone if ch.isdigit())[-4:]
    return dossier.code, digits


def server_environment(database_url: str, static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "src")]),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "tinhso"), "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    server = subprocess.Popen(
        [str(bindir / "gunicorn"), "tinhso.conf.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--backlog", "2048"],
        env=env, cwd=ROOT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, _, _ = request(port, "GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError("the server did not answer /healthz within 60 s")


def request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


def tracked_session(port: int, code: str, digits: str) -> str:
    """Pass the tracking check once, as a browser would, and return the session cookie it earned."""
    status, headers, page = request(port, "GET", "/tra-cuu/")
    assert status == 200, status
    csrf_cookie = _cookies(headers)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code, "digits": digits})
    status, headers, _ = request(port, "POST", "/tra-cuu/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}",
    })
    assert status == 302, f"tracking check answered {status}"
    session = _cookies(headers)["sessionid"]
    status, _, page = request(port, "GET", f"/tra-cuu/{code}/", headers={"Cookie": f"sessionid={session}"})
    assert status == 200 and "Quá trình giải quyết" in page, "the session does not open the tracking page"
    return session


# -- load generators ------------------------------------------------------------------------------------------

WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), "
                        r"timeout (\d+)")


def run_wrk(port: int, path: str, cookie: str | None) -> Result:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout
    rate = float(WRK_RATE.search(output).group(1))
    value, unit = WRK_P99.search(output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = sum(int(n) for match in WRK_ERRORS.finditer(output) for n in match.groups() if n)
    return Result(rate, p99, errors, "wrk")


async def _client(port: int, raw: bytes, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            else:  # chunked
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors.append(status)
    finally:
        writer.close()


def run_python(port: int, path: str, cookie: str | None) -> Result:
    """A keep-alive load generator: CONNECTIONS clients, each sending the next request on its answer."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    errors: list[int] = []

    async def main():
        stop_at = time.perf_counter() + SECONDS
        await asyncio.gather(*(_client(port, raw, stop_at, latencies, errors) for _ in range(CONNECTIONS)))

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
    return Result(len(latencies) / elapsed, p99, len(errors), "python asyncio")


def measure(port: int, path: str, cookie: str | None = None) -> Result:
    result = run_wrk(port, path, cookie) if shutil.which("wrk") else run_python(port, path, cookie)
    print(f"  {path}: {result.rate:.1f} req/s, p99 {result.p99_ms:.1f} ms, errors {result.errors} ({result.tool})",
          flush=True)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed responses on {path}")
    return result


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk): using the Python keep-alive load generator, "
              "which saturates before the server does on small machines", flush=True)
    with pgserver.running() as database, tempfile.TemporaryDirectory(prefix="tinhso-bench-static-") as static_root:
        code, digits = prepare(database.url)
        from django.db import connections

        connections.close_all()
        port = _free_port()
        server = start_server(server_environment(database.url, static_root), port)
        try:
            session = tracked_session(port, code, digits)
            request(port, "GET", SEARCH_PATH)  # warm up every worker's templates a little
            baseline = measure(port, "/healthz")
            tracking = measure(port, f"/tra-cuu/{code}/", f"sessionid={session}")
            search = measure(port, SEARCH_PATH)
        finally:
            server.terminate()
            server.wait(timeout=30)
    common = f"{CONNECTIONS} connections, {SECONDS} s, gunicorn -w {WORKERS}, {baseline.tool}, {harness.machine()}"
    harness.report("tracking", tracking.rate, "req/s", "healthz", baseline.rate, "req/s",
                   extra=f"p99 {tracking.p99_ms:.1f} ms; healthz p99 {baseline.p99_ms:.1f} ms; {common}")
    harness.report("procedure-search", search.rate, "req/s", "healthz", baseline.rate, "req/s",
                   extra=f"p99 {search.p99_ms:.1f} ms; healthz p99 {baseline.p99_ms:.1f} ms; {common}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
