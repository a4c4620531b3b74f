"""RFC 3161 timestamps: ask a timestamp authority to vouch that a digest existed at a moment, and check it.

A token proves, by the authority's signature, that whoever asked held the data with this digest no later
than the token's time. The audit chain's seals, the gateway's message-log seals and PAdES signatures use
this one client::

    stamp = timestamps.request(hashlib.sha256(data).digest())      # the configured TSA (TSA_URL)
    stamp.token                 # DER ContentInfo to keep beside the data
    stamp.time, stamp.serial_number, stamp.tsa
    timestamps.verify(stamp.token, hashlib.sha256(data).digest())   # raises TimestampInvalid if not sound

:func:`verify` checks the token's signature over the ``TSTInfo`` (content type, message digest, ESS
signing certificate), that its imprint is the digest given, and that the signing certificate is a
time-stamping certificate valid at the token's time that chains to one of the trusted roots
(``TSA_TRUSTED_ROOTS``, a PEM file), not revoked on any CRL given. Certificate path validation is
``pyhanko-certvalidator``'s (RFC 5280). :func:`timestamper` hands pyHanko a ``TimeStamper`` for the same
authority, for signatures that embed a timestamp (PAdES).

Failures are exceptions whose ``message`` a person can read (Vietnamese, with the English in brackets):
:class:`TimestampUnavailable` (network, HTTP, the authority is down), :class:`TimestampRejected` (the
authority refused: status and failure info), :class:`TimestampInvalid` (a token that does not hold).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime
import hashlib
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, core, pem, tsp
from asn1crypto import x509 as asn1_x509
from django.conf import settings

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY = 256 * 1024
HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2 ``TimeStampResp``: the token is absent when the status is a refusal (asn1crypto's
    own class makes it mandatory, so a refusal could be neither written nor read with it)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimestampError(Exception):
    """A timestamp could not be had or does not hold; ``message`` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TimestampUnavailable(TimestampError):
    """The authority could not be reached or did not answer with a timestamp reply."""


class TimestampRejected(TimestampError):
    """The authority answered with a refusal (RFC 3161 PKIStatus rejection/waiting/revocation…)."""

    def __init__(self, message: str, status: str, failure: tuple[str, ...] = ()):
        super().__init__(message)
        self.status = status
        self.failure = failure


class TimestampInvalid(TimestampError):
    """A token whose signature, imprint, certificate or chain does not hold."""


@dataclass(frozen=True)
class Timestamp:
    """A timestamp token and what it says."""

    token: bytes  # DER ContentInfo(SignedData(TSTInfo)): what to keep
    time: datetime.datetime  # genTime, aware (UTC)
    serial_number: int
    policy: str
    hash_algorithm: str
    digest: bytes
    tsa: str  # the signing certificate's subject, readable
    accuracy: datetime.timedelta | None = None
    nonce: int | None = None

    @property
    def token_base64(self) -> str:
        return base64.b64encode(self.token).decode()


def configured() -> bool:
    """Whether a timestamp authority is configured (``TSA_URL``)."""
    return bool(getattr(settings, "TINHSO_TSA_URL", ""))


def digest_of(data: bytes, hash_algorithm: str = "sha256") -> bytes:
    return HASHES[hash_algorithm](data).digest()


def request(digest: bytes, *, hash_algorithm: str = "sha256", url: str | None = None,
            timeout: float | None = None, policy: str | None = None,
            trusted_roots: Iterable[bytes] | None = None, crls: Iterable[bytes] = ()) -> Timestamp:
    """Ask the authority for a token over ``digest`` and return it verified (:func:`verify`).

    A fresh nonce ties the answer to this request; ``policy`` (default ``TSA_POLICY``, if set) is the
    policy the token must carry."""
    if hash_algorithm not in HASHES:
        raise ValueError(f"unsupported hash algorithm {hash_algorithm!r}")
    if len(digest) != HASHES[hash_algorithm]().digest_size:
        raise ValueError(f"a {hash_algorithm} digest is {HASHES[hash_algorithm]().digest_size} bytes")
    url = url or getattr(settings, "TINHSO_TSA_URL", "")
    if not url:
        raise TimestampUnavailable("Chưa cấu hình máy chủ cấp dấu thời gian (TSA_URL is not set).")
    policy = policy if policy is not None else (getattr(settings, "TINHSO_TSA_POLICY", "") or None)
    nonce = secrets.randbits(63)
    query = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": hash_algorithm}, "hashed_message": digest},
        "nonce": nonce,
        "cert_req": True,
    }
    if policy:
        query["req_policy"] = policy
    body = _post(url, tsp.TimeStampReq(query).dump(),
                 timeout if timeout is not None else float(getattr(settings, "TINHSO_TSA_TIMEOUT", 10)))
    try:
        reply = TimeStampResp.load(body)
        status = reply["status"]["status"].native
    except (ValueError, TypeError) as error:
        raise TimestampUnavailable(f"Câu trả lời của máy chủ dấu thời gian không đọc được "
                                   f"(malformed TimeStampResp: {error}).") from None
    if status not in {"granted", "granted_with_mods"}:
        texts = reply["status"]["status_string"].native or []
        failure = tuple(sorted(reply["status"]["fail_info"].native or ()))
        detail = "; ".join([*texts, *failure]) or status
        raise TimestampRejected(f"Máy chủ dấu thời gian từ chối yêu cầu (TSA refused: {status}: {detail}).",
                                status, failure)
    token = reply["time_stamp_token"].dump()
    stamp = verify(token, digest, hash_algorithm=hash_algorithm, trusted_roots=trusted_roots, crls=crls)
    if stamp.nonce != nonce:
        raise TimestampInvalid("Dấu thời gian không trả lời đúng yêu cầu này (nonce mismatch).")
    if policy and stamp.policy != policy:
        raise TimestampInvalid(f"Dấu thời gian theo chính sách {stamp.policy}, không phải {policy} "
                               f"(policy mismatch).")
    return stamp


