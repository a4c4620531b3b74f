"""Forms 01–06 as PDF: the text read back from the PDF says what the statutory form must say."""

from __future__ import annotations

import datetime
import io
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from PIL import Image
from pypdf import PdfReader

from tinhso.catalogue.models import RequiredDocument, StepRole
from tinhso.catalogue.tests.factories import ProcedureVersionFactory
from tinhso.common.workdays import current_calendar
from tinhso.directory.models import Agency, Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers import printing, services
from tinhso.dossiers.errors import InvalidInput, InvalidTransition
from tinhso.dossiers.models import (
    Channel,
    DocumentKind,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierFee,
    DossierStep,
    State,
    StepState,
)

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
A5 = (419.5, 595.3)
A4_LANDSCAPE = (841.9, 595.3)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=VN)


def pdf_text(pdf: bytes) -> str:
    """The text of the PDF in reading order with runs of white space made one space, so that a name
    wrapped inside a table cell or a narrow heading still reads as one phrase."""
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True,
                            timeout=30)
    return " ".join(result.stdout.decode("utf-8").split())


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) for page in reader.pages]


@pytest.fixture
def centre(db) -> Agency:
    committee = AgencyFactory(province_committee=True, province=ProvinceFactory())
    return AgencyFactory(
        identifier="000.00.12.H41", name="Trung tâm Phục vụ hành chính công tỉnh Nghệ An", parent=committee,
        kind=Agency.Kind.SERVICE_CENTRE, province=committee.province, phone="0238 3 555 666",
    )


@pytest.fixture
def department(centre) -> Agency:
    return AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An", parent=centre.parent,
                         province=centre.province)


@pytest.fixture
def receiver(db):
    return UserFactory(username="tiepnhan", first_name="Trần Văn", last_name="Bình")


def make_dossier(centre: Agency, *, number: int = 1, state: str = State.RECEIVED, **fields) -> Dossier:
    version = fields.pop("procedure_version", None) or ProcedureVersionFactory(
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", time_limit=10,
    )
    values = {
        "code": f"{centre.identifier}-261120-{number:04d}",
        "procedure_version": version,
        "receiving_agency": centre,
        "channel": Channel.COUNTER,
        "state": state,
        "applicant_name": "Nguyễn Thị Hoa",
        "applicant_id_number": "040190001234",
        "applicant_phone": "0912345678",
        "applicant_address": "Số 5 đường Lê Hồng Phong, phường Vinh Phú",
        "submitted_at": at(20, 9, 15),
        "received_at": at(20, 9, 30),
        "clock_started_at": at(20, 9, 30),
        "due_at": at(4, 17, 0, month=12),
    }
    values.update(fields)
    return Dossier.objects.create(**values)


def add_steps(dossier: Dossier, department: Agency, *, handled_late: bool) -> list[DossierStep]:
    """Receive at the centre, handle at the department (late or not), approve there; return still pending."""
    handle_finished = at(2, 16, 10, month=12) if handled_late else at(27, 10, 45)
    rows = [
        (StepRole.RECEIVE, None, at(20, 9, 30), at(20, 17, 0), at(20, 9, 30), StepState.DONE),
        (StepRole.HANDLE, department, at(20, 14, 0), at(1, 17, 0, month=12), handle_finished, StepState.DONE),
        (StepRole.APPROVE, department, handle_finished, at(3, 17, 0, month=12), None, StepState.ACTIVE),
        (StepRole.RETURN, None, None, at(4, 17, 0, month=12), None, StepState.PENDING),
    ]
    return [
        DossierStep.objects.create(
            dossier=dossier, order=order, role=role, agency=agency, share=1, started_at=started, due_at=due,
            finished_at=finished, state=state,
        )
        for order, (role, agency, started, due, finished, state) in enumerate(rows, start=1)
    ]


# --------------------------------------------------------------------------------------------- form 01


