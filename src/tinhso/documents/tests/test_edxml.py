"""edXML packages (QCVN 102:2016): what is written reads back equal; packages met in the wild are refused
with the problem and the element named; the check command works without the database."""

from __future__ import annotations

import base64
import datetime
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tinhso.documents import edxml


def a_package(**changes) -> edxml.DocumentPackage:
    values = {
        "from_organ": edxml.Organ("000.00.00.H41", "Ủy ban nhân dân tỉnh Nghệ An", "Vinh", "ubnd@nghean.gov.vn"),
        "to": [edxml.Organ("H41.27", "Sở Khoa học và Công nghệ"), edxml.Organ("H41.30", "Sở Y tế")],
        "code_number": "125", "code_notation": "TB-UBND", "promulgation_date": datetime.date(2026, 3, 2),
        "place": "Nghệ An", "type_name": "Thông báo", "subject": "Kết luận của Chủ tịch UBND tỉnh về chuyển đổi số",
        "content": "Nội dung kết luận", "signer_competence": "TM.", "signer_position": "Chủ tịch",
        "signer_full_name": "Lê Hồng Vinh", "due_date": datetime.date(2026, 3, 16),
        "to_places": ["Như trên", "Lưu: VT"],
        "priority": 1, "promulgation_amount": 5, "page_amount": 3, "steering_type": 1,
        "trace": [("000.00.00.H41", datetime.datetime(2026, 3, 2, 9, 30, 0))],
        "receiver_list": ["H41.27", "H41.30"],
        "attachments": [edxml.Attachment("ket-luan.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 10, "application/pdf",
                                      content_id="1@edxml")],
    }
    values.update(changes)
    return edxml.DocumentPackage(**values)


def test_a_written_package_reads_back_equal():
    package = a_package()
    read = edxml.read(edxml.write(package))
    assert read == package
    assert read.document_id == "000.00.00.H41,2026/03/02,125/TB-UBND"


def test_a_status_message_reads_back_equal():
    status = edxml.StatusPackage(from_organ=edxml.Organ("H41.27", "Sở KHCN"),
                                 response_for="000.00.00.H41,2026/03/02,125/TB-UBND", status_code="04",
                                 timestamp=datetime.datetime(2026, 3, 3, 8, 0, 0), description="Đã phân công",
                                 staff="Nguyễn Văn An", department="Văn phòng")
    assert edxml.read(edxml.write(status)) == status


def test_a_revoke_package_names_the_document_it_concerns():
    package = a_package(business_doc_type=1, business_doc_reason="Ban hành nhầm",
                        response_for="000.00.00.H41,2026/03/02,125/TB-UBND", attachments=[])
    read = edxml.read(edxml.write(package))
    assert read.business_doc_type == 1 and read.response_for == package.response_for


def _refusal(data: bytes) -> edxml.EdxmlError:
    with pytest.raises(edxml.EdxmlError) as refused:
        edxml.read(data)
    return refused.value


def test_junk_before_the_xml_declaration_is_named():
    error = _refusal(b"\x00\x01garbage" + edxml.write(a_package()))
    assert "trước khai báo XML" in error.message and error.element == "xml"


def test_a_prefix_without_its_namespace_declaration_names_the_element():
    data = edxml.write(a_package()).replace(b' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b"")
    error = _refusal(data)
    assert "namespace" in error.message and error.element == "edXMLEnvelope"


def test_an_impossible_date_is_named():
    data = edxml.write(a_package()).replace(b"2026/03/02</edXML:PromulgationDate>",
                                            b"2026/02/30</edXML:PromulgationDate>")
    error = _refusal(data)
    assert error.element == "PromulgationDate" and "2026/02/30" in error.message


def test_a_missing_element_and_an_overlong_field_are_named():
    data = edxml.write(a_package()).replace(b"<edXML:CodeNumber>125</edXML:CodeNumber>", b"")
    assert _refusal(data).element == "CodeNumber"
    error = _refusal(edxml.write(a_package(subject="x" * 501)))
    assert error.element == "Subject" and "500" in error.message


def test_a_doctype_is_refused_before_any_entity_is_read():
    data = (b'<?xml version="1.0"?><!DOCTYPE export [<!ENTITY a "aaaaaaaaaa">]>'
            b'<export xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">&a;</export>')
    assert _refusal(data).element == "DOCTYPE"


def test_a_signature_in_no_namespace_with_a_truncated_certificate_is_reported_unverifiable():
    data = edxml.write(a_package())
    truncated = base64.b64encode(b"0\x82\x03\x00" + b"\x01" * 40).decode()
    signature = (f"<Signature><SignedInfo/><SignatureValue>AAAA</SignatureValue><KeyInfo><X509Data>"
                 f"<X509Certificate>{truncated}</X509Certificate></X509Data></KeyInfo></Signature>").encode()
    data = data.replace(b"</edXML:TraceHeaderList>", b"</edXML:TraceHeaderList>" + signature)
    package = edxml.read(data)
    assert package.signature.verdict == "unverifiable"
    assert "namespace" in package.signature.reason and "cắt cụt" in package.signature.reason


def test_a_zip_attachment_holding_another_package_is_refused():
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("goi-khac.xml", edxml.write(a_package()))
    package = a_package(attachments=[edxml.Attachment("kem-theo.zip", inner.getvalue(), "application/zip")])
    error = _refusal(edxml.write(package))
    assert error.element == "Attachment" and "goi-khac.xml" in error.message


def test_an_attachment_missing_from_the_manifest_is_named():
    data = edxml.write(a_package()).replace(b'href="cid:1@edxml"', b'href="cid:2@edxml"')
    assert _refusal(data).element == "Reference"


def _command(path: Path) -> subprocess.CompletedProcess:
    import os

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test",
                   "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    return subprocess.run([sys.executable, "-P", "-m", "tinhso.manage", "documents", "edxml", "read", str(path)],
                          capture_output=True, text=True, env=environment, timeout=120)


