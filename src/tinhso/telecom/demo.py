"""The demo province's telecom registry: three operators with their logins, the department keeping the registry,
the infrastructure plan (spacing rules, planned sites, restricted areas), a few thousand stations placed around
the communes and villages, fibre and copper routes, public service points, measured and declared coverage, the
uncovered villages with their plans, a year of operators' reports, a storm with outages, and site-approval
dossiers through the one-stop engine.

Seeded (the same every time) and idempotent: a second run finds the operators' stations and writes nothing.
Nothing here is official: names, codes, positions and figures are plausible examples.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tinhso.common import audit
from tinhso.directory.identifiers import province_level1_code
from tinhso.directory.models import Agency, Membership, Role
from tinhso.geo import sources
from tinhso.geo.models import Commune, Village
from tinhso.telecom import services
from tinhso.telecom.models import (
    AreaKind,
    AreaType,
    CableRoute,
    CoverageGoal,
    CoveragePlan,
    CoverageRange,
    CoverageSource,
    Disaster,
    InfrastructurePlan,
    Medium,
    Operator,
    OperatorMembership,
    OperatorReport,
    Outage,
    Placement,
    PlannedSite,
    ReportSource,
    ReportStatus,
    RestrictedArea,
    ServicePoint,
    SpacingRule,
    Station,
    StationState,
    TelecomOffice,
    Terrain,
    UndergroundingPlan,
    VillageCoverage,
)

OPERATORS = [
    # code, name, short name, tax code, MNC, station prefix, share of stations
    ("viettel", "Tổng Công ty Viễn thông Viettel", "Viettel", "0100109106", "04", "VTL", 0.45),
    ("vnpt", "Tổng Công ty Dịch vụ Viễn thông (VNPT VinaPhone)", "VinaPhone", "0100684378", "02", "VNP", 0.30),
    ("mobifone", "Tổng Công ty Viễn thông MobiFone", "MobiFone", "0100686209", "01", "MBF", 0.25),
]
PLAN_NUMBER = "60/2016/NQ-HĐND"
RULE_SOURCE = "Giá trị mẫu theo QĐ 72/2025/QĐ-UBND tỉnh Bắc Ninh, Điều 6 (tỉnh thay bằng quy định của mình)"
SITE_PROCEDURE = "2.001850"  # a placeholder in the national code format (see catalogue.demo)


def load_demo_telecom(province_code: str, password: str, *, progress=None) -> dict:
    """Load the demo registry; returns what was created (zero counts on a second run)."""
    say = progress or (lambda text: None)
    level1 = province_level1_code(province_code)
    department = Agency.objects.filter(identifier=f"000.00.02.{level1}").first()
    if department is None:
        return {}
    with transaction.atomic():
        TelecomOffice.objects.get_or_create(agency=department)
        operators = _operators(password)
        staff = _department_staff(department, password)
        plan = _plan(province_code)
    if Station.objects.filter(operator__in=operators.values()).exists():
        return {"stations": 0}
    rng = random.Random(f"tinhso-telecom-{province_code}")
    communes = _communes(province_code)
    with transaction.atomic():
        say("Trạm BTS…")
        stations = _stations(rng, communes, operators)
        say("Tuyến cáp, điểm dịch vụ…")
        _routes(rng, communes, operators, plan)
        _service_points(rng, communes, operators)
        _undergrounding(plan)
        _declared_and_measured(rng, communes, operators)
        say("Vùng phủ sóng…")
        result = services.recompute_coverage()
        _coverage_plans(rng, operators)
        CoverageGoal.objects.get_or_create(name="Xóa thôn, bản trắng sóng", defaults={
            "target_date": datetime.date(timezone.localdate().year, 12, 31), "uncovered_max": 0,
            "legal_source": "Kế hoạch chuyển đổi số năm 2026 của tỉnh (mẫu)"})
        _reports(rng, operators)
        _storm(rng, communes)
        audit.record("action", Station, summary=f"Nạp sổ hạ tầng viễn thông mẫu: {stations} trạm",
                     after={"stations": stations, "uncovered": result.uncovered})
    say("Hồ sơ chấp thuận vị trí trạm…")
    dossiers = _site_dossiers(department, staff, operators)
    return {"stations": stations, "uncovered": result.uncovered, "dossiers": dossiers}


# -- people and the plan --------------------------------------------------------------------------------------


def _user(username: str, password: str, first: str, last: str):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, first_name=first, last_name=last,
                                   password=make_password(password))
    return user


def _operators(password: str) -> dict[str, Operator]:
    found = {}
    for code, name, short, tax, mnc, _, _ in OPERATORS:
        operator, _ = Operator.objects.get_or_create(code=code, defaults={
            "name": name, "short_name": short, "tax_code": tax, "mnc": mnc,
            "licence_number": f"GP mẫu {code.upper()}/2026", "contact_email": f"hatang@{code}.example.vn"})
        user = _user(code, password, "Cán bộ", short)
        OperatorMembership.objects.get_or_create(user=user, operator=operator, valid_from=datetime.date(2025, 7, 1))
        found[code] = operator
    return found


def _department_staff(department: Agency, password: str) -> dict:
    """The department's own desk for site approvals: one officer receiving, handling and returning, one
    leader approving (and reviewing the operators' reports)."""
    officer = _user("vienthong", password, "Ngô Thị", "Hạnh")
    leader = _user("vt_lanhdao", password, "Phan Đức", "Long")
    for user, roles in ((officer, (Role.RECEIVER, Role.HANDLER, Role.RETURNER)), (leader, (Role.APPROVER,))):
        for role in roles:
            Membership.objects.get_or_create(user=user, agency=department, role=role,
                                             defaults={"valid_from": datetime.date(2025, 7, 1)})
    return {"officer": officer, "leader": leader}


def _plan(province_code: str) -> InfrastructurePlan:
    plan, _ = InfrastructurePlan.objects.get_or_create(number=PLAN_NUMBER, defaults={
        "name": "Quy hoạch hạ tầng kỹ thuật viễn thông thụ động tỉnh (mẫu)", "issuer": "Hội đồng nhân dân tỉnh",
        "issued_on": datetime.date(2016, 12, 13), "valid_from": datetime.date(2017, 1, 1)})
    for same, area, metres in ((False, AreaType.URBAN, 120), (False, AreaType.OTHER, 250),
                               (True, AreaType.URBAN, 300), (True, AreaType.OTHER, 450)):
        SpacingRule.objects.get_or_create(plan=plan, same_operator=same, area=area,
                                          defaults={"minimum_m": metres, "legal_source": RULE_SOURCE})
    for terrain, values in services.DEFAULT_RANGES.items():
        for tech, metres in values.items():
            CoverageRange.objects.get_or_create(technology=tech, terrain=terrain, defaults={
                "range_m": metres, "source": "Giá trị quy hoạch mẫu (chưa xác nhận), quản trị viên điều chỉnh"})
    return plan


# -- places ------------------------------------------------------------------------------------------------


class Place:
    def __init__(self, commune: Commune, lat: float, lon: float, upland: bool):
        self.commune, self.lat, self.lon, self.upland = commune, lat, lon, upland
        self.urban = commune.kind == Commune.Kind.WARD


def _communes(province_code: str) -> list[Place]:
    centroids = sources.commune_centroids()
    code = sources.province_code(province_code)
    communes = list(Commune.objects.filter(province__code=code).order_by("code"))
    points = {c.pk: centroids.get((code, c.name)) for c in communes}
    longitudes = sorted(p[1] for p in points.values() if p)
    west = longitudes[int(len(longitudes) * 0.4)] if longitudes else 0
    return [Place(c, p[0], p[1], c.kind != Commune.Kind.WARD and p[1] < west) for c in communes
            if (p := points[c.pk])]


def _around(rng, lat, lon, metres) -> tuple[Decimal, Decimal]:
    distance = metres * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 110_574
    dlon = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return Decimal(f"{lat + dlat:.6f}"), Decimal(f"{lon + dlon:.6f}")


def _pick(rng, operators: dict[str, Operator]) -> Operator:
    return operators[rng.choices([o[0] for o in OPERATORS], [o[6] for o in OPERATORS])[0]]


def _stations(rng, places: list[Place], operators) -> int:
    today = timezone.localdate()
    prefixes = {o[0]: o[5] for o in OPERATORS}
    counters = dict.fromkeys(prefixes, 0)
    rows, tenants = [], []
    dark = {p.commune.pk for p in places if p.upland and rng.random() < 0.35}  # upland communes left dark
    for place in places:
        count = rng.randint(36, 60) if place.urban else (rng.randint(4, 9) if place.upland else rng.randint(16, 28))
        for _ in range(count):
            operator = _pick(rng, operators)
            counters[operator.code] += 1
            lat, lon = _around(rng, place.lat, place.lon, 1500 if place.urban else 3500)
            state = rng.choices([StationState.IN_SERVICE, StationState.BUILT, StationState.APPROVED,
                                 StationState.OUT_OF_SERVICE, StationState.DISMANTLED], [90, 3, 3, 2, 2])[0]
            approved = datetime.date(rng.randint(2016, today.year), rng.randint(1, 12), rng.randint(1, 28))
            if approved > today:
                approved = today - datetime.timedelta(days=rng.randint(1, 60))
            broadband = place.commune.pk not in dark
            station = Station(
                operator=operator, code=f"{prefixes[operator.code]}-{counters[operator.code]:05d}",
                name=f"{place.commune.name} {rng.randint(1, 40)}", latitude=lat, longitude=lon,
                commune=place.commune, terrain=Terrain.URBAN if place.urban else (
                    Terrain.MOUNTAIN if place.upland else Terrain.RURAL),
                structure=rng.choices(["tower", "monopole", "rooftop", "guyed_mast"], [40, 15, 30, 15])[0],
                height_m=Decimal(rng.choice([18, 24, 30, 36, 42, 45, 60])),
                has_2g=rng.random() < 0.8, has_3g=broadband and rng.random() < 0.7,
                has_4g=broadband and rng.random() < 0.97, has_5g=broadband and place.urban and rng.random() < 0.35,
                bands="900, 1800, 2100", state=state, approved_on=approved,
                approval_reference=f"Văn bản chấp thuận số {rng.randint(100, 3999)}/SKHCN-BCVT",
                built_on=approved + datetime.timedelta(days=rng.randint(30, 200)) if state != "approved" else None,
                source="demo")
            if station.structure == "rooftop":
                station.mounting = "building"
            if state in (StationState.IN_SERVICE, StationState.OUT_OF_SERVICE, StationState.DISMANTLED):
                station.in_service_on = station.built_on
            if state == StationState.DISMANTLED:
                station.dismantled_on = today - datetime.timedelta(days=rng.randint(10, 400))
            if station.in_service_on and station.in_service_on > today:
                station.in_service_on = station.built_on = today
            rows.append(station)
    Station.objects.bulk_create(rows, batch_size=1000)
    codes = list(operators.values())
    for station in Station.objects.filter(operator__in=codes, source="demo").only("pk", "operator_id"):
        if rng.random() < 0.22:
            others = [o for o in codes if o.pk != station.operator_id]
            for tenant in rng.sample(others, rng.choice([1, 1, 2])):
                tenants.append(Station.tenants.through(station_id=station.pk, operator_id=tenant.pk))
    Station.tenants.through.objects.bulk_create(tenants, batch_size=2000)
    shared_counts: dict[int, int] = {}
    for tenant in tenants:
        shared_counts[tenant.station_id] = shared_counts.get(tenant.station_id, 0) + 1
    for extra in (1, 2):
        Station.objects.filter(pk__in=[pk for pk, n in shared_counts.items() if n == extra]).update(
            operators_count=1 + extra, updated_at=timezone.now())
    return len(rows)


def _centre(places: list[Place]) -> Place:
    """The provincial city's centre: the ward with the most stations nearby (the first ward, in practice)."""
    wards = [p for p in places if p.urban]
    return wards[0] if wards else places[0]


def _square(lat, lon, half_m) -> dict:
    dlat = half_m / 110_574
    dlon = half_m / (111_320 * math.cos(math.radians(lat)))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat],
            [lon - dlon, lat - dlat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _routes(rng, places, operators, plan) -> None:
    centre = _centre(places)
    underground, _ = RestrictedArea.objects.get_or_create(
        plan=plan, kind=AreaKind.UNDERGROUND, name=f"Trung tâm {centre.commune.name}",
        defaults={"geometry": _square(centre.lat, centre.lon, 2500), "commune": centre.commune, "target_year": 2027})
    RestrictedArea.objects.get_or_create(
        plan=plan, kind=AreaKind.NO_TOWER, name="Khu di tích quốc gia đặc biệt (mẫu)",
        defaults={"geometry": _square(centre.lat + 0.06, centre.lon - 0.05, 600)})
    RestrictedArea.objects.get_or_create(
        plan=plan, kind=AreaKind.NO_TOWER, name="Hành lang tĩnh không sân bay (mẫu)",
        defaults={"geometry": _square(centre.lat + 0.04, centre.lon + 0.02, 900)})
    for number, place in enumerate(rng.sample(places, min(70, len(places))), start=1):
        PlannedSite.objects.get_or_create(plan=plan, code=f"QH-{number:03d}", defaults={
            "name": f"Vị trí quy hoạch {place.commune.name}", "commune": place.commune,
            "latitude": _around(rng, place.lat, place.lon, 2000)[0],
            "longitude": _around(rng, place.lat, place.lon, 2000)[1], "tolerance_m": rng.choice([30, 50, 100]),
            "min_operators": 2})
    areas = [services.spatial.area_geometry(underground.geometry)]
    routes = []
    fibre_places = [p for p in places if not (p.upland and rng.random() < 0.25)]
    for number, place in enumerate(fibre_places, start=1):
        operator = _pick(rng, operators)
        # From the ring around the city centre (inside it, cable runs in the inner-city ducts below).
        bearing = math.atan2(place.lat - centre.lat, place.lon - centre.lon)
        start = (centre.lat + 0.03 * math.sin(bearing), centre.lon + 0.03 * math.cos(bearing))
        mid = (start[0] + (place.lat - start[0]) * 0.5 + rng.uniform(-0.02, 0.02),
               start[1] + (place.lon - start[1]) * 0.5 + rng.uniform(-0.02, 0.02))
        path = {"type": "LineString", "coordinates": [[round(start[1], 6), round(start[0], 6)],
                                                      [round(mid[1], 6), round(mid[0], 6)],
                                                      [round(place.lon, 6), round(place.lat, 6)]]}
        route = CableRoute(operator=operator, code=f"CQ-{number:04d}", name=f"Tuyến cáp quang đến {place.commune.name}",
                           medium=Medium.FIBRE, placement=Placement.OVERHEAD, path=path)
        services.measure_route(route, areas)
        routes.append((route, [place.commune, centre.commune]))
    for number in range(1, 41):
        operator = _pick(rng, operators)
        start = _around(rng, centre.lat, centre.lon, 2200)
        end = _around(rng, centre.lat, centre.lon, 2200)
        path = {"type": "LineString", "coordinates": [[float(start[1]), float(start[0])], [float(end[1]),
                                                                                            float(end[0])]]}
        route = CableRoute(operator=operator, code=f"NH-{number:04d}", name=f"Tuyến nội thị {number}",
                           medium=rng.choice([Medium.FIBRE, Medium.FIBRE, Medium.COPPER]),
                           placement=Placement.UNDERGROUND if rng.random() < 0.58 else Placement.OVERHEAD,
                           path=path, street=f"Tuyến phố {number}")
        services.measure_route(route, areas)
        routes.append((route, [centre.commune]))
    CableRoute.objects.bulk_create([r for r, _ in routes], batch_size=500)
    saved = {r.code: r.pk for r in CableRoute.objects.filter(operator__in=operators.values())}
    links = [CableRoute.communes.through(cableroute_id=saved[r.code], commune_id=c.pk)
             for r, communes in routes for c in {c.pk: c for c in communes}.values()]
    CableRoute.communes.through.objects.bulk_create(links, batch_size=2000)


def _service_points(rng, places, operators) -> None:
    rows = []
    for number, place in enumerate(places, start=1):
        lat, lon = _around(rng, place.lat, place.lon, 800)
        kind = "post_office" if place.urban else "cultural_post"
        rows.append(ServicePoint(code=f"DV-{number:04d}", kind=kind, provider_name="Bưu điện tỉnh (mẫu)",
                                 name=f"{'Bưu cục' if place.urban else 'Điểm bưu điện – văn hóa'} {place.commune.name}",
                                 latitude=lat, longitude=lon, commune=place.commune,
                                 opened_on=datetime.date(2010 + number % 12, 1 + number % 12, 1),
                                 closed_on=datetime.date(2026, 3, 31) if number % 37 == 0 else None))
        for extra in range(rng.choice([0, 1, 2, 3]) if place.urban else rng.choice([0, 0, 1])):
            lat, lon = _around(rng, place.lat, place.lon, 1500)
            rows.append(ServicePoint(code=f"DV-{number:04d}-{extra + 1}", kind=rng.choice(["kiosk", "public_wifi"]),
                                     operator=_pick(rng, operators), name=f"Điểm dịch vụ {place.commune.name} "
                                     f"{extra + 1}", latitude=lat, longitude=lon, commune=place.commune,
                                     staffed=rng.random() < 0.7, opened_on=datetime.date(2024, 1 + extra, 1)))
    ServicePoint.objects.bulk_create(rows, batch_size=1000)


def _undergrounding(plan) -> None:
    for name, year, planned, done in (("Đường Lê Lợi (mẫu)", 2026, 3200, 2400), ("Đường Quang Trung (mẫu)", 2026,
                                                                                  2100, 900),
                                      ("Khu đô thị mới phía Bắc (mẫu)", 2027, 5400, 1200)):
        UndergroundingPlan.objects.get_or_create(plan=plan, name=name, defaults={
            "target_year": year, "planned_length_m": Decimal(planned), "done_length_m": Decimal(done)})


def _declared_and_measured(rng, places, operators) -> None:
    villages = list(Village.objects.filter(commune__in=[p.commune for p in places], latitude__isnull=False)
                    .order_by("pk"))
    rows = []
    for village in rng.sample(villages, min(60, len(villages))):
        operator = _pick(rng, operators)
        rows.append(VillageCoverage(village=village, operator=operator, technology="4G",
                                    source=CoverageSource.DECLARED, covered=rng.random() < 0.85,
                                    observed_on=datetime.date(2026, 1, 15), note="Doanh nghiệp kê khai quý IV/2025"))
    for village in rng.sample(villages, min(40, len(villages))):
        operator = _pick(rng, operators)
        rows.append(VillageCoverage(village=village, operator=operator, technology="4G",
                                    source=CoverageSource.MEASURED, covered=rng.random() < 0.8,
                                    observed_on=datetime.date(2026, 5, rng.randint(4, 28)),
                                    method=rng.choice(["drive_test", "field_check"]),
                                    signal_dbm=Decimal(rng.randint(-118, -70))))
    seen, unique = set(), []
    for row in rows:
        key = (row.village_id, row.operator_id, row.technology, row.source)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    VillageCoverage.objects.bulk_create(unique)


def _coverage_plans(rng, operators) -> None:
    from tinhso.telecom.models import VillageStatus

    today = timezone.localdate()
    for status in VillageStatus.objects.filter(broadband=False).order_by("village_id"):
        if rng.random() < 0.7:
            CoveragePlan.objects.get_or_create(village_id=status.village_id, operator=_pick(rng, operators),
                                               defaults={
                "planned_on": today + datetime.timedelta(days=rng.randint(-40, 420)),
                "grid_power": rng.random() < 0.85, "technology": "4G",
                "state": rng.choice(["planned", "planned", "building"]),
                "funding": rng.choice(["Chương trình viễn thông công ích", "Vốn doanh nghiệp"])})
    services.refresh_statuses()


def _reports(rng, operators) -> None:
    today = timezone.localdate()
    month = datetime.date(today.year, today.month, 1)
    months = []
    for _ in range(12):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    sizes = {"viettel": 1_900_000, "vnpt": 1_050_000, "mobifone": 900_000}
    now = timezone.now()
    rows = []
    for code, operator in operators.items():
        stations = Station.objects.filter(operator=operator).count()
        for index, start in enumerate(sorted(months)):
            growth = 1 + 0.004 * index
            phone = int(sizes[code] * growth)
            end = (start + datetime.timedelta(days=32)).replace(day=1)
            latest = start == max(months)
            rows.append(OperatorReport(
                operator=operator, period=f"{start:%Y-%m}", period_start=start, period_end=end,
                phone_subscribers=phone, mobile_broadband_subscribers=int(phone * rng.uniform(0.74, 0.8)),
                fixed_broadband_subscribers=int(phone * rng.uniform(0.15, 0.19)),
                revenue_million_vnd=Decimal(f"{phone * rng.uniform(0.095, 0.115):.1f}"),
                stations=stations, source=ReportSource.DEMO, entered_label="Dữ liệu mẫu", entered_at=now,
                status=ReportStatus.SUBMITTED if latest else ReportStatus.APPROVED,
                approved_at=None if latest else now))
    OperatorReport.objects.bulk_create(rows)


def _storm(rng, places) -> None:
    now = timezone.now()
    storm, _ = Disaster.objects.get_or_create(name="Bão số 5 (mẫu)", defaults={
        "kind": "storm", "started_at": now - datetime.timedelta(hours=30)})
    coastal = sorted(places, key=lambda p: -p.lon)[: max(1, len(places) // 4)]
    candidates = list(Station.objects.filter(commune__in=[p.commune for p in coastal],
                                             state=StationState.IN_SERVICE).order_by("pk").values_list(
        "pk", "operator_id", "commune_id"))
    down = []
    for pk, operator, commune in rng.sample(candidates, min(140, len(candidates))):
        started = storm.started_at + datetime.timedelta(minutes=rng.randint(0, 26 * 60))
        ended = started + datetime.timedelta(hours=rng.randint(2, 20)) if rng.random() < 0.45 else None
        if ended and ended > now:
            ended = None
        down.append(Outage(station_id=pk, operator_id=operator, commune_id=commune, disaster=storm,
                           cause=rng.choices(["power", "transmission", "damage"], [65, 25, 10])[0],
                           started_at=started, ended_at=ended, reported_by="Dữ liệu mẫu"))
    Outage.objects.bulk_create(down)
    Station.objects.filter(pk__in=[o.station_id for o in down if o.ended_at is None]).update(
        is_down=True, updated_at=timezone.now())


# -- site approvals through the one-stop engine ------------------------------------------------------------


def _site_procedure(department: Agency):
    from tinhso.catalogue.demo import _field
    from tinhso.catalogue.models import Procedure, Status, StepRole
    from tinhso.catalogue.services import DocumentLine, FeeLine, StepLine, VersionContent, apply_content
    from tinhso.telecom.site_approval import KEY, SITE_FORM

    content = VersionContent(
        name="Thủ tục chấp thuận vị trí xây dựng cột ăng ten thu phát sóng thông tin di động (trạm BTS)",
        field=_field("VT", "Viễn thông và Internet"), level="province", time_limit=10,
        result="Văn bản chấp thuận vị trí; trạm được ghi vào sổ đăng ký hạ tầng viễn thông",
        legal_basis="Luật Viễn thông 2023; quy hoạch hạ tầng kỹ thuật viễn thông thụ động của tỉnh",
        online_level="full", eform_schema=SITE_FORM, result_handler=KEY, agencies=(department,),
        documents=(DocumentLine(name="Văn bản đề nghị chấp thuận vị trí"),
                   DocumentLine(name="Bản vẽ vị trí, thiết kế cột", originals=1, copies=1),
                   DocumentLine(name="Phương án dùng chung hạ tầng", required=False)),
        fees=(FeeLine(description="Phí thẩm định (mẫu)", amount=500_000),),
        steps=(StepLine(role=StepRole.RECEIVE, share=0), StepLine(role=StepRole.HANDLE, share=8, agency=department),
               StepLine(role=StepRole.APPROVE, share=2, agency=department), StepLine(role=StepRole.RETURN, share=0)))
    apply_content(SITE_PROCEDURE, content, publish_now=True)
    return Procedure.objects.get(code=SITE_PROCEDURE).versions.get(status=Status.PUBLISHED)


def _site_dossiers(department: Agency, staff: dict, operators) -> int:
    from tinhso.dossiers import services as engine
    from tinhso.dossiers.models import Dossier

    version = _site_procedure(department)
    if Dossier.objects.filter(procedure_version__procedure=version.procedure).exists():
        return 0
    officer, leader = staff["officer"], staff["leader"]
    sites = Station.objects.filter(operator__code="viettel", state=StationState.IN_SERVICE).order_by("pk")[:6]
    created = 0
    for index, anchor in enumerate(sites):
        operator = list(operators.values())[index % 3]
        lat = float(anchor.latitude) + 0.004 * (1 if index % 2 else -1)
        lon = float(anchor.longitude) + 0.003
        data = {"doanh_nghiep": operator.code, "ma_tram": f"{operator.code.upper()}-QH-{index + 1:03d}",
                "ten_tram": f"Trạm mới {anchor.commune.name if anchor.commune else ''}".strip(), "vi_do": round(lat, 6),
                "kinh_do": round(lon, 6), "ma_xa": anchor.commune.code if anchor.commune else "", "chieu_cao": 36,
                "loai_cot": "tower", "vi_tri_lap_dat": "ground", "cong_nghe": "4G,5G",
                "dung_chung": "vnpt" if operator.code != "vnpt" else "viettel", "so_huu": "owned"}
        dossier = engine.submit_online(
            version=version, receiving_agency=department, eform_data=data,
            applicant=engine.Applicant(name=operator.name, kind="organisation", tax_code=operator.tax_code,
                                       email=operator.contact_email, phone="0238 3500 000"))
        created += 1
        if index == 5:
            continue  # waiting for reception
        dossier = engine.receive(dossier, actor=officer, expected_version=dossier.version)
        if index == 4:
            continue  # with the handler
        dossier = engine.forward(dossier, actor=officer, expected_version=dossier.version)
        if index == 3:
            continue  # with the leader
        dossier = engine.approve(dossier, actor=leader, expected_version=dossier.version)
        if index == 2:
            continue  # result ready
        engine.return_result(dossier, actor=officer, expected_version=dossier.version, method="online")
    return created