def stamp(data: bytes, **options) -> Timestamp:
    """A verified token over the SHA-256 digest of ``data``."""
    return request(digest_of(data, options.pop("hash_algorithm", "sha256")), **options)


def parse(token: bytes) -> Timestamp:
    """What a token says, WITHOUT checking it (for display; use :func:`verify` to rely on it)."""
    signed_data, info = _open(token)
    signer = _signer_certificate(signed_data)
    accuracy = info["accuracy"]
    if accuracy.native:
        parts = accuracy.native
        accuracy_delta = datetime.timedelta(seconds=parts.get("seconds") or 0,
                                            milliseconds=parts.get("millis") or 0,
                                            microseconds=parts.get("micros") or 0)
    else:
        accuracy_delta = None
    return Timestamp(
        token=token,
        time=info["gen_time"].native.astimezone(datetime.UTC),
        serial_number=info["serial_number"].native,
        policy=info["policy"].native,
        hash_algorithm=info["message_imprint"]["hash_algorithm"]["algorithm"].native,
        digest=info["message_imprint"]["hashed_message"].native,
        tsa=signer.subject.human_friendly if signer is not None else "",
        accuracy=accuracy_delta,
        nonce=info["nonce"].native,
    )


def verify(token: bytes, digest: bytes, *, hash_algorithm: str | None = None,
           trusted_roots: Iterable[bytes] | None = None, crls: Iterable[bytes] = ()) -> Timestamp:
    """Check a token over ``digest``; return what it says, or raise :class:`TimestampInvalid`.

    The signing certificate must be valid at the token's time, carry the time-stamping extended key
    usage and chain to ``trusted_roots`` (PEM or DER; default: the ``TSA_TRUSTED_ROOTS`` file). A CRL
    in ``crls`` that revokes it before that time makes the token invalid (RFC 3161 §4: a revocation
    after the token was made does not)."""
    try:
        stamp = parse(token)
    except TimestampInvalid:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise TimestampInvalid(f"Dấu thời gian không đọc được (malformed token: {error}).") from None
    if hash_algorithm is not None and stamp.hash_algorithm != hash_algorithm:
        raise TimestampInvalid(f"Dấu thời gian dùng thuật toán băm {stamp.hash_algorithm}, không phải "
                               f"{hash_algorithm} (hash algorithm mismatch).")
    if stamp.digest != digest:
        raise TimestampInvalid("Dấu thời gian không khớp với dữ liệu: dữ liệu đã bị thay đổi "
                               "(message imprint mismatch).")
    roots = list(trusted_roots) if trusted_roots is not None else configured_roots()
    if not roots:
        raise TimestampInvalid("Chưa có chứng thư gốc tin cậy để kiểm tra dấu thời gian "
                               "(no trusted roots: set TSA_TRUSTED_ROOTS).")
    signed_data, _ = _open(token)
    status = _run(_validate(signed_data, digest, stamp.time, roots, list(crls)))
    if not status["intact"] or not status["valid"]:
        raise TimestampInvalid("Chữ ký của dấu thời gian không hợp lệ: token đã bị sửa "
                               "(timestamp signature does not verify).")
    problem = status["trust_problem_indic"]
    if problem is not None:
        raise TimestampInvalid(f"Chứng thư của máy chủ dấu thời gian không được tin cậy hoặc đã bị thu hồi "
                               f"(TSA certificate not trusted: {getattr(problem, 'name', problem)}).")
    return stamp


