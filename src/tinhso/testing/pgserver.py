"""A throwaway PostgreSQL server on loopback, started from the installed binaries, with streaming replicas.

Used by the test runner and the benchmarks. As root (CI), ``initdb`` refuses to run, so the server is
created and started as the ``postgres`` system user, with its data directory owned by that user.

``running(replicas=n)`` also starts ``n`` hot standbys of it, each on its own loopback port: a base backup
taken over the replication protocol (``pg_basebackup -R`` writes ``standby.signal`` and the connection to the
primary), then streaming. :class:`Standby` pauses and resumes its replay and waits for it to catch up, so
tests can make a replica lag on purpose.
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
from dataclasses import dataclass, field
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
    replicas: list[Standby] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"postgres://tinhso@127.0.0.1:{self.port}/tinhso"

    @property
    def replica_urls(self) -> str:
        """The standbys' URLs as DATABASE_REPLICA_URLS takes them (comma-separated)."""
        return ",".join(standby.url for standby in self.replicas)

    def sql(self, statement: str, database: str = "tinhso"):
        """Run one statement as the superuser on this server and return its first row (None if none)."""
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user=tinhso dbname={database}"
        with psycopg.connect(dsn, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchone() if cursor.description else None

    def run(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


@dataclass
class Standby(Server):
    """A hot standby streaming from a primary."""

    def pause_replay(self) -> None:
        """Stop applying the primary's changes (they still arrive): reads see the state of this moment."""
        self.sql("SELECT pg_wal_replay_pause()", "postgres")

    def resume_replay(self) -> None:
        self.sql("SELECT pg_wal_replay_resume()", "postgres")

    def catch_up(self, primary: Server, timeout: float = 30) -> None:
        """Wait until this standby has replayed everything the primary has written so far."""
        target = primary.sql("SELECT pg_current_wal_insert_lsn()::text", "postgres")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", "postgres")[0]:
                return
            time.sleep(0.05)
        raise RuntimeError(f"the standby on port {self.port} did not catch up with {target} in {timeout} s")


@contextlib.contextmanager
def running(extra_conf: dict[str, str] | None = None, replicas: int = 0) -> Iterator[Server]:
    """Start a server (and ``replicas`` hot standbys of it) in a temporary directory; stop them and remove
    everything on exit."""
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
        for number in range(1, replicas + 1):
            server.replicas.append(_start_standby(server, base, number))
        yield server
    finally:
        for standby in [*server.replicas, server]:
            if (standby.datadir / "postmaster.pid").exists():
                standby.run("pg_ctl", "-D", str(standby.datadir), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


def _start_standby(primary: Server, base: Path, number: int) -> Standby:
    """A base backup of ``primary`` over the replication protocol, started as a hot standby on its own port."""
    standby = Standby(primary.bindir, base / f"replica{number}", _free_port(), primary.user)
    standby.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "tinhso", "-D",
                str(standby.datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync")
    with open(standby.datadir / "postgresql.conf", "a") as fh:
        fh.write(f"port = {standby.port}\nhot_standby = on\n")
    standby.run("pg_ctl", "-D", str(standby.datadir), "-l", str(base / f"replica{number}.log"), "-w", "-t", "60",
                "start")
    _wait(standby)
    deadline = time.monotonic() + 30
    while not standby.sql("SELECT pg_is_in_recovery()", "postgres")[0]:
        if time.monotonic() > deadline:
            raise RuntimeError("the standby did not enter recovery")
        time.sleep(0.1)
    standby.catch_up(primary)
    return standby


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
