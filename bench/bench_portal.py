"""The public portal under load: tracking and procedure search against the same server's trivial endpoint.

Run with `PYTHONPATH=bench:src python bench/bench_portal.py` (bench/run.py does). A throwaway PostgreSQL is
started (tinhso.testing.pgserver), migrated and given a small demo: the administrative units, the demo
agencies, the demo catalogue and 30 days of dossiers. The production server (gunicorn, 4 workers, the
production settings through bench/bench_settings.py, which only raises the tracking rate limits) serves it
on loopback. The load generator is `wrk` (Debian's package; `bench/setup` installs it), else a load generator
in this file (asyncio, raw sockets; it reconnects when the server closes a connection, as gunicorn's sync
workers do after every response); each measurement runs 50 connections for BENCH_PORTAL_SECONDS (12 s):

- baseline: GET /healthz;
- tracking: a citizen's browser reloading the tracking page of a dossier (GET /tra-cuu/<code>/) with the
  cookies it earned by one successful check (code + last 4 digits) and the entity tag of the page it holds
  (If-None-Match): 304 while the dossier has not changed;
- tracking-full: the same page without If-None-Match (a browser that kept no copy): rendered in full, the
  dossier's part from the fragment cache;
- procedure-search: GET /thu-tuc/?q=dang ky khai sinh from a visitor with no cookies (folded words; ranked by
  pg_trgm on PostgreSQL), the same search every time, so the rendered results come from the fragment cache.

Then each page once more in-process (Django's test client, the same settings) under a statement counter
and cProfile: the queries per request and where the time goes, with the caches cold and warm.

Prints `BENCH tracking`, `BENCH tracking-full` and `BENCH procedure-search`, each against the baseline,
with p99 latencies.
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


@dataclass
class Browser:
    """What a citizen's browser holds after one successful tracking check."""

    cookie: str  # "tinhso_tracking=…; csrftoken=…"
    etag: str


def tracked_session(port: int, code: str, digits: str) -> Browser:
    """Pass the tracking check once, as a browser would, and return its cookies and the page's entity tag."""
    status, headers, page = request(port, "GET", "/tra-cuu/")
    assert status == 200, status
    csrf_cookie = _cookies(headers)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code, "digits": digits})
    status, headers, _ = request(port, "POST", "/tra-cuu/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}",
    })
    assert status == 302, f"tracking check answered {status}"
    cookie = f"tinhso_tracking={_cookies(headers)['tinhso_tracking']}; csrftoken={csrf_cookie}"
    status, headers, page = request(port, "GET", f"/tra-cuu/{code}/", headers={"Cookie": cookie})
    assert status == 200 and "Quá trình giải quyết" in page, "the tracking cookie does not open the page"
    etag = {k.lower(): v for k, v in headers}["etag"]
    status, _, _ = request(port, "GET", f"/tra-cuu/{code}/", headers={"Cookie": cookie, "If-None-Match": etag})
    assert status == 304, f"a reload with the page's entity tag answered {status}"
    return Browser(cookie, etag)


# -- load generators ------------------------------------------------------------------------------------------

WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), "
                        r"timeout (\d+)")


