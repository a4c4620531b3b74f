"""Signing an outgoing document on the pages: a draft saved from the issue form, then numbered, signed with the
agency's key (a key file uploaded with its passphrase, or the agency's configured key and its PIN) and issued in
one step; the signature block carries the number, the recipient receives the signed file; a wrong passphrase,
an expired certificate or a draft without PDF is refused with the reason and the number is not spent."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.common.audit import AuditEntry
from tinhso.common.rendering import html_to_pdf
from tinhso.documents import services, signatures
from tinhso.documents.models import OutgoingDocument, OutgoingState, SignatureVerdict
from tinhso.documents.tests.factories import outgoing_input, records_office

pytestmark = pytest.mark.django_db

PASSPHRASE = b"Mat-khau-2026"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return html_to_pdf("<h1>THÔNG BÁO</h1><p>Về việc triển khai chuyển đổi số năm 2026</p>")


@pytest.fixture
def key_file(pki) -> bytes:
    return pki.issue_signing("Sở Khoa học và Công nghệ", email="vanthu@skhcn.example").pkcs12(PASSPHRASE)


@pytest.fixture
def trusted(pki, settings, tmp_path):
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem)
    settings.TINHSO_DOCUMENTS_TRUSTED_ROOTS = str(root)


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def read(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def save_draft(client, office, pdf, **extra):
    client.force_login(office.clerk)
    answer = client.post(reverse("documents:outgoing-new"), {
        "co-quan": office.agency.pk, "loai": services.DocumentType.objects.get(code="thong-bao").pk,
        "trich-yeu": "Về việc triển khai chuyển đổi số năm 2026", "tham-quyen": "KT.", "chuc-vu": "Phó Giám đốc",
        "nguoi-ky": "Trần Văn Bình", "do-khan": "0", "hanh-dong": "du-thao",
        "tep": SimpleUploadedFile("thong-bao.pdf", pdf, "application/pdf"), **extra})
    document = OutgoingDocument.objects.filter(agency=office.agency, state=OutgoingState.DRAFT).latest("pk")
    assert answer.status_code == 302 and answer["Location"] == reverse("documents:outgoing-detail",
                                                                       args=[document.pk])
    return document


def test_a_draft_is_signed_with_an_uploaded_key_file_numbered_and_sent_signed(client, pdf, key_file, trusted):
    office, other = records_office("SKHCN"), records_office("SYT")
    document = save_draft(client, office, pdf, **{"noi-nhan": [other.agency.pk]})
    assert document.state == OutgoingState.DRAFT and not document.notation
    # a draft is not in the register yet; the register points to the drafts waiting
    register = client.get(reverse("documents:outgoing")).content.decode()
    assert "1 dự thảo chờ ký số và ban hành" in register and "Về việc triển khai" not in register
    drafts = client.get(reverse("documents:outgoing"), {"trang-thai": "draft"}).content.decode()
    assert "Về việc triển khai" in drafts
    page = client.get(reverse("documents:outgoing-detail", args=[document.pk])).content.decode()
    assert "Cấp số, ký số và ban hành" in page and 'name="mat-khau"' in page

    answer = client.post(reverse("documents:outgoing-issue", args=[document.pk]), {
        "ky-so": "tep", "mat-khau": PASSPHRASE.decode(),
        "tep-khoa": SimpleUploadedFile("khoa.p12", key_file, "application/x-pkcs12")})
    assert answer.status_code == 302
    document.refresh_from_db()
    assert document.state == OutgoingState.ISSUED and document.notation == "01/TB-SKHCN"
    signed = document.attachments.get()
    assert signed.signature == SignatureVerdict.VALID and "Sở Khoa học và Công nghệ" in signed.signer
    text = pdf_text(read(signed))
    assert "Số, ký hiệu: 01/TB-SKHCN" in text and f"Ký bởi: {office.agency.name}" in text
    # the recipient inside the deployment received the signed file, and checked it
    copy = other.agency.incoming_documents.get()
    assert copy.attachments.get().sha256 == signed.sha256
    assert copy.attachments.get().signature == SignatureVerdict.VALID
    page = client.get(answer["Location"]).content.decode()
    assert "Đã ký số và ban hành văn bản số 01/TB-SKHCN." in page and "Chữ ký hợp lệ" in page
    assert AuditEntry.objects.filter(summary="Ký số 1 tệp").exists()
    # the passphrase is nowhere in what was stored
    assert PASSPHRASE.decode() not in str(list(AuditEntry.objects.values_list("summary", "before", "after")))


def test_a_wrong_passphrase_is_refused_and_the_number_is_not_spent(client, pdf, key_file):
    office = records_office("SKHCN")
    document = save_draft(client, office, pdf)
    answer = client.post(reverse("documents:outgoing-issue", args=[document.pk]), {
        "ky-so": "tep", "mat-khau": "sai-mat-khau",
        "tep-khoa": SimpleUploadedFile("khoa.p12", key_file, "application/x-pkcs12")})
    assert answer.status_code == 400 and "sai mật khẩu" in answer.content.decode()
    document.refresh_from_db()
    assert document.state == OutgoingState.DRAFT and not document.number
    missing = client.post(reverse("documents:outgoing-issue", args=[document.pk]), {"ky-so": "tep"})
    assert missing.status_code == 400 and "Vui lòng chọn tệp khóa ký số" in missing.content.decode()
    # the counter did not move: the next document issued is number 01
    assert services.issue_outgoing(office.agency, outgoing_input(), by=office.clerk).code_number == "01"


def test_a_draft_without_a_pdf_cannot_be_signed_and_keeps_no_number(pdf, key_file):
    office = records_office("SKHCN")
    draft = services.draft_outgoing(office.agency, outgoing_input(
        files=[services.FileInput("bang.xlsx", b"PK\x03\x04 not a pdf", "application/pdf")]), by=office.clerk)
    with services.agency_signer(office.agency, secret=PASSPHRASE.decode(), pkcs12=key_file) as signer, \
            pytest.raises(services.DocumentError) as refused:
        services.issue(draft, by=office.clerk, signer=signer)
    assert refused.value.status == 409 and "không có tệp PDF" in refused.value.message
    draft.refresh_from_db()
    assert draft.state == OutgoingState.DRAFT and draft.number is None
    assert services.issue(draft, by=office.clerk).code_number == "01"


def test_the_agencys_configured_key_is_opened_with_the_pin_typed_now(client, pdf, key_file, tmp_path, trusted):
    office = records_office("SKHCN")
    path = tmp_path / "skhcn.p12"
    path.write_bytes(key_file)
    document = save_draft(client, office, pdf)
    page = client.get(reverse("documents:outgoing-detail", args=[document.pk])).content.decode()
    assert 'value="khoa-co-quan"' not in page
    no_key = client.post(reverse("documents:outgoing-issue", args=[document.pk]),
                         {"ky-so": "khoa-co-quan", "mat-khau": PASSPHRASE.decode()})
    assert no_key.status_code == 400 and "chưa cấu hình khóa ký số" in no_key.content.decode()
    office.office.signing_key = f"pkcs12:{path}"
    office.office.save()
    page = client.get(reverse("documents:outgoing-detail", args=[document.pk])).content.decode()
    assert 'value="khoa-co-quan" checked' in page
    answer = client.post(reverse("documents:outgoing-issue", args=[document.pk]),
                         {"ky-so": "khoa-co-quan", "mat-khau": PASSPHRASE.decode()})
    assert answer.status_code == 302
    document.refresh_from_db()
    assert document.state == OutgoingState.ISSUED
    assert document.attachments.get().signature == SignatureVerdict.VALID


def test_an_expired_certificate_is_refused_before_anything_is_signed(pki, pdf):
    office = records_office("SKHCN")
    now = datetime.datetime.now(datetime.UTC)
    old = pki.issue_signing("Sở cũ", valid_from=now - datetime.timedelta(days=800), days=799).pkcs12(PASSPHRASE)
    with pytest.raises(services.DocumentError) as refused, \
            services.agency_signer(office.agency, secret=PASSPHRASE.decode(), pkcs12=old):
        pass
    assert "đã hết hạn" in refused.value.message
    with pytest.raises(signatures.SigningError):
        signatures.signer_from_pkcs12(b"not a key file", b"x")


def test_another_agency_cannot_issue_or_delete_a_draft_and_the_clerk_deletes_it(client, pdf):
    office, other = records_office("SKHCN"), records_office("SYT")
    document = save_draft(client, office, pdf)
    client.force_login(other.clerk)
    assert client.post(reverse("documents:outgoing-issue", args=[document.pk])).status_code == 404
    assert client.post(reverse("documents:outgoing-discard", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:outgoing-detail", args=[document.pk])).status_code == 404
    client.force_login(office.leader)
    refused = client.post(reverse("documents:outgoing-discard", args=[document.pk]))
    assert refused.status_code in (403, 404) and OutgoingDocument.objects.filter(pk=document.pk).exists()
    client.force_login(office.clerk)
    answer = client.post(reverse("documents:outgoing-discard", args=[document.pk]))
    assert answer.status_code == 302 and not OutgoingDocument.objects.filter(pk=document.pk).exists()
    assert AuditEntry.objects.filter(action="delete", summary__startswith="Xóa dự thảo").exists()
    issued = services.issue_outgoing(office.agency, outgoing_input(), by=office.clerk)
    again = client.post(reverse("documents:outgoing-discard", args=[issued.pk]))
    assert again.status_code == 409 and OutgoingDocument.objects.filter(pk=issued.pk).exists()


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_the_agencys_key_on_a_pkcs11_token_signs_and_a_wrong_pin_is_refused(client, pdf, pki, softhsm, trusted,
                                                                            key_type):
    from tinhso.testing.pki import new_key

    office = records_office("SKHCN")
    softhsm.put(pki.issue_signing("Sở Khoa học và Công nghệ", key=new_key(key_type)), label=f"skhcn-{key_type}",
                object_id=b"\x01" if key_type == "rsa" else b"\x02")
    office.office.signing_key = softhsm.source(f"skhcn-{key_type}")
    office.office.save()
    document = save_draft(client, office, pdf)
    wrong = client.post(reverse("documents:outgoing-issue", args=[document.pk]),
                        {"ky-so": "khoa-co-quan", "mat-khau": "000000"})
    assert wrong.status_code == 400 and "Không mở được thiết bị ký số" in wrong.content.decode()
    document.refresh_from_db()
    assert document.state == OutgoingState.DRAFT and document.number is None
    for number in ("01", "02"):  # the token's session is closed after each signing: the next one logs in again
        if number == "02":
            document = save_draft(client, office, pdf)
        answer = client.post(reverse("documents:outgoing-issue", args=[document.pk]),
                             {"ky-so": "khoa-co-quan", "mat-khau": softhsm.pin})
        assert answer.status_code == 302
        document.refresh_from_db()
        assert document.state == OutgoingState.ISSUED and document.code_number == number
        signed = document.attachments.get()
        assert signed.signature == SignatureVerdict.VALID, signed.signature_note
        assert f"Số, ký hiệu: {number}/TB-SKHCN" in pdf_text(read(signed))
