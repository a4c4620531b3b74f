"""A real reverse proxy on loopback for the tests: Debian's nginx, configured as the README's deployment is.

``running(upstream_port)`` starts nginx on a free port of 127.0.0.1 in front of ``127.0.0.1:<upstream_port>``
(passing ``Host``, ``X-Forwarded-For`` with ``$proxy_add_x_forwarded_for`` and ``X-Forwarded-Proto``), waits
until it answers and stops it afterwards. Clients reach it from other loopback addresses (127.0.0.2, …) with
:func:`request`, so that the application sees one peer (the proxy) and many clients behind it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

CONFIG = """
{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
daemon off;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(upstream_port: int) -> Iterator[int]:
    """nginx in front of ``127.0.0.1:upstream_port``; yields the port it listens on."""
    binary = find_nginx()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian's nginx-light; .ci/run installs it)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="tinhso-nginx-") as root:
        os.chmod(root, 0o755)  # noqa: S103 - the workers (nobody) read the configuration
        config = Path(root) / "nginx.conf"
        config.write_text(CONFIG.format(root=root, port=port, upstream=upstream_port,
                                        user="user root;" if os.geteuid() == 0 else ""))
        process = subprocess.Popen([binary, "-c", str(config), "-p", root], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (Path(root) / "error.log").read_text() if (Path(root) / "error.log").exists() else ""
                    raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()} {log}")
                time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


@dataclass
class Browser:
    """A client at one loopback address, keeping its cookies like a browser."""

    address: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                source_address=(self.address, 0))
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body.encode() if body else None, headers=sent)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, content
