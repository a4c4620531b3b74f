"""The citizen portal in English: Vietnamese by default, English once chosen, and a complete catalog.

Data stays as entered (procedure and agency names are Vietnamese in both languages); only the interface
changes language.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import deadlines
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, citizen, received_dossier, submitted_dossier
from tinhso.portal.models import Draft
from tinhso.portal.templatetags.portal_i18n import deadline_text

pytestmark = pytest.mark.django_db

CATALOG = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(client):
    """The visitor chose English (the language switcher sets this cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def agency():
    return AgencyFactory(name="Sở Tư pháp tỉnh Nghệ An", address="Số 5 đường Trường Thi, TP Vinh")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency, name="Cấp Phiếu lý lịch tư pháp")


@pytest.fixture
def user(english):
    person = citizen(first_name="Hoa", last_name="Nguyễn Thị", email="hoa@example.vn")
    english.force_login(person)
    return person


def assert_english(response, *present: str, absent: tuple[str, ...] = ()) -> str:
    text = response.content.decode()
    assert '<html lang="en">' in text
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
    return text


# ------------------------------------------------------------------------------------------------ default

def test_vietnamese_is_the_default(client, version):
    home = client.get("/")
    assert home.status_code == 200
    text = home.content.decode()
    assert '<html lang="vi">' in text
    assert "Tìm thủ tục hành chính" in text and "Tra cứu theo danh mục" in text
    assert "Find an administrative procedure" not in text

    page = client.get(reverse("portal-procedure", args=[version.procedure.code])).content.decode()
    assert "Thành phần hồ sơ" in page and "Phí, lệ phí" in page and "Required documents" not in page


def test_the_language_switcher_turns_the_portal_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/tra-cuu/"})
    assert response.status_code == 302
    assert response["Location"] == "/tra-cuu/"
    assert_english(client.get("/tra-cuu/"), "Track a dossier", absent=("Nhập mã số hồ sơ",))


# ------------------------------------------------------------------------------------------------ find

def test_home_and_search_in_english(english, version):
    assert_english(
        english.get("/"),
        "Find an administrative procedure", "Browse the catalogue", "Track a filed dossier", "Public service portal",
        absent=("Tìm thủ tục hành chính", "Tra cứu theo danh mục", "Tra cứu hồ sơ đã nộp"),
    )
    results = assert_english(
        english.get("/thu-tuc/", {"q": "ly lich tu phap"}),
        "1 procedure", "Clear filters", "All fields", "Keywords",
        absent=("thủ tục</h2>", "Xóa bộ lọc", "Tất cả lĩnh vực"),
    )
    assert "Cấp Phiếu lý lịch tư pháp" in results  # the procedure's name is data and stays Vietnamese
    assert_english(english.get("/thu-tuc/", {"q": "khong co thu tuc nay"}), "No matching procedures found")


def test_a_procedure_page_in_english(english, version, agency):
    text = assert_english(
        english.get(reverse("portal-procedure", args=[version.procedure.code])),
        "Procedure code", "Processing time limit", "working days from receipt of a complete and valid dossier",
        "Required documents", "Fees and charges", "Where to file", "Processing steps", "How to file",
        absent=("Thành phần hồ sơ", "Phí, lệ phí", "Nơi nộp hồ sơ", "Trình tự giải quyết", "Thời hạn giải quyết",
                "kể từ khi nhận đủ hồ sơ hợp lệ"),
    )
    assert "Cấp Phiếu lý lịch tư pháp" in text and agency.name in text


def test_an_unknown_procedure_is_a_404(english):
    assert english.get(reverse("portal-procedure", args=["9.999999"])).status_code == 404


# ------------------------------------------------------------------------------------------------ track

def test_the_tracking_form_in_english(english):
    assert_english(
        english.get("/tra-cuu/"),
        '<label for="id_code">Dossier code</label>', '<label for="id_digits">Last 4 digits</label>',
        "Printed on the receipt (form 01)",
        absent=("Mã số hồ sơ</label>", "4 chữ số cuối</label>", "Tra cứu</button>"),
    )


def test_a_bad_tracking_code_is_refused_in_english(english):
    response = english.post("/tra-cuu/", {"code": "", "digits": "12"})
    assert response.status_code == 400
    assert_english(response, "Please enter the dossier code.", "Please enter exactly 4 digits.",
                   absent=("Vui lòng nhập",))


def test_a_wrong_answer_is_a_404_in_english(english, version, agency):
    dossier = received_dossier(version, agency, phone="0912 345 678")
    response = english.post("/tra-cuu/", {"code": dossier.code, "digits": "0000"})
    assert response.status_code == 404
    assert_english(response, "No dossier matches the dossier code and the 4 digits you entered.",
                   absent=("Không tìm thấy hồ sơ",))


def test_a_tracking_result_in_english(english, version, agency):
    dossier = received_dossier(version, agency, phone="0912 345 678", name="Trần Thị Bình")
    found = english.post("/tra-cuu/", {"code": dossier.code, "digits": "5678"})
    assert found.status_code == 302
    text = assert_english(
        english.get(found["Location"]),
        "Receiving agency", "Result appointment", "Processing history", "Received",
        f"{agency.name} received the dossier; the processing time limit started to run.",
        absent=("Cơ quan tiếp nhận", "Quá trình giải quyết", "Hẹn trả kết quả", "đã tiếp nhận hồ sơ"),
    )
    assert dossier.code in text and "Trần Thị Bình" in text


