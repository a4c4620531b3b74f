"""A stand-in for the national public-service portal, on loopback, for the tests, the demo and the bench.

The real portal's interface is not public; this one answers the payloads the platform defines
(``tinhso.exchange.portal``) the way a careful receiver would: it checks each request's HMAC signature and
timestamp, keeps each status change once (by its id, dossier code and event), answers ``duplicate`` for a
repeat, and serves a procedure catalogue page by page. Tests then make it misbehave:

- ``mode = "accept"``: take the changes and answer (the default);
- ``"fail"``: answer 503 without taking anything;
- ``"timeout"``: take the changes, then answer only after ``delay`` seconds (the caller has given up);
- ``"hang"``: take the changes, set ``arrived``, and answer only once ``release`` is set;
- ``"twice"``: take the changes and name every change twice in the answer;
- ``reject``: ids of changes to answer ``rejected`` (and not take).

``received`` is what the portal's application got: every change once, in arrival order; ``requests`` counts
HTTP requests and ``deliveries`` every change id each request carried (repeats included).

Run on its own (the demo and the bench do)::

    python -m tinhso.testing.national_portal --port 8911 --system-id tinhso-demo --secret demo-secret
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 64 * 1024 * 1024
MODES = ("accept", "fail", "timeout", "hang", "twice")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandInPortal:
    def __init__(self, *, system_id: str = "tinhso-test", secret: str = "stand-in-secret",  # noqa: S107 — a test double's
                 port: int | None = None,
                 catalogue: list[dict] | None = None, page_size: int = 50, keep_payloads: bool = True):
        self.system_id = system_id
        self.secret = secret
        self.port = port or _free_port()
        self.catalogue = list(catalogue or [])
        self.page_size = page_size
        self.keep_payloads = keep_payloads
        self.mode = "accept"
        self.delay = 5.0
        self.reject: set[str] = set()
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.ids: set[str] = set()
        self.last_event: dict[str, int] = {}
        self.out_of_order: list[str] = []
        self.requests = 0
        self.deliveries: list[str] = []
        self.refused_signatures = 0
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StandInPortal:
        if self._server is not None:
            return self
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "national-portal-stand-in"

            def do_GET(self):
                owner._answer(self, "GET")

            def do_POST(self):
                owner._answer(self, "POST")

            def log_message(self, format, *args):
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="national-portal", daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StandInPortal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what the portal's application holds --------------------------------------------------------------

    def received_ids(self) -> list[str]:
        with self.lock:
            return [change["id"] for change in self.received]

    def _take(self, change: dict) -> str:
        """Keep one change once; the answer for it."""
        key = str(change.get("id", ""))
        if key in self.reject:
            return "rejected"
        with self.lock:
            if key in self.ids:
                return "duplicate"
            self.ids.add(key)
            self.received.append(change if self.keep_payloads else {"id": key})
            code, event = str(change.get("dossier_code", "")), int(change.get("event_id") or 0)
            if event < self.last_event.get(code, -1):
                self.out_of_order.append(key)
            self.last_event[code] = max(event, self.last_event.get(code, -1))
        return "accepted"

    # -- HTTP --------------------------------------------------------------------------------------------

    def _signed(self, handler, body: bytes) -> bool:
        stamp = handler.headers.get("X-Timestamp", "")
        system_id = handler.headers.get("X-System-Id", "")
        given = handler.headers.get("X-Signature", "")
        content_type = handler.headers.get("Content-Type", "") if body else ""
        message = system_id.encode() + stamp.encode() + content_type.encode() + body
        expected = base64.b64encode(hmac.new(self.secret.encode(), message, hashlib.sha256).digest()).decode()
        try:
            fresh = abs(time.time() - int(stamp)) <= 300
        except ValueError:
            fresh = False
        return system_id == self.system_id and fresh and hmac.compare_digest(given, expected)

    def _send(self, handler, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the caller gave up waiting

    def _answer(self, handler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(handler, 413, {"detail": "too large"})
            return
        body = handler.rfile.read(length) if length else b""
        if not self._signed(handler, body):
            self.refused_signatures += 1
            self._send(handler, 401, {"detail": "chữ ký không hợp lệ"})
            return
        parts = urlsplit(handler.path)
        if method == "GET" and parts.path == "/procedures":
            page = int((parse_qs(parts.query).get("page") or ["1"])[0])
            start = (page - 1) * self.page_size
            items = self.catalogue[start:start + self.page_size]
            more = start + self.page_size < len(self.catalogue)
            self._send(handler, 200, {"items": items, "next_page": page + 1 if more else None})
            return
        if method != "POST" or parts.path != "/status-changes":
            self._send(handler, 404, {"detail": "not found"})
            return
        with self.lock:
            self.requests += 1
        mode = self.mode
        if mode == "fail":
            self._send(handler, 503, {"detail": "tạm thời không phục vụ"})
            return
        try:
            changes = json.loads(body)["changes"]
            assert isinstance(changes, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            self._send(handler, 400, {"detail": "payload"})
            return
        with self.lock:
            self.deliveries += [str(c.get("id", "")) for c in changes]
        results = [{"id": c.get("id"), "result": (answer := self._take(c)),
                    "message": "không nhận" if answer == "rejected" else ""} for c in changes]
        if mode == "twice":
            results = results + [{**r, "result": "duplicate" if r["result"] != "rejected" else "rejected"}
                                 for r in results]
        if mode == "timeout":
            time.sleep(self.delay)
        if mode == "hang":
            self.arrived.set()
            self.release.wait()
        self._send(handler, 200, {"results": results})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stand-in national public-service portal on loopback.")
    parser.add_argument("--port", type=int, default=8911)
    parser.add_argument("--system-id", default="tinhso-demo")
    parser.add_argument("--secret", default="demo-secret")
    parser.add_argument("--catalogue", help="JSON file with a list of procedures to serve")
    parser.add_argument("--quiet-store", action="store_true", help="keep only the ids of what is received")
    args = parser.parse_args(argv)
    catalogue = json.loads(Path(args.catalogue).read_text(encoding="utf-8")) if args.catalogue else []
    portal = StandInPortal(system_id=args.system_id, secret=args.secret, port=args.port, catalogue=catalogue,
                           keep_payloads=not args.quiet_store).start()
    print(f"national portal stand-in on {portal.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        portal.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
