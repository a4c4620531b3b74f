"""A conclusion that arrives as an incoming document becomes a directive of the task register from the
document's page: the form comes filled from the document, the directive keeps the link and the document's PDF,
the document's page lists it; a document the officer may not read cannot be used, by address or by form."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tinhso.common.rendering import html_to_pdf
from tinhso.directives.models import Directive
from tinhso.directives.tests.factories import department, office_with_officer
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import MembershipFactory, UserFactory
from tinhso.documents import services as documents
from tinhso.documents.models import Attachment, RecordsOffice
from tinhso.documents.tests.factories import incoming_input, records_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    committee, office, officer = office_with_officer()
    RecordsOffice.objects.create(agency=office, abbreviation="VP", place="Nghệ An")
    clerk = UserFactory()
    MembershipFactory(user=clerk, agency=office, role=Role.RECEIVER, valid_from=datetime.date(2020, 1, 1))
    pdf = html_to_pdf("<h1>THÔNG BÁO</h1><p>Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về hạ tầng số</p>")
    document = documents.register_incoming(office, incoming_input(
        sender=committee, sender_name=committee.name, type_name="Thông báo", code_number="125",
        code_notation="TB-UBND", issued_on=datetime.date(2026, 2, 13), signer_name="Lê Văn Chủ Tịch",
        subject="Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về hạ tầng số",
        attachments=[documents.FileInput("ket-luan.pdf", pdf, "application/pdf")]), by=clerk)
    return committee, office, officer, document


def test_an_incoming_conclusion_becomes_a_directive_with_its_tasks(client, received):
    committee, _office, officer, document = received
    sokhcn, _handler, _leader = department("Sở Khoa học và Công nghệ")
    client.force_login(officer)
    page = client.get(reverse("documents:incoming-detail", args=[document.pk])).content.decode()
    link = f'{reverse("directives:new-directive")}?van-ban-den={document.pk}'
    assert link in page
    form = client.get(link).content.decode()
    assert 'value="125/TB-UBND"' in form and 'value="13/02/2026"' in form
    assert f'<option value="{committee.pk}" selected>' in form and 'value="conclusion" selected' in form
    answer = client.post(reverse("directives:new-directive"), {
        "incoming": document.pk, "kind": "conclusion", "number": "125/TB-UBND", "issued_on": "13/02/2026",
        "issuer": committee.pk, "signer_name": "Lê Văn Chủ Tịch", "subject": document.subject,
        "received_document": "125/TB-UBND", "task_text": "Hoàn thành phủ sóng 4G các thôn lõm sóng",
        "lead_agency": sokhcn.pk, "due_kind": "date", "due_on": "30/06/2026", "report_every": "",
        "priority": "normal"})
    assert answer.status_code == 302
    directive = Directive.objects.get()
    assert directive.incoming == document and directive.received_document == "125/TB-UBND"
    assert directive.file_sha256 == Attachment.objects.get(incoming=document).sha256
    assert directive.tasks.get().lead_agency == sokhcn
    page = client.get(reverse("documents:incoming-detail", args=[document.pk])).content.decode()
    assert f'?van-ban={directive.pk}' in page and "1 nhiệm vụ" in page
    task = client.get(reverse("directives:task", args=[directive.tasks.get().pk])).content.decode()
    assert reverse("documents:incoming-detail", args=[document.pk]) in task


def test_a_document_outside_the_officers_registers_cannot_be_used(client, received):
    committee, _office, officer, _document = received
    elsewhere = records_office("SYT")
    theirs = documents.register_incoming(elsewhere.agency, incoming_input(), by=elsewhere.clerk)
    sokhcn, _handler, _leader = department("Sở Khoa học và Công nghệ")
    client.force_login(officer)
    assert client.get(reverse("directives:new-directive"), {"van-ban-den": theirs.pk}).status_code == 404
    answer = client.post(reverse("directives:new-directive"), {
        "incoming": theirs.pk, "kind": "conclusion", "number": "9/TB-UBND", "issued_on": "13/02/2026",
        "issuer": committee.pk, "signer_name": "Lê Văn Chủ Tịch", "subject": "Kết luận",
        "task_text": "Việc", "lead_agency": sokhcn.pk, "due_kind": "date", "due_on": "30/06/2026",
        "priority": "normal"})
    assert answer.status_code == 400 and "Không tìm thấy văn bản đến" in answer.content.decode()
    assert not Directive.objects.exists()