# ------------------------------------------------------------------------------------------------ accounts

def test_sign_in_and_sign_up_in_english(english):
    assert_english(english.get("/dang-nhap/"), "Sign in", "Create an account", absent=("Đăng ký tài khoản",))
    assert_english(
        english.get("/tai-khoan/dang-ky/"),
        "Create an account", "Full name", "Mobile phone number", "Repeat the password", "Already have an account?",
        absent=("Họ và tên", "Nhập lại mật khẩu", "Đã có tài khoản?"),
    )


def test_a_sign_up_error_in_english(english):
    response = english.post("/tai-khoan/dang-ky/", {
        "full_name": "Nguyễn Văn An", "email": "", "phone": "12345", "password1": "một-mật-khẩu-dài-2026",
        "password2": "khác-hẳn-2026",
    })
    assert_english(
        response,
        "This mobile phone number is not valid", "The two passwords do not match.",
        absent=("không hợp lệ", "Hai mật khẩu không khớp."),
    )


# ------------------------------------------------------------------------------------------------ filing

def test_my_dossiers_in_english(english, user, version, agency):
    dossier = submitted_dossier(version, agency, user=user)
    text = assert_english(
        english.get(reverse("filing:my-dossiers")),
        "My dossiers", "Filed dossiers", "Dossier code", "Submitted online, awaiting reception",
        absent=("Hồ sơ đã nộp", "Mới nộp trực tuyến, chờ tiếp nhận", "Bạn chưa nộp hồ sơ nào."),
    )
    assert dossier.code in text
    assert_english(
        english.get(reverse("filing:my-dossier", args=[dossier.code])),
        "Processing history", "You filed the dossier online; it is waiting to be received by the agency.",
        "Documents you submitted",
        absent=("Quá trình giải quyết", "Bạn đã nộp hồ sơ trực tuyến"),
    )


def test_filing_a_draft_in_english(english, user, version, agency):
    start = reverse("filing:start", args=[version.procedure.code])
    assert_english(
        english.get(start),
        "File a dossier online", "Applicant details", "1. Applicant and where to file", "Save and continue",
        "Individual", "Organisation or business",
        absent=("Thông tin người nộp", "Lưu và tiếp tục", "Người nộp và nơi nộp"),
    )
    refused = english.post(start, {"kind": "person", "name": "Nguyễn Thị Hoa", "id_number": "040195000123",
                                   "phone": "", "email": "", "receiving_agency": agency.pk})
    assert refused.status_code == 400
    assert_english(refused, "Please check the following",
                   "Please enter a phone number or an email address to receive notices about the dossier.",
                   absent=("Vui lòng kiểm tra lại",))

    saved = english.post(start, {"kind": "person", "name": "Nguyễn Thị Hoa", "id_number": "040195000123",
                                 "phone": "0912345678", "email": "", "receiving_agency": agency.pk})
    assert saved.status_code == 302
    draft = Draft.objects.get()
    documents = reverse("filing:draft-step", args=[draft.pk, "giay-to"])
    assert_english(english.get(documents), "Required documents", "Upload and save draft", "1 original",
                   absent=("Thành phần hồ sơ", "Tải lên và lưu nháp", "bản chính"))
    missing = english.post(documents, {"intent": "next"})
    assert missing.status_code == 400
    paper = version.documents.get(required=True)
    assert_english(missing, f"Please upload “{paper.name}” (a required document).",
                   absent=("thành phần bắt buộc",))

    review = english.post(reverse("filing:draft-step", args=[draft.pk, "xem-lai"]))
    assert review.status_code == 400
    assert_english(review, "The dossier could not be submitted.", "Required papers are missing.",
                   absent=("Chưa nộp được hồ sơ.", "Còn thiếu giấy tờ bắt buộc"))


# ------------------------------------------------------------------------------------------------ feedback

def test_the_complaint_form_in_english(english, user):
    AgencyFactory(name="UBND phường Trường Vinh")
    assert_english(
        english.get("/phan-anh/gui/"),
        "Send feedback or a complaint", "Subject", "Feedback", "Proposal", "working days",
        absent=("Gửi phản ánh, kiến nghị", "Tiêu đề", "ngày làm việc"),
    )
    refused = english.post("/phan-anh/gui/", {"kind": "feedback", "subject": "", "content": "", "name": ""})
    assert refused.status_code == 400
    assert_english(refused, "Please enter a subject.", "Please enter your full name.",
                   absent=("Vui lòng nhập tiêu đề.",))


def test_deadline_labels_in_the_visitors_language():
    late = deadlines.DeadlineStatus(deadlines.LATE, finished=True, working_days_late=2)
    one_day = deadlines.DeadlineStatus(deadlines.LATE, finished=True, working_days_late=1)
    overdue = deadlines.DeadlineStatus(deadlines.OVERDUE)
    with translation.override("vi"):
        assert deadline_text(late) == late.label == "Hoàn thành trễ hạn 2 ngày làm việc"
        assert deadline_text(overdue) == "Quá hạn"
    with translation.override("en"):
        assert deadline_text(late) == "Finished 2 working days late"
        assert deadline_text(one_day) == "Finished 1 working day late"
        assert deadline_text(overdue) == "Overdue"
