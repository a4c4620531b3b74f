"""Fixtures of the account tests: a clean rate-limit cache, a real SMTP server, an SMS inbox, and a test
client whose requests commit."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest
from django.core.cache import cache

from tinhso.portal.accounts.tests.sms import SmsInbox


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """The test client, each request followed by its commit: the notices a request queued for after its
    transaction commits are sent when the request returns, as in production (the test's own transaction,
    which wraps everything, never commits)."""
    send = client.request

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send(**kwargs)

    client.request = request
    return client


@pytest.fixture
def sms(settings):
    settings.TINHSO_SMS_BACKEND = "tinhso.portal.accounts.tests.sms.SmsInbox"
    SmsInbox.sent.clear()
    yield SmsInbox.sent
    SmsInbox.sent.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpInbox:
    """Messages received by the aiosmtpd server, parsed."""

    def __init__(self):
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [email.message_from_bytes(raw, policy=policy.default) for raw in self.raw]

    def bodies(self) -> list[str]:
        return [message.get_body(("plain",)).get_content() for message in self.messages]

    def link(self, pattern: str) -> str:
        """The path of the last link in the last message matching ``pattern`` (a regex on the path)."""
        for body in reversed(self.bodies()):
            found = re.findall(r"https?://[^/\s]+(/\S+)", body)
            for path in reversed(found):
                if re.search(pattern, path):
                    return path
        raise AssertionError(f"no link matching {pattern!r} in {self.bodies()}")


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free loopback port; Django sends to it with its SMTP backend."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox
    finally:
        controller.stop()