def test_receipt_is_an_a5_page_with_the_agency_code_applicant_documents_and_appointment(centre, receiver):
    dossier = make_dossier(centre)
    paper = RequiredDocument.objects.get(version=dossier.procedure_version)
    for name in ("to-khai.pdf", "to-khai-trang-2.pdf"):
        DossierDocument.objects.create(dossier=dossier, required_document=paper, kind=DocumentKind.APPLICANT,
                                       file="x", original_name=name, content_type="application/pdf", size=1,
                                       checksum="0" * 64)
    DossierDocument.objects.create(dossier=dossier, kind=DocumentKind.APPLICANT, file="y",
                                   original_name="Bản sao Căn cước.pdf", content_type="application/pdf", size=1,
                                   checksum="1" * 64)
    DossierFee.objects.create(dossier=dossier, description="Phí cấp Phiếu lý lịch tư pháp", amount=200_000)
    DossierEvent.objects.create(dossier=dossier, at=at(20, 9, 30), actor=receiver, action="receive",
                                from_state=State.SUBMITTED, to_state=State.RECEIVED, agency=centre)

    pdf = printing.render_form(dossier, "01")

    assert pdf.startswith(b"%PDF")
    assert page_sizes(pdf) == [A5]
    text = pdf_text(pdf)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN" in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Nghệ An, ngày 20 tháng 11 năm 2026" in text
    assert "000.00.12.H41-261120-0001" in text
    assert "Nguyễn Thị Hoa" in text
    assert "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam" in text
    # One line per required paper however many files were scanned for it, plus the loose file.
    assert text.count("Tờ khai theo mẫu") == 1
    assert "Bản sao Căn cước.pdf" in text
    assert "09 giờ 30 phút, ngày 20/11/2026" in text
    assert "17 giờ 00 phút, ngày 04/12/2026" in text
    assert "10 ngày làm việc" in text
    assert "200.000 đồng" in text
    assert "Trần Văn Bình" in text


def test_receipt_carries_the_qr_code_of_the_tracking_address(centre):
    dossier = make_dossier(centre)

    with override_settings(TINHSO_PUBLIC_BASE_URL="https://dichvucong.nghean.gov.vn"):
        url = printing.tracking_url(dossier)
        pdf = printing.render_form(dossier, "01")

    assert url == "https://dichvucong.nghean.gov.vn/tra-cuu/000.00.12.H41-261120-0001"
    assert url in pdf_text(pdf).replace("\n", " ")
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    embedded = images[0].image.convert("L")
    expected = Image.open(io.BytesIO(printing.qr_png(url))).convert("L")
    # The very modules of the QR code of the tracking address, pixel for pixel.
    assert embedded.size == expected.size
    assert embedded.tobytes() == expected.tobytes()


def test_a_counter_dossier_without_scans_lists_the_papers_the_procedure_requires(centre):
    dossier = make_dossier(centre)

    text = pdf_text(printing.render_form(dossier, "01"))

    assert "Tờ khai theo mẫu" in text


def test_forms_print_vietnam_time_whatever_the_active_time_zone(centre):
    dossier = make_dossier(centre, received_at=datetime.datetime(2026, 11, 20, 16, 5, tzinfo=datetime.UTC))

    with override_settings(TIME_ZONE="UTC"):
        text = pdf_text(printing.render_form(dossier, "01"))

    assert "23 giờ 05 phút, ngày 20/11/2026" in text


# --------------------------------------------------------------------------------------------- form 02


def test_supplement_request_lists_everything_missing_with_reasons(centre, receiver):
    dossier = make_dossier(centre, state=State.SUPPLEMENT_REQUESTED, received_at=None, clock_started_at=None,
                           due_at=None)
    DossierEvent.objects.create(
        dossier=dossier, at=at(21, 10, 0), actor=receiver, action="request_supplement",
        from_state=State.SUBMITTED, to_state=State.SUPPLEMENT_REQUESTED, agency=centre,
        data={"items": [
            {"name": "Bản sao Giấy khai sinh", "reason": "Chưa nộp"},
            {"name": "Tờ khai theo mẫu", "reason": "Thiếu chữ ký của người yêu cầu"},
        ]},
    )

    pdf = printing.render_form(dossier, "02")

    assert page_sizes(pdf) == [A5]
    text = pdf_text(pdf)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Nghệ An, ngày 21 tháng 11 năm 2026" in text
    assert "Bản sao Giấy khai sinh" in text
    assert "Chưa nộp" in text
    assert "Thiếu chữ ký của người yêu cầu" in text
    assert "000.00.12.H41-261120-0001" in text


