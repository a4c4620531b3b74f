"""A throwaway Icecast server on loopback (Debian's ``icecast2``), as the tests start Mosquitto and PostgreSQL.

Used by the grassroots radio's live broadcast tests and ``make run`` (the demo). The configuration is generated
into a temporary folder: loopback only, random source and admin passwords, no burst on connect (a unit joining
a live broadcast starts at the live edge, not seconds behind), and, when run as root, Icecast drops to Debian's
``icecast2`` user (it refuses to run as root).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from tinhso.testing.loopback import free_port

SHARE = Path("/usr/share/icecast2")
# Bytes of audio between two in-band metadata blocks: the live delay is measured from them, so a small interval
# (an eighth of a second at 64 kbit/s) keeps the measurement fine.
METAINT = 1000


def find_icecast() -> str | None:
    return shutil.which("icecast2") or shutil.which("icecast") or next(
        (p for p in ("/usr/bin/icecast2", "/usr/bin/icecast") if Path(p).exists()), None)


class Icecast:
    name = "Icecast"

    def __init__(self, port: int | None = None, folder: Path | None = None, *, source_password: str | None = None,
                 admin_password: str | None = None, clients: int = 2000):
        self.port = port or free_port()
        self.folder = folder or Path(tempfile.mkdtemp(prefix="tinhso-icecast-"))
        self.source_password = source_password or secrets.token_urlsafe(16)
        self.admin_password = admin_password or secrets.token_urlsafe(16)
        self.clients = clients
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The settings the platform's processes need to use this server."""
        return {"BROADCAST_ICECAST_URL": self.url, "BROADCAST_ICECAST_SOURCE_PASSWORD": self.source_password,
                "BROADCAST_ICECAST_ADMIN_PASSWORD": self.admin_password}

    def _write(self) -> Path:
        logs = self.folder / "log"
        logs.mkdir(parents=True, exist_ok=True)
        owner = ""
        if os.geteuid() == 0:
            owner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
            shutil.chown(logs, "icecast2", "icecast")
            os.chmod(self.folder, 0o711)  # noqa: S103 (Icecast's user reaches its log folder, reads nothing)
        config = f"""<icecast>
  <location>tinhso</location><admin>root@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>{self.clients}</clients><sources>200</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>10</source-timeout>
    <burst-on-connect>0</burst-on-connect><burst-size>0</burst-size></limits>
  <authentication><source-password>{escape(self.source_password)}</source-password>
    <relay-password>{escape(secrets.token_urlsafe(16))}</relay-password>
    <admin-user>admin</admin-user><admin-password>{escape(self.admin_password)}</admin-password></authentication>
  <listen-socket><port>{self.port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <mount type="default"><mp3-metadata-interval>{METAINT}</mp3-metadata-interval></mount>
  <fileserve>1</fileserve>
  <paths><basedir>{self.folder}</basedir><logdir>{logs}</logdir><webroot>{SHARE / 'web'}</webroot>
    <adminroot>{SHARE / 'admin'}</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
"""
        path = self.folder / "icecast.xml"
        path.write_text(config)
        os.chmod(path, 0o600)  # read as root, before Icecast drops to its user
        return path

    def start(self) -> Icecast:
        binary = find_icecast()
        if binary is None:
            raise RuntimeError("icecast2 is not installed (apt-get install icecast2)")
        config = self._write()
        self._process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL,
                                         stderr=open(self.folder / "stderr", "wb"))  # noqa: SIM115
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self._process.poll() is not None:
                    raise RuntimeError((self.folder / "stderr").read_text()) from None
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Icecast:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
