"""Fixtures of the notice service's tests: a real SMTP server on loopback that can be told to fail, SMS
gateways that fail on purpose, a settable clock, and the commit that sends what was queued."""

from __future__ import annotations

import contextlib
import datetime
import email
import socket
from email import policy

import pytest
from django.utils import timezone

from tinhso.common.notices.sms import MemorySmsBackend, SmsBackend
from tinhso.common.workdays import VIETNAM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpMailbox:
    """An aiosmtpd handler: accepts mail, or answers the next ``fail_next`` messages with ``failure`` (an
    SMTP reply such as ``"451 4.3.0 Mailbox busy"`` at DATA), or refuses a recipient for good."""

    def __init__(self):
        self.raw: list[bytes] = []
        self.fail_next = 0
        self.failure = "451 4.3.0 Mailbox temporarily unavailable"
        self.refused_recipients: set[str] = set()
        self.conversations = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused_recipients:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.conversations += 1
        if self.fail_next:
            self.fail_next -= 1
            return self.failure
        self.raw.append(envelope.content)
        return "250 Message accepted for delivery"

    def down(self) -> None:
        """The server stops: connections are refused."""
        self.controller.stop()
        self.controller = None

    def up(self) -> None:
        """The server is back on the same port."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self):
        return [email.message_from_bytes(raw, policy=policy.default) for raw in self.raw]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free loopback port; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    mailbox = SmtpMailbox()
    mailbox.port = port = free_port()
    mailbox.controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    mailbox.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield mailbox
    finally:
        if mailbox.controller is not None:
            mailbox.controller.stop()


@pytest.fixture
def sms_outbox(settings):
    """SMS kept in memory (the ``memory`` gateway)."""
    settings.TINHSO_SMS_BACKEND = "memory"
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


class FlakyGateway(SmsBackend):
    """Fails ``failures`` times (a gateway timing out), then delivers."""

    failures = 0
    calls: list[tuple[str, str]] = []
    delivered: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        type(self).calls.append((phone, text))
        if type(self).failures > 0:
            type(self).failures -= 1
            raise TimeoutError("gateway did not answer within 10 s")
        type(self).delivered.append((phone, text))


class RefusingGateway(SmsBackend):
    """Refuses the number for good."""

    def send(self, phone: str, text: str) -> None:
        from tinhso.common.notices import PermanentFailure

        raise PermanentFailure("Cổng tin nhắn từ chối: số thuê bao không tồn tại (mã 13)")


@pytest.fixture
def flaky(settings):
    settings.TINHSO_SMS_BACKEND = f"{__name__}.FlakyGateway"
    FlakyGateway.failures = 0
    FlakyGateway.calls, FlakyGateway.delivered = [], []
    return FlakyGateway


class Clock:
    """What ``timezone.now()`` answers while a test runs."""

    def __init__(self, moment: datetime.datetime):
        self.moment = moment

    def __call__(self) -> datetime.datetime:
        return self.moment

    def advance(self, **delta) -> datetime.datetime:
        self.moment += datetime.timedelta(**delta)
        return self.moment


@pytest.fixture
def clock(monkeypatch):
    """Now is Monday 2 March 2026, 09:00 in Vietnam, until the test moves it."""
    fixed = Clock(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM))
    monkeypatch.setattr(timezone, "now", fixed)
    return fixed


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` — the block's transaction commits at its end: what it queued is sent then."""
    @contextlib.contextmanager
    def commit():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
    return commit