def run_wrk(port: int, path: str, headers: dict[str, str]) -> Result:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout
    rate = float(WRK_RATE.search(output).group(1))
    value, unit = WRK_P99.search(output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = sum(int(n) for match in WRK_ERRORS.finditer(output) for n in match.groups() if n)
    return Result(rate, p99, errors, "wrk")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = head.lower()
    keep = b"connection: close" not in headers and not head.startswith(b"HTTP/1.0")
    length = re.search(rb"content-length:\s*(\d+)", headers)
    if status in (204, 304) or 100 <= status < 200:
        pass
    elif length:
        await reader.readexactly(int(length.group(1)))
    elif b"transfer-encoding: chunked" in headers:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:  # the body runs to the end of the connection
        await reader.read()
        keep = False
    return status, keep


async def _client(port: int, raw: bytes, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    """One connection's worth of load: the next request when the answer is in, a new connection whenever the
    server closes one (gunicorn's sync workers close after every response)."""
    reader = writer = None
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(raw)
                await writer.drain()
                status, keep = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle kept-alive connection before reading the request: send it again.
                writer.close()
                reader = writer = None
                continue
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors.append(status)
            if not keep:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


def run_python(port: int, path: str, headers: dict[str, str]) -> Result:
    """CONNECTIONS clients, each sending the next request on its answer."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
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


def measure(port: int, path: str, headers: dict[str, str] | None = None, *, label: str = "") -> Result:
    headers = headers or {}
    result = run_wrk(port, path, headers) if shutil.which("wrk") else run_python(port, path, headers)
    print(f"  {label or path}: {result.rate:.1f} req/s, p99 {result.p99_ms:.1f} ms, errors {result.errors} "
          f"({result.tool})", flush=True)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed responses on {path}")
    return result


CATEGORIES = (
    ("SQL: driver and waiting for the server", ("psycopg", "socket", "selectors")),
    ("Django ORM and SQL compilation", ("django/db/",)),
    ("templates", ("django/template", "tinhso/portal/templatetags")),
    ("cache", ("django/core/cache", "pickle")),
    ("middleware, sessions, CSRF, URLs, request and response", ("django/",)),
    ("tinhso code and the rest", ("",)),
)


def _category(filename: str) -> str:
    for name, needles in CATEGORIES:
        if any(needle in filename for needle in needles):
            return name
    return CATEGORIES[-1][0]


def profile_pages(code: str, digits: str, repeat: int = 200) -> str:
    """Each page served in-process by Django's test client: statements per request, time per request with the
    caches warm (and cold for the cached pages), and where the time goes."""
    import cProfile
    import pstats
    import statistics
    from collections import defaultdict

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.TINHSO_TRACKING_LIMITS = {"per_address": (10**9, 60), "wrong_per_code": (10**9, 15 * 60)}
    browser = Client()
    assert browser.post("/tra-cuu/", {"code": code, "digits": digits}).status_code == 302
    browser.get(f"/tra-cuu/{code}/")  # sets the CSRF cookie, as the first visit does
    etag = browser.get(f"/tra-cuu/{code}/")["ETag"]
    visitor = Client()
    cases = [
        ("healthz", visitor, "/healthz", {}, False),
        ("tracking (reload, 304)", browser, f"/tra-cuu/{code}/", {"HTTP_IF_NONE_MATCH": etag}, False),
        ("tracking-full, warm", browser, f"/tra-cuu/{code}/", {}, False),
        ("tracking-full, cold cache", browser, f"/tra-cuu/{code}/", {}, True),
        ("procedure-search, warm", visitor, SEARCH_PATH, {}, False),
        ("procedure-search, cold cache", visitor, SEARCH_PATH, {}, True),
    ]
    lines = [f"in-process, Django test client, {repeat} requests each (median; own time by category):"]
    for label, client, path, headers, cold in cases:
        client.get(path, **headers)
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path, **headers).status_code
        statements = len(captured)  # read now: the next requests reset the connection's query log
        times = []
        profiler = cProfile.Profile()
        for _ in range(repeat):
            if cold:
                cache.clear()
            started = time.perf_counter()
            profiler.enable()
            client.get(path, **headers)
            profiler.disable()
            times.append(time.perf_counter() - started)
        by_category: dict[str, float] = defaultdict(float)
        total = 0.0
        for (filename, _line, _function), (_cc, _nc, tottime, _cum, _callers) in pstats.Stats(profiler).stats.items():
            by_category[_category(filename)] += tottime
            total += tottime
        shares = ", ".join(f"{name} {100 * t / total:.0f} %" for name, t in
                           sorted(by_category.items(), key=lambda item: -item[1]) if t / total >= 0.03)
        lines.append(f"  {label}: HTTP {status}, {statements} statements, "
                     f"{statistics.median(times) * 1000:.2f} ms under cProfile — {shares}")
    return "\n".join(lines)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (bench/setup installs it): using the Python load generator, which "
              "saturates before the server does on small machines", flush=True)
    with pgserver.running() as database, tempfile.TemporaryDirectory(prefix="tinhso-bench-static-") as static_root:
        code, digits = prepare(database.url)
        from django.db import connections

        connections.close_all()
        port = _free_port()
        server = start_server(server_environment(database.url, static_root), port)
        try:
            browser = tracked_session(port, code, digits)
            for _ in range(WORKERS * 2):  # every worker renders the pages once before the clock starts
                request(port, "GET", SEARCH_PATH)
                request(port, "GET", f"/tra-cuu/{code}/", headers={"Cookie": browser.cookie})
            baseline = measure(port, "/healthz")
            tracking = measure(port, f"/tra-cuu/{code}/", {"Cookie": browser.cookie, "If-None-Match": browser.etag},
                               label="tracking, reload with If-None-Match")
            full = measure(port, f"/tra-cuu/{code}/", {"Cookie": browser.cookie}, label="tracking, full page")
            search = measure(port, SEARCH_PATH)
        finally:
            server.terminate()
            server.wait(timeout=30)
        summary = profile_pages(code, digits)
    common = f"{CONNECTIONS} connections, {SECONDS} s, gunicorn -w {WORKERS}, {baseline.tool}, {harness.machine()}"
    for name, result, what in (("tracking", tracking, "304 to a reload with If-None-Match"),
                               ("tracking-full", full, "200, the whole page"),
                               ("procedure-search", search, "200")):
        harness.report(name, result.rate, "req/s", "healthz", baseline.rate, "req/s",
                       extra=f"{what}; p99 {result.p99_ms:.1f} ms = {result.p99_ms / baseline.p99_ms:.2f}× healthz "
                             f"p99 {baseline.p99_ms:.1f} ms; {common}")
    print(summary, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