def test_the_command_reads_a_package_without_the_database(tmp_path):
    path = tmp_path / "goi.edxml"
    path.write_bytes(edxml.write(a_package()))
    done = _command(path)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["kind"] == "document" and printed["to"] == ["H41.27", "H41.30"]
    assert printed["promulgation_date"] == "2026-03-02" and printed["business_doc_type"] == 0
    assert printed["attachments"] == [{"name": "ket-luan.pdf", "content_type": "application/pdf", "size": 2569}]


def test_the_command_answers_a_bad_package_with_one_line_and_status_2(tmp_path):
    path = tmp_path / "goi.edxml"
    path.write_bytes(b"junk" + edxml.write(a_package()))
    done = _command(path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "XML" in done.stderr


# A large attachment's base64 text is checked on the package's bytes and kept out of the parser; every other
# package must read exactly as if it had been parsed whole.

LARGE = bytes(range(256)) * 64  # 16 KB, above the size from which the text is cut out


def _large_package_bytes() -> bytes:
    return edxml.write(a_package(attachments=[edxml.Attachment("lon.pdf", LARGE, "application/pdf",
                                                               content_id="1@edxml")]))


def test_a_large_attachment_reads_back_equal_with_its_text_kept_out_of_the_parser():
    data = _large_package_bytes()
    cuts: dict = {}
    root = edxml._parse(data, cuts)
    assert len(cuts) == 1 and len(next(iter(cuts.values()))) == len(base64.b64encode(LARGE))
    assert len(edxml.etree.tostring(root)) < 10_000
    read = edxml.read(data)
    assert read.attachments[0].data == LARGE and read == edxml.read(data.replace(b"?>", b"?>", 1))
    again = edxml.read(data).attachments[0]
    assert again.size == len(LARGE) and again.encoded == base64.b64encode(LARGE)
    assert edxml.summary(edxml.read(data))["attachments"][0]["size"] == len(LARGE)


def test_a_large_attachment_wrapped_in_lines_reads_back_equal():
    text = base64.b64encode(LARGE)
    wrapped = b"\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    data = _large_package_bytes().replace(text, b"\n" + wrapped + b"\n")
    assert edxml.read(data).attachments[0].data == LARGE


def test_a_large_attachment_with_a_wrong_character_is_refused_as_before():
    text = base64.b64encode(LARGE)
    for bad in (text[:100] + b"&#42;" + text[105:], text[:100] + b"*" + text[101:], text[:-4] + b"A=AA"):
        error = _refusal(_large_package_bytes().replace(text, bad))
        assert error.element == "Attachment" and "không phải base64 hợp lệ" in error.message
    # A character reference is the parser's to read: "&#65;" is an "A", and the text stays valid.
    good = _large_package_bytes().replace(text, text[:100] + b"&#65;" + text[105:])
    assert edxml.read(good).attachments[0].data == base64.b64decode(text[:100] + b"A" + text[105:])


def test_large_base64_text_outside_an_attachment_is_not_taken_for_one():
    text = base64.b64encode(LARGE)
    data = _large_package_bytes()
    # The same text in a comment shaped like an attachment: the comment is dropped, the attachment read whole.
    fake = b"<!-- <edXML:Attachment ContentId=\"9@edxml\">" + text + b"</edXML:Attachment> -->"
    commented = data.replace(b"<edXML:AttachmentEncoded>", b"<edXML:AttachmentEncoded>" + fake)
    assert edxml.read(commented).attachments[0].data == LARGE
    # An attachment whose text goes on after a child element is read as the parser reads it.
    child = data.replace(text + b"</edXML:Attachment>", text + b"<edXML:Part/>AAAA</edXML:Attachment>")
    assert edxml.read(child).attachments[0].data == LARGE
    # The same text inside a CDATA section of the content, after what looks like an attachment's start tag.
    cdata = "<edXML:Attachment>" + text.decode() + "<x"
    in_content = data.replace(b"<edXML:Content>N", b"<edXML:Content><![CDATA[" + cdata.encode() + b"]]>N")
    assert edxml.read(in_content).content == cdata + "Nội dung kết luận"
    # A package holding the marker text itself is parsed whole.
    marked = data.replace(b"<edXML:AttachmentEncoded>",
                          b"<edXML:AttachmentEncoded><!-- " + edxml._CUT_MARKER + b"0 -->")
    cuts: dict = {}
    edxml._parse(marked, cuts)
    assert cuts == {} and edxml.read(marked).attachments[0].data == LARGE


def test_a_malformed_package_with_a_large_attachment_names_the_line_as_before():
    text = base64.b64encode(LARGE)
    wrapped = b"\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    data = _large_package_bytes().replace(text, wrapped).replace(b"</edXML:AttachmentEncoded>",
                                                                 b"</edXML:AttachmentEncode>")
    with pytest.raises(edxml.etree.XMLSyntaxError) as parsed:
        edxml.etree.fromstring(data, edxml._parser())
    error = _refusal(data)
    assert parsed.value.lineno > 200
    assert error.element == "xml" and f"(dòng {parsed.value.lineno})" in error.message
