"""What the call path needs to decide a call, held in memory: members, certificates, trusted CAs with their
revocation lists, services and access rights.

The gateway answers many calls a second from several processes; it must not query five tables (or take any
lock) per call. Each process keeps one immutable :class:`Snapshot`, rebuilt in a handful of queries when it
is older than :data:`MAX_AGE` seconds or when this process saved one of those tables. A change made by an
administrator therefore takes effect at once in the process that saved it and within :data:`MAX_AGE`
seconds in the others; a revocation published on a CRL, as soon as the CRL is fetched.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field

from cryptography import x509
from django.utils import timezone

from tinhso.exchange import protocol
from tinhso.exchange.certificates import Refusal, fingerprint, issued_by, load_certificate, load_crl
from tinhso.exchange.identifiers import ClientId
from tinhso.exchange.protocol import XRoadError
from tinhso.exchange.registry import Endpoint

MAX_AGE = 10.0


@dataclass(frozen=True)
class MemberInfo:
    pk: int
    id: ClientId
    name: str
    agency_id: int | None
    active: bool
    local: bool
    address: str


@dataclass(frozen=True)
class CertificateInfo:
    pk: int
    member: ClientId
    revoked_at: datetime.datetime | None


@dataclass(frozen=True)
class AuthorityInfo:
    pk: int
    name: str
    certificate: x509.Certificate
    crl_url: str
    revoked_serials: frozenset[int] | None  # None: no CRL held
    crl_next_update: datetime.datetime | None


@dataclass(frozen=True)
class ServiceInfo:
    pk: int
    code: str
    title: str
    enabled: bool
    notice: str


@dataclass
class Snapshot:
    built_at: float
    members: dict[ClientId, MemberInfo]
    certificates: dict[str, CertificateInfo]
    authorities: tuple[AuthorityInfo, ...]
    services: dict[str, ServiceInfo]
    rights: dict[tuple[ClientId, str], tuple[Endpoint, ...]]
    # fingerprint → the trusted CA that signed it (None: none did); filled as certificates are seen.
    issuers: dict[str, AuthorityInfo | None] = field(default_factory=dict)

    def rights_of(self, client: ClientId) -> dict[str, tuple[Endpoint, ...]]:
        return {code: endpoints for (who, code), endpoints in self.rights.items() if who == client}


_lock = threading.Lock()
_current: Snapshot | None = None
_stale = False


def invalidate(*args, **kwargs) -> None:
    """Drop this process's snapshot (connected to saves of the tables it holds)."""
    global _stale
    _stale = True


def current() -> Snapshot:
    """This process's snapshot, rebuilt when stale. Readers never wait for a rebuild but the first."""
    global _current, _stale
    snapshot = _current
    if snapshot is not None and not _stale and time.monotonic() - snapshot.built_at < MAX_AGE:
        return snapshot
    with _lock:
        snapshot = _current
        if snapshot is None or _stale or time.monotonic() - snapshot.built_at >= MAX_AGE:
            _stale = False
            snapshot = _build()
            _current = snapshot
    return snapshot


def _build() -> Snapshot:
    from tinhso.exchange.models import AccessRight, CertificateAuthority, Member, MemberCertificate, Service

    members = {}
    by_pk = {}
    for row in Member.objects.all():
        info = MemberInfo(row.pk, row.client_id, row.name, row.agency_id, row.active, row.local, row.address)
        members[info.id] = info
        by_pk[row.pk] = info
    certificates = {
        row.fingerprint: CertificateInfo(row.pk, by_pk[row.member_id].id, row.revoked_at)
        for row in MemberCertificate.objects.only("pk", "fingerprint", "member_id", "revoked_at")
    }
    authorities = []
    for row in CertificateAuthority.objects.filter(active=True):
        revoked = None
        if row.crl_der:
            crl = load_crl(bytes(row.crl_der))
            revoked = frozenset(entry.serial_number for entry in crl)
        authorities.append(AuthorityInfo(row.pk, row.name, load_certificate(row.certificate_pem), row.crl_url,
                                         revoked, row.crl_next_update))
    services = {row.code: ServiceInfo(row.pk, row.code, row.title, row.enabled, row.disabled_notice)
                for row in Service.objects.all()}
    codes = {info.pk: code for code, info in services.items()}
    rights: dict[tuple[ClientId, str], list[Endpoint]] = {}
    for client_id, service_id, method, path in AccessRight.objects.values_list("client_id", "service_id", "method",
                                                                              "path"):
        member = by_pk.get(client_id)
        if member is None or service_id not in codes:
            continue
        rights.setdefault((member.id, codes[service_id]), []).append(Endpoint(method, path))
    return Snapshot(time.monotonic(), members, certificates, tuple(authorities), services,
                    {key: tuple(value) for key, value in rights.items()})


