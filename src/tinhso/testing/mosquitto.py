"""A throwaway Mosquitto broker on loopback (Debian's ``mosquitto``), as the tests start PostgreSQL.

Used by the grassroots radio's tests, ``make run`` (the demo) and the benchmark. The broker refuses anonymous
clients; its password file and ACL come from :func:`tinhso.broadcast.link.write_broker_files` and
:meth:`Broker.reload` rewrites them and makes the running broker read them again (SIGHUP).
"""

from __future__ import annotations

import getpass
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from tinhso.testing.loopback import free_port


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)


class Broker:
    name = "Mosquitto"

    def __init__(self, platform_password: str | None = None, port: int | None = None, folder: Path | None = None):
        self.platform_password = platform_password or secrets.token_urlsafe(16)
        self.port = port or free_port()
        self.folder = folder or Path(tempfile.mkdtemp(prefix="tinhso-mqtt-"))
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        from tinhso.broadcast.link import PLATFORM_USER

        return f"mqtt://{PLATFORM_USER}:{self.platform_password}@127.0.0.1:{self.port}"

    def _write(self, devices: Iterable[tuple[str, str]]) -> None:
        from tinhso.broadcast.link import write_broker_files

        passwords, acl = write_broker_files(self.folder, self.platform_password, devices)
        config = [f"listener {self.port} 127.0.0.1", "allow_anonymous false", f"password_file {passwords}",
                  f"acl_file {acl}", "persistence false", "log_dest stderr", "log_type error",
                  "log_type warning", "max_queued_messages 10000", "max_inflight_messages 1000"]
        # As root the broker would otherwise drop to the "mosquitto" user, who cannot read this folder.
        config.append(f"user {getpass.getuser()}")
        (self.folder / "mosquitto.conf").write_text("\n".join(config) + "\n")

    def _command(self) -> list[str]:
        binary = find_mosquitto()
        if binary is None:
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        return [binary, "-c", str(self.folder / "mosquitto.conf")]

    def start(self, devices: Iterable[tuple[str, str]] = ()) -> Broker:
        command = self._command()
        self._write(devices)
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                         stderr=open(self.folder / "log", "wb"))  # noqa: SIM115
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self._process.poll() is not None:
                    raise RuntimeError((self.folder / "log").read_text()) from None
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not start")

    def reload(self, devices: Iterable[tuple[str, str]]) -> None:
        """Give the running broker a new password file (devices added, removed or re-keyed)."""
        self._write(devices)
        if self._process is not None:
            self._process.send_signal(signal.SIGHUP)
            time.sleep(0.2)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Broker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
