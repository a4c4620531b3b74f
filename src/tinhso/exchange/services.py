"""Every change to the gateway's registers: members, certificates, trusted CAs and their CRLs, services and
access rights. Each is one transactional function; the registers are tracked on the audit chain (apps.py),
so every change carries who made it, before and after.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.common.audit import record
from tinhso.exchange import registry
from tinhso.exchange.certificates import (
    CertificateError,
    check_crl,
    fingerprint,
    load_certificate,
    load_crl,
    name_of,
    pem_of,
)
from tinhso.exchange.conf import own_subsystem
from tinhso.exchange.identifiers import ClientId, IdentifierError, parse_client
from tinhso.exchange.models import AccessRight, CertificateAuthority, Member, MemberCertificate, Service
from tinhso.exchange.registry import Endpoint


class ExchangeError(Exception):
    """A refused change, with a Vietnamese message (and English), the field concerned and an HTTP status."""

    def __init__(self, message: str, message_en: str = "", *, field: str = "", status: int = 400):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.field = field
        self.status = status


# -- services offered ---------------------------------------------------------------------------------------

@transaction.atomic
def sync_services() -> list[Service]:
    """A row for every service the modules offer (and this deployment's own subsystem as a member); a row
    whose service is no longer offered stays, marked unavailable, with its access rights.

    This follows the code at every migrate, as the operations centre's seeding does: it is not an
    administrator's change, so it writes in bulk, off the audit chain (what administrators change on these
    rows afterwards is on it)."""
    offered = {service.code: service for service in registry.offered()}
    rows = {row.code: row for row in Service.objects.all()}
    Service.objects.bulk_create([Service(code=code, title=service.title[:255]) for code, service in offered.items()
                                 if code not in rows])
    for code, service in offered.items():
        row = rows.get(code)
        if row is not None and (row.title != service.title[:255] or not row.available):
            Service.objects.filter(pk=row.pk).update(title=service.title[:255], available=True)
    Service.objects.filter(available=True).exclude(code__in=list(offered)).update(available=False)
    ensure_own_subsystem()
    from tinhso.exchange.state import invalidate

    invalidate()
    return list(Service.objects.all())


def ensure_own_subsystem() -> Member:
    """This deployment's subsystem as a local member, scoped to the agency whose code it carries (written in
    bulk with :func:`sync_services`)."""
    me = own_subsystem()
    found = Member.objects.filter(instance=me.instance, member_class=me.member_class, member_code=me.member_code,
                                  subsystem_code=me.subsystem_code)
    member = found.first()
    if member is None:
        from tinhso.directory.models import Agency

        agency = Agency.objects.filter(identifier=me.member_code.upper()).first()
        Member.objects.bulk_create([Member(
            instance=me.instance, member_class=me.member_class, member_code=me.member_code,
            subsystem_code=me.subsystem_code, name=agency.name if agency else f"Nền tảng tỉnh số ({me.member_code})",
            agency=agency, local=True,
        )])
        member = found.get()
    elif not member.local:
        found.update(local=True)
    # A deployment whose identity changed (another member code or subsystem) no longer serves the old one.
    Member.objects.filter(local=True).exclude(pk=member.pk).update(local=False)
    return member


@transaction.atomic
def set_service_state(code: str, *, enabled: bool, notice: str = "") -> Service:
    service = Service.objects.select_for_update().filter(code=code).first()
    if service is None:
        raise ExchangeError(f"Không có dịch vụ “{code}”.", f"No service “{code}”.", field="service", status=404)
    service.enabled = enabled
    service.disabled_notice = "" if enabled else notice.strip()[:300]
    service.save(update_fields=["enabled", "disabled_notice"])
    return service


# -- members -------------------------------------------------------------------------------------------------

def _client_id(identifier: str | ClientId) -> ClientId:
    if isinstance(identifier, ClientId):
        return identifier
    try:
        return parse_client(identifier)
    except IdentifierError as error:
        raise ExchangeError(error.message, error.message_en, field="identifier") from None


def find_member(identifier: str | ClientId) -> Member | None:
    client = _client_id(identifier)
    return Member.objects.filter(instance=client.instance, member_class=client.member_class,
                                 member_code=client.member_code, subsystem_code=client.subsystem_code).first()


@transaction.atomic
def register_member(identifier: str | ClientId, name: str, *, agency=None, address: str = "",
                    scope_from_code: bool = True) -> Member:
    """Register a member or subsystem (a subsystem's member is registered with it when missing).

    Unless ``agency`` is given, a member whose code is one of this deployment's agencies reads that
    agency's data (and its units') through scoped services; any other member reads none until an
    administrator gives it a scope.
    """
    client = _client_id(identifier)
    if not name.strip():
        raise ExchangeError("Phải nhập tên thành viên.", "A name is required.", field="name")
    if find_member(client) is not None:
        raise ExchangeError(f"Thành viên {client} đã được đăng ký.", f"{client} is already registered.",
                            field="identifier", status=409)
    if agency is None and scope_from_code:
        from tinhso.directory.models import Agency

        agency = Agency.objects.filter(identifier=client.member_code.upper()).first()
    if client.is_subsystem and find_member(client.member) is None:
        Member.objects.create(instance=client.instance, member_class=client.member_class,
                              member_code=client.member_code, name=name.strip()[:255], agency=agency)
    return Member.objects.create(
        instance=client.instance, member_class=client.member_class, member_code=client.member_code,
        subsystem_code=client.subsystem_code, name=name.strip()[:255], agency=agency, address=address.strip(),
        local=client == own_subsystem(),
    )


@transaction.atomic
def add_certificate(member: Member, data: bytes | str) -> MemberCertificate:
    """Register a TLS client certificate (PEM or DER) to ``member``."""
    try:
        certificate = load_certificate(data)
    except CertificateError as error:
        raise ExchangeError(error.message, "Not an X.509 certificate.", field="certificate") from None
    print_ = fingerprint(certificate)
    existing = MemberCertificate.objects.filter(fingerprint=print_).select_related("member").first()
    if existing is not None:
        raise ExchangeError(f"Chứng thư này đã được đăng ký cho {existing.member.identifier}.",
                            "The certificate is already registered.", field="certificate", status=409)
    return MemberCertificate.objects.create(
        member=member, certificate_pem=pem_of(certificate), fingerprint=print_,
        subject=name_of(certificate.subject), issuer=name_of(certificate.issuer),
        serial_number=format(certificate.serial_number, "x"), not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


@transaction.atomic
def revoke_certificate(certificate: MemberCertificate, at: datetime.datetime | None = None) -> MemberCertificate:
    certificate.revoked_at = at or timezone.now()
    certificate.save(update_fields=["revoked_at"])
    return certificate


# -- trusted CAs and their revocation lists ------------------------------------------------------------------

@transaction.atomic
def add_authority(name: str, data: bytes | str, *, crl_url: str = "") -> CertificateAuthority:
    try:
        certificate = load_certificate(data)
    except CertificateError as error:
        raise ExchangeError(error.message, "Not an X.509 certificate.", field="certificate") from None
    constraints = _basic_constraints(certificate)
    if constraints is None or not constraints.ca:
        raise ExchangeError("Chứng thư này không phải của tổ chức cấp chứng thư (thiếu basicConstraints CA).",
                            "The certificate is not a CA certificate.", field="certificate")
    print_ = fingerprint(certificate)
    if CertificateAuthority.objects.filter(fingerprint=print_).exists():
        raise ExchangeError("Tổ chức cấp chứng thư này đã có trong danh sách tin cậy.",
                            "The CA is already trusted.", field="certificate", status=409)
    return CertificateAuthority.objects.create(
        name=name.strip()[:255] or name_of(certificate.subject)[:255], certificate_pem=pem_of(certificate),
        fingerprint=print_, subject=name_of(certificate.subject), crl_url=crl_url.strip(),
    )


def _basic_constraints(certificate):
    from cryptography import x509

    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


@transaction.atomic
def store_crl(authority: CertificateAuthority, data: bytes) -> CertificateAuthority:
    """Keep ``data`` as the CA's current CRL once its signature holds and it is not older than the one held."""
    try:
        crl = load_crl(data)
        check_crl(crl, load_certificate(authority.certificate_pem))
    except CertificateError as error:
        raise ExchangeError(error.message, "The CRL is unreadable or not signed by the CA.", field="crl") from None
    this_update = crl.last_update_utc
    if authority.crl_this_update is not None and this_update < authority.crl_this_update:
        raise ExchangeError("Danh sách thu hồi này cũ hơn danh sách đang giữ.", "The CRL is older than the one held.",
                            field="crl", status=409)
    from cryptography.hazmat.primitives import serialization

    authority.crl_der = crl.public_bytes(serialization.Encoding.DER)
    authority.crl_this_update = this_update
    authority.crl_next_update = crl.next_update_utc
    authority.crl_fetched_at = timezone.now()
    authority.crl_error = ""
    authority.save(update_fields=["crl_der", "crl_this_update", "crl_next_update", "crl_fetched_at", "crl_error"])
    record("action", authority, summary=f"CRL cập nhật: {len(crl)} chứng thư bị thu hồi",
           after={"this_update": this_update.isoformat(), "revoked": len(crl)})
    return authority


