"""E-mail over real SMTP (aiosmtpd on loopback): a server that fails and recovers gets the message once; one
that keeps failing leaves the delivery in the failed list, where an administrator resends it once the server
works again; an address the server refuses for good is failed at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tinhso.common.notices import Recipient, notify
from tinhso.common.notices.models import Delivery
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import officer

pytestmark = pytest.mark.django_db


def _mail(committed, agency=None, to="binh@example.vn"):
    with committed():
        notice = notify(Recipient(email=to, name="Trần Thị Bình"), subject="Hồ sơ 000.00.00.H40-260302-0001",
                        text="Hồ sơ của bạn đã được tiếp nhận.", kind="dossiers.event",
                        agency_id=agency.pk if agency else None)
    return notice.deliveries.get()


def test_a_failing_server_that_recovers_gets_the_message_once(committed, smtp):
    smtp.fail_next = 2  # "451 Mailbox temporarily unavailable", twice
    delivery = _mail(committed)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert smtp.conversations == 3
    (message,) = smtp.messages
    assert message["To"] == "binh@example.vn" and message["Subject"] == "Hồ sơ 000.00.00.H40-260302-0001"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith(f"<notice-{delivery.pk}.")
    assert "Hồ sơ của bạn đã được tiếp nhận." in message.get_body(("plain",)).get_content()
    busy = "Máy chủ thư tạm từ chối nội dung thư: 451 4.3.0 Mailbox temporarily unavailable"
    assert [entry.get("error", "") for entry in delivery.history] == [busy, busy, ""]


def test_a_server_that_is_down_then_up_gets_the_message_when_the_retry_comes(committed, smtp, clock, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    from tinhso.common.notices import services
    from tinhso.common.notices.tests.test_retry import _run_ready_tasks

    smtp.down()  # the mail server is down
    delivery = _mail(committed)
    with committed():
        _run_ready_tasks()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and "Không gửi được tới máy chủ thư" in delivery.last_error
    smtp.up()
    clock.advance(seconds=services.retry_delay(1, delivery.pk).total_seconds())
    with committed():
        assert _run_ready_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2) and len(smtp.messages) == 1


def test_a_server_that_keeps_failing_leaves_the_notice_for_an_administrator_to_resend(committed, smtp, client):
    agency = AgencyFactory(name="UBND phường Trường Vinh")
    smtp.fail_next = 100
    delivery = _mail(committed, agency)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 6) and smtp.messages == []

    admin = officer(Role.PLATFORM_ADMIN, agency)
    client.force_login(admin)
    page = client.get(reverse("notices:deliveries")).content.decode()
    assert "Hồ sơ 000.00.00.H40-260302-0001" in page and "bi••@example.vn" in page
    assert "binh@example.vn" not in page  # the address is masked in the list
    assert "451 4.3.0 Mailbox temporarily unavailable" in page

    smtp.fail_next = 0  # the administrator has the mail server fixed
    with committed():
        response = client.post(reverse("notices:resend", args=[delivery.pk]),
                               {"next": reverse("notices:deliveries")})
    assert response.status_code == 302 and response["Location"] == reverse("notices:deliveries")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.resent_count) == (Delivery.Status.SENT, 1, 1)
    assert len(smtp.messages) == 1
    assert f'id="delivery-{delivery.pk}"' not in client.get(reverse("notices:deliveries")).content.decode()

    from tinhso.common.audit import AuditEntry

    entry = AuditEntry.objects.get(object_type="notices.delivery")
    assert entry.actor == admin and entry.object_id == str(delivery.pk) and "binh@example.vn" not in entry.summary


def test_an_address_the_server_refuses_for_good_is_failed_at_once(committed, smtp):
    smtp.refused_recipients.add("khong-ton-tai@example.vn")
    delivery = _mail(committed, to="khong-ton-tai@example.vn")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.permanent) == (Delivery.Status.FAILED, 1, True)
    assert delivery.last_error.startswith("Máy chủ thư từ chối địa chỉ nhận: 550 5.1.1")
    assert "khong-ton-tai@example.vn" not in delivery.last_error and "kh•" in delivery.last_error
