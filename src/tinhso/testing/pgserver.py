"""A throwaway PostgreSQL server on loopback, started from the installed binaries.

Used by the test runner and the benchmarks. As root (CI), ``initdb`` refuses to run, so the server is
created and started as the ``postgres`` system user, with its data directory owned by that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """The directory of initdb/pg_ctl: PG_BINDIR, then PATH, then Debian's /usr/lib/postgresql/*/bin."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found and (Path(found).parent / "pg_ctl").exists():
        return Path(found).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    bindir: Path
    datadir: Path
    port: int
    user: str | None  # the system user the server runs as (None: the current user)

    @property
    def url(self) -> str:
        return f"postgres://tinhso@127.0.0.1:{self.port}/tinhso"

    def run(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


@contextlib.contextmanager
def running(extra_conf: dict[str, str] | None = None) -> Iterator[Server]:
    """Start a server in a temporary directory; stop it and remove everything on exit."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries not found (install the postgresql package or set PG_BINDIR)")
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    base = Path(tempfile.mkdtemp(prefix="tinhso-pg-"))
    datadir = base / "data"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    server = Server(bindir, datadir, _free_port(), user)
    try:
        server.run("initdb", "-D", str(datadir), "-U", "tinhso", "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync")
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(server.port),
            "unix_socket_directories": f"'{base}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "256MB",
        }
        conf.update(extra_conf or {})
        with open(datadir / "postgresql.conf", "a") as fh:
            for key, value in conf.items():
                fh.write(f"{key} = {value}\n")
        server.run("pg_ctl", "-D", str(datadir), "-l", str(base / "log"), "-w", "-t", "60", "start")
        _wait(server)
        _create_database(server)
        yield server
    finally:
        if (datadir / "postmaster.pid").exists():
            server.run("pg_ctl", "-D", str(datadir), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


def _create_database(server: Server) -> None:
    import psycopg

    dsn = f"host=127.0.0.1 port={server.port} user=tinhso dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE DATABASE tinhso")


def _wait(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not start listening in time")
