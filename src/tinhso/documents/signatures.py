"""PAdES signatures on documents' PDFs (pyHanko): sign an outgoing PDF with the agency's key, verify an
incoming one.

Signing goes through one interface, :func:`load_signer`: a PKCS#12 file (``pkcs12:/path/to/file.p12``) or a
PKCS#11 token (``pkcs11:/path/to/module.so#token-label#key-label``), with the passphrase or PIN apart. The
visible signature block sits at the foot of the last page on the right, where NĐ 30 Phụ lục I places the
signer's block; an RFC 3161 timestamp is added when a timestamp authority is configured
(``common.timestamps``).

Verification never raises: the verdict is ``valid`` (intact, the signature checks and the certificate
chains to a root of the platform's trusted list), ``unknown_signer`` (intact and correct, but the
certificate does not chain to a trusted root), ``invalid`` (the document changed after signing or the
signature does not check), ``unverifiable`` (the file or signature cannot be read), or ``none``.
"""

from __future__ import annotations

import datetime
import functools
import io
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

FIELD_NAME = "ChuKyCoQuan"
# A4 is 595 × 842 pt: the block sits above the bottom margin, on the right half (Phụ lục I, ô số 7).
SIGNATURE_BOX = (330, 60, 560, 160)


class SigningError(Exception):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


@dataclass(frozen=True)
class Verdict:
    verdict: str
    signer: str = ""
    signed_at: datetime.datetime | None = None
    reason: str = ""


def load_signer(source: str, secret: bytes | str | None = None):
    """The agency's signer: ``pkcs12:<file>`` or ``pkcs11:<module>#<token label>#<key label>``."""
    from pyhanko.sign import signers

    kind, _, rest = source.partition(":")
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    if kind == "pkcs12":
        try:
            signer = signers.SimpleSigner.load_pkcs12(rest, passphrase=secret_bytes)
        except (OSError, ValueError):
            signer = None
        if signer is None:
            raise SigningError("Không mở được tệp PKCS#12 (sai mật khẩu hoặc tệp hỏng).",
                               "Could not open the PKCS#12 file (wrong passphrase or damaged file).")
        return signer
    if kind == "pkcs11":
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11

        module, _, labels = rest.partition("#")
        token_label, _, key_label = labels.partition("#")
        try:
            session = pkcs11.open_pkcs11_session(module, token_criteria=TokenCriteria(label=token_label or None),
                                                 user_pin=secret_bytes.decode() if secret_bytes else None)
            # the chain comes from the token (``other_certs_to_pull=None``: every certificate on it), as the
            # tokens of the licensed CAs carry it; ECDSA is signed with the raw mechanism, which every token that
            # does ECDSA has (hash-then-sign ECDSA often is not)
            signer = pkcs11.PKCS11Signer(session, key_label=key_label or None, cert_label=key_label or None,
                                         other_certs_to_pull=None)
            if signer.signing_cert.public_key.algorithm == "ec":
                signer = pkcs11.PKCS11Signer(session, key_label=key_label or None, cert_label=key_label or None,
                                             other_certs_to_pull=None, use_raw_mechanism=True)
        except Exception as error:  # the token's library raises its own kinds (no token, wrong PIN, locked)
            logger.warning("PKCS#11 token %s could not be opened: %s", token_label, type(error).__name__)
            raise SigningError("Không mở được thiết bị ký số (token) của cơ quan: kiểm tra token và mã PIN.",
                               "Could not open the agency's signing token: check the token and its PIN.") from None
        return signer
    raise SigningError(f"Nguồn khóa ký “{kind}” không được hỗ trợ (pkcs12: hoặc pkcs11:).",
                       f"Unsupported signing key source “{kind}” (pkcs12: or pkcs11:).")


def release(signer) -> None:
    """Close a token's session (logging out), so that the next signing in this process logs in afresh; a key
    held in memory (PKCS#12) has nothing to release."""
    session = getattr(signer, "pkcs11_session", None)
    if session is not None:
        try:
            session.close()
        except Exception as error:  # a token pulled out meanwhile: nothing left to close
            logger.warning("PKCS#11 session could not be closed: %s", type(error).__name__)


