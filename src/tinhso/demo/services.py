"""The demo province: everything `make run` loads, idempotent (a second run duplicates nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

DEMO_PASSWORD = "tinhso-demo-2026"  # noqa: S105 — the published demo password, printed by `make run`


@dataclass
class DemoSummary:
    units: dict = field(default_factory=dict)
    villages: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    procedures: int = 0
    dossiers: int = 0
    telecom: dict = field(default_factory=dict)
    exchange: dict = field(default_factory=dict)
    directives: dict = field(default_factory=dict)
    media: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)
    broadcast: dict = field(default_factory=dict)


def load_demo(province_code: str | None = None, password: str = DEMO_PASSWORD, *, dossier_days: int = 365,
              ) -> DemoSummary:
    """Load the administrative units, the demo province's villages, agencies, one login per role and the
    procedure catalogue, a year of dossiers driven through the engine (``dossier_days`` long), the
    operations centre's demo plans, targets and reported values, the telecom registry, the data-sharing
    gateway's members, rights and first calls, and the last month's notices."""
    from tinhso.catalogue.demo import load_demo_catalogue
    from tinhso.demo.desks import fill_printed_desks
    from tinhso.demo.notices import load_demo_notices
    from tinhso.directory.demo import load_demo_directory
    from tinhso.dossiers.demo import load_demo_dossiers
    from tinhso.exchange.demo import load_demo_exchange
    from tinhso.geo.services import generate_demo_villages, load_units
    from tinhso.ioc.indicators import load_demo_ioc

    code = province_code or settings.TINHSO_PROVINCE_CODE
    summary = DemoSummary()
    summary.units = load_units()
    with transaction.atomic():
        summary.villages = generate_demo_villages(code).created
        summary.logins = load_demo_directory(code, password)
    summary.procedures = load_demo_catalogue(code)
    summary.dossiers = load_demo_dossiers(code, days=dossier_days, password=password)
    load_demo_ioc(code)
    fill_printed_desks()
    from tinhso.telecom.demo import load_demo_telecom

    summary.telecom = load_demo_telecom(code, password)
    summary.exchange = load_demo_exchange(code)
    summary.directives = _load_demo_directives(code, password)
    from tinhso.media.demo import load_demo_media

    summary.media = load_demo_media(code, password)
    from tinhso.documents.demo import load_demo_documents

    summary.documents = load_demo_documents(code, password)
    if summary.documents.get("login"):
        summary.logins.append(summary.documents["login"])
    from tinhso.broadcast.demo import load_demo_broadcast

    summary.broadcast = load_demo_broadcast(code, password)
    load_demo_notices([username for _role, username, _agency in summary.logins])
    return summary


def _load_demo_directives(code: str, password: str) -> dict:
    """A year of directives and their tasks, and the province's targets for the task indicators."""
    import datetime
    from decimal import Decimal

    from tinhso.directives.demo import load_demo_directives
    from tinhso.ioc.models import Indicator, Plan, Target

    loaded = load_demo_directives(code, password)
    year = str(datetime.date.today().year)
    plan, _ = Plan.objects.get_or_create(name=f"Kế hoạch chuyển đổi số năm {year}", defaults={
        "issuer": "Ủy ban nhân dân tỉnh", "issued_on": datetime.date(int(year), 1, 15)})
    for indicator_code, value in (("nhiem-vu-hoan-thanh-dung-han", "95"), ("ty-le-hoan-thanh-nhiem-vu", "98")):
        indicator = Indicator.objects.filter(code=indicator_code).first()
        if indicator is not None:
            Target.objects.get_or_create(plan=plan, indicator=indicator, period=year,
                                         defaults={"value": Decimal(value), "unit": indicator.unit})
    return loaded
