"""The embedded broker's plugins for amqtt (see :mod:`tinhso.broadcast.embedded_broker`): sign-in against the
password file the platform writes, and each device's two topics. Imported only where amqtt is installed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin

from tinhso.broadcast.embedded_broker import check_password, read_passwords, topic_allowed


class PasswordFileAuth(BaseAuthPlugin):
    """Signs in the platform and the devices against the password file, read again when it changes."""

    @dataclass
    class Config:
        password_file: str = ""

    def __init__(self, context) -> None:
        super().__init__(context)
        self._path = Path(self.config.password_file)
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, str] = {}

    def _current(self) -> dict[str, str]:
        stat = self._path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._entries, self._stamp = read_passwords(self._path), stamp
        return self._entries

    async def authenticate(self, *, session) -> bool:
        entry = self._current().get(session.username or "")
        return bool(entry) and check_password(entry, session.password or "")


class DeviceTopics(BaseTopicPlugin):
    """Each device its own two topics; the platform every ``tinhso/`` topic."""

    @dataclass
    class Config:
        pass

    async def topic_filtering(self, *, session=None, topic=None, action=None) -> bool:
        if action == Action.RECEIVE:  # delivery follows a subscription, which was checked
            return True
        return topic_allowed(session.username if session else None, topic, publish=action == Action.PUBLISH)
