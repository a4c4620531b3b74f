"""The gateway in the demo province: members with certificates and rights, a few calls in the message log,
the national portal's dead letters to retry, and the simulators ``tinhso demo serve`` runs beside the site.

Members: the national public-service portal's subsystem (Văn phòng Chính phủ, ``VN/GOV/000.00.00.G22/dvcqg``)
reading dossier statuses and the catalogue for the whole province, and a neighbouring province's platform
(``VN/GOV/000.00.00.H42/tinhso``, an identifier for the demo) reading the agency registry and the catalogue.
Their TLS client certificates come from a demo CA made with the test PKI (its root and CRL trusted), and the
calls are made in-process as those members, so the log holds real served and made records. Running it again
changes nothing.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.db import transaction

DEMO_CA = "CA mẫu của tỉnh số (chỉ dùng cho bản mẫu)"
PORTAL = ("VN/GOV/000.00.00.G22/dvcqg", "Văn phòng Chính phủ — Cổng Dịch vụ công quốc gia")
NEIGHBOUR = ("VN/GOV/000.00.00.H42/tinhso", "Nền tảng tỉnh số tỉnh lân cận (mẫu)")
RIGHTS = {PORTAL[0]: ("dossier-status", "procedures"), NEIGHBOUR[0]: ("agencies", "procedures")}
DEAD_LETTER_ERROR = "Cổng quốc gia từ chối: mã thủ tục chưa có trong Cơ sở dữ liệu quốc gia về thủ tục hành chính."


def load_demo_exchange(province_code: str) -> dict:
    """Seed the gateway's demo data (idempotent); returns what was created."""
    from tinhso.directory.identifiers import province_level1_code
    from tinhso.directory.models import Agency
    from tinhso.exchange import services
    from tinhso.exchange.models import CertificateAuthority

    created = {"members": 0, "calls": 0, "dead": 0}
    committee = Agency.objects.filter(identifier=f"000.00.00.{province_level1_code(province_code)}").first()
    with transaction.atomic():
        own = services.ensure_own_subsystem()
        if own.agency_id is None and committee is not None:
            own.agency = committee
            own.name = committee.name
            own.save(update_fields=["agency", "name"])
        credentials = {}
        if not CertificateAuthority.objects.filter(name=DEMO_CA).exists():
            from tinhso.testing.pki import TestPKI

            pki = TestPKI.create("Tỉnh số — bản mẫu")
            authority = services.add_authority(DEMO_CA, pki.issuing.cert_pem)
            services.store_crl(authority, pki.crl_der())
            for identifier, _name in (PORTAL, NEIGHBOUR):
                credentials[identifier] = pki.issue_tls_client(identifier)
        for identifier, name in (PORTAL, NEIGHBOUR):
            member = services.find_member(identifier)
            if member is None:
                scope = committee if identifier == PORTAL[0] else None
                member = services.register_member(identifier, name, agency=scope, scope_from_code=False)
                created["members"] += 1
            if identifier in credentials and not member.certificates.exists():
                services.add_certificate(member, credentials[identifier].cert_pem)
            for code in RIGHTS[identifier]:
                if not member.access_rights.filter(service__code=code).exists():
                    services.grant_access(member, code, note="Bản mẫu: thỏa thuận chia sẻ dữ liệu")
    if credentials:
        created["calls"] = _demo_calls(credentials)
    created["dead"] = _demo_dead_letters()
    return created


def _demo_calls(credentials) -> int:
    """A few calls as the demo members, through this deployment's own gateway (in-process)."""
    from tinhso.dossiers.models import Dossier
    from tinhso.exchange.client import CallFailed, call
    from tinhso.exchange.conf import own_subsystem
    from tinhso.exchange.testing import LocalTransport

    me = own_subsystem()
    plan = [(PORTAL[0], "procedures", "/procedures", {"page": "1"}),
            (NEIGHBOUR[0], "agencies", "/agencies", {"level": "province"}),
            (NEIGHBOUR[0], "dossier-status", "/000.00.00.H41-250101-0001", None)]  # no right: refused, logged
    plan += [(PORTAL[0], "dossier-status", f"/{code}", None)
             for code in Dossier.objects.order_by("-submitted_at").values_list("code", flat=True)[:3]]
    made = 0
    for identifier, code, path, query in plan:
        with contextlib.suppress(CallFailed):  # the refused call is refused on purpose: it is in the log
            call(me.service(code), path, query=query, client=identifier,
                 transport=LocalTransport(credentials[identifier]))
        made += 1
    return made