def refresh_crl(authority: CertificateAuthority, *, timeout: float = 20.0) -> CertificateAuthority:
    """Fetch the CA's CRL from its distribution address and keep it (a failure is kept as ``crl_error``)."""
    import requests

    if not authority.crl_url:
        raise ExchangeError(f"{authority.name} chưa có địa chỉ danh sách thu hồi.", "No CRL address.", field="crl_url")
    try:
        answer = requests.get(authority.crl_url, timeout=timeout)
        answer.raise_for_status()
        if len(answer.content) > 50 * 1024 * 1024:
            raise ExchangeError("Danh sách thu hồi quá lớn.", "The CRL is too large.", field="crl")
        return store_crl(authority, answer.content)
    except (requests.RequestException, ExchangeError) as error:
        message = error.message if isinstance(error, ExchangeError) else str(error)
        CertificateAuthority.objects.filter(pk=authority.pk).update(crl_error=message[:500])
        raise ExchangeError(f"Không tải được danh sách thu hồi của {authority.name}: {message}",
                            f"Could not fetch the CRL of {authority.name}.", field="crl_url", status=502) from None


def refresh_all_crls() -> list[tuple[CertificateAuthority, str]]:
    """Refresh every trusted CA's CRL; returns (authority, error message or "")."""
    results = []
    for authority in CertificateAuthority.objects.filter(active=True).exclude(crl_url=""):
        try:
            refresh_crl(authority)
            results.append((authority, ""))
        except ExchangeError as error:
            results.append((authority, error.message))
    return results