def test_supplement_request_items_may_be_given_by_the_caller(centre):
    dossier = make_dossier(centre, state=State.SUPPLEMENT_REQUESTED)

    text = pdf_text(printing.render_form(
        dossier, "02", items=[{"name": "Sổ hộ khẩu bản sao có chứng thực", "reason": "Bản sao không rõ nét"}],
    ))

    assert "Sổ hộ khẩu bản sao có chứng thực" in text
    assert "Bản sao không rõ nét" in text


# --------------------------------------------------------------------------------------------- form 03


def test_refusal_states_the_reasons(centre, receiver):
    dossier = make_dossier(centre, state=State.REFUSED, due_at=None)
    DossierEvent.objects.create(
        dossier=dossier, at=at(22, 8, 0), actor=receiver, action="refuse", from_state=State.SUBMITTED,
        to_state=State.REFUSED, agency=centre,
        note="Thủ tục không thuộc thẩm quyền giải quyết của cơ quan\nNgười yêu cầu chưa đủ 14 tuổi",
    )

    pdf = printing.render_form(dossier, "03")

    assert page_sizes(pdf) == [A5]
    text = pdf_text(pdf)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan" in text
    assert "Người yêu cầu chưa đủ 14 tuổi" in text
    assert "Nguyễn Thị Hoa" in text


# --------------------------------------------------------------------------------------------- form 04


def test_apology_gives_the_reason_and_the_old_and_new_appointments(centre, department):
    dossier = make_dossier(
        centre, state=State.IN_PROGRESS, original_due_at=at(4, 17, 0, month=12), due_at=at(11, 17, 0, month=12),
        apology_issued_at=at(2, 15, 0, month=12),
    )
    DossierEvent.objects.create(
        dossier=dossier, at=at(2, 15, 0, month=12), action="issue_apology", from_state=State.IN_PROGRESS,
        to_state=State.IN_PROGRESS, agency=department,
        data={"reason": "Phải xác minh thông tin tại Công an tỉnh"},
    )

    pdf = printing.render_form(dossier, "04")

    assert page_sizes(pdf) == [A5]
    text = pdf_text(pdf)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "SỞ TƯ PHÁP TỈNH NGHỆ AN" in text  # the late agency apologises
    assert "Phải xác minh thông tin tại Công an tỉnh" in text
    assert "17 giờ 00 phút, ngày 04/12/2026" in text
    assert "17 giờ 00 phút, ngày 11/12/2026" in text
    assert "Nghệ An, ngày 02 tháng 12 năm 2026" in text


# --------------------------------------------------------------------------------------------- form 05


def test_process_control_sheet_lists_each_steps_due_and_actual_moments(centre, department):
    dossier = make_dossier(centre, state=State.IN_PROGRESS)
    add_steps(dossier, department, handled_late=True)

    pdf = printing.render_form(dossier, "05")

    assert page_sizes(pdf) == [A5]
    text = pdf_text(pdf)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Sở Tư pháp tỉnh Nghệ An" in text
    for moment in ("20/11/2026", "01/12/2026", "02/12/2026", "03/12/2026", "04/12/2026"):
        assert moment in text
    # The handling step's due moment and its actual finish, and the verdict on it.
    assert "17:00 01/12/2026" in text
    assert "16:10 02/12/2026" in text
    assert "trễ hạn" in text
    assert "Hoàn thành đúng hạn" in text  # the receiving step, done the same day


def test_process_control_sheet_of_a_step_finished_early(centre, department):
    dossier = make_dossier(centre, state=State.IN_PROGRESS)
    add_steps(dossier, department, handled_late=False)

    text = pdf_text(printing.render_form(dossier, "05"))

    assert "10:45 27/11/2026" in text
    assert "trễ hạn" not in text


# --------------------------------------------------------------------------------------------- form 06


