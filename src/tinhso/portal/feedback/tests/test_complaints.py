"""Feedback and proposals: filed by a citizen, routed to the responsible agency, answered within the
handling deadline, judged by the citizen; refused when out of competence; transferred; kept in scope."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.common.audit import AuditEntry
from tinhso.common.workdays import VIETNAM
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import citizen, dossier_in_state, officer
from tinhso.portal.feedback import services
from tinhso.portal.feedback.models import Complaint, ComplaintKind, ComplaintState, Verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return citizen(first_name="Trần Thị", last_name="Bình", email="binh@example.vn")


@pytest.fixture
def dossier(owner, clock):
    return dossier_in_state(State.RETURNED, user=owner)


@pytest.fixture
def agency(dossier):
    return dossier.receiving_agency


def file(owner, agency=None, dossier=None, **fields) -> Complaint:
    values = {"kind": ComplaintKind.FEEDBACK, "subject": "Chậm trả kết quả", "content": "Hồ sơ trả chậm.",
              "name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@example.vn"}
    values.update(fields)
    return services.file_complaint(user=owner, agency=agency, dossier=dossier, **values)


def test_a_complaint_about_a_dossier_goes_to_its_receiving_agency_with_a_ten_working_day_deadline(
        client, owner, dossier, agency):
    client.force_login(owner)
    form = client.get("/phan-anh/gui/")
    assert form.status_code == 200
    response = client.post("/phan-anh/gui/", {
        "kind": "feedback", "subject": "Cán bộ hẹn nhiều lần", "content": "Tôi phải đi lại ba lần.",
        "dossier": dossier.pk, "agency": "", "name": "Trần Thị Bình", "phone": "0912 345 678", "email": "",
    })
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert response["Location"] == f"/phan-anh/{complaint.code}/"
    assert complaint.code == "PAKN-260302-0001"
    assert complaint.agency == agency
    assert complaint.state == ComplaintState.SUBMITTED
    # Monday 2/3/2026 09:00 + 10 working days: Monday 16/3 at the close of office hours.
    assert complaint.due_at == datetime.datetime(2026, 3, 16, 17, 0, tzinfo=VIETNAM)
    assert complaint.events.get().action == "file"
    assert AuditEntry.objects.filter(object_type="feedback.complaint").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Cán bộ hẹn nhiều lần" in page and agency.name in page


def test_filing_needs_an_agency_or_a_dossier_and_only_ones_own_dossier(client, owner, dossier):
    client.force_login(owner)
    base = {"kind": "proposal", "subject": "Đề nghị", "content": "Nội dung", "name": "Bình"}
    response = client.post("/phan-anh/gui/", base)
    assert response.status_code == 400
    assert "Vui lòng chọn cơ quan nhận phản ánh" in response.content.decode()
    other = dossier_in_state(State.RETURNED, user=citizen())
    response = client.post("/phan-anh/gui/", {**base, "dossier": other.pk})
    assert response.status_code == 400
    assert "Chỉ chọn được hồ sơ của chính bạn" in response.content.decode()
    response = client.post("/phan-anh/gui/", {**base, "subject": ""})
    assert "Vui lòng nhập tiêu đề" in response.content.decode()
    assert not Complaint.objects.exists()


def test_answered_on_time_then_the_citizen_is_satisfied(client, owner, dossier, agency, clock):
    complaint = file(owner, dossier=dossier)
    handler = officer(Role.HANDLER, agency)
    client.force_login(handler)
    queue = client.get("/phan-anh/xu-ly/").content.decode()
    assert complaint.code in queue and "Trong hạn" in queue
    page = client.get(f"/phan-anh/xu-ly/{complaint.code}/").content.decode()
    assert "Tiếp nhận xử lý</button>" in page and "Gửi trả lời" in page and "Chuyển cơ quan" in page
    assert client.post(f"/phan-anh/xu-ly/{complaint.code}/tiep-nhan/").status_code == 302
    clock.advance(days=3)
    response = client.post(f"/phan-anh/xu-ly/{complaint.code}/tra-loi/",
                           {"answer": "Cơ quan đã chấn chỉnh bộ phận một cửa."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.ANSWERED
    assert complaint.answered_on_time is True
    assert complaint.answered_by == handler and complaint.handler == handler

    client.force_login(owner)
    page = client.get(f"/phan-anh/{complaint.code}/").content.decode()
    assert "Cơ quan đã chấn chỉnh bộ phận một cửa." in page
    assert "Đánh giá câu trả lời" in page
    response = client.post(f"/phan-anh/{complaint.code}/danh-gia/", {"verdict": "satisfied", "comment": "Cảm ơn"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.state, complaint.verdict) == (ComplaintState.CLOSED, Verdict.SATISFIED)
    again = client.post(f"/phan-anh/{complaint.code}/danh-gia/", {"verdict": "not_satisfied"})
    assert again.status_code == 409
    assert list(complaint.events.values_list("action", flat=True)) == ["file", "take", "answer", "verdict"]


def test_answered_late_and_the_citizen_is_not_satisfied(client, owner, agency, clock):
    complaint = file(owner, agency=agency)
    clock.set(2026, 3, 17, 9, 0)
    handler = officer(Role.HANDLER, agency)
    client.force_login(handler)
    assert "Quá hạn" in client.get("/phan-anh/xu-ly/").content.decode()
    client.post(f"/phan-anh/xu-ly/{complaint.code}/tra-loi/", {"answer": "Đã xử lý."})
    complaint.refresh_from_db()
    assert complaint.answered_on_time is False
    services.give_verdict(complaint, user=owner, verdict=Verdict.NOT_SATISFIED, comment="Trả lời chậm.")
    complaint.refresh_from_db()
    assert complaint.verdict == Verdict.NOT_SATISFIED


def test_the_citizen_cannot_judge_before_the_answer(client, owner, agency):
    complaint = file(owner, agency=agency)
    client.force_login(owner)
    assert "Đánh giá câu trả lời" not in client.get(f"/phan-anh/{complaint.code}/").content.decode()
    assert client.post(f"/phan-anh/{complaint.code}/danh-gia/", {"verdict": "satisfied"}).status_code == 409


def test_a_complaint_out_of_competence_is_refused_with_a_reason(client, owner, agency):
    complaint = file(owner, agency=agency)
    client.force_login(officer(Role.RECEIVER, agency))
    response = client.post(f"/phan-anh/xu-ly/{complaint.code}/tu-choi/", {"reason": " "})
    assert response.status_code == 400
    assert "Vui lòng nêu lý do" in response.content.decode()
    client.post(f"/phan-anh/xu-ly/{complaint.code}/tu-choi/", {"reason": "Thuộc thẩm quyền UBND xã."})
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REFUSED
    assert complaint.refusal_reason == "Thuộc thẩm quyền UBND xã."
    client.force_login(owner)
    assert "Thuộc thẩm quyền UBND xã." in client.get(f"/phan-anh/{complaint.code}/").content.decode()


def test_a_transfer_moves_the_complaint_and_restarts_its_deadline(client, owner, agency, clock):
    complaint = file(owner, agency=agency)
    other = AgencyFactory()
    clock.advance(days=1)
    client.force_login(officer(Role.HANDLER, agency))
    response = client.post(f"/phan-anh/xu-ly/{complaint.code}/chuyen/", {"agency": other.pk, "note": ""})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.agency == other and complaint.state == ComplaintState.SUBMITTED
    assert complaint.due_at == datetime.datetime(2026, 3, 17, 17, 0, tzinfo=VIETNAM)
    assert client.get(f"/phan-anh/xu-ly/{complaint.code}/").status_code == 404
    client.force_login(officer(Role.HANDLER, other))
    assert complaint.code in client.get("/phan-anh/xu-ly/").content.decode()


def test_officers_of_another_agency_and_other_citizens_get_404(client, owner, agency):
    complaint = file(owner, agency=agency)
    client.force_login(officer(Role.HANDLER, AgencyFactory()))
    assert complaint.code not in client.get("/phan-anh/xu-ly/?xem=tat-ca").content.decode()
    assert client.get(f"/phan-anh/xu-ly/{complaint.code}/").status_code == 404
    assert client.post(f"/phan-anh/xu-ly/{complaint.code}/tra-loi/", {"answer": "x"}).status_code == 404
    client.force_login(citizen())
    assert client.get(f"/phan-anh/{complaint.code}/").status_code == 404
    assert client.post(f"/phan-anh/{complaint.code}/danh-gia/", {"verdict": "satisfied"}).status_code == 404
    assert client.get("/phan-anh/xu-ly/").status_code == 403
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.SUBMITTED


def test_an_operations_viewer_sees_but_cannot_answer(client, owner, agency):
    complaint = file(owner, agency=agency)
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get(f"/phan-anh/xu-ly/{complaint.code}/").content.decode()
    assert "Gửi trả lời" not in page
    response = client.post(f"/phan-anh/xu-ly/{complaint.code}/tra-loi/", {"answer": "Đã xử lý."})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.SUBMITTED


def test_the_menu_offers_the_queue_to_officers_only(client, agency):
    client.force_login(officer(Role.HANDLER, agency))
    assert 'href="/phan-anh/xu-ly/"' in client.get("/phan-anh/xu-ly/").content.decode()
    client.force_login(citizen())
    assert 'href="/phan-anh/xu-ly/"' not in client.get("/phan-anh/").content.decode()


def test_the_citizens_list_keeps_a_constant_query_count(client, owner, agency, steady_calendar):
    file(owner, agency=agency)
    client.force_login(owner)
    client.get("/phan-anh/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/phan-anh/").status_code == 200
    for n in range(5):
        file(owner, agency=AgencyFactory(), subject=f"Phản ánh {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/phan-anh/").content.decode()
    assert "Phản ánh 4" in page
    assert len(many) == len(few)


def test_the_officers_queue_keeps_a_constant_query_count(client, owner, agency, steady_calendar):
    handler = officer(Role.HANDLER, agency)
    first = file(owner, agency=agency)
    services.take_complaint(first, actor=handler)
    client.force_login(handler)
    client.get("/phan-anh/xu-ly/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/phan-anh/xu-ly/").status_code == 200
    for n in range(5):
        complaint = file(owner, agency=agency, subject=f"Kiến nghị {n}")
        services.take_complaint(complaint, actor=officer(Role.HANDLER, agency))
    with CaptureQueriesContext(connection) as many:
        page = client.get("/phan-anh/xu-ly/").content.decode()
    assert "Kiến nghị 4" in page
    assert len(many) == len(few)


def test_the_lists_are_paginated(client, owner, agency):
    for n in range(21):
        file(owner, agency=agency, subject=f"Phản ánh số {n}")
    client.force_login(owner)
    assert "Trang 1/2" in client.get("/phan-anh/").content.decode()
    assert "Phản ánh số 0<" in client.get("/phan-anh/?trang=2").content.decode()


def test_the_citizen_is_told_of_the_answer_by_mail_sms_and_in_the_account(
        owner, agency, mailoutbox, django_capture_on_commit_callbacks, caplog):
    from tinhso.common.notices.models import Notice

    complaint = file(owner, agency=agency)
    handler = officer(Role.HANDLER, agency)
    with caplog.at_level("INFO"), django_capture_on_commit_callbacks(execute=True):
        services.answer_complaint(complaint, actor=handler, answer="Đã chấn chỉnh bộ phận một cửa.")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["binh@example.vn"]
    assert complaint.code in message.subject and "đã được trả lời" in message.subject
    assert "Đã chấn chỉnh bộ phận một cửa." in message.body
    notice = Notice.objects.get(user=owner)
    assert complaint.code in notice.subject and notice.in_app and notice.concerns == complaint
    assert notice.agency_id == agency.pk and notice.kind == "feedback.answer"
    assert "0912345678" not in caplog.text  # the SMS log masks the phone
    assert f"PAKN {complaint.code}" not in caplog.text  # one encoding: the SMS says it in words, unaccented
    assert f"Phan anh, kien nghi {complaint.code} da duoc tra loi. Xem: " in caplog.text


def test_a_citizen_who_chose_english_is_told_in_english(owner, agency, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    from tinhso.portal.accounts.tests.factories import CitizenFactory

    CitizenFactory(user=owner, language="en")
    complaint = file(owner, agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_complaint(complaint, actor=officer(Role.HANDLER, agency),
                                  reason="Thuộc thẩm quyền của tỉnh khác")
    (message,) = mailoutbox
    assert message.subject == f"Feedback or proposal {complaint.code} is outside the agency's competence"
    assert "Dear " in message.body and "Reason: Thuộc thẩm quyền của tỉnh khác" in message.body


def test_a_rolled_back_answer_tells_nobody(owner, agency, mailoutbox, django_capture_on_commit_callbacks):
    complaint = file(owner, agency=agency)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.InvalidInput):
        services.answer_complaint(complaint, actor=officer(Role.HANDLER, agency), answer="   ")
    assert mailoutbox == []