# -- access rights -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RightInput:
    client: str
    service: str
    method: str = "*"
    path: str = "/**"
    note: str = ""


def check_endpoint(code: str, method: str, path: str) -> Endpoint:
    """The endpoint pattern a right names, refused when the service offers nothing it could open."""
    try:
        endpoint = Endpoint(method or "*", path or "/**")
    except ValueError:
        raise ExchangeError("Phương thức hoặc đường dẫn không hợp lệ (đường dẫn bắt đầu bằng “/”).",
                            "Invalid method or path.", field="path") from None
    offered = registry.get(code)
    if offered is not None and endpoint.path != "/**" and not any(
            (endpoint.method in ("*", e.method) or e.method == "*")
            and (registry.path_matches(e.path, endpoint.path) or registry.path_matches(endpoint.path, e.path))
            for e in offered.endpoints):
        raise ExchangeError(f"Dịch vụ “{code}” không có điểm truy cập {endpoint.method} {endpoint.path}.",
                            "The service has no such endpoint.", field="path")
    return endpoint


@transaction.atomic
def grant_access(client: Member | str, service: Service | str, *, method: str = "*", path: str = "/**",
                 note: str = "", by=None) -> AccessRight:
    """Let ``client`` call ``service`` (one endpoint pattern, or all of it). On the audit chain."""
    member = client if isinstance(client, Member) else find_member(client)
    if member is None:
        raise ExchangeError(f"Chưa đăng ký thành viên {client}.", f"{client} is not registered.", field="client",
                            status=404)
    row = service if isinstance(service, Service) else Service.objects.filter(code=service).first()
    if row is None:
        raise ExchangeError(f"Không có dịch vụ “{service}”.", f"No service “{service}”.", field="service", status=404)
    endpoint = check_endpoint(row.code, method, path)
    try:
        with transaction.atomic():
            return AccessRight.objects.create(
                client=member, service=row, method=endpoint.method, path=endpoint.path, note=note.strip()[:300],
                granted_by=by if getattr(by, "pk", None) else None)
    except IntegrityError:
        raise ExchangeError("Quyền này đã được cấp.", "The right is already granted.", field="path",
                            status=409) from None


@transaction.atomic
def revoke_access(right: AccessRight) -> None:
    right.delete()