def configured_roots() -> list[bytes]:
    """The certificates in the ``TSA_TRUSTED_ROOTS`` PEM file (empty when unset)."""
    path = getattr(settings, "TINHSO_TSA_TRUSTED_ROOTS", "")
    if not path:
        return []
    return list(_certificates(Path(path).read_bytes()))


def timestamper(url: str | None = None, timeout: float | None = None):
    """A pyHanko ``TimeStamper`` for the configured authority (for PAdES signatures with a timestamp)."""
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    url = url or getattr(settings, "TINHSO_TSA_URL", "")
    if not url:
        raise TimestampUnavailable("Chưa cấu hình máy chủ cấp dấu thời gian (TSA_URL is not set).")
    url, auth = _split_credentials(url)
    return RequestsHTTPTimeStamper(
        url, timeout=timeout if timeout is not None else float(getattr(settings, "TINHSO_TSA_TIMEOUT", 10)),
        auth=auth)


# --- internals ------------------------------------------------------------------------------------------
def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urllib.parse.urlsplit(url)
    if not parts.username:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))


def _post(url: str, body: bytes, timeout: float) -> bytes:
    url, auth = _split_credentials(url)
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise TimestampUnavailable(f"Địa chỉ máy chủ dấu thời gian không hợp lệ (TSA_URL must be http(s): {url}).")
    headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - scheme checked
            kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            payload = response.read(MAX_REPLY + 1)
    except urllib.error.HTTPError as error:
        raise TimestampUnavailable(f"Máy chủ dấu thời gian trả lỗi HTTP {error.code} (TSA HTTP error).") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TimestampUnavailable(f"Không kết nối được máy chủ dấu thời gian (TSA unreachable: {reason}).") \
            from None
    if kind != REPLY_TYPE:
        raise TimestampUnavailable(f"Máy chủ dấu thời gian trả về {kind or 'không rõ'}, không phải {REPLY_TYPE} "
                                   f"(unexpected content type).")
    if len(payload) > MAX_REPLY:
        raise TimestampUnavailable("Câu trả lời của máy chủ dấu thời gian quá lớn (reply too large).")
    return payload


def _open(token: bytes) -> tuple[cms.SignedData, tsp.TSTInfo]:
    info = cms.ContentInfo.load(token)
    if info["content_type"].native != "signed_data":
        raise TimestampInvalid("Dấu thời gian không phải là CMS SignedData (not a SignedData).")
    signed_data = info["content"]
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info":
        raise TimestampInvalid("Dấu thời gian không chứa TSTInfo (content is not a TSTInfo).")
    content = encapsulated["content"]
    tst_info = content.parsed if isinstance(content, core.ParsableOctetString) else None
    if not isinstance(tst_info, tsp.TSTInfo):
        raise TimestampInvalid("Dấu thời gian không chứa TSTInfo (content is not a TSTInfo).")
    tst_info.native  # noqa: B018 - parse every field now, so a malformed token fails here
    return signed_data, tst_info


def _signer_certificate(signed_data: cms.SignedData) -> asn1_x509.Certificate | None:
    signer = signed_data["signer_infos"][0]["sid"]
    for choice in signed_data["certificates"] or []:
        certificate = choice.chosen
        if not isinstance(certificate, asn1_x509.Certificate):
            continue
        if signer.name == "issuer_and_serial_number":
            wanted = signer.chosen
            if (certificate.issuer == wanted["issuer"]
                    and certificate.serial_number == wanted["serial_number"].native):
                return certificate
        elif certificate.key_identifier == signer.chosen.native:
            return certificate
    return None


def _certificates(data: bytes) -> Iterable[bytes]:
    if pem.detect(data):
        for kind, _, der in pem.unarmor(data, multiple=True):
            if kind == "CERTIFICATE":
                yield der
    else:
        yield data


async def _validate(signed_data, digest: bytes, moment: datetime.datetime, roots: list[bytes],
                    crls: list[bytes]) -> dict:
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    anchors = [asn1_x509.Certificate.load(der) for data in roots for der in _certificates(data)]
    context = ValidationContext(
        trust_roots=anchors, moment=moment, allow_fetching=False, revocation_mode="soft-fail",
        crls=[_der_crl(c) for c in crls], retroactive_revinfo=True,
    )
    return await validate_tst_signed_data(signed_data, context, expected_tst_imprint=lambda _algorithm: digest)


def _der_crl(data: bytes) -> bytes:
    if pem.detect(data):
        return pem.unarmor(data)[2]
    return data


def _run(coroutine):
    """Run a coroutine to completion from sync code, even when the caller is inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
