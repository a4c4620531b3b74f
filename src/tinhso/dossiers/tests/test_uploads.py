"""Uploads are judged by content, size and name; a refused file stores nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tinhso.common.uploads import DOCX, JPEG, PDF, PNG, TIFF, XLSX, UploadRejected, clean_name, validate_upload
from tinhso.directory.models import Role
from tinhso.dossiers import services
from tinhso.dossiers.models import DossierDocument, DossierEvent
from tinhso.dossiers.tests.factories import officer, received_dossier

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF"


class RawUpload(io.BytesIO):
    """A file object whose name is exactly what a client sent (Django's own upload classes strip paths)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def ooxml(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("don.pdf", PDF_BYTES, PDF),
    ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, PNG),
    ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20, JPEG),
    ("scan.tif", b"II*\x00" + b"\0" * 20, TIFF),
    ("to-khai.docx", ooxml("word/document.xml"), DOCX),
    ("bang.xlsx", ooxml("xl/workbook.xml"), XLSX),
])
def test_accepted_types_are_recognised_by_content(name, content, expected):
    checked = validate_upload(SimpleUploadedFile(name, content, content_type="application/octet-stream"))
    assert checked.content_type == expected and checked.size == len(content) and len(checked.checksum) == 64


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00\x03" + b"\0" * 60,  # a Windows executable
    b"\x7fELF\x02\x01\x01" + b"\0" * 20,  # a Linux executable
    b"<!DOCTYPE html><script>alert(1)</script>",
    b"#!/bin/sh\nrm -rf /\n",
    ooxml("payload.bin"),  # a ZIP that is not a Word or Excel document
])
def test_a_disallowed_type_with_an_allowed_extension_is_refused(content):
    with pytest.raises(UploadRejected) as error:
        validate_upload(SimpleUploadedFile("giay-to.pdf", content, content_type="application/pdf"))
    assert "không phải định dạng được chấp nhận" in error.value.message and error.value.field == "file"


@override_settings(TINHSO_UPLOAD_MAX_BYTES=1024)
def test_an_oversized_file_is_refused():
    with pytest.raises(UploadRejected) as error:
        validate_upload(SimpleUploadedFile("lon.pdf", PDF_BYTES + b"\0" * 2000))
    assert "vượt quá dung lượng" in error.value.message


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "/etc/passwd.pdf", "..\\boot.ini.pdf", "C:ab.pdf",
                                  "a\x00.pdf", "ten\nmoi.pdf", ".."])
def test_path_traversal_and_control_characters_in_names_are_refused(name):
    with pytest.raises(UploadRejected) as error:
        clean_name(name)
    assert error.value.message


def test_a_vietnamese_name_is_kept_for_display():
    assert clean_name("  Đơn đề nghị cấp phép.pdf ") == "Đơn đề nghị cấp phép.pdf"


@pytest.mark.parametrize(("name", "content", "settings_max"), [
    ("virus.pdf", b"MZ\x90\x00" + b"\0" * 60, None),
    ("../../hack.pdf", PDF_BYTES, None),
    ("lon.pdf", PDF_BYTES + b"\0" * 4096, 1024),
])
def test_a_refused_upload_stores_nothing(name, content, settings_max, settings):
    dossier = received_dossier()
    receiver = dossier.steps.first().assignee or officer(Role.RECEIVER, dossier.receiving_agency)
    events = DossierEvent.objects.count()
    if settings_max:
        settings.TINHSO_UPLOAD_MAX_BYTES = settings_max
    with pytest.raises(services.UploadRejected):
        services.attach_document(dossier, actor=receiver, upload=RawUpload(name, content))
    assert not DossierDocument.objects.exists() and DossierEvent.objects.count() == events


def test_the_stored_name_is_random_and_the_checksum_is_kept():
    dossier = received_dossier()
    receiver = officer(Role.RECEIVER, dossier.receiving_agency)
    document = services.attach_document(dossier, actor=receiver, upload=SimpleUploadedFile("don.pdf", PDF_BYTES))
    assert "don" not in document.file.name and str(dossier.public_id) in document.file.name
    assert document.file.read() == PDF_BYTES
    assert document.checksum == hashlib.sha256(PDF_BYTES).hexdigest()


# -- names as sent, bidirectional controls, ZIP bombs and polyglots (through the API's multipart parser) ------

def _multipart(filename: bytes, content: bytes) -> tuple[bytes, str]:
    boundary = "tinhso-boundary-7d3a"
    parameter = filename if filename.startswith(b"filename*=") else b'filename="' + filename + b'"'
    body = (f"--{boundary}\r\n".encode() + b'Content-Disposition: form-data; name="file"; ' + parameter
            + b'\r\nContent-Type: application/pdf\r\n\r\n' + content + f"\r\n--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def upload_target(db):
    from tinhso.directory.tests.factories import AgencyFactory
    from tinhso.dossiers.models import State
    from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, api_token, dossier_in_state

    agency = AgencyFactory()
    dossier = dossier_in_state(State.RECEIVED, version=ProcedureWithRouteFactory(agency=agency), agency=agency)
    return f"/api/dossiers/{dossier.code}/documents", {"HTTP_AUTHORIZATION": f"Bearer {api_token(agency)[1]}"}


GOOD_PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("raw_name", [
    b"../../etc/passwd.pdf", b"a\r\nContent-Type: text/html.pdf",
    b"filename*=UTF-8''a%0D%0AContent-Type%3A%20text%2Fhtml.pdf", b"filename*=UTF-8''giay%00to.pdf",
    b"giay\x1bto.pdf", b"giay\x7fto.pdf",
    "hoa-don\u202efdp.exe".encode(), "a\u2066b.pdf".encode(), b"x" * 1000 + b".pdf", b"..\\windows.pdf"])
def test_a_name_is_judged_as_sent_and_refused_not_renamed(client, upload_target, raw_name):
    from tinhso.dossiers.models import DossierDocument

    url, headers = upload_target
    body, content_type = _multipart(raw_name, GOOD_PDF)
    response = client.post(url, body, content_type=content_type, **headers)
    assert response.status_code in (400, 422), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert not DossierDocument.objects.filter(dossier__code=url.split("/")[3]).exists()


def test_a_good_name_and_file_are_stored(client, upload_target):
    url, headers = upload_target
    body, content_type = _multipart("Đơn đề nghị.pdf".encode(), GOOD_PDF)
    response = client.post(url, body, content_type=content_type, **headers)
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "Đơn đề nghị.pdf"


def test_an_office_file_that_unpacks_to_a_gigabyte_is_refused():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/bom.bin", b"\0" * (256 * 1024 * 1024))
    with pytest.raises(UploadRejected, match="giải nén"):
        validate_upload(SimpleUploadedFile("bom.docx", buffer.getvalue()))


@pytest.mark.parametrize(("name", "content"), [
    ("hoa-don.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"),
    ("hoa-don.pdf", GOOD_PDF + b"<html><body>trang gia</body></html>"),
    ("anh.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82<script>alert(1)</script>"),
])
def test_polyglots_with_html_are_refused(name, content):
    with pytest.raises(UploadRejected, match="nội dung khác"):
        validate_upload(SimpleUploadedFile(name, content))
