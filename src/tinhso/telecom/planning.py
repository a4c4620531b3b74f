"""The checks of a proposed tower site against the province's infrastructure plan, with their distances:

1. inside a planned site — the nearest planned site of the plan in force and whether the position lies within
   its tolerance;
2. spacing to the nearest tower of another operator and 3. of the same operator — against the plan's minimum
   (in town: a phường; elsewhere: a xã or đặc khu), e.g. 120 m / 250 m and 300 m / 450 m in Bắc Ninh's
   QĐ 72/2025/QĐ-UBND;
4. inside an area where no tower may stand, or how far the nearest one is;
5. sharing — whether the application names at least as many operators as the planned site requires
   (new towers shared by at least two operators).

Towers are stations standing on the ground (type 1, TTLT 12/2007) that are approved, built, in or out of
service. Every distance is geodesic (``common.spatial``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from tinhso.common import spatial
from tinhso.telecom.models import (
    STANDING_STATES,
    AreaKind,
    AreaType,
    InfrastructurePlan,
    Mounting,
    PlannedSite,
    RestrictedArea,
    SpacingRule,
    Station,
    Structure,
)


@dataclass(frozen=True)
class Check:
    """One check: ``passed`` True/False, or None when the plan says nothing (no rule, no site)."""

    key: str
    label: str
    passed: bool | None
    detail: str
    distance_m: float | None = None
    reference: str = ""

    @property
    def status(self) -> str:
        return {True: "passed", False: "failed", None: "unknown"}[self.passed]


@dataclass(frozen=True)
class Proposal:
    latitude: float
    longitude: float
    operator_id: int
    area: str = AreaType.OTHER
    operators: int = 1  # how many operators the sharing plan names, the applicant included
    exclude_station: int | None = None


def area_of(commune) -> str:
    """In town (a phường) or elsewhere: which spacing rule applies."""
    return AreaType.URBAN if commune is not None and commune.kind == "phuong" else AreaType.OTHER


def metres(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} m".replace(",", ".")


class Towers:
    """The standing towers, indexed once for the checks of one or many proposals."""

    def __init__(self):
        rows = list(Station.objects.filter(state__in=STANDING_STATES, mounting=Mounting.GROUND)
                    .exclude(structure=Structure.INDOOR)
                    .values_list("pk", "code", "operator_id", "latitude", "longitude"))
        self.rows = rows
        self.index = spatial.PointIndex([float(r[3]) for r in rows], [float(r[4]) for r in rows])

    def nearest(self, proposal: Proposal, same_operator: bool):
        excluded = {i for i, r in enumerate(self.rows)
                    if (r[2] == proposal.operator_id) != same_operator or r[0] == proposal.exclude_station}
        hits = self.index.nearest(proposal.latitude, proposal.longitude, 1, exclude=excluded)
        return (self.rows[hits[0].index], hits[0].distance_m) if hits else (None, None)


def plan_in_force():
    return InfrastructurePlan.objects.active_on().order_by("-valid_from").first()


def check_site(proposal: Proposal, *, plan=None, towers: Towers | None = None) -> list[Check]:
    plan = plan or plan_in_force()
    towers = towers or Towers()
    checks: list[Check] = []
    lat, lon = proposal.latitude, proposal.longitude

    # 1. The planned site.
    site, site_distance = None, None
    if plan is not None:
        sites = list(PlannedSite.objects.filter(plan=plan).values_list("pk", "code", "latitude", "longitude",
                                                                       "tolerance_m", "min_operators"))
        if sites:
            index = spatial.PointIndex([float(s[2]) for s in sites], [float(s[3]) for s in sites])
            hit = index.nearest(lat, lon, 1)[0]
            site, site_distance = sites[hit.index], hit.distance_m
    if plan is None:
        checks.append(Check("planned_site", _("Vị trí quy hoạch"), None, _("Chưa có quy hoạch hạ tầng đang hiệu lực.")))
    elif site is None:
        checks.append(Check("planned_site", _("Vị trí quy hoạch"), None, _("Quy hoạch chưa có vị trí nào."),
                            reference=str(plan.number)))
    else:
        inside = site_distance <= site[4]
        checks.append(Check(
            "planned_site", _("Vị trí quy hoạch"), inside,
            (_("Nằm trong vị trí quy hoạch %(code)s: cách tâm %(distance)s, sai số cho phép %(tolerance)s.") if inside
             else _("Ngoài vị trí quy hoạch: vị trí gần nhất %(code)s cách %(distance)s (sai số cho phép "
                    "%(tolerance)s).")) % {"code": site[1], "distance": metres(site_distance),
                                           "tolerance": metres(site[4])},
            site_distance, plan.number))

    # 2–3. Spacing to the nearest towers.
    rules = {}
    if plan is not None:
        rules = {(r.same_operator, r.area): r for r in SpacingRule.objects.filter(plan=plan)}
    for same, key, label in ((False, "spacing_other", _("Khoảng cách tới cột của doanh nghiệp khác")),
                             (True, "spacing_same", _("Khoảng cách tới cột cùng doanh nghiệp"))):
        rule = rules.get((same, proposal.area))
        tower, distance = towers.nearest(proposal, same)
        if tower is None:
            checks.append(Check(key, label, True if rule else None, _("Không có cột nào trong sổ đăng ký.")))
            continue
        if rule is None:
            checks.append(Check(key, label, None, _("Cột gần nhất %(code)s cách %(distance)s; quy hoạch không quy "
                                                    "định khoảng cách tối thiểu.") % {
                                    "code": tower[1], "distance": metres(distance)}, distance))
            continue
        ok = distance >= rule.minimum_m
        checks.append(Check(
            key, label, ok,
            _("Cột gần nhất %(code)s cách %(distance)s; tối thiểu %(minimum)s (%(area)s).") % {
                "code": tower[1], "distance": metres(distance), "minimum": metres(rule.minimum_m),
                "area": rule.get_area_display().lower()},
            distance, rule.legal_source))

    # 4. Areas where no tower may stand.
    areas = list(RestrictedArea.objects.filter(plan=plan, kind=AreaKind.NO_TOWER)) if plan else []
    inside_area, nearest_area, nearest_distance = None, None, None
    for area in areas:
        try:
            geometry = spatial.area_geometry(area.geometry)
        except ValueError:
            continue
        distance = spatial.distance_to_area_m(geometry, lat, lon)
        if distance == 0:
            inside_area = area
            break
        if nearest_distance is None or distance < nearest_distance:
            nearest_area, nearest_distance = area, distance
    if inside_area is not None:
        checks.append(Check("no_tower_area", _("Khu vực không lắp dựng cột"), False,
                            _("Nằm trong khu vực “%(name)s”.") % {"name": inside_area.name}, 0.0,
                            plan.number if plan else ""))
    elif nearest_area is not None:
        checks.append(Check("no_tower_area", _("Khu vực không lắp dựng cột"), True,
                            _("Ngoài các khu vực cấm; gần nhất “%(name)s” cách %(distance)s.") % {
                                "name": nearest_area.name, "distance": metres(nearest_distance)},
                            nearest_distance, plan.number if plan else ""))
    else:
        checks.append(Check("no_tower_area", _("Khu vực không lắp dựng cột"), True if plan else None,
                            _("Quy hoạch không có khu vực cấm lắp dựng cột.")))

    # 5. Sharing (new towers shared by at least two operators where the plan asks for it).
    required = site[5] if site is not None and site_distance is not None and site_distance <= site[4] else 2
    checks.append(Check(
        "sharing", _("Dùng chung hạ tầng"), proposal.operators >= required,
        _("Phương án dùng chung có %(count)d doanh nghiệp; yêu cầu tối thiểu %(required)d.") % {
            "count": proposal.operators, "required": required}))
    return checks


def to_decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")
