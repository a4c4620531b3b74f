"""Every change to the telecom registry: one transactional function per business action, each on the audit
chain (registry models are tracked; derived tables — computed coverage and statuses — are recorded as one
action per recomputation).

Village coverage follows the documented rule: for each village, operator and technology the **measured**
answer (a drive test or field check, the latest by date) beats the operator's **declared** one, which beats
the one **computed** from the stations in service (a station of a technology covers the villages within the
range set for that technology and the station's terrain, geodesic distance). A village has mobile broadband
when, by that rule, at least one operator covers it with 3G, 4G or 5G; it has 4G when one covers it with 4G
or 5G. A commune has 4G when at least one of its villages has 4G, and fibre when a fibre route of the
registry serves it — unless a measured, else a declared, answer for the commune says otherwise.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.common import audit, spatial
from tinhso.common.review import FOUR_EYES_MESSAGE, may_review
from tinhso.geo.models import Commune, Village
from tinhso.telecom import selectors
from tinhso.telecom.models import (
    BROADBAND,
    SOURCE_PRECEDENCE,
    TECHNOLOGY_FIELDS,
    AreaKind,
    CableRoute,
    CommuneCoverage,
    CommuneService,
    CommuneStatus,
    CoveragePlan,
    CoverageRange,
    CoverageSource,
    Medium,
    Operator,
    OperatorReport,
    Outage,
    ReportSource,
    ReportStatus,
    Station,
    StationState,
    Technology,
    Terrain,
    VillageCoverage,
    VillageStatus,
)


class TelecomError(Exception):
    """A change the registry refuses: a message in the active language, the field, an HTTP status."""

    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = str(message), field, status


# The ranges used when an administrator has set none (metres; unconfirmed planning values, configurable in
# Quản trị → Bán kính phủ sóng). The command `tinhso telecom coverage` uses the rural ones.
DEFAULT_RANGES: dict[str, dict[str, int]] = {
    Terrain.URBAN: {"2G": 2000, "3G": 1500, "4G": 1000, "5G": 300},
    Terrain.RURAL: {"2G": 5000, "3G": 3000, "4G": 2000, "5G": 500},
    Terrain.MOUNTAIN: {"2G": 3000, "3G": 2000, "4G": 1500, "5G": 400},
}


def coverage_ranges() -> dict[tuple[str, str], int]:
    ranges = {(tech, terrain): value for terrain, values in DEFAULT_RANGES.items() for tech, value in values.items()}
    for row in CoverageRange.objects.all():
        ranges[(row.technology, row.terrain)] = row.range_m
    return ranges


# -- stations -----------------------------------------------------------------------------------------------


def _count_operators(station: Station) -> None:
    Station.objects.filter(pk=station.pk).update(operators_count=1 + station.tenants.exclude(
        pk=station.operator_id).count(), updated_at=timezone.now())
    station.refresh_from_db(fields=["operators_count"])


@transaction.atomic
def save_station(station: Station, *, tenants=None, actor=None) -> Station:
    """Create or update a station (its sharing operators too) and keep the count of operators on it."""
    audit.set_actor(actor) if actor is not None and getattr(actor, "pk", None) else None
    if station.commune_id is None and station.village_id is not None:
        station.commune_id = station.village.commune_id
    station.full_clean(exclude=["dossier", "tenants"])
    station.save()
    if tenants is not None:
        station.tenants.set([t for t in tenants if t.pk != station.operator_id])
    _count_operators(station)
    return station


@transaction.atomic
def set_station_state(station: Station, state: str, *, on: datetime.date | None = None, actor=None) -> Station:
    """The operator reports building, commissioning, stopping or dismantling a station."""
    if state not in StationState.values:
        raise TelecomError(_("Trạng thái trạm không hợp lệ."), "state")
    on = on or timezone.localdate()
    station = Station.objects.select_for_update().get(pk=station.pk)
    station.state = state
    if state == StationState.BUILT and station.built_on is None:
        station.built_on = on
    if state == StationState.IN_SERVICE and station.in_service_on is None:
        station.in_service_on = on
    if state == StationState.DISMANTLED:
        station.dismantled_on = on
    station.save()
    return station


# -- outages ------------------------------------------------------------------------------------------------


@transaction.atomic
def report_down(station: Station, *, cause: str, at: datetime.datetime | None = None, disaster=None,
                note: str = "", reported_by: str = "") -> Outage:
    """A station goes down (power, transmission, damage): one open outage per station."""
    from tinhso.telecom.models import OutageCause

    if cause not in OutageCause.values:
        raise TelecomError(_("Nguyên nhân không hợp lệ (mất điện, mất truyền dẫn, hư hỏng, khác)."), "cause")
    station = Station.objects.select_for_update().get(pk=station.pk)
    if Outage.objects.filter(station=station, ended_at__isnull=True).exists():
        raise TelecomError(_("Trạm %(code)s đang được ghi nhận mất liên lạc.") % {"code": station.code}, "station", 409)
    outage = Outage.objects.create(station=station, operator_id=station.operator_id, commune_id=station.commune_id,
                                   disaster=disaster, cause=cause, started_at=at or timezone.now(), note=note,
                                   reported_by=reported_by)
    Station.objects.filter(pk=station.pk).update(is_down=True, updated_at=timezone.now())
    # The operations room's event rules hear it once the outage is committed (stored data, in Vietnamese).
    from django.urls import reverse

    from tinhso.common.events import publish

    publish("telecom.station_down", key=f"outage:{outage.pk}", title=f"Trạm BTS {station.code} mất liên lạc",
            url=reverse("telecom:station", args=[station.pk]))
    return outage


@transaction.atomic
def report_up(station: Station, *, at: datetime.datetime | None = None) -> Outage:
    """A station is back up: its open outage ends."""
    outage = Outage.objects.select_for_update().filter(station=station, ended_at__isnull=True).first()
    if outage is None:
        raise TelecomError(_("Trạm %(code)s không có sự cố đang mở.") % {"code": station.code}, "station", 409)
    at = at or timezone.now()
    if at < outage.started_at:
        raise TelecomError(_("Thời điểm khôi phục phải sau thời điểm mất liên lạc."), "ended_at")
    outage.ended_at = at
    outage.save()
    Station.objects.filter(pk=station.pk).update(is_down=False, updated_at=timezone.now())
    return outage


# -- cable routes -----------------------------------------------------------------------------------------


def route_geometry_errors(path) -> str:
    if not isinstance(path, dict) or path.get("type") != "LineString":
        return _("Đường đi phải là GeoJSON LineString.")
    coordinates = path.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return _("Đường đi phải có ít nhất hai điểm.")
    for point in coordinates:
        if (not isinstance(point, list | tuple) or len(point) < 2
                or not all(isinstance(v, int | float) for v in point[:2])):
            return _("Mỗi điểm của đường đi là [kinh độ, vĩ độ].")
        if not (102 <= point[0] <= 118 and 6 <= point[1] <= 24):
            return _("Điểm [%(lon)s, %(lat)s] nằm ngoài lãnh thổ Việt Nam (toạ độ [kinh độ, vĩ độ]).") % {
                "lon": point[0], "lat": point[1]}
    return ""


def measure_route(route: CableRoute, underground_areas=None) -> None:
    """The route's geodesic length, and how much of it runs inside the plan's underground-only areas."""
    coordinates = route.path["coordinates"]
    route.length_m = Decimal(f"{spatial.line_length_m(coordinates):.1f}")
    if underground_areas is None:
        underground_areas = [spatial.area_geometry(a.geometry) for a in
                             selectors.restricted_areas(kind=AreaKind.UNDERGROUND)]
    inside = sum(spatial.length_inside_m(coordinates, area) for area in underground_areas)
    route.length_in_areas_m = Decimal(f"{min(inside, float(route.length_m)):.1f}")


@transaction.atomic
def save_route(route: CableRoute, *, communes=None) -> CableRoute:
    problem = route_geometry_errors(route.path)
    if problem:
        raise TelecomError(problem, "path")
    measure_route(route)
    route.save()
    if communes is not None:
        route.communes.set(communes)
    return route


# -- coverage ---------------------------------------------------------------------------------------------


@dataclass
class CoverageResult:
    villages: int
    computed_rows: int
    broadband: int
    uncovered: int


def _station_sources(ranges):
    """Every (station, technology) in service as a source with its range."""
    rows = Station.objects.filter(state=StationState.IN_SERVICE).values_list(
        "pk", "operator_id", "latitude", "longitude", "terrain", "has_2g", "has_3g", "has_4g", "has_5g")
    lats, lons, radii, operators, techs, stations = [], [], [], [], [], []
    for pk, operator, lat, lon, terrain, *flags in rows:
        for tech, flag in zip(TECHNOLOGY_FIELDS, flags, strict=True):
            if flag:
                lats.append(float(lat))
                lons.append(float(lon))
                radii.append(ranges[(tech, terrain)])
                operators.append(operator)
                techs.append(str(tech))
                stations.append(pk)
    return (np.asarray(lats), np.asarray(lons), np.asarray(radii, dtype=float), operators, techs, stations)


@transaction.atomic
def recompute_coverage(actor=None) -> CoverageResult:
    """Recompute the "computed" source from the stations in service, then every village's and commune's
    status (the rule in the module docstring). Declared and measured answers are left as they are."""
    ranges = coverage_ranges()
    villages = list(Village.objects.filter(latitude__isnull=False).values_list("pk", "latitude", "longitude"))
    index = spatial.PointIndex([float(v[1]) for v in villages], [float(v[2]) for v in villages])
    lats, lons, radii, operators, techs, stations = _station_sources(ranges)
    query, reached, distance = index.pairs_within(lats, lons, radii)
    best: dict[tuple[int, int, str], tuple[float, int]] = {}
    for q, v, d in zip(query.tolist(), reached.tolist(), distance.tolist(), strict=True):
        key = (villages[v][0], operators[q], techs[q])
        if key not in best or d < best[key][0]:
            best[key] = (d, stations[q])
    today = timezone.localdate()
    VillageCoverage.objects.filter(source=CoverageSource.COMPUTED).delete()
    VillageCoverage.objects.bulk_create([
        VillageCoverage(village_id=village, operator_id=operator, technology=tech, source=CoverageSource.COMPUTED,
                        covered=True, observed_on=today, distance_m=Decimal(f"{d:.1f}"), station_id=station)
        for (village, operator, tech), (d, station) in best.items()], batch_size=2000)
    result = refresh_statuses()
    audit.record("action", VillageCoverage, actor=actor if getattr(actor, "pk", None) else None,
                 summary=f"Tính lại vùng phủ sóng: {len(best)} cặp thôn–doanh nghiệp–công nghệ có sóng",
                 after={"computed_rows": len(best), "broadband": result.broadband, "uncovered": result.uncovered})
    result.computed_rows = len(best)
    return result


def effective_coverage(entries) -> dict[tuple[int, str], tuple[bool, str]]:
    """(operator, technology) → (covered, source) by the rule: measured (latest), else declared, else computed."""
    chosen: dict[tuple[int, str], tuple[int, datetime.date, bool, str]] = {}
    rank = {source: i for i, source in enumerate(SOURCE_PRECEDENCE)}
    for operator, tech, source, covered, observed_on in entries:
        key = (operator, tech)
        candidate = (rank[source], -observed_on.toordinal(), covered, source)
        if key not in chosen or candidate[:2] < chosen[key][:2]:
            chosen[key] = candidate
    return {key: (value[2], value[3]) for key, value in chosen.items()}


def decide_village(entries) -> tuple[bool, bool, str, str, list[int]]:
    """(broadband, has 4G, best technology, deciding source, operators with broadband) for one village."""
    effective = effective_coverage(entries)
    rank = {source: i for i, source in enumerate(SOURCE_PRECEDENCE)}
    covering = [(op, tech, source) for (op, tech), (covered, source) in effective.items() if covered]
    broadband = [c for c in covering if c[1] in BROADBAND]
    order = [str(t) for t in Technology.values]
    best = max((c[1] for c in covering), key=order.index, default="")
    has_4g = any(c[1] in (Technology.G4, Technology.G5) for c in covering)
    if broadband:
        decided_by = min((c[2] for c in broadband), key=rank.get)
    else:
        decided_by = min((source for _, source in effective.values()), key=rank.get, default="")
    return bool(broadband), has_4g, best, decided_by, sorted({c[0] for c in broadband})


def refresh_statuses() -> CoverageResult:
    """Every village's and commune's status from the stored sources (no spatial work)."""
    entries: dict[int, list] = defaultdict(list)
    for row in VillageCoverage.objects.values_list("village_id", "operator_id", "technology", "source", "covered",
                                                   "observed_on"):
        entries[row[0]].append(row[1:])
    codes = dict(Operator.objects.values_list("pk", "code"))
    no_power = set(CoveragePlan.objects.filter(grid_power=False).values_list("village_id", flat=True))
    statuses = []
    for pk, commune_id in Village.objects.values_list("pk", "commune_id"):
        broadband, has_4g, best, decided_by, operators = decide_village(entries.get(pk, []))
        statuses.append(VillageStatus(village_id=pk, commune_id=commune_id, broadband=broadband, has_4g=has_4g,
                                      best=best, decided_by=decided_by,
                                      operators=", ".join(codes[o] for o in operators)[:200],
                                      grid_power=pk not in no_power))
    VillageStatus.objects.all().delete()
    VillageStatus.objects.bulk_create(statuses, batch_size=2000)
    _refresh_communes(statuses)
    covered = sum(1 for s in statuses if s.broadband)
    return CoverageResult(len(statuses), 0, covered, len(statuses) - covered)


def _refresh_communes(statuses: list[VillageStatus]) -> None:
    per_commune: dict[int, list[VillageStatus]] = defaultdict(list)
    for status in statuses:
        per_commune[status.commune_id].append(status)
    fibre_computed = set(CableRoute.objects.filter(medium=Medium.FIBRE).values_list("communes", flat=True))
    answers: dict[tuple[int, str], list] = defaultdict(list)
    rank = {source: i for i, source in enumerate(SOURCE_PRECEDENCE)}
    for commune_id, service, source, available in CommuneCoverage.objects.values_list(
            "commune_id", "service", "source", "available"):
        answers[(commune_id, service)].append((rank[source], source, available))
    # Communes of the province served and every commune with villages or answers.
    communes = set(per_commune) | {key[0] for key in answers} | {c for c in fibre_computed if c}
    rows = []
    for commune_id in communes:
        villages = per_commune.get(commune_id, [])
        computed = {CommuneService.G4: any(v.has_4g for v in villages),
                    CommuneService.FIBRE: commune_id in fibre_computed}
        decided = {}
        for service in (CommuneService.FIBRE, CommuneService.G4):
            given = sorted(answers.get((commune_id, service), []))
            if given:
                top = given[0][0]
                decided[service] = (any(a for r, _, a in given if r == top), given[0][1])
            else:
                decided[service] = (computed[service], CoverageSource.COMPUTED)
        rows.append(CommuneStatus(
            commune_id=commune_id, fibre=decided[CommuneService.FIBRE][0], fibre_by=decided[CommuneService.FIBRE][1],
            has_4g=decided[CommuneService.G4][0], has_4g_by=decided[CommuneService.G4][1], villages=len(villages),
            villages_broadband=sum(1 for v in villages if v.broadband)))
    CommuneStatus.objects.all().delete()
    CommuneStatus.objects.bulk_create(rows, batch_size=2000)


# -- operators' periodic reports ------------------------------------------------------------------------------


REPORT_FIELDS = ("phone_subscribers", "mobile_broadband_subscribers", "fixed_broadband_subscribers",
                 "revenue_million_vnd", "stations")


def parse_report_period(text: str) -> tuple[str, datetime.date, datetime.date]:
    """A month ``2026-03`` or a quarter ``2026-Q1``: (key, first day, first day after)."""
    import re

    value = (text or "").strip().upper()
    match = re.fullmatch(r"(\d{4})-(?:Q([1-4])|(0[1-9]|1[0-2]))", value)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise TelecomError(_("Kỳ báo cáo “%(text)s” không hợp lệ: dùng tháng (2026-03) hoặc quý (2026-Q1).")
                           % {"text": text}, "period")
    year = int(match[1])
    first = int(match[3]) if match[3] else (int(match[2]) - 1) * 3 + 1
    months = 1 if match[3] else 3
    start = datetime.date(year, first, 1)
    end_month = first + months
    end = datetime.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return value, start, end


def enter_report(*, operator: Operator, period: str, values: dict, user=None, label: str = "",
                 source: str = ReportSource.FORM, note: str = "") -> OperatorReport:
    """An operator enters (or corrects) its report for a period; it waits for the department's review.

    Correcting an approved or returned report sends it back for review: only approved reports count.
    """
    if user is not None and not selectors.visible_operators(user).filter(pk=operator.pk).exists():
        raise TelecomError(_("Bạn không thuộc doanh nghiệp này nên không thể báo cáo thay."), "operator", 403)
    key, start, end = parse_report_period(period)
    if start > timezone.localdate():
        raise TelecomError(_("Chưa đến kỳ báo cáo %(period)s.") % {"period": key}, "period")
    cleaned = {}
    for name in REPORT_FIELDS:
        value = values.get(name)
        try:
            number = Decimal(str(value).replace(",", ".").strip())
        except Exception:
            raise TelecomError(_("Giá trị “%(value)s” không phải là số.") % {"value": value}, name) from None
        if not number.is_finite() or number < 0:
            raise TelecomError(_("Giá trị phải là số không âm."), name)
        if name != "revenue_million_vnd" and number != number.to_integral_value():
            raise TelecomError(_("Số thuê bao, số trạm phải là số nguyên."), name)
        cleaned[name] = number if name == "revenue_million_vnd" else int(number)
    if cleaned["mobile_broadband_subscribers"] > cleaned["phone_subscribers"]:
        raise TelecomError(_("Thuê bao băng rộng di động không thể nhiều hơn tổng thuê bao điện thoại."),
                           "mobile_broadband_subscribers")
    person = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        report = OperatorReport.objects.select_for_update().filter(operator=operator, period=key).first()
        report = report or OperatorReport(operator=operator, period=key)
        for name, value in cleaned.items():
            setattr(report, name, value)
        report.period_start, report.period_end = start, end
        report.note = note.strip()
        report.source = source
        report.entered_by = person
        report.entered_label = label or (user.get_username() if person else "")
        report.entered_at = timezone.now()
        report.status = ReportStatus.SUBMITTED
        report.approved_by = report.approved_at = report.rejected_by = report.rejected_at = None
        report.review_note = ""
        report.save()
    return report


def _review(report: OperatorReport, user) -> OperatorReport:
    if not selectors.is_reviewer(user):
        raise TelecomError(_("Chỉ lãnh đạo Sở quản lý hạ tầng viễn thông mới được duyệt báo cáo của doanh nghiệp."),
                           "status", 403)
    report = OperatorReport.objects.select_for_update(of=("self",)).select_related("operator").get(pk=report.pk)
    if not may_review(report.entered_by_id, user):
        raise TelecomError(FOUR_EYES_MESSAGE, "status", 403)
    if report.status != ReportStatus.SUBMITTED:
        raise TelecomError(_("Chỉ xét duyệt được báo cáo đang chờ duyệt."), "status", 409)
    return report


def approve_report(report: OperatorReport, *, user) -> OperatorReport:
    """A leader of the department, not the person who entered it, approves a report: from then on it counts."""
    with transaction.atomic():
        report = _review(report, user)
        report.status = ReportStatus.APPROVED
        report.approved_by, report.approved_at = user, timezone.now()
        report.save()
        audit.record("action", report, actor=user, summary=f"Duyệt báo cáo {report}",
                     after={"status": report.status})
    return report


def reject_report(report: OperatorReport, *, user, note: str) -> OperatorReport:
    note = (note or "").strip()
    if not note:
        raise TelecomError(_("Ghi rõ lý do trả lại để doanh nghiệp biết cần sửa gì."), "review_note")
    if len(note) > 1000:
        raise TelecomError(_("Lý do trả lại dài quá 1000 ký tự."), "review_note")
    with transaction.atomic():
        report = _review(report, user)
        report.status = ReportStatus.REJECTED
        report.rejected_by, report.rejected_at, report.review_note = user, timezone.now(), note
        report.save()
        audit.record("action", report, actor=user, summary=f"Trả lại báo cáo {report}: {note}",
                     after={"status": report.status, "review_note": note})
    return report


# -- coverage plans -----------------------------------------------------------------------------------------


@transaction.atomic
def save_coverage_plan(plan: CoveragePlan) -> CoveragePlan:
    plan.full_clean()
    plan.save()
    VillageStatus.objects.filter(village_id=plan.village_id).update(grid_power=plan.grid_power)
    return plan


def commune_of_point(lat: float, lon: float) -> Commune | None:
    """The commune of a position: the one whose imported boundary holds it, else that of the nearest village."""
    from tinhso.geo.selectors import commune_at

    found = commune_at(lat, lon)
    if found is not None:
        return found
    villages = list(Village.objects.filter(latitude__isnull=False).values_list("commune_id", "latitude",
                                                                                "longitude"))
    if not villages:
        return None
    index = spatial.PointIndex([float(v[1]) for v in villages], [float(v[2]) for v in villages])
    hit = index.nearest(lat, lon, 1)
    return Commune.objects.filter(pk=villages[hit[0].index][0]).first() if hit else None

