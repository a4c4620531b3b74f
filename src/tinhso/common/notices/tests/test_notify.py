"""One call notifies a person: an account (its addresses, in-app list and language) or bare addresses, after
the caller's transaction commits, through the channels asked for; once-only keys; secret notices."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction

from tinhso.common.notices import EMAIL, IN_APP, SMS, Recipient, language_of, notify
from tinhso.common.notices.models import Delivery, Notice
from tinhso.common.notices.recipients import Contact, register_contact_source
from tinhso.directory.tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_account_is_told_by_email_and_in_its_list_after_the_commit(committed, sms_outbox):
    officer = UserFactory(email="lan.nguyen@sokhcn.nghean.gov.vn", first_name="Lan", last_name="Nguyễn")
    agency = AgencyFactory()
    with committed():
        notice = notify(officer, subject="Nhiệm vụ mới: báo cáo hạ tầng viễn thông quý I",
                        text="Sở giao nhiệm vụ báo cáo, hạn 15/04/2026.", link="/nhiem-vu/12/",
                        concerns=agency, kind="directives.assigned", agency_id=agency.pk)
        assert mail.outbox == []  # nothing leaves before the commit
    (message,) = mail.outbox
    assert message.to == ["lan.nguyen@sokhcn.nghean.gov.vn"]
    assert message.subject == "Nhiệm vụ mới: báo cáo hạ tầng viễn thông quý I"
    assert message.body.endswith("hạn 15/04/2026.\n\nhttp://127.0.0.1:8000/nhiem-vu/12/")
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sms_outbox == []  # staff accounts have no phone on record
    notice.refresh_from_db()
    assert notice.in_app and notice.user == officer and notice.concerns == agency and notice.read_at is None
    (delivery,) = notice.deliveries.all()
    assert (delivery.channel, delivery.status, delivery.attempts) == (EMAIL, Delivery.Status.SENT, 1)
    assert delivery.agency_id == agency.pk


def test_bare_addresses_reach_a_person_without_an_account(committed, sms_outbox):
    with committed():
        notice = notify(Recipient(email="binh@example.vn", phone="0912345678", name="Trần Thị Bình"),
                        subject="Hồ sơ đã tiếp nhận", text="…", sms="Hồ sơ đã được tiếp nhận.")
    assert not notice.in_app and notice.user is None and notice.language == "vi"
    assert [m.to for m in mail.outbox] == [["binh@example.vn"]]
    (sent,) = sms_outbox
    assert (sent.phone, sent.text, sent.encoding) == ("0912345678", "Ho so da duoc tiep nhan.", "gsm7")
    assert notice.deliveries.get(channel=SMS).segments == 1


def test_channels_narrow_where_the_notice_goes(committed, sms_outbox):
    person = Recipient(email="binh@example.vn", phone="0912345678")
    with committed():
        notify(person, subject="Chỉ tin nhắn", text="", channels=[SMS])
    assert mail.outbox == [] and len(sms_outbox) == 1
    officer = UserFactory(email="x@example.vn")
    with committed():
        only_list = notify(officer, subject="Chỉ trong mục thông báo", text="…", channels=[IN_APP])
    assert only_list.in_app and not only_list.deliveries.exists() and mail.outbox == []
    assert notify(Recipient(phone="0912345678"), subject="x", text="x", channels=[EMAIL]) is None
    with pytest.raises(ValueError, match="unknown notice channels"):
        notify(officer, subject="x", text="x", channels=["fax"])


def test_a_rolled_back_action_notifies_nobody(committed, sms_outbox):
    officer = UserFactory(email="x@example.vn")
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        notify(officer, subject="Sẽ không ai biết", text="…")
        raise RuntimeError("the action is refused after the notice was composed")
    assert mail.outbox == [] and not Notice.objects.exists() and not Delivery.objects.exists()


def test_a_key_makes_a_notice_once_only(committed):
    officer = UserFactory(email="x@example.vn")
    with committed():
        first = notify(officer, subject="Một lần", text="…", key="directives:task-12:assigned")
        again = notify(officer, subject="Một lần", text="…", key="directives:task-12:assigned")
    assert first is not None and again is None
    assert Notice.objects.count() == 1 and len(mail.outbox) == 1


def test_the_language_comes_from_the_account_and_is_vietnamese_otherwise():
    officer = UserFactory()
    assert language_of(officer) == "vi" and language_of(Recipient(email="a@b.vn")) == "vi"
    assert language_of(Recipient(email="a@b.vn", language="en")) == "en"
    assert language_of(Recipient(email="a@b.vn", language="fr")) == "vi"  # not a language of the site

    def english_speakers(user):
        return Contact(email=user.email, language="en") if user.username.startswith("en-") else None

    register_contact_source(english_speakers)
    try:
        assert language_of(UserFactory(username="en-officer")) == "en"
        assert language_of(officer) == "vi"
    finally:
        from tinhso.common.notices import recipients

        recipients._SOURCES.remove(english_speakers)


def test_addresses_given_win_over_the_accounts(committed):
    officer = UserFactory(email="cu@example.vn")
    with committed():
        notify(Recipient(user=officer, email="moi@example.vn"), subject="x", text="x")
    assert [m.to for m in mail.outbox] == [["moi@example.vn"]]


def test_a_secret_is_never_listed_and_is_erased_once_sent(committed, sms_outbox, clock):
    officer = UserFactory(email="x@example.vn")
    with committed():
        notice = notify(Recipient(user=officer, phone="0912345678"), subject="Mã tải kết quả", text="Mã: 482913",
                        sms="Mã tải kết quả: 482913", secret=True, expires_at=clock() + datetime.timedelta(minutes=10))
    notice.refresh_from_db()
    assert not notice.in_app  # a one-time code never sits in a list
    assert "482913" in mail.outbox[0].body and "482913" in sms_outbox[0].text
    assert (notice.text, notice.sms_text) == ("", "")  # delivered: nothing of the code is kept


def test_a_delivery_not_made_before_the_notice_expires_is_abandoned(committed, sms_outbox, clock, monkeypatch):
    from tinhso.common.notices import services

    monkeypatch.setattr(services, "_enqueue", lambda delivery_id, when=None: None)  # the queue is stuck
    with committed():
        notice = notify(Recipient(phone="0912345678"), subject="Mã", text="", sms="Mã xác minh 123456",
                        secret=True, expires_at=clock() + datetime.timedelta(minutes=10))
    clock.advance(minutes=11)
    delivery = notice.deliveries.get()
    assert services.attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.permanent and sms_outbox == []
    assert delivery.last_error == "Hết hiệu lực trước khi gửi được."


def test_errors_and_links_never_show_an_address_or_run_a_script():
    from tinhso.common.notices.masking import mask_addresses_in

    assert mask_addresses_in("550 <binh.tran@example.vn> unknown; SĐT 0912345678, +84987654321 bị chặn") == \
        "550 <bi•••••••@example.vn> unknown; SĐT •••••••678, ••••••••321 bị chặn"
    assert Notice(link="javascript:alert(1)").href == "" and Notice(link="//evil.example/").href == ""
    assert Notice(link="/ho-so-cua-toi/X/").href == "/ho-so-cua-toi/X/"
    assert Notice(link="https://dichvucong.gov.vn/").href == "https://dichvucong.gov.vn/"


def test_the_log_backend_masks_verification_codes_like_phone_numbers(caplog):
    """A log is read by more people than the phone's owner: a code in clear would let them verify the phone."""
    from tinhso.common.notices.sms import LogSmsBackend

    with caplog.at_level("INFO", logger="tinhso"):
        LogSmsBackend().send("0912345678", "Ma xac minh tai khoan dich vu cong: 651520. Hieu luc 10 phut. "
                                           "Ho so 000.00.12.H41-260315-0001 hen tra 20/03/2026.")
    logged = caplog.text
    assert "651520" not in logged and "••••••" in logged
    assert "0912345678" not in logged and "•••••••678" in logged
    assert "000.00.12.H41-260315-0001" in logged and "20/03/2026" in logged