def test_register_is_a4_landscape_and_lists_every_dossier_across_pages(centre):
    version = ProcedureVersionFactory(name="Đăng ký khai sinh")
    for number in range(1, 61):
        make_dossier(
            centre, number=number, procedure_version=version, applicant_name=f"Nguyễn Thị Hoa {number}",
            state=State.RETURNED if number % 2 else State.IN_PROGRESS,
            result_ready_at=at(1, 10, 0, month=12) if number % 2 else None,
            finished_at=at(2, 10, 0, month=12) if number % 2 else None,
        )

    pdf = printing.render_register(centre, Dossier.objects.filter(receiving_agency=centre),
                                   datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))

    sizes = page_sizes(pdf)
    assert len(sizes) > 1
    assert set(sizes) == {A4_LANDSCAPE}
    text = pdf_text(pdf)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 01/11/2026 đến ngày 30/11/2026" in text
    for number in range(1, 61):
        assert f"000.00.12.H41-261120-{number:04d}" in text
    # The header row repeats on every page.
    assert text.count("Mã hồ sơ") == len(sizes)
    assert "Đã trả kết quả" in text
    assert "Hoàn thành trước hạn" in text
    assert "Tổng số: 60 hồ sơ" in text


def test_register_reads_its_dossiers_in_a_constant_number_of_queries(centre):
    version = ProcedureVersionFactory(name="Đăng ký kết hôn")
    period = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))

    def queries_for_register() -> int:
        current_calendar()  # the working-day calendar is cached per process; warm it first
        agency = Agency.objects.get(pk=centre.pk)
        with CaptureQueriesContext(connection) as captured:
            printing.render_register(agency, Dossier.objects.filter(receiving_agency=centre), *period)
        return len(captured)

    for number in range(1, 4):
        make_dossier(centre, number=number, procedure_version=version)
    few = queries_for_register()
    for number in range(4, 31):
        make_dossier(centre, number=number, procedure_version=version)

    assert queries_for_register() == few <= 4


def test_register_of_an_empty_period_says_so(centre):
    pdf = printing.render_register(centre, [], datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))

    assert "Không có hồ sơ trong khoảng thời gian này" in pdf_text(pdf)


# ----------------------------------------------------------------------------------- registry and rules


@pytest.mark.parametrize(("state", "extra", "numbers"), [
    (State.SUBMITTED, {"received_at": None}, []),
    (State.SUPPLEMENT_REQUESTED, {"received_at": None}, ["02"]),
    (State.SUPPLEMENT_REQUESTED, {}, ["02", "05"]),
    (State.REFUSED, {"received_at": None}, ["03"]),
    (State.RECEIVED, {}, ["01", "05"]),
    (State.IN_PROGRESS, {"apology_issued_at": at(2, 15, 0, month=12)}, ["01", "04", "05"]),
    (State.RETURNED, {}, ["01", "05"]),
    (State.STOPPED, {}, ["05"]),
])
def test_the_desk_is_offered_only_the_forms_that_fit_the_state(centre, state, extra, numbers):
    dossier = make_dossier(centre, state=state, **extra)

    assert [form.number for form in printing.available_forms(dossier)] == numbers


def test_every_form_has_its_titles_template_and_page_size():
    assert sorted(printing.FORMS) == ["01", "02", "03", "04", "05", "06"]
    assert {printing.FORMS[number].page_size for number in printing.DOSSIER_FORM_NUMBERS} == {"A5"}
    assert printing.FORMS["06"].page_size == "A4 landscape"
    assert printing.FORMS["01"].title == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


def test_a_form_that_does_not_fit_the_state_is_refused_with_a_reason(centre):
    dossier = make_dossier(centre, state=State.SUBMITTED, received_at=None)

    with pytest.raises(InvalidTransition) as refused:
        printing.render_form(dossier, "01")

    assert "Mới nộp trực tuyến" in refused.value.message


@pytest.mark.parametrize("number", ["07", "06", "x"])
def test_an_unknown_or_register_form_number_is_bad_input(centre, number):
    dossier = make_dossier(centre)

    with pytest.raises(InvalidInput) as refused:
        printing.render_form(dossier, number)

    assert refused.value.field == "number"


# ------------------------------------------------------------------------------------ offline and fast