def _demo_dead_letters() -> int:
    """Two changes the portal refused, for the dead-letter list (once: only while none was ever refused)."""
    from tinhso.exchange.models import OutboxEntry, OutboxStatus

    if OutboxEntry.objects.exclude(status=OutboxStatus.PENDING).exists():
        return 0
    ids = list(OutboxEntry.objects.filter(status=OutboxStatus.PENDING).order_by("id").values_list("pk", flat=True)[:2])
    return OutboxEntry.objects.filter(pk__in=ids).update(status=OutboxStatus.DEAD, attempts=1,
                                                         last_error=DEAD_LETTER_ERROR)


# -- simulators for `tinhso demo serve` ------------------------------------------------------------------

def national_catalogue() -> list[dict]:
    """The catalogue the demo's stand-in national database serves: the demo procedures as they are, one with
    a new fee and one the province does not hold yet — so a pull shows a new version and a new procedure."""
    from tinhso.catalogue.models import ProcedureVersion, Status
    from tinhso.exchange.catalogue_pull import as_national

    versions = list(ProcedureVersion.objects.filter(status=Status.PUBLISHED).select_related(
        "procedure", "field").prefetch_related("agencies", "documents", "fees").order_by("procedure__code"))
    records = [as_national(version) for version in versions]
    if records:
        changed = records[0]
        changed["fees"] = [{**fee, "amount": fee["amount"] + 10_000} for fee in changed["fees"]] or [
            {"description": "Lệ phí", "amount": 10_000}]
        fresh = {**records[-1], "code": "1.999901", "name": "Thủ tục mới công bố trong cơ sở dữ liệu quốc gia (mẫu)"}
        records.append(fresh)
    return records


def start_simulators(data_dir: Path) -> tuple[dict[str, str], list]:
    """Start, in this process, what the demo talks to on loopback: the stand-in national portal (serving the
    demo catalogue) and an RFC 3161 timestamp authority. Returns the environment for the web and worker
    processes and the servers to stop. A variable already set (a real portal or authority) is left alone."""
    import os

    env: dict[str, str] = {}
    servers = []
    if not os.environ.get("NATIONAL_PORTAL_URL"):
        from tinhso.testing.national_portal import StandInPortal

        portal = StandInPortal(system_id="tinhso-demo", secret="demo-secret",  # noqa: S106 — the demo's stand-in
                               catalogue=national_catalogue(), keep_payloads=False).start()
        servers.append(portal)
        env.update({"NATIONAL_PORTAL_URL": portal.url, "NATIONAL_PORTAL_SYSTEM_ID": portal.system_id,
                    "NATIONAL_PORTAL_SECRET": portal.secret})
    if not os.environ.get("TSA_URL"):
        from tinhso.testing.tsa import Server

        authority = Server(name="TSA mẫu của tỉnh số").start()
        servers.append(authority)
        roots = data_dir / "demo-tsa-root.pem"
        roots.parent.mkdir(parents=True, exist_ok=True)
        roots.write_bytes(authority.pki.root_pem)
        env.update({"TSA_URL": authority.url, "TSA_TRUSTED_ROOTS": str(roots)})
    return env, servers


def describe(env: dict[str, str]) -> list[str]:
    lines = []
    if "NATIONAL_PORTAL_URL" in env:
        lines.append(f"Cổng Dịch vụ công quốc gia (giả lập): {env['NATIONAL_PORTAL_URL']}")
    if "TSA_URL" in env:
        lines.append(f"Máy chủ dấu thời gian (giả lập): {env['TSA_URL']}")
    return lines

