"""A pure-Python MQTT broker (amqtt, from PyPI) for machines without Debian's Mosquitto.

`make run` starts Mosquitto when it is installed and falls back to this one, so that the demo's radio runs from
the README's two commands anywhere; the tests, CI and production use Mosquitto. It keeps the same rules as the
Mosquitto configuration the platform writes (:func:`tinhso.broadcast.link.write_broker_files`): no anonymous
client; the platform and each device sign in with the password file's ``$7$`` (PBKDF2-HMAC-SHA512) entries; a
device subscribes only to its own command topic and publishes only to its own ``up`` topic; the platform reads
and writes every ``tinhso/`` topic. The password file is read again when it changes (a device added, removed or
re-keyed), as Mosquitto does on SIGHUP.

Run as its own process: ``python -m tinhso.broadcast.embedded_broker FOLDER PORT`` (FOLDER holds ``passwords``);
:class:`EmbeddedBroker` starts, reloads and stops it with the interface of :class:`tinhso.testing.mosquitto.Broker`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from tinhso.testing.mosquitto import Broker

logger = logging.getLogger("tinhso.broadcast")

PLATFORM_USER = "tinhso-platform"  # the same name as tinhso.broadcast.link.PLATFORM_USER (kept import-free here)


def available() -> bool:
    """Whether the pure-Python broker can run here (the ``amqtt`` package is installed)."""
    import importlib.util

    return importlib.util.find_spec("amqtt") is not None


# -- the rules, kept apart from amqtt so that they are tested on their own -----------------------------------

def check_password(entry: str, password: str) -> bool:
    """Whether ``password`` matches a Mosquitto ``$7$`` password-file entry."""
    try:
        _, kind, iterations, salt, digest = entry.split("$")
        if kind != "7":
            return False
        computed = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(computed, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def read_passwords(path: Path) -> dict[str, str]:
    """``user -> $7$ entry`` from a Mosquitto password file."""
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        user, sep, entry = line.strip().partition(":")
        if sep and user and not user.startswith("#"):
            entries[user] = entry
    return entries


def topic_allowed(username: str | None, topic: str | None, *, publish: bool) -> bool:
    """The ACL of :data:`tinhso.broadcast.link.ACL`: the platform on ``tinhso/#``; a device reads
    ``tinhso/d/<its id>/cmd`` and writes ``tinhso/d/<its id>/up``, nothing else (no wildcards)."""
    if not username or not topic:
        return False
    if username == PLATFORM_USER:
        return topic == "tinhso" or topic.startswith("tinhso/")
    if "+" in username or "#" in username or "/" in username:
        return False
    return topic == f"tinhso/d/{username}/{'up' if publish else 'cmd'}"


def _config(folder: Path, port: int) -> dict:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}", "max_connections": 0}},
        "timeout_disconnect_delay": 0,
        "plugins": {
            "tinhso.broadcast.amqtt_plugins.PasswordFileAuth": {"password_file": str(folder / "passwords")},
            "tinhso.broadcast.amqtt_plugins.DeviceTopics": {},
        },
    }


async def serve(folder: Path, port: int) -> None:
    from amqtt.broker import Broker as AmqttBroker

    broker = AmqttBroker(_config(folder, port))
    await broker.start()
    try:
        await asyncio.Event().wait()
    finally:
        await broker.shutdown()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tinhso.broadcast.embedded_broker FOLDER PORT", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(Path(argv[0]), int(argv[1])))
    return 0


# -- the process --------------------------------------------------------------------------------------------

class EmbeddedBroker(Broker):
    """The pure-Python broker in a child process, started, reloaded and stopped like the Mosquitto one."""

    name = "amqtt"

    def _command(self) -> list[str]:
        if not available():
            raise RuntimeError("amqtt is not installed (pip install amqtt)")
        return [sys.executable, "-m", "tinhso.broadcast.embedded_broker", str(self.folder), str(self.port)]

    def _write(self, devices: Iterable[tuple[str, str]]) -> None:
        from tinhso.broadcast.link import write_broker_files

        write_broker_files(self.folder, self.platform_password, devices)

    def reload(self, devices: Iterable[tuple[str, str]]) -> None:
        """A new password file: the running broker reads it at the next sign-in (no signal needed)."""
        self._write(devices)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
