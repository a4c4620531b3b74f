"""`tinhso notices`: the state of sending, the sweep, resending failed deliveries after an outage, a test."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tinhso.common.notices.models import Delivery, Notice
from tinhso.common.workdays import VIETNAM

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("notices", *args, stdout=out)
    return out.getvalue()


def _failed(channel="email", destination="binh@example.vn", day=2, kind="dossiers.event"):
    notice = Notice.objects.create(subject="Hồ sơ trả chậm", text="Nội dung", kind=kind)
    return Delivery.objects.create(notice=notice, channel=channel, destination=destination, status="failed",
                                   attempts=6, failed_at=datetime.datetime(2026, 3, day, 9, tzinfo=VIETNAM))


def test_status_says_what_waits_and_what_failed(clock):
    _failed()
    notice = Notice.objects.create(subject="x")
    Delivery.objects.create(notice=notice, channel="sms", destination="0912345678",
                            created_at=clock() - datetime.timedelta(minutes=42))
    out = run("status")
    assert "Đang chờ gửi: 1" in out and "chờ lâu nhất: 42 phút" in out and "Không thành công" in out


def test_resend_after_an_outage_sends_the_failed_deliveries_again(committed, sms_outbox):
    _failed(day=1)
    recent = _failed(day=3)
    sms = _failed(channel="sms", destination="0912345678", day=3)
    with committed():
        out = run("resend", "--since", "02/03/2026", "--channel", "email")
    assert "Đã đưa 1 lượt gửi vào hàng đợi gửi lại." in out
    recent.refresh_from_db()
    sms.refresh_from_db()
    assert recent.status == "sent" and sms.status == "failed" and len(mail.outbox) == 1
    with pytest.raises(CommandError, match="--since"):
        run("resend", "--since", "31/02/2026")


def test_a_test_notice_checks_the_configuration(committed, sms_outbox):
    with committed():
        out = run("test", "--email", "quantri@nghean.gov.vn", "--phone", "0912345678")
    assert "Thư điện tử tới qu" in out and "Đã gửi" in out
    assert mail.outbox[0].subject == "Thư thử của nền tảng tỉnh số"
    assert sms_outbox[0].text == "Tin nhan thu cua nen tang tinh so: cau hinh gui tin nhan hoat dong."
    with pytest.raises(CommandError):
        run("test")


def test_the_sweep_reports_what_it_queued():
    assert run("sweep") == "Đã đưa lại vào hàng đợi 0 lượt gửi.\n"


def test_recount_rebuilds_the_daily_counts_and_says_whether_they_agreed():
    _failed()
    assert "không khớp" in run("recount")  # the row above was written without the services
    assert "khớp với các lượt gửi (1 dòng theo tháng)" in run("recount")
