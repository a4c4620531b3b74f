"""Checking an uploaded file before anything is stored: its content, its size and its name.

The type is judged by the first bytes of the content (magic numbers), never by the extension or the
Content-Type the client sent: PDF, PNG, JPEG, TIFF, and Office Open XML documents (.docx, .xlsx — a ZIP
archive whose members say which). Anything else — executables, HTML, scripts, other archives — is refused,
and so are files that are two things at once: HTML within the part of a file a browser sniffs, a PNG with
bytes after its end, a PDF with bytes after its last ``%%EOF``. An Office file's ZIP is inspected without
unpacking it: too many entries, or more uncompressed bytes than ``MAX_UNPACKED_BYTES`` (a "ZIP bomb"), is
refused.

The name is judged as the client sent it (``raw_name``, kept by ``common.middleware``, before Django strips
path parts and control characters): path parts, control characters (NUL, CR, LF, ESC, DEL…), bidirectional
controls (U+202E makes ``hoa-don\u202efdp.exe`` show as ``hoa-donexe.pdf``) and names longer than
``MAX_NAME_LENGTH`` are refused, never silently renamed. Where a file is kept, its stored name is random
(e.g. ``dossiers.models.document_path``).
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings

from tinhso.common.inputs import InputError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ACCEPTED_LABEL = "PDF, PNG, JPEG, TIFF, Word (.docx) hoặc Excel (.xlsx)"
MAX_NAME_LENGTH = 200
# An Office document of a dossier holds a few hundred parts; its content unpacks to tens of megabytes.
MAX_ZIP_ENTRIES = 2000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Browsers sniff the first 512 bytes for HTML; a wider window costs nothing.
SNIFF_WINDOW = 4096
_HTML_MARKERS = (b"<html", b"<script", b"<body", b"<head", b"<!doctype html", b"<iframe", b"<svg", b"<object",
                 b"<embed", b"<meta", b"<a href", b"<img", b"<form", b"<style", b"<link", b"<base", b"<title")
# Bidirectional formatting characters reorder what a person reads (Unicode TR 9; CVE-2021-42574).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class UploadRejected(InputError):
    """An uploaded file refused by type, size or name; nothing was stored (400, on the form's file field)."""

    status = 400

    def __init__(self, message: str, message_en: str, field: str = "file"):
        super().__init__(message, message_en, field)


@dataclass(frozen=True)
class ValidatedUpload:
    display_name: str
    content_type: str
    size: int
    checksum: str
    content: bytes = b""


def detect_content_type(head: bytes, content: bytes) -> str | None:
    """The accepted type the content is, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(content)
    return None


def _ooxml_type(content: bytes) -> str | None:
    """A ZIP is accepted only as a Word or Excel document: it has [Content_Types].xml and the main part,
    a bounded number of entries and a bounded unpacked size (read from its directory, nothing unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        return None
    if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise UploadRejected(
            "Tệp Word/Excel có cấu trúc bất thường (quá nhiều thành phần hoặc giải nén ra quá lớn) nên không "
            "được nhận.", "The Office file unpacks to too many parts or too many bytes.", field="file")
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_polyglot(content: bytes, content_type: str) -> bool:
    """Whether the file is also something a browser would run: HTML where it sniffs, or bytes hidden after
    the format's end (PNG's IEND chunk, the last ``%%EOF`` of a PDF)."""
    window = content[:SNIFF_WINDOW].lower()
    if any(marker in window for marker in _HTML_MARKERS):
        return True
    if content_type == PNG:
        end = content.rfind(b"IEND")
        return end >= 0 and content[end + 8:].strip(b"\x00") != b""  # chunk type + CRC, then nothing
    if content_type == PDF:
        end = content.rfind(b"%%EOF")
        return end >= 0 and content[end + 5:].strip(b"\r\n\t \x00") != b""
    return False


def clean_name(name: str | None) -> str:
    """The name to display, or :class:`UploadRejected` when the name tries to be a path or hides bytes."""
    if not name or not name.strip():
        raise UploadRejected("Tệp tải lên phải có tên.", "The file has no name.", field="file")
    if any(unicodedata.category(ch) == "Cc" for ch in name) or "\x00" in name:
        raise UploadRejected("Tên tệp chứa ký tự điều khiển không hợp lệ.",
                             "The file name contains control characters.", field="file")
    if any(ch in '<>"|?*' for ch in name):
        raise UploadRejected("Tên tệp không được chứa các ký tự < > \" | ? *; hãy đổi tên tệp rồi tải lại.",
                             "The file name must not contain < > \" | ? *.", field="file")
    if any(ch in _BIDI_CONTROLS for ch in name) or any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        raise UploadRejected(
            "Tên tệp chứa ký tự đảo chiều hiển thị (ví dụ U+202E) làm tên hiện khác tên thật; hãy đổi tên tệp.",
            "The file name contains bidirectional control characters that disguise it.", field="file")
    if len(name.strip()) > MAX_NAME_LENGTH:
        raise UploadRejected(f"Tên tệp dài quá {MAX_NAME_LENGTH} ký tự; hãy đặt tên ngắn hơn rồi tải lại.",
                             f"The file name is longer than {MAX_NAME_LENGTH} characters.", field="file")
    if "/" in name or "\\" in name or name.strip() in (".", "..") or (len(name) > 1 and name[1] == ":"):
        raise UploadRejected(
            "Tên tệp không được chứa đường dẫn (“/”, “\\”, “..” hoặc ổ đĩa); hãy đổi tên tệp rồi tải lại.",
            "The file name must not contain a path.", field="file",
        )
    cleaned = unicodedata.normalize("NFC", name.strip()).lstrip(".")
    if not cleaned:
        raise UploadRejected("Tên tệp không hợp lệ.", "Invalid file name.", field="file")
    return cleaned


def validate_upload(upload, *, max_bytes: int | None = None) -> ValidatedUpload:
    """Check ``upload`` (a Django ``UploadedFile`` or any file object with ``name``) and return its
    content with the cleaned name, detected type, size and SHA-256; raises :class:`UploadRejected`."""
    limit = settings.TINHSO_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    # The name as the client sent it: Django's parser has already stripped path parts from ``name``.
    display_name = clean_name(getattr(upload, "raw_name", None) or getattr(upload, "name", None))
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    if not content:
        raise UploadRejected("Tệp tải lên rỗng.", "The file is empty.", field="file")
    content_type = detect_content_type(content[:16], content)
    if content_type is None:
        raise UploadRejected(
            f"Nội dung tệp “{display_name}” không phải định dạng được chấp nhận ({ACCEPTED_LABEL}). "
            "Hệ thống kiểm tra nội dung tệp, không dựa vào phần mở rộng.",
            "The file's content is not an accepted type (PDF, PNG, JPEG, TIFF, DOCX, XLSX).", field="file",
        )
    if _is_polyglot(content, content_type):
        raise UploadRejected(
            f"Tệp “{display_name}” chứa nội dung khác (HTML, mã lệnh hoặc dữ liệu sau phần kết thúc của định "
            "dạng) nên không được nhận; hãy lưu lại tệp từ phần mềm gốc rồi tải lên.",
            "The file is also something else (HTML, script or bytes after the end of its format).", field="file")
    return ValidatedUpload(display_name, content_type, len(content), hashlib.sha256(content).hexdigest(), content)


def _too_large(limit: int) -> UploadRejected:
    megabytes = limit / (1024 * 1024)
    shown = f"{megabytes:g} MB" if megabytes >= 1 else f"{limit} byte"
    return UploadRejected(f"Tệp vượt quá dung lượng cho phép ({shown}).",
                          f"The file exceeds the size limit ({shown}).", field="file")