def signer_from_pkcs12(data: bytes, passphrase: bytes | None):
    """A signer from PKCS#12 bytes (what an administrator uploads)."""
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=None, passphrase=passphrase)
    except (ValueError, TypeError):
        signer = None
    if signer is None:
        raise SigningError("Không mở được tệp PKCS#12 (sai mật khẩu hoặc tệp hỏng).",
                           "Could not open the PKCS#12 file (wrong passphrase or damaged file).")
    return signer


def _outside_event_loop(function, *args, **kwargs):
    """pyHanko's sync calls run their own event loop: when this thread already runs one (an async view, a
    browser driver), call them from a thread of their own."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


STAMP_FONTS = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
               "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
               "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


def sign_pdf(data: bytes, signer, *, signer_name: str = "", location: str = "", timestamp_url: str | None = None,
             notation: str = "", agency: str = "") -> bytes:
    """``data`` signed (PAdES baseline), with the visible block on the last page; timestamped when a
    timestamp authority is configured (or ``timestamp_url`` given)."""
    return _outside_event_loop(_sign_pdf, data, signer, signer_name=signer_name, location=location,
                               timestamp_url=timestamp_url, notation=notation, agency=agency)


def stamp_lines(signer, *, agency: str = "", notation: str = "") -> str:
    """The visible block's text (NĐ 30 Phụ lục I: the agency that signs and the moment, in Vietnam's time with
    its offset as ISO 8601 writes it; the number and notation when the document has them). ``%(ts)s`` is
    filled by the signing library with the signing moment."""
    subject = signer.signing_cert.subject.native
    name = agency or subject.get("organization_name") or subject.get("common_name") or ""
    lines = [f"Ký bởi: {name}"]
    if notation:
        lines.append(f"Số, ký hiệu: {notation}")
    lines.append("Thời gian ký: %(ts)s")
    return "\n".join(lines)


# Latin, Latin-1, Latin Extended-A/B, the Vietnamese letters of Latin Extended Additional, punctuation, digits.
STAMP_UNICODES = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x1EA0, 0x1EFA), *range(0x2010, 0x2027), 0x20AB]


@functools.lru_cache(maxsize=1)
def stamp_font() -> str | None:
    """The stamp's font: the first installed of ``STAMP_FONTS`` cut down once per process to the letters
    Vietnamese needs (parsing the whole font took most of each signature's time), or None."""
    import hashlib
    import os
    import tempfile

    from fontTools import subset, ttLib

    source = next((path for path in STAMP_FONTS if os.path.exists(path)), None)
    if source is None:
        return None
    stat = os.stat(source)
    key = hashlib.sha256(f"{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    target = os.path.join(tempfile.gettempdir(), f"tinhso-stamp-{key}.ttf")
    if not os.path.exists(target):
        options = subset.Options()
        options.layout_features = ["kern"]
        options.name_IDs = ["*"]
        font = ttLib.TTFont(source)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=STAMP_UNICODES)
        subsetter.subset(font)
        handle, partial = tempfile.mkstemp(suffix=".ttf", dir=tempfile.gettempdir())
        with os.fdopen(handle, "wb") as out:
            font.save(out)
        os.replace(partial, target)
    return target


def _stamp_style(signer, *, agency: str, notation: str):
    """A text stamp in a font with Vietnamese glyphs (Noto Sans from the distribution), or pyHanko's default
    block when no such font is installed."""
    from pyhanko import stamp
    from pyhanko.pdf_utils import text
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    font = stamp_font()
    if font is None:
        return None
    return stamp.TextStampStyle(
        stamp_text=stamp_lines(signer, agency=agency, notation=notation),
        text_box_style=text.TextBoxStyle(font=GlyphAccumulatorFactory(font), font_size=9),
        timestamp_format="%H:%M:%S %d/%m/%Y %z", border_width=1)


def _sign_pdf(data: bytes, signer, *, signer_name: str, location: str, timestamp_url: str | None,
              notation: str = "", agency: str = "") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers

    from tinhso.common import timestamps

    try:
        pages = int(PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Count"])
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
    except Exception as error:
        raise SigningError("Tệp không phải PDF đọc được để ký.", "The file is not a readable PDF to sign.") from error
    stamper = timestamps.timestamper(timestamp_url) if (timestamp_url or timestamps.configured()) else None
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, name=signer_name or None, location=location or None,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec(FIELD_NAME, box=SIGNATURE_BOX, on_page=max(pages - 1, 0))
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=stamper, new_field_spec=spec,
                                   stamp_style=_stamp_style(signer, agency=agency, notation=notation))
    output = pdf_signer.sign_pdf(writer)
    return output.getvalue()


def check_signing_certificate(signer, at: datetime.datetime | None = None) -> None:
    """Refuse a certificate that is not valid now (expired or not yet valid): a signature made with it would
    never verify."""
    validity = signer.signing_cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    at = at or datetime.datetime.now(datetime.UTC)
    if at > not_after:
        raise SigningError(f"Chứng thư số đã hết hạn ngày {not_after:%d/%m/%Y}.",
                           f"The certificate expired on {not_after:%d/%m/%Y}.")
    if at < not_before:
        raise SigningError(f"Chứng thư số chỉ có hiệu lực từ ngày {not_before:%d/%m/%Y}.",
                           f"The certificate is only valid from {not_before:%d/%m/%Y}.")


def verify_pdf(data: bytes, trusted_roots: list[bytes]) -> Verdict:
    """The verdict on the last signature of ``data``; ``trusted_roots`` are DER or PEM certificates."""
    return _outside_event_loop(_verify_pdf, data, trusted_roots)


def _verify_pdf(data: bytes, trusted_roots: list[bytes]) -> Verdict:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not data.startswith(b"%PDF"):
        return Verdict("none")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:
        return Verdict("unverifiable", reason=f"không đọc được tệp PDF: {type(error).__name__}")
    if not signatures:
        return Verdict("none")
    signature = signatures[-1]
    try:
        context = ValidationContext(trust_roots=[_certificate(root) for root in trusted_roots], allow_fetching=False)
        status = validate_pdf_signature(signature, context)
    except Exception as error:
        return Verdict("unverifiable", reason=f"không kiểm tra được chữ ký: {type(error).__name__}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    signed_at = status.signer_reported_dt
    if status.timestamp_validity is not None and status.timestamp_validity.timestamp:
        signed_at = status.timestamp_validity.timestamp
    if not status.intact or not status.valid:
        return Verdict("invalid", signer, signed_at, "tài liệu đã bị thay đổi sau khi ký hoặc chữ ký sai")
    if not status.trusted:
        return Verdict("unknown_signer", signer, signed_at, "chứng thư không chuỗi tới CA tin cậy")
    if not status.docmdp_ok and status.docmdp_ok is not None:
        return Verdict("invalid", signer, signed_at, "tài liệu được sửa đổi ngoài phạm vi cho phép sau khi ký")
    return Verdict("valid", signer, signed_at)


def _certificate(data: bytes):
    from asn1crypto import pem, x509

    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def trusted_roots() -> list[bytes]:
    """The platform's trusted list: the certificates of ``DOCUMENTS_TRUSTED_ROOTS`` (PEM files, separated by
    the path separator) and the gateway's trusted authorities."""
    import os

    from django.conf import settings

    roots: list[bytes] = []
    for path in filter(None, settings.TINHSO_DOCUMENTS_TRUSTED_ROOTS.split(os.pathsep)):
        try:
            roots.append(open(path, "rb").read())  # noqa: SIM115 — a small file read once
        except OSError:
            logger.warning("documents: cannot read trusted root %s", path)
    from tinhso.exchange.models import CertificateAuthority

    roots += [authority.certificate_pem.encode() for authority in CertificateAuthority.objects.all()
              if authority.certificate_pem]
    return roots
