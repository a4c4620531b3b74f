"""A citizen files a procedure online: applicant, papers, e-form, review, submit; drafts; levels."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.catalogue.models import OnlineLevel
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import Channel, Dossier, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, citizen
from tinhso.portal.models import Draft, DraftFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EFORM = {
    "type": "object",
    "title": "Tờ khai cấp giấy phép",
    "properties": {
        "purpose": {"type": "string", "title": "Mục đích sử dụng", "maxLength": 20},
        "copies": {"type": "integer", "title": "Số bản đề nghị cấp", "minimum": 1, "maximum": 5},
        "delivery": {"type": "string", "title": "Hình thức nhận kết quả", "enum": ["Trực tiếp", "Bưu chính"]},
        "issued_on": {"type": "string", "title": "Ngày cấp giấy tờ cũ", "format": "date"},
        "urgent": {"type": "boolean", "title": "Đề nghị giải quyết sớm"},
    },
    "required": ["purpose", "copies"],
}


def pdf(name: str = "don-de-nghi.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def agency():
    return AgencyFactory(name="Sở Tư pháp tỉnh Nghệ An", address="Số 5 đường Trường Thi, TP Vinh")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency, name="Cấp Phiếu lý lịch tư pháp", eform_schema=EFORM)


@pytest.fixture
def user(client):
    person = citizen(first_name="Hoa", last_name="Nguyễn Thị", email="hoa@example.vn")
    client.force_login(person)
    return person


def applicant_post(agency, **overrides) -> dict:
    values = {"kind": "person", "name": "Nguyễn Thị Hoa", "id_number": "040195000123", "phone": "0912345678",
              "email": "hoa@example.vn", "address": "Số 1 Lê Lợi", "receiving_agency": agency.pk}
    values.update(overrides)
    return values


def start_url(version) -> str:
    return reverse("filing:start", args=[version.procedure.code])


def step_url(draft, step) -> str:
    return reverse("filing:draft-step", args=[draft.pk, step])


def file_draft(client, version, agency) -> Draft:
    response = client.post(start_url(version), applicant_post(agency))
    assert response.status_code == 302
    return Draft.objects.get()


def test_filing_online_asks_to_sign_in_first(client, version):
    response = client.get(start_url(version))
    assert response.status_code == 302
    assert response["Location"] == f"/dang-nhap/?next={start_url(version)}"


def test_the_applicant_step_is_prefilled_from_the_account(client, user, version, agency):
    response = client.get(start_url(version))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Hoa Nguyễn Thị"' in page and 'value="hoa@example.vn"' in page
    assert agency.name in page  # the single implementing agency is offered (and preselected)
    assert 'aria-current="step"' in page


def test_a_citizen_files_online_with_uploads_and_gets_the_dossier_code(client, user, version, agency):
    draft = file_draft(client, version, agency)
    first, second = version.documents.order_by("order")
    response = client.post(step_url(draft, "giay-to"), {
        f"doc-{first.pk}": [pdf("don.pdf"), pdf("don-trang-2.pdf")], f"doc-{second.pk}": [pdf("ban-sao.pdf")],
        "intent": "next",
    })
    assert response.status_code == 302 and response["Location"] == step_url(draft, "to-khai")

    response = client.post(step_url(draft, "to-khai"), {
        "eform-purpose": "Xin việc", "eform-copies": "2", "eform-delivery": "Bưu chính",
        "eform-issued_on": "2020-05-01", "eform-urgent": "on",
    })
    assert response.status_code == 302 and response["Location"] == step_url(draft, "xem-lai")

    review = client.get(step_url(draft, "xem-lai")).content.decode()
    assert "don-trang-2.pdf" in review and "Xin việc" in review and "01/05/2020" in review

    response = client.post(step_url(draft, "xem-lai"))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("filing:submitted", args=[dossier.code])
    assert dossier.state == State.SUBMITTED and dossier.channel == Channel.ONLINE
    assert dossier.applicant_user == user and dossier.receiving_agency == agency
    assert dossier.applicant_id_number == "040195000123"
    assert dossier.eform_data == {"purpose": "Xin việc", "copies": 2, "delivery": "Bưu chính",
                                  "issued_on": "2020-05-01", "urgent": True}
    assert sorted(d.original_name for d in dossier.documents.all()) == ["ban-sao.pdf", "don-trang-2.pdf", "don.pdf"]
    assert dossier.documents.filter(required_document=first).count() == 2
    assert not Draft.objects.exists() and not DraftFile.objects.exists()  # the draft goes on submission

    confirmation = client.get(response["Location"]).content.decode()
    assert dossier.code in confirmation and "Tiếp theo sẽ thế nào?" in confirmation


def test_the_eform_is_checked_on_the_server_with_a_message_per_field(client, user, version, agency):
    draft = file_draft(client, version, agency)
    response = client.post(step_url(draft, "to-khai"), {
        "eform-purpose": "", "eform-copies": "9", "eform-delivery": "Bay", "eform-issued_on": "31/02/2020",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vui lòng nhập “Mục đích sử dụng”." in page
    assert "“Số bản đề nghị cấp” không được lớn hơn 5." in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_eform-purpose_error"' in page
    assert 'href="#id_eform-copies"' in page  # the error summary links to the field
    assert "eform" not in Draft.objects.get().data

    response = client.post(step_url(draft, "to-khai"), {"eform-purpose": "x" * 21, "eform-copies": "0"})
    page = response.content.decode()
    assert "“Mục đích sử dụng” dài tối đa 20 ký tự." in page
    assert "“Số bản đề nghị cấp” không được nhỏ hơn 1." in page


def test_the_eform_renders_each_type_of_field(client, user, version, agency):
    draft = file_draft(client, version, agency)
    page = client.get(step_url(draft, "to-khai")).content.decode()
    assert 'maxlength="20"' in page and 'min="1"' in page and 'max="5"' in page
    assert '<select name="eform-delivery"' in page and '<option value="Bưu chính">' in page
    assert 'type="date"' in page and 'type="checkbox"' in page
    assert 'aria-required="true"' in page


def test_a_citizen_id_must_have_twelve_digits(client, user, version, agency):
    response = client.post(start_url(version), applicant_post(agency, id_number="12345"))
    assert response.status_code == 400
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in response.content.decode()
    assert not Draft.objects.exists()


def test_an_organisation_gives_its_tax_code_instead(client, user, version, agency):
    response = client.post(start_url(version), applicant_post(agency, kind="organisation", id_number=""))
    assert response.status_code == 400
    assert "Tổ chức phải nhập mã số thuế" in response.content.decode()
    response = client.post(start_url(version), applicant_post(agency, kind="organisation", id_number="",
                                                              tax_code="2900325540"))
    assert response.status_code == 302


def test_an_html_page_named_pdf_is_refused_by_content_and_nothing_is_stored(client, user, version, agency):
    draft = file_draft(client, version, agency)
    first = version.documents.order_by("order").first()
    response = client.post(step_url(draft, "giay-to"), {
        f"doc-{first.pk}": [pdf("tot.pdf"), pdf("gia-mao.pdf", b"<!DOCTYPE html><html><script>x</script>")],
        "intent": "next",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nội dung tệp “gia-mao.pdf” không phải định dạng được chấp nhận" in page
    assert f'id="id_doc-{first.pk}_error"' in page
    assert not DraftFile.objects.exists()  # not even the good file of the same post


def test_an_oversized_file_is_refused(client, user, version, agency, settings):
    settings.TINHSO_UPLOAD_MAX_BYTES = 1024
    draft = file_draft(client, version, agency)
    first = version.documents.order_by("order").first()
    response = client.post(step_url(draft, "giay-to"), {f"doc-{first.pk}": [pdf("lon.pdf", PDF + b"0" * 2048)]})
    assert response.status_code == 400
    assert "Tệp vượt quá dung lượng cho phép (1024 byte)." in response.content.decode()
    assert not DraftFile.objects.exists()


def test_a_required_paper_must_be_uploaded_before_going_on(client, user, version, agency):
    draft = file_draft(client, version, agency)
    response = client.post(step_url(draft, "giay-to"), {"intent": "next"})
    assert response.status_code == 400
    assert "Vui lòng tải lên “Đơn đề nghị theo mẫu” (thành phần bắt buộc)." in response.content.decode()


def test_a_draft_is_saved_and_resumed_from_my_dossiers(client, user, version, agency):
    draft = file_draft(client, version, agency)
    first = version.documents.order_by("order").first()
    response = client.post(step_url(draft, "giay-to"), {f"doc-{first.pk}": [pdf("don.pdf")], "intent": "upload"})
    assert response.status_code == 302
    assert DraftFile.objects.get().original_name == "don.pdf"

    mine = client.get(reverse("filing:my-dossiers")).content.decode()
    assert "Hồ sơ lưu nháp" in mine and "Cấp Phiếu lý lịch tư pháp" in mine
    assert f'href="{step_url(draft, "giay-to")}"' in mine and "Tiếp tục" in mine

    resumed = client.get(step_url(draft, "giay-to")).content.decode()
    assert "don.pdf" in resumed
    # The applicant's step keeps what was typed.
    assert 'value="040195000123"' in client.get(step_url(draft, "nguoi-nop")).content.decode()
    # Starting the procedure again offers the draft.
    assert "Tiếp tục hồ sơ lưu nháp" in client.get(start_url(version)).content.decode()

    file_id = DraftFile.objects.get().pk
    client.post(reverse("filing:draft-file-delete", args=[draft.pk, file_id]))
    assert not DraftFile.objects.exists()


def test_another_citizens_draft_is_not_found(client, user, version, agency):
    draft = file_draft(client, version, agency)
    client.force_login(citizen())
    assert client.get(step_url(draft, "giay-to")).status_code == 404
    assert client.post(reverse("filing:draft-delete", args=[draft.pk])).status_code == 404
    assert Draft.objects.exists()


def test_a_partial_online_procedure_says_what_to_bring_and_where(client, user, agency):
    version = ProcedureWithRouteFactory(
        agency=agency, online_level=OnlineLevel.PARTIAL,
        online_limit_reason="Xuất trình bản chính CCCD khi nhận kết quả.",
    )
    page = client.get(start_url(version)).content.decode()
    assert "Xuất trình bản chính CCCD khi nhận kết quả." in page and "Số 5 đường Trường Thi, TP Vinh" in page

    draft = file_draft(client, version, agency)
    first = version.documents.order_by("order").first()
    client.post(step_url(draft, "giay-to"), {f"doc-{first.pk}": [pdf()], "intent": "next"})
    response = client.post(step_url(draft, "xem-lai"))
    assert response.status_code == 302
    confirmation = client.get(response["Location"]).content.decode()
    assert "một phần" in confirmation
    assert "Xuất trình bản chính CCCD khi nhận kết quả." in confirmation
    assert "Sở Tư pháp tỉnh Nghệ An" in confirmation and "Số 5 đường Trường Thi, TP Vinh" in confirmation


def test_a_procedure_without_online_service_must_be_filed_in_person(client, user, agency):
    version = ProcedureWithRouteFactory(agency=agency, online_level=OnlineLevel.NONE,
                                        online_limit_reason="Phải đối chiếu bản chính tại chỗ.")
    response = client.get(start_url(version))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thủ tục này không nhận hồ sơ trực tuyến." in page
    assert "Số 5 đường Trường Thi, TP Vinh" in page and "Phải đối chiếu bản chính tại chỗ." in page
    assert "<form method=\"post\" action=\"/nop-ho-so/" not in page

    response = client.post(start_url(version), applicant_post(agency))
    assert response.status_code == 409
    assert not Draft.objects.exists() and not Dossier.objects.exists()


def test_an_unknown_procedure_is_not_found(client, user):
    assert client.get(reverse("filing:start", args=["9.999999"])).status_code == 404


def test_the_upload_script_is_told_where_to_go_instead_of_being_redirected(client, user, version, agency):
    """The progress script posts through XMLHttpRequest: a redirect would be followed inside it (and use
    up the page's messages), so a saved step answers 204 with the address in ``X-Location``."""
    draft = file_draft(client, version, agency)
    first = version.documents.order_by("order").first()
    response = client.post(step_url(draft, "giay-to"), {f"doc-{first.pk}": [pdf()], "intent": "next"},
                           headers={"X-Upload-Progress": "1"})
    assert response.status_code == 204 and response["X-Location"] == step_url(draft, "to-khai")
