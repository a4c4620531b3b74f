"""Members' TLS client certificates: reading them, and judging the one a caller presents.

A caller proves which member it is with the TLS client certificate of its connection (PR-REST §4.7: mutual
TLS between information systems and the gateway). The certificate reaches the application in one of two
ways: straight from the TLS socket when gunicorn terminates TLS itself (``tinhso.exchange.tls_server``),
or, behind a TLS-terminating proxy, in a header the proxy sets (``EXCHANGE_CLIENT_CERT_HEADER``, believed
only from ``EXCHANGE_TRUSTED_PROXIES``; nginx: ``ssl_verify_client optional_no_ca`` and
``proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert``).

It is accepted when it is registered to a member, within its validity period, not revoked by an
administrator, issued by a CA the platform trusts (its signature checked), and not listed on that CA's
certificate revocation list as the platform last fetched it. A CA whose list has expired (past its
``nextUpdate``) fails closed: the gateway cannot tell revoked certificates apart, which is its own fault
(``Server.ServerProxy.OutdatedRevocationList``), not the caller's.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from tinhso.exchange import protocol
from tinhso.exchange.protocol import XRoadError


class CertificateError(ValueError):
    """A file or text that is not a usable certificate (or CRL); ``message`` is Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def load_certificate(data: bytes | str) -> x509.Certificate:
    """One X.509 certificate from PEM or DER."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_certificate(raw)
        return x509.load_der_x509_certificate(raw)
    except ValueError:
        raise CertificateError("Không đọc được chứng thư số (cần định dạng PEM hoặc DER của X.509).") from None


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise CertificateError("Không đọc được danh sách chứng thư bị thu hồi (CRL, dạng PEM hoặc DER).") from None


def pem_of(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def name_of(name: x509.Name) -> str:
    return name.rfc4514_string()[:500]


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def not_before(certificate: x509.Certificate) -> datetime.datetime:
    return certificate.not_valid_before_utc


def not_after(certificate: x509.Certificate) -> datetime.datetime:
    return certificate.not_valid_after_utc


def issued_by(certificate: x509.Certificate, authority: x509.Certificate) -> bool:
    """Whether ``authority`` signed ``certificate`` (names and signature)."""
    if certificate.issuer != authority.subject:
        return False
    try:
        certificate.verify_directly_issued_by(authority)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def check_crl(crl: x509.CertificateRevocationList, authority: x509.Certificate) -> None:
    """Refuse a CRL that ``authority`` did not sign."""
    if crl.issuer != authority.subject or not crl.is_signature_valid(authority.public_key()):
        raise CertificateError("Danh sách thu hồi không do tổ chức cấp chứng thư này ký.")


# -- the certificate a caller presents ---------------------------------------------------------------------

@lru_cache(maxsize=2048)
def _from_header(value: str) -> x509.Certificate | None:
    text = unquote(value.strip())
    if not text or text == "(null)":
        return None
    if "-----BEGIN" not in text:
        return None
    # Some proxies fold the PEM onto one line with spaces instead of new lines.
    if "\n" not in text:
        _head, _, rest = text.partition("-----BEGIN CERTIFICATE-----")
        body, _, _tail = rest.partition("-----END CERTIFICATE-----")
        text = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body.split()) + "\n-----END CERTIFICATE-----\n"
    try:
        return load_certificate(text)
    except CertificateError:
        return None


@lru_cache(maxsize=2048)
def _from_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def presented_certificate(request) -> x509.Certificate | None:
    """The client certificate of the caller's TLS connection, or None when it presented none."""
    sock = request.META.get("gunicorn.socket")
    getpeercert = getattr(sock, "getpeercert", None)
    if getpeercert is not None:
        try:
            der = getpeercert(binary_form=True)
        except (ValueError, OSError):
            der = None
        if der:
            return _from_der(der)
    header = settings.TINHSO_EXCHANGE_CLIENT_CERT_HEADER
    if header and request.META.get("REMOTE_ADDR") in settings.TINHSO_EXCHANGE_TRUSTED_PROXIES:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            return _from_header(value)
    return None


@dataclass(frozen=True)
class Refusal:
    """Why a certificate was refused: Vietnamese and English."""

    message: str
    message_en: str

    def error(self) -> XRoadError:
        return XRoadError(protocol.SSL_AUTHENTICATION_FAILED, self.message, self.message_en)
