"""Whole deployments of the platform on loopback, each with its own database and processes, for tests that
need more than one (two provinces calling each other's services) or a real server (mutual TLS with gunicorn,
a delivery worker killed with SIGKILL).

A :class:`Deployment` runs ``tinhso`` commands and ``gunicorn`` as child processes with its own environment.
Its database is a copy of one migrated template: a SQLite file, or, when the tests run on PostgreSQL
(``DATABASE_URL`` is ``postgres://…``), a database created on the same server from a template database — so
the deployments run on the database the suite is testing::

    template = Template.create(tmp_path_factory.mktemp("deployments"))     # migrate once
    a = Deployment("a", template, province="40", env={...}).prepare()
    a.shell("from tinhso.exchange import services; ...")
    a.serve(certfile, keyfile)                                              # gunicorn over mutual TLS
    a.run("exchange", "verify-log")
    a.stop()
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _base_env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TINHSO_", "DJANGO_", "DATABASE_", "EXCHANGE_", "NATIONAL_PORTAL_", "TSA_",
                                 "PYTEST"))}
    return {**keep, "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test", "PYTHONPATH": str(ROOT / "src"),
            "LOG_LEVEL": "WARNING"}


@dataclass
class Template:
    """A migrated database the deployments copy."""

    directory: Path
    url: str

    @classmethod
    def create(cls, directory: Path) -> Template:
        source = os.environ.get("DATABASE_URL", "")
        if source.startswith(("postgres://", "postgresql://")):
            name = f"tinhso_tpl_{uuid.uuid4().hex[:8]}"
            _admin(source, f'CREATE DATABASE "{name}"')
            url = _with_database(source, name)
        else:
            url = f"sqlite:///{directory / 'template.sqlite3'}"
        result = subprocess.run([sys.executable, "-m", "tinhso.manage", "migrate", "--noinput", "-v0"],
                                env={**_base_env(), "DATABASE_URL": url}, capture_output=True, text=True,
                                cwd=ROOT, timeout=600)
        if result.returncode:
            raise RuntimeError(f"migrating the deployment template failed:\n{result.stderr[-3000:]}")
        return cls(directory, url)

    @property
    def on_postgres(self) -> bool:
        return self.url.startswith("postgres")

    def copy(self, name: str) -> str:
        if self.on_postgres:
            database = f"tinhso_{name}_{uuid.uuid4().hex[:8]}"
            _admin(self.url, f'CREATE DATABASE "{database}" TEMPLATE "{urlsplit(self.url).path.lstrip("/")}"')
            return _with_database(self.url, database)
        target = self.directory / f"{name}.sqlite3"
        shutil.copyfile(self.directory / "template.sqlite3", target)
        return f"sqlite:///{target}"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres").replace("postgres://", "postgresql://", 1),
                         autocommit=True) as connection:
        connection.execute(statement)


class Deployment:
    """One deployment: its database, its settings (environment variables), its commands and its server."""

    def __init__(self, name: str, template: Template, *, province: str = "40", env: dict[str, str] | None = None):
        self.name = name
        self.template = template
        self.env = {**_base_env(), "PROVINCE_CODE": province, **(env or {})}
        self.port = free_port()
        self.server: subprocess.Popen | None = None
        self.log = template.directory / f"{name}-server.log"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def prepare(self, *, migrate: bool = True) -> Deployment:
        """Copy the template and, unless the caller does it in its own setup, run ``migrate`` (nothing to
        migrate: the post-migrate steps of this deployment's settings — its own subsystem, its services)."""
        self.env["DATABASE_URL"] = self.template.copy(self.name)
        if migrate:
            self.run("migrate", "--noinput", "-v0")
        return self

    def run(self, *args: str, env: dict[str, str] | None = None, check: bool = True, timeout: float = 300,
            input: bytes | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "tinhso.manage", *args], env={**self.env, **(env or {})},
                                capture_output=True, cwd=ROOT, timeout=timeout, input=input)
        result.stdout_text = result.stdout.decode(errors="replace")
        result.stderr_text = result.stderr.decode(errors="replace")
        if check and result.returncode:
            raise AssertionError(f"{self.name}: tinhso {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout_text[-2000:]}\n{result.stderr_text[-4000:]}")
        return result

    def shell(self, code: str, **options) -> subprocess.CompletedProcess:
        return self.run("shell", "-c", code, **options)

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """A long-running ``tinhso`` command (a worker), left to the caller to wait for or kill."""
        return subprocess.Popen([sys.executable, "-m", "tinhso.manage", *args], env={**self.env, **(env or {})},
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def serve(self, certfile: Path, keyfile: Path, *, workers: int = 2) -> Deployment:
        """Serve the platform with gunicorn over mutual TLS (``tinhso.exchange.tls_server``)."""
        with self.log.open("wb") as log:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "tinhso.conf.wsgi", "-c", "python:tinhso.exchange.tls_server",
                 "--certfile", str(certfile), "--keyfile", str(keyfile), "-b", f"127.0.0.1:{self.port}",
                 "-w", str(workers), "--timeout", "60"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: gunicorn did not listen on {self.port}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
        self.server = None
