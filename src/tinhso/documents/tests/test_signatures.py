"""PAdES signatures with a CA the tests create: a signed PDF verifies as valid when its root is trusted,
as an unknown signer when it is not, as invalid once tampered with; a damaged file is a verdict, not a
crash; an incoming PDF is verified when it is registered and a draft's PDFs are signed before issue."""

from __future__ import annotations

import pytest

from tinhso.common.rendering import html_to_pdf
from tinhso.documents import services, signatures
from tinhso.documents.models import SignatureVerdict
from tinhso.documents.tests.factories import incoming_input, outgoing_input, records_office


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return html_to_pdf("<h1>QUYẾT ĐỊNH</h1><p>Về việc ban hành kế hoạch chuyển đổi số</p>")


@pytest.fixture
def signer(pki):
    credential = pki.issue_signing("Sở Khoa học và Công nghệ tỉnh Nghệ An", email="vanthu@skhcn.example")
    return signatures.signer_from_pkcs12(credential.pkcs12(b"mat-khau"), b"mat-khau")


def test_a_signed_pdf_is_valid_unknown_or_invalid_as_it_should(pdf, signer, pki):
    signed = signatures.sign_pdf(pdf, signer, signer_name="Trần Văn Bình", location="Nghệ An")
    valid = signatures.verify_pdf(signed, [pki.root_pem])
    assert valid.verdict == "valid" and "Sở Khoa học" in valid.signer and valid.signed_at is not None
    assert signatures.verify_pdf(signed, []).verdict == "unknown_signer"
    position = signed.index(b"QUY") if b"QUY" in signed else len(signed) // 3
    tampered = signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1:]
    assert signatures.verify_pdf(tampered, [pki.root_pem]).verdict in ("invalid", "unverifiable")
    assert signatures.verify_pdf(pdf, [pki.root_pem]).verdict == "none"
    assert signatures.verify_pdf(b"%PDF-1.7 garbage", [pki.root_pem]).verdict in ("unverifiable", "none")


def test_a_tampered_byte_range_is_invalid(pdf, signer, pki):
    signed = bytearray(signatures.sign_pdf(pdf, signer))
    # change one byte of the signed content (inside the first byte range, after the header)
    signed[200] = signed[200] ^ 0x20
    assert signatures.verify_pdf(bytes(signed), [pki.root_pem]).verdict in ("invalid", "unverifiable")


@pytest.mark.django_db
def test_incoming_pdfs_are_verified_and_draft_pdfs_signed(pdf, signer, pki, settings, tmp_path):
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem)
    settings.TINHSO_DOCUMENTS_TRUSTED_ROOTS = str(root)
    office = records_office("SKHCN")
    draft = services.draft_outgoing(office.agency, outgoing_input(
        files=[services.FileInput("qd.pdf", pdf, "application/pdf")]), by=office.clerk)
    [attachment] = services.sign_attachments(draft, signer, by=office.clerk)
    assert attachment.signature == SignatureVerdict.VALID
    with attachment.file.open("rb") as handle:
        signed = handle.read()
    incoming = services.register_incoming(office.agency, incoming_input(
        attachments=[services.FileInput("den.pdf", signed, "application/pdf")]), by=office.clerk)
    assert incoming.attachments.get().signature == SignatureVerdict.VALID
    settings.TINHSO_DOCUMENTS_TRUSTED_ROOTS = ""
    other = services.register_incoming(office.agency, incoming_input(
        code_number="2", attachments=[services.FileInput("den.pdf", signed, "application/pdf")]), by=office.clerk)
    assert other.attachments.get().signature == SignatureVerdict.UNKNOWN_SIGNER


@pytest.mark.django_db
def test_the_share_of_documents_signed_digitally(pdf, signer, pki, settings, tmp_path):
    import datetime

    from django.utils import timezone

    from tinhso.common.indicators import ReadQuery, by_formula

    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem)
    settings.TINHSO_DOCUMENTS_TRUSTED_ROOTS = str(root)
    office = records_office("SKHCN")
    draft = services.draft_outgoing(office.agency, outgoing_input(
        files=[services.FileInput("qd.pdf", pdf, "application/pdf")]), by=office.clerk)
    services.sign_attachments(draft, signer, by=office.clerk)
    services.issue(draft, by=office.clerk)
    services.issue_outgoing(office.agency, outgoing_input(), by=office.clerk)
    today = timezone.localdate()
    query = ReadQuery(start=today.replace(day=1), end=today + datetime.timedelta(days=1), agency_ids=None,
                      at=timezone.now())
    assert by_formula("documents.signed_digitally_share").reader.read(query) == 50
