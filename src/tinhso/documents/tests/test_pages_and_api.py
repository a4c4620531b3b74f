"""The records office's pages and the API: registering, assigning, issuing, searching, exporting; and the
scope — an agency never reads another's register through the pages, the API or the exports."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import MembershipFactory, UserFactory
from tinhso.documents import services
from tinhso.documents.models import IncomingState
from tinhso.documents.tests.factories import incoming_input, issued, records_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_offices():
    return records_office("SKHCN"), records_office("SYT")


def test_a_clerk_registers_an_incoming_document_and_assigns_it(client, two_offices):
    office, _ = two_offices
    client.force_login(office.clerk)
    answer = client.post(reverse("documents:incoming-new"), {
        "co-quan": office.agency.pk, "noi-gui": "Bộ Khoa học và Công nghệ", "loai": "Công văn", "so": "125",
        "ky-hieu": "BKHCN-CĐSQG", "ngay-van-ban": "02/03/2026", "trich-yeu": "Về việc báo cáo chuyển đổi số",
        "do-khan": "1", "so-trang": "2"})
    document = office.agency.incoming_documents.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("documents:incoming-detail",
                                                                       args=[document.pk])
    assert document.issued_on == datetime.date(2026, 3, 2) and document.arrival_number == 1
    page = client.get(answer["Location"])
    assert office.handler.get_full_name() in page.content.decode()
    client.post(reverse("documents:incoming-action", args=[document.pk, "phan-cong"]),
                {"nguoi-xu-ly": office.handler.pk, "so-ngay": "3", "y-kien": "Giao phòng Bưu chính"})
    document.refresh_from_db()
    assert document.state == IncomingState.ASSIGNED and document.handler == office.handler


def test_a_date_typed_wrong_is_refused_with_a_message_and_nothing_is_written(client, two_offices):
    office, _ = two_offices
    client.force_login(office.clerk)
    answer = client.post(reverse("documents:incoming-new"), {
        "co-quan": office.agency.pk, "noi-gui": "Bộ KHCN", "loai": "Công văn", "so": "1", "ky-hieu": "BKHCN",
        "ngay-van-ban": "2026-13-45", "trich-yeu": "Thử"})
    assert answer.status_code == 400 and "dd/mm/yyyy" in answer.content.decode()
    assert not office.agency.incoming_documents.exists()


def test_a_clerk_issues_an_outgoing_document_from_the_page(client, two_offices):
    office, other = two_offices
    client.force_login(office.clerk)
    from tinhso.documents.models import DocumentType

    answer = client.post(reverse("documents:outgoing-new"), {
        "co-quan": office.agency.pk, "loai": DocumentType.objects.get(code="ke-hoach").pk,
        "trich-yeu": "Kế hoạch chuyển đổi số năm 2027", "tham-quyen": "KT.", "chuc-vu": "Phó Giám đốc",
        "nguoi-ky": "Lê Văn C", "do-khan": "0", "noi-nhan": [other.agency.pk], "noi-nhan-khac": "Lưu: VT"})
    assert answer.status_code == 302
    document = office.agency.outgoing_documents.get()
    assert document.notation == "01/KH-SKHCN"
    assert other.agency.incoming_documents.get().document_id == document.document_id


def test_registers_search_accent_insensitively_and_export(client, two_offices):
    office, _ = two_offices
    services.register_incoming(office.agency, incoming_input(subject="Về việc triển khai Đề án 06"), by=office.clerk)
    services.register_incoming(office.agency, incoming_input(subject="Về việc khác", code_number="9"),
                               by=office.clerk)
    client.force_login(office.clerk)
    page = client.get(reverse("documents:incoming"), {"q": "de an 06"})
    assert "Đề án 06" in page.content.decode() and "Về việc khác" not in page.content.decode()
    xlsx = client.get(reverse("documents:incoming"), {"xuat": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("documents:outgoing"), {"xuat": "pdf"})
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"


def test_an_agency_never_reads_another_agencys_register(client, two_offices):
    office, other = two_offices
    theirs = services.register_incoming(other.agency, incoming_input(subject="Bí mật của Sở Y tế"), by=other.clerk)
    sent = issued(other, subject="Văn bản đi của Sở Y tế")
    client.force_login(office.clerk)
    assert client.get(reverse("documents:incoming-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("documents:outgoing-detail", args=[sent.pk])).status_code == 404
    assert client.post(reverse("documents:incoming-action", args=[theirs.pk, "tiep-nhan"])).status_code == 404
    listing = client.get(reverse("documents:incoming"), {"co-quan": other.agency.pk}).content.decode()
    assert "Bí mật của Sở Y tế" not in listing
    export = client.get(reverse("documents:outgoing"), {"xuat": "xlsx", "co-quan": other.agency.pk})
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.content)).active
    assert all("Sở Y tế" not in str(cell.value) for row in sheet.iter_rows() for cell in row)
    api = client.get("/api/documents/incoming")
    assert api.status_code == 200 and api.json()["count"] == 0
    assert client.get(f"/api/documents/incoming/{theirs.pk}").status_code == 404
    assert client.get(f"/api/documents/outgoing/{sent.pk}").status_code == 404
    refused = client.post("/api/documents/incoming", {
        "agency": other.agency.pk, "sender_name": "X", "type_name": "Công văn", "code_number": "1",
        "code_notation": "X", "issued_on": "2026-03-02", "subject": "Thử"}, content_type="application/json")
    assert refused.status_code == 404


def test_someone_without_a_register_is_refused(client, two_offices):
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(reverse("documents:home")).status_code == 403
    assert client.get(reverse("documents:incoming")).status_code == 403


def test_the_api_issues_registers_and_assigns_with_errors_named(client, two_offices):
    office, other = two_offices
    client.force_login(office.clerk)
    answer = client.post("/api/documents/outgoing", {
        "agency": office.agency.pk, "document_type": "thong-bao", "subject": "Thông báo lịch họp",
        "recipients": [other.agency.identifier]}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["code_number"] == "01" and body["recipients"][0]["status_code"] == "01"
    created = client.post("/api/documents/incoming", {
        "agency": office.agency.pk, "sender_name": "UBND tỉnh", "type_name": "Công văn", "code_number": "77",
        "code_notation": "UBND-KT", "issued_on": "2026-03-02", "subject": "Về việc thử"},
        content_type="application/json")
    assert created.status_code == 201 and created.json()["arrival_number"] == 1
    assigned = client.post(f"/api/documents/incoming/{created.json()['id']}/assignment",
                           {"handler": office.handler.pk, "days": 2}, content_type="application/json")
    assert assigned.status_code == 200 and assigned.json()["state"] == "assigned"
    too_long = client.post("/api/documents/outgoing", {
        "agency": office.agency.pk, "document_type": "thong-bao", "subject": "x" * 501},
        content_type="application/json")
    assert too_long.status_code == 422 and "subject" in too_long.content.decode()
    listed = client.get("/api/documents/outgoing", {"q": "lich hop"})
    assert listed.json()["count"] == 1


def test_a_handler_reads_and_completes_the_document_assigned_to_them(client, two_offices):
    office, _ = two_offices
    document = services.register_incoming(office.agency, incoming_input(), by=office.clerk)
    services.assign(document, handler_id=office.handler.pk, days=3, by=office.clerk)
    client.force_login(office.handler)
    assert client.get(reverse("documents:home")).status_code == 200
    client.post(reverse("documents:incoming-action", args=[document.pk, "hoan-thanh"]), {"ket-qua": "Xong"})
    document.refresh_from_db()
    assert document.state == IncomingState.COMPLETED


def test_the_menu_shows_the_registers_to_their_staff(client, two_offices):
    office, _ = two_offices
    client.force_login(office.clerk)
    assert reverse("documents:home") in client.get(reverse("staff-home")).content.decode()
    stranger = UserFactory()
    MembershipFactory(user=stranger, role=Role.HANDLER)
    client.force_login(stranger)
    assert reverse("documents:home") not in client.get(reverse("staff-home")).content.decode()
