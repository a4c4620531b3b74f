"""The officer desk in English: chosen through the language cookie, the queue, the dossier page, counter
reception and refused actions speak English, Vietnamese stays the default, the official forms stay
Vietnamese, and the app's English catalogue is complete and compiled."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tinhso.catalogue.tests.factories import ProcedureVersionFactory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, ProvinceFactory
from tinhso.dossiers import deadlines, printing
from tinhso.dossiers.errors import InvalidTransition
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.tests.test_desk import DESK, at_handling, officer, page_of, post_action, submit

pytestmark = pytest.mark.django_db



@pytest.fixture
def agency():
    return AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An", province=ProvinceFactory())


@pytest.fixture
def procedure(agency):
    return ProcedureVersionFactory(name="Cấp Phiếu lý lịch tư pháp", agencies=[agency])


@pytest.fixture
def receiver(agency):
    return officer(Role.RECEIVER, agency, "tiepnhan")


@pytest.fixture
def handler(agency):
    return officer(Role.HANDLER, agency, "chuyenvien")


@pytest.fixture
def approver(agency):
    return officer(Role.APPROVER, agency, "lanhdao")



def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# ------------------------------------------------------------------------------------------------ pages

def test_the_queue_speaks_english_when_english_is_chosen(client, procedure, agency, receiver):
    dossier = submit(procedure, agency)
    client.force_login(receiver)
    body = in_english(client).get(DESK).content.decode()
    assert '<html lang="en">' in body
    for text in ("One-stop dossiers", "Receive a dossier at the counter", "Awaiting reception", "Dossier code",
                 "Applicant", "Search by dossier code or applicant", "All statuses", "Clear filters", "1 dossier",
                 "Submitted online, awaiting reception", "No time limit", "Online",
                 '<a href="/mot-cua/tiep-nhan/">Counter reception</a>'):
        assert text in body, text
    assert dossier.code in body
    for text in ("Hồ sơ một cửa", "Chờ tiếp nhận", "Mã hồ sơ", "Tất cả trạng thái", "Mới nộp trực tuyến"):
        assert text not in body, text


def test_vietnamese_stays_the_default_without_the_cookie(client, procedure, agency, receiver):
    submit(procedure, agency)
    client.force_login(receiver)
    body = client.get(DESK).content.decode()
    assert '<html lang="vi">' in body
    assert "Hồ sơ một cửa" in body and "Chờ tiếp nhận" in body and "(1 hồ sơ)" in body
    assert "One-stop dossiers" not in body and "Awaiting reception" not in body


def test_the_dossier_page_speaks_english(client, procedure, agency, receiver, handler):
    dossier = at_handling(procedure, agency, receiver)
    client.force_login(handler)
    body = page_of(in_english(client), dossier).content.decode()
    for text in (f"Dossier <span class=\"code\">{dossier.code}</span>", "Summary", "Receiving agency",
                 "Deadline status", "Processing route", "Required documents and files", "Fees, charges and payments",
                 "History", "Actions", "Forward to the next step", "received the dossier",
                 "the dossier is now “Received”", "Person", "<td>Handling</td>",
                 "Form 01: Receipt"):
        assert text in body, text
    for text in ("Thông tin chung", "Quy trình xử lý", "Lịch sử xử lý", "Chuyển bước tiếp theo", "chuyển sang",
                 "Giấy tiếp nhận hồ sơ", "<td>Xử lý</td>"):
        assert text not in body, text


def test_the_counter_reception_form_speaks_english(client, procedure, receiver):
    client.force_login(receiver)
    body = in_english(client).get(reverse("dossiers:reception"), {"procedure": procedure.pk}).content.decode()
    for text in ("Receive a dossier at the counter", "1. Choose the procedure", "2. Dossier details",
                 "Full name / organisation name", "Citizen ID number (12 digits)", "Search communes",
                 "Required documents received", "Receive and issue the receipt", "In person at the one-stop desk"):
        assert text in body, text
    assert "Tiếp nhận và lập giấy hẹn" not in body and "Người nộp hồ sơ" not in body


def test_counter_reception_explains_bad_input_in_english(client, procedure, receiver):
    client.force_login(receiver)
    response = in_english(client).post(reverse("dossiers:reception"), {
        "procedure": procedure.pk, "applicant_kind": "person", "applicant_name": "Lê Văn Tám",
        "applicant_id_number": "12345",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "A citizen ID number has exactly 12 digits." in body
    assert "The dossier lacks required documents" in body
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." not in body
    assert not Dossier.objects.exists()


def test_a_refusal_without_reasons_is_a_400_in_english(client, procedure, agency, receiver):
    dossier = submit(procedure, agency)
    client.force_login(receiver)
    response = post_action(in_english(client), dossier, "refuse", {"reasons": " "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Some details are invalid" in body
    assert "Please check the marked fields under “Refuse the dossier”." in body
    assert "Please enter the reasons for refusal." in body
    assert "Vui lòng nhập lý do từ chối." not in body
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED


def test_a_transition_the_services_refuse_comes_back_in_english(client, procedure, agency, receiver, approver):
    dossier = at_handling(procedure, agency, receiver)
    client.force_login(approver)
    response = post_action(in_english(client), dossier, "approve")
    assert response.status_code == 409
    body = response.content.decode()
    assert "The action could not be carried out" in body
    assert "This action is not allowed" in body
    assert "Không thể phê duyệt" not in body


def test_a_rejected_upload_is_explained_in_english(client, procedure, agency, receiver):
    dossier = at_handling(procedure, agency, receiver)
    client.force_login(receiver)
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = post_action(in_english(client), dossier, "document", {"upload": fake, "kind": "applicant"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The file&#x27;s content is not an accepted type" in body
    assert "không phải định dạng được chấp nhận" not in body


def test_a_success_message_follows_the_language(client, procedure, agency, receiver):
    dossier = submit(procedure, agency)
    client.force_login(receiver)
    response = post_action(in_english(client), dossier, "receive", {"note": ""})
    assert response.status_code == 302
    assert "The dossier has been received." in client.get(response["Location"]).content.decode()


def test_the_official_forms_stay_vietnamese_on_an_english_page(client, procedure, agency, receiver, monkeypatch):
    monkeypatch.setattr(printing, "html_to_pdf", lambda html: html.encode())
    dossier = at_handling(procedure, agency, receiver)
    client.force_login(receiver)
    response = in_english(client).get(reverse("dossiers:print", args=[dossier.code, "05"]))
    assert response.status_code == 200
    sheet = response.content.decode()
    assert "Trạng thái: Đã tiếp nhận" in sheet
    assert "Received" not in sheet and "On time" not in sheet


# ----------------------------------------------------------------------------------------- plain parts

def test_errors_and_labels_follow_the_active_language():
    error = InvalidTransition()
    status = deadlines.DeadlineStatus(deadlines.LATE, finished=True, working_days_late=2)
    with translation.override("en"):
        assert error.localized == error.message_en
        assert State.RECEIVED.label == "Received"
        assert status.label == "Finished 2 working days late"
        assert deadlines.DeadlineStatus(deadlines.LATE, finished=True, working_days_late=1).label == (
            "Finished 1 working day late")
    with translation.override("vi"):
        assert error.localized == error.message
        assert State.RECEIVED.label == "Đã tiếp nhận"
        assert status.label == "Hoàn thành trễ hạn 2 ngày làm việc"