# -- decisions on the call path --------------------------------------------------------------------------

def authenticate(snapshot: Snapshot, certificate: x509.Certificate | None, client: ClientId) -> MemberInfo:
    """The member ``client`` names, once ``certificate`` proves the caller is it; else the protocol's error."""
    if certificate is None:
        raise Refusal("Không có chứng thư số máy khách: kết nối phải dùng TLS hai chiều với chứng thư đã đăng ký.",
                      "No TLS client certificate was presented.").error()
    print_ = fingerprint(certificate)
    registered = snapshot.certificates.get(print_)
    if registered is None:
        raise Refusal("Chứng thư số máy khách chưa được đăng ký cho thành viên nào.",
                      "The TLS client certificate is not registered to any member.").error()
    now = timezone.now()
    if registered.revoked_at is not None and registered.revoked_at <= now:
        raise Refusal("Chứng thư số máy khách đã bị quản trị viên thu hồi.",
                      "The TLS client certificate was revoked by an administrator.").error()
    if now < certificate.not_valid_before_utc:
        raise Refusal("Chứng thư số máy khách chưa đến thời hạn hiệu lực.",
                      "The TLS client certificate is not valid yet.").error()
    if now > certificate.not_valid_after_utc:
        expired = timezone.localtime(certificate.not_valid_after_utc)
        raise Refusal(f"Chứng thư số máy khách đã hết hạn từ {expired:%d/%m/%Y}.",
                      "The TLS client certificate has expired.").error()
    if print_ not in snapshot.issuers:
        snapshot.issuers[print_] = next((a for a in snapshot.authorities if issued_by(certificate, a.certificate)),
                                        None)
    authority = snapshot.issuers[print_]
    if authority is None:
        raise Refusal("Chứng thư số máy khách không do tổ chức cấp chứng thư tin cậy nào cấp.",
                      "The TLS client certificate is not issued by a trusted CA.").error()
    if authority.revoked_serials is None:
        if authority.crl_url:
            raise XRoadError(protocol.REVOCATION_LIST_OUTDATED,
                             f"Chưa có danh sách thu hồi của {authority.name}; chưa thể kiểm tra chứng thư.",
                             f"The revocation list of {authority.name} has not been fetched yet.")
    else:
        if authority.crl_next_update is not None and now > authority.crl_next_update:
            raise XRoadError(protocol.REVOCATION_LIST_OUTDATED,
                             f"Danh sách thu hồi của {authority.name} đã quá hạn cập nhật; "
                             "chưa thể kiểm tra chứng thư.",
                             f"The revocation list of {authority.name} is out of date.")
        if certificate.serial_number in authority.revoked_serials:
            raise Refusal("Chứng thư số máy khách đã bị thu hồi (có trong danh sách thu hồi của tổ chức cấp).",
                          "The TLS client certificate is revoked (listed on its CA's CRL).").error()
    holder = registered.member
    if holder != client and not (not holder.is_subsystem and holder == client.member):
        raise Refusal(f"Chứng thư số máy khách được đăng ký cho {holder}, không phải {client}.",
                      f"The TLS client certificate belongs to {holder}, not {client}.").error()
    member = snapshot.members.get(client)
    if member is None or not member.active:
        raise XRoadError(protocol.UNKNOWN_MEMBER, f"Bên gọi {client} chưa được đăng ký hoặc đã ngừng hoạt động.",
                         f"The client {client} is not registered or is not active.")
    return member
