"""Checking an uploaded file before anything is stored: its content, its size and its name.

The type is judged by the first bytes of the content (magic numbers), never by the extension or the
Content-Type the client sent: PDF, PNG, JPEG, TIFF, and Office Open XML documents (.docx, .xlsx — a ZIP
archive whose members say which). Anything else — executables, HTML, scripts, other archives — is refused.
The name is only displayed: path parts, control characters and NUL are refused, and the stored name is
random (``models.document_path``).
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings

from tinhso.dossiers.errors import UploadRejected

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ACCEPTED_LABEL = "PDF, PNG, JPEG, TIFF, Word (.docx) hoặc Excel (.xlsx)"
MAX_NAME_LENGTH = 200


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
    """A ZIP is accepted only as a Word or Excel document: it has [Content_Types].xml and the main part."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def clean_name(name: str | None) -> str:
    """The name to display, or :class:`UploadRejected` when the name tries to be a path or hides bytes."""
    if not name or not name.strip():
        raise UploadRejected("Tệp tải lên phải có tên.", "The file has no name.", field="file")
    if any(unicodedata.category(ch) == "Cc" for ch in name) or "\x00" in name:
        raise UploadRejected("Tên tệp chứa ký tự điều khiển không hợp lệ.",
                             "The file name contains control characters.", field="file")
    if "/" in name or "\\" in name or name.strip() in (".", "..") or (len(name) > 1 and name[1] == ":"):
        raise UploadRejected(
            "Tên tệp không được chứa đường dẫn (“/”, “\\”, “..” hoặc ổ đĩa); hãy đổi tên tệp rồi tải lại.",
            "The file name must not contain a path.", field="file",
        )
    cleaned = unicodedata.normalize("NFC", name.strip()).lstrip(".")
    if not cleaned:
        raise UploadRejected("Tên tệp không hợp lệ.", "Invalid file name.", field="file")
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: MAX_NAME_LENGTH - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 \
            else cleaned[:MAX_NAME_LENGTH]
    return cleaned


def validate_upload(upload, *, max_bytes: int | None = None) -> ValidatedUpload:
    """Check ``upload`` (a Django ``UploadedFile`` or any file object with ``name``) and return its
    content with the cleaned name, detected type, size and SHA-256; raises :class:`UploadRejected`."""
    limit = settings.TINHSO_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    display_name = clean_name(getattr(upload, "name", None))
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
    return ValidatedUpload(display_name, content_type, len(content), hashlib.sha256(content).hexdigest(), content)


def _too_large(limit: int) -> UploadRejected:
    megabytes = limit / (1024 * 1024)
    shown = f"{megabytes:g} MB" if megabytes >= 1 else f"{limit} byte"
    return UploadRejected(f"Tệp vượt quá dung lượng cho phép ({shown}).",
                          f"The file exceeds the size limit ({shown}).", field="file")
