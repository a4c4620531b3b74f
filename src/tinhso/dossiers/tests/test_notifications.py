"""The applicant is told after commit: e-mail through Django's mail, SMS through the configured gateway."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tinhso.directory.models import Role
from tinhso.dossiers import services
from tinhso.dossiers.notifications import LogSmsBackend, SmsBackend, mask_phone, sms_backend, sms_backends
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, officer, submitted_dossier

pytestmark = pytest.mark.django_db

sent: list[tuple[str, str]] = []


class RecordingSms(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        sent.append((phone, text))


def test_reception_mails_the_applicant_after_commit(clock, settings, mailoutbox, django_capture_on_commit_callbacks):
    dossier = submitted_dossier()
    mailoutbox.clear()
    receiver = officer(Role.RECEIVER, dossier.receiving_agency)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dossier = services.receive(dossier, actor=receiver, expected_version=dossier.version)
        assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    (message,) = mailoutbox
    assert message.to == ["binh@example.vn"]
    assert message.subject == f"Hồ sơ {dossier.code}: Đã tiếp nhận"
    assert dossier.code in message.body and "Hạn trả kết quả: 17:00 ngày 06/03/2026" in message.body
    assert settings.TINHSO_PUBLIC_BASE_URL + "/tra-cuu/" in message.body


def test_a_supplement_request_lists_every_missing_item_in_one_notice(mailoutbox, django_capture_on_commit_callbacks):
    dossier = submitted_dossier()
    receiver = officer(Role.RECEIVER, dossier.receiving_agency)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_supplement(dossier, actor=receiver, expected_version=dossier.version,
                                    missing=["Bản sao sổ đỏ", "Ảnh 4x6"])
    (message,) = mailoutbox
    assert "1. Bản sao sổ đỏ" in message.body and "2. Ảnh 4x6" in message.body


def test_internal_moves_are_not_sent(mailoutbox, django_capture_on_commit_callbacks):
    dossier = submitted_dossier()
    agency = dossier.receiving_agency
    dossier = services.receive(dossier, actor=officer(Role.RECEIVER, agency), expected_version=dossier.version)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.forward(dossier, actor=officer(Role.HANDLER, agency), expected_version=dossier.version)
    assert callbacks == [] and mailoutbox == []


def test_the_log_backend_writes_the_sms_with_the_phone_masked(caplog, django_capture_on_commit_callbacks):
    dossier = submitted_dossier()
    receiver = officer(Role.RECEIVER, dossier.receiving_agency)
    with (caplog.at_level(logging.INFO, logger="tinhso.dossiers.notifications"),
          django_capture_on_commit_callbacks(execute=True)):
        services.receive(dossier, actor=receiver, expected_version=dossier.version)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS"))
    assert "0912345678" not in line and mask_phone("0912345678") in line and dossier.code in line


def test_the_sms_backend_is_chosen_by_name_or_dotted_path(settings, django_capture_on_commit_callbacks):
    assert isinstance(sms_backend(), LogSmsBackend) and "log" in sms_backends
    settings.TINHSO_SMS_BACKEND = f"{__name__}.RecordingSms"
    sent.clear()
    dossier = submitted_dossier()
    with django_capture_on_commit_callbacks(execute=True):
        services.receive(dossier, actor=officer(Role.RECEIVER, dossier.receiving_agency),
                         expected_version=dossier.version)
    assert sent and sent[0][0] == "0912345678" and dossier.code in sent[0][1]
    settings.TINHSO_SMS_BACKEND = "logging.Logger"
    with pytest.raises(TypeError):
        sms_backend()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def test_a_real_smtp_server_receives_the_notice(settings, django_capture_on_commit_callbacks):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        dossier = submitted_dossier(ProcedureWithRouteFactory(), None, email="nguoinop@example.vn")
        with django_capture_on_commit_callbacks(execute=True):
            services.receive(dossier, actor=officer(Role.RECEIVER, dossier.receiving_agency),
                             expected_version=dossier.version)
        deadline = time.monotonic() + 5
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    (message,) = inbox.messages
    assert message["To"] == "nguoinop@example.vn"
    payload = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert dossier.code in payload and "Đã tiếp nhận" in payload


class BrokenSms(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway down")


@pytest.mark.django_db(transaction=True)
def test_a_failing_gateway_does_not_undo_or_fail_a_committed_transition(settings):
    settings.TINHSO_SMS_BACKEND = f"{__name__}.BrokenSms"
    dossier = submitted_dossier()
    receiver = officer(Role.RECEIVER, dossier.receiving_agency)
    dossier = services.receive(dossier, actor=receiver, expected_version=dossier.version)
    dossier.refresh_from_db()
    assert dossier.state == "received"


def test_the_notice_speaks_the_language_the_applicants_account_chose(clock, mailoutbox, caplog,
                                                                      django_capture_on_commit_callbacks):
    from django.utils import translation

    from tinhso.portal.accounts.tests.factories import CitizenFactory

    profile = CitizenFactory(language="en")
    dossier = submitted_dossier(user=profile.user)
    mailoutbox.clear()
    receiver = officer(Role.RECEIVER, dossier.receiving_agency)
    with translation.override("vi"), caplog.at_level("INFO", logger="tinhso.dossiers.notifications"), \
            django_capture_on_commit_callbacks(execute=True):
        dossier = services.receive(dossier, actor=receiver, expected_version=dossier.version)
    (message,) = mailoutbox
    assert message.subject == f"Dossier {dossier.code}: Received"
    assert "Dear Trần Thị Bình," in message.body and "Result due: 17:00 on 06/03/2026." in message.body
    assert "Kính gửi" not in message.body
    sms = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS to"))
    assert f"Dossier {dossier.code}: Received. Due 06/03/2026. Track: " in sms
    # A Vietnamese account, or none, keeps Vietnamese whatever the officer's page language.
    profile.language = "vi"
    profile.save()
    mailoutbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.issue_apology(dossier, actor=officer(Role.HANDLER, dossier.receiving_agency),
                               expected_version=dossier.version, reason="Cần xác minh thêm",
                               new_due_at=dossier.due_at.date().replace(day=10))
    assert mailoutbox[0].subject.startswith(f"Hồ sơ {dossier.code}:")
    assert "Cơ quan giải quyết xin lỗi" in mailoutbox[0].body


def test_the_log_backend_masks_verification_codes_like_phone_numbers(caplog):
    """A log is read by more people than the phone's owner: a code in clear would let them verify the phone."""
    with caplog.at_level("INFO", logger="tinhso"):
        LogSmsBackend().send("0912345678", "Ma xac minh tai khoan dich vu cong: 651520. Hieu luc 10 phut. "
                                           "Ho so 000.00.12.H41-260315-0001 hen tra 20/03/2026.")
    logged = caplog.text
    assert "651520" not in logged and "••••••" in logged
    assert "0912345678" not in logged and "•••••••678" in logged
    assert "000.00.12.H41-260315-0001" in logged and "20/03/2026" in logged