def test_a_page_with_an_external_image_renders_without_it():
    pdf = printing.html_to_pdf('<p>Xin chào</p><img src="https://example.com/a.png">')

    assert "Xin chào" in pdf_text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0


# ------------------------------------------------------------------------ through the services' records


@pytest.fixture
def desk_officer(centre):
    officer = UserFactory(username="motcua", first_name="Lê Thị", last_name="Mai")
    for role in (Role.RECEIVER, Role.HANDLER):
        MembershipFactory(user=officer, agency=centre, role=role)
    return officer


def applicant() -> services.Applicant:
    return services.Applicant(name="Nguyễn Thị Hoa", id_number="040190001234", phone="0912345678",
                              address="Số 5 đường Lê Hồng Phong")


def test_forms_read_what_the_services_recorded(centre, desk_officer):
    version = ProcedureVersionFactory(name="Cấp Phiếu lý lịch tư pháp", time_limit=10, agencies=[centre])

    counter = services.receive_at_counter(version=version, receiving_agency=centre, applicant=applicant(),
                                          actor=desk_officer)
    receipt = pdf_text(printing.render_form(counter, "01"))
    assert counter.code in receipt
    assert "Lê Thị Mai" in receipt
    assert printing.vn_date(counter.due_at) in receipt

    new_due = counter.due_at + datetime.timedelta(days=7)
    late = services.issue_apology(counter, actor=desk_officer, expected_version=counter.version,
                                  reason="Chờ kết quả xác minh của Công an tỉnh", new_due_at=new_due)
    apology = pdf_text(printing.render_form(late, "04"))
    assert "Chờ kết quả xác minh của Công an tỉnh" in apology
    assert printing.vn_date(new_due) in apology
    # Signed on paper by the head of the agency (or the leader authorised), not by the officer who recorded it.
    assert "THỦ TRƯỞNG CƠ QUAN" in apology and "người được ủy quyền ký thay" in apology
    assert "Lê Thị Mai" not in apology

    online = services.submit_online(version=version, receiving_agency=centre, applicant=applicant())
    online = services.request_supplement(online, actor=desk_officer, expected_version=online.version,
                                         missing=["Bản sao Căn cước", "Tờ khai có chữ ký"], note="Hồ sơ chưa đủ")
    request = pdf_text(printing.render_form(online, "02"))
    assert "Bản sao Căn cước" in request
    assert "Tờ khai có chữ ký" in request
    assert "Hồ sơ chưa đủ" in request

    other = services.submit_online(version=version, receiving_agency=centre, applicant=applicant())
    other = services.refuse(other, actor=desk_officer, expected_version=other.version,
                            reasons="Không thuộc thẩm quyền của cơ quan")
    assert "Không thuộc thẩm quyền của cơ quan" in pdf_text(printing.render_form(other, "03"))


def test_a_partner_step_shows_as_the_partner_with_the_hand_over_and_the_answer(client, centre, desk_officer):
    from tinhso.dossiers.models import DossierStep

    version = ProcedureVersionFactory(name="Đăng ký biến động đất đai", time_limit=10, agencies=[centre])
    dossier = services.receive_at_counter(version=version, receiving_agency=centre, applicant=applicant(),
                                          actor=desk_officer)
    step = dossier.steps.get(order=2)  # the handling step
    # As the route copies a step at a body outside the directory: followed by the receiving agency.
    DossierStep.objects.filter(pk=step.pk).update(
        partner="Chi cục Thuế khu vực", started_at=at(2, 9, 0, month=12), finished_at=at(3, 15, 30, month=12))
    sheet = " ".join(pdf_text(printing.render_form(dossier, "05")).split())
    assert "Xử lý: Chi cục Thuế khu vực" in sheet and "(phối hợp; Trung tâm Phục vụ" in sheet
    assert "chuyển hồ sơ lúc 09:00 02/12/2026, nhận kết quả lúc 15:30 03/12/2026" in sheet
    client.force_login(desk_officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    row = page[page.index("Chi cục Thuế khu vực"):][:600]
    assert "Cơ quan phối hợp ngoài danh bạ" in row and "Đã chuyển: 09:00 02/12/2026." in row
    assert "Đã nhận kết quả: 15:30 03/12/2026." in row
