"""Imports into the telecom registry from XLSX or CSV (``common.tabular``): stations (the department's layout,
or the OpenCellID CSV layout for a first picture of a province), cable routes, villages' measured or declared
coverage, and operators' periodic reports.

Every row is checked before anything is written; each problem names its row (the header is row 1) and column;
a file with any problem writes nothing. Rows match existing records by their key (operator and code; the
village, operator, technology and source; the operator and period), so importing the same file again changes
nothing. An operator's people import only their own operator's rows. Each layout is exported by
``exports`` in the same columns, so a file can be exported, edited and imported back.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from tinhso.common import audit, tabular
from tinhso.common.maps import province_bounds
from tinhso.geo.models import Commune, Village
from tinhso.telecom import opencellid, selectors, services
from tinhso.telecom.models import (
    TECHNOLOGY_FIELDS,
    CableRoute,
    CoverageSource,
    Medium,
    Method,
    Mounting,
    Operator,
    Ownership,
    Placement,
    ReportSource,
    Station,
    StationState,
    Structure,
    Technology,
    Terrain,
    VillageCoverage,
)

STATION_COLUMNS = ["operator", "code", "name", "latitude", "longitude", "commune_code", "address", "structure",
                   "mounting", "height_m", "terrain", "technologies", "bands", "tenants", "ownership",
                   "infrastructure_owner", "state", "approval_reference", "approved_on", "built_on", "in_service_on"]
STATION_GUIDE = {
    "operator": "Mã doanh nghiệp (viettel, vnpt, mobifone…). Bắt buộc.",
    "code": "Mã trạm của doanh nghiệp. Bắt buộc, không trùng trong một doanh nghiệp.",
    "latitude": "Vĩ độ WGS 84, độ thập phân (18.6796). Bắt buộc.",
    "longitude": "Kinh độ WGS 84, độ thập phân (105.6813). Bắt buộc.",
    "commune_code": "Mã xã, phường (danh mục 2025); để trống thì hệ thống tự xác định theo vị trí.",
    "structure": "tower, guyed_mast, monopole, rooftop, camouflaged, indoor (hoặc tên tiếng Việt).",
    "mounting": "ground (trên mặt đất, loại 1) hoặc building (trên công trình, loại 2).",
    "terrain": "urban, rural hoặc mountain: chọn bán kính phủ sóng khi tính vùng phủ.",
    "technologies": "Các công nghệ cách nhau bởi dấu ; hoặc , ví dụ 2G;4G;5G.",
    "tenants": "Mã các doanh nghiệp dùng chung hạ tầng, cách nhau bởi dấu ;.",
    "state": "planned, approved, built, in_service, out_of_service, dismantled (mặc định in_service).",
    "approved_on": "Ngày dd/mm/yyyy.",
}
ROUTE_COLUMNS = ["operator", "code", "name", "medium", "placement", "path", "street", "commune_codes", "built_on"]
ROUTE_GUIDE = {
    "medium": "fibre (cáp quang), copper, coaxial.",
    "placement": "overhead (treo) hoặc underground (ngầm). Bắt buộc.",
    "path": "Đường đi: WKT LINESTRING(kinh_độ vĩ_độ, …) hoặc GeoJSON LineString. Bắt buộc.",
    "commune_codes": "Mã các xã, phường tuyến đi qua, cách nhau bởi dấu ;.",
}
COVERAGE_COLUMNS = ["commune_code", "village_code", "village_name", "operator", "technology", "source", "covered",
                    "observed_on", "method", "signal_dbm", "note"]
COVERAGE_GUIDE = {
    "village_code": "Mã thôn trong xã; hoặc ghi tên ở village_name.",
    "source": "measured (đo kiểm) hoặc declared (doanh nghiệp kê khai).",
    "covered": "có / không.",
    "method": "drive_test hoặc field_check (bắt buộc với measured).",
    "observed_on": "Ngày đo hoặc kê khai, dd/mm/yyyy. Bắt buộc.",
}
REPORT_COLUMNS = ["operator", "period", "phone_subscribers", "mobile_broadband_subscribers",
                  "fixed_broadband_subscribers", "revenue_million_vnd", "stations", "note"]
REPORT_GUIDE = {"period": "Tháng (2026-03) hoặc quý (2026-Q1).",
                "revenue_million_vnd": "Doanh thu trong kỳ, triệu đồng."}
TEMPLATES = {"tram": (STATION_COLUMNS, STATION_GUIDE), "tuyen-cap": (ROUTE_COLUMNS, ROUTE_GUIDE),
             "do-kiem": (COVERAGE_COLUMNS, COVERAGE_GUIDE), "bao-cao": (REPORT_COLUMNS, REPORT_GUIDE)}


def _allowed_operators(user) -> dict[str, Operator]:
    operators = Operator.objects.all() if user is None else selectors.visible_operators(user)
    return {o.code: o for o in operators}


def _operator(row, number, operators, report) -> Operator | None:
    code = str(row.get("operator", "")).strip().lower()
    found = operators.get(code)
    if found is None:
        report.add_error(number, "operator", f"Không có doanh nghiệp mã “{code}” (hoặc bạn không được nhập cho "
                                             "doanh nghiệp này).")
    return found


def _cell(check, number, column, report, value, **kwargs):
    try:
        return check(value, **kwargs)
    except ValueError as error:
        report.add_error(number, column, str(error))
        return None


def _optional(check, number, column, report, value, **kwargs):
    return None if value in ("", None) else _cell(check, number, column, report, value, **kwargs)


def _technologies(value, number, report) -> set[str] | None:
    items = {t.strip().upper() for t in re.split(r"[;,/ ]+", str(value or "")) if t.strip()}
    unknown = items - set(Technology.values)
    if unknown:
        report.add_error(number, "technologies", f"Công nghệ không hợp lệ: {', '.join(sorted(unknown))} "
                                                 "(2G, 3G, 4G, 5G).")
        return None
    return items


def _communes() -> dict[str, Commune]:
    return {c.code: c for c in Commune.objects.filter(province__code=settings.TINHSO_PROVINCE_CODE)}


def _read(file, format, report):
    return tabular.read_table(file, format)


# -- stations -------------------------------------------------------------------------------------------------


def import_stations(file, *, user, dry_run: bool = False, format: str | None = None) -> tabular.ImportReport:
    report = tabular.ImportReport(dry_run=dry_run)
    table = tabular.read_table(file, format)
    tabular.check_header(table.header, STATION_COLUMNS, ("operator", "code", "latitude", "longitude"),
                                   report)
    if not report.ok:
        return report
    operators = _allowed_operators(user)
    everyone = {o.code: o for o in Operator.objects.all()}
    communes = _communes()
    seen: dict[tuple, int] = {}
    parsed = []
    for number, row in table.rows:
        report.rows += 1
        before = len(report.errors)
        operator = _operator(row, number, operators, report)
        code = _cell(tabular.parse_text, number, "code", report, row.get("code"), max_length=60, required=True)
        key = (operator.pk if operator else None, code)
        if code and key in seen:
            report.add_error(number, "code", f"Trạm {code} đã có ở dòng {seen[key]}.")
        seen.setdefault(key, number)
        values = {
            "name": _cell(tabular.parse_text, number, "name", report, row.get("name", ""), max_length=200),
            "latitude": _cell(tabular.parse_decimal, number, "latitude", report, row.get("latitude"),
                              decimal_places=6, minimum=Decimal(6), maximum=Decimal(24)),
            "longitude": _cell(tabular.parse_decimal, number, "longitude", report, row.get("longitude"),
                               decimal_places=6, minimum=Decimal(102), maximum=Decimal(118)),
            "address": _cell(tabular.parse_text, number, "address", report, row.get("address", ""), max_length=300),
            "structure": _optional(tabular.parse_choice, number, "structure", report, row.get("structure"),
                                   choices=Structure.choices) or Structure.TOWER,
            "mounting": _optional(tabular.parse_choice, number, "mounting", report, row.get("mounting"),
                                  choices=Mounting.choices) or Mounting.GROUND,
            "height_m": _optional(tabular.parse_decimal, number, "height_m", report, row.get("height_m"),
                                  decimal_places=1, minimum=Decimal(0), maximum=Decimal(300)),
            "terrain": _optional(tabular.parse_choice, number, "terrain", report, row.get("terrain"),
                                 choices=Terrain.choices) or Terrain.RURAL,
            "bands": _cell(tabular.parse_text, number, "bands", report, row.get("bands", ""), max_length=100),
            "ownership": _optional(tabular.parse_choice, number, "ownership", report, row.get("ownership"),
                                   choices=Ownership.choices) or Ownership.OWNED,
            "infrastructure_owner": _cell(tabular.parse_text, number, "infrastructure_owner", report,
                                          row.get("infrastructure_owner", ""), max_length=200),
            "state": _optional(tabular.parse_choice, number, "state", report, row.get("state"),
                               choices=StationState.choices) or StationState.IN_SERVICE,
            "approval_reference": _cell(tabular.parse_text, number, "approval_reference", report,
                                        row.get("approval_reference", ""), max_length=200),
        }
        for name in ("approved_on", "built_on", "in_service_on"):
            values[name] = _optional(tabular.parse_date, number, name, report, row.get(name))
        technologies = _technologies(row.get("technologies", ""), number, report)
        tenants = []
        for tenant in [t.strip().lower() for t in str(row.get("tenants", "")).split(";") if t.strip()]:
            if tenant not in everyone:
                report.add_error(number, "tenants", f"Không có doanh nghiệp mã “{tenant}”.")
            else:
                tenants.append(everyone[tenant])
        commune = None
        commune_code = str(row.get("commune_code", "")).strip()
        if commune_code:
            commune = communes.get(commune_code.zfill(5))
            if commune is None:
                report.add_error(number, "commune_code", f"Không có xã, phường mã “{commune_code}” trong tỉnh.")
        if len(report.errors) == before:
            parsed.append((number, operator, code, values, technologies, tenants, commune))
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        existing = {(s.operator_id, s.code): s for s in Station.objects.filter(
            operator__in=[p[1] for p in parsed], code__in=[p[2] for p in parsed])}
        for _number, operator, code, values, technologies, tenants, commune in parsed:
            station = existing.get((operator.pk, code)) or Station(operator=operator, code=code, source="import")
            if commune is None and station.commune_id is None:
                # No commune given: the one whose boundary (else nearest village) holds the position.
                commune = services.commune_of_point(float(values["latitude"]), float(values["longitude"]))
            before = _station_state(station)
            for name, value in values.items():
                setattr(station, name, value)
            if commune is not None:
                station.commune = commune
            for tech, name in TECHNOLOGY_FIELDS.items():
                setattr(station, name, tech in technologies)
            new = station.pk is None
            tenant_ids = sorted(t.pk for t in tenants if t.pk != operator.pk)
            if not new and before == _station_state(station) and tenant_ids == sorted(
                    station.tenants.values_list("pk", flat=True)):
                report.unchanged.append(code)
                continue
            services.save_station(station, tenants=tenants, actor=user)
            (report.created if new else report.updated).append(code)
    return report


def _station_state(station: Station) -> dict:
    names = ["name", "latitude", "longitude", "commune_id", "address", "structure", "mounting", "height_m",
             "terrain", "bands", "ownership", "infrastructure_owner", "state", "approval_reference", "approved_on",
             "built_on", "in_service_on", *TECHNOLOGY_FIELDS.values()]
    return {name: _comparable(getattr(station, name)) for name in names}


def _comparable(value):
    """Values compared as they mean, not as they were typed: 18.6796 and 18.679600 are one latitude."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def import_opencellid(file, *, user, dry_run: bool = False, format: str | None = None) -> tabular.ImportReport:
    """Stations from the OpenCellID CSV layout: each cell of Vietnam (MCC 452) inside the province's bounds
    becomes an in-service station of the operator whose network code (MNC) is ``net``; cells elsewhere are
    left out and counted."""
    report = tabular.ImportReport(dry_run=dry_run)
    cells = opencellid.read_cells(tabular.content_of(file), report)
    if not report.ok:
        return report
    operators = {o.mnc.zfill(2): o for o in Operator.objects.exclude(mnc="")}
    allowed = _allowed_operators(user)
    (south, west), (north, east) = province_bounds(settings.TINHSO_PROVINCE_CODE)
    chosen = []
    for cell in cells:
        if cell.mcc != "452" or not (south <= cell.latitude <= north and west <= cell.longitude <= east):
            report.unchanged.append(cell.code)
            continue
        operator = operators.get(cell.net)
        if operator is None or operator.code not in allowed:
            report.add_error(cell.row, "net", f"Không có doanh nghiệp có mã mạng (MNC) {cell.net} trong danh sách "
                                              "(hoặc bạn không được nhập cho doanh nghiệp này).")
            continue
        chosen.append((cell, operator))
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        existing = {(s.operator_id, s.code): s for s in Station.objects.filter(
            code__in=[c.code for c, _ in chosen])}
        for cell, operator in chosen:
            station = existing.get((operator.pk, cell.code))
            if station is not None:
                if (float(station.latitude), float(station.longitude)) == (round(cell.latitude, 6),
                                                                            round(cell.longitude, 6)):
                    report.unchanged.append(cell.code)
                    continue
            else:
                station = Station(operator=operator, code=cell.code, source="opencellid",
                                  state=StationState.IN_SERVICE)
            station.latitude = Decimal(f"{cell.latitude:.6f}")
            station.longitude = Decimal(f"{cell.longitude:.6f}")
            setattr(station, TECHNOLOGY_FIELDS[cell.technology], True)
            station.commune = services.commune_of_point(cell.latitude, cell.longitude)
            new = station.pk is None
            services.save_station(station, actor=user)
            (report.created if new else report.updated).append(cell.code)
    return report


# -- routes ---------------------------------------------------------------------------------------------------


def parse_path(value) -> dict:
    """A line from a WKT ``LINESTRING(lon lat, …)`` or a GeoJSON LineString text."""
    text = str(value or "").strip()
    if text.startswith("{"):
        try:
            geometry = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"GeoJSON không hợp lệ: {error.msg}.") from None
    else:
        match = re.fullmatch(r"(?i)LINESTRING\s*\((.+)\)", text)
        if not match:
            raise ValueError("Đường đi phải là WKT LINESTRING(kinh_độ vĩ_độ, …) hoặc GeoJSON LineString.")
        coordinates = []
        for pair in match[1].split(","):
            parts = pair.split()
            try:
                coordinates.append([float(parts[0]), float(parts[1])])
            except (ValueError, IndexError):
                raise ValueError(f"Điểm “{pair.strip()}” không phải “kinh_độ vĩ_độ”.") from None
        geometry = {"type": "LineString", "coordinates": coordinates}
    problem = services.route_geometry_errors(geometry)
    if problem:
        raise ValueError(problem)
    return {"type": "LineString", "coordinates": [[float(c[0]), float(c[1])] for c in geometry["coordinates"]]}


def import_routes(file, *, user, dry_run: bool = False, format: str | None = None) -> tabular.ImportReport:
    report = tabular.ImportReport(dry_run=dry_run)
    table = tabular.read_table(file, format)
    tabular.check_header(table.header, ROUTE_COLUMNS, ("operator", "code", "placement", "path"), report)
    if not report.ok:
        return report
    operators = _allowed_operators(user)
    communes = _communes()
    parsed, seen = [], {}
    for number, row in table.rows:
        report.rows += 1
        before = len(report.errors)
        operator = _operator(row, number, operators, report)
        code = _cell(tabular.parse_text, number, "code", report, row.get("code"), max_length=60, required=True)
        key = (operator.pk if operator else None, code)
        if code and key in seen:
            report.add_error(number, "code", f"Tuyến {code} đã có ở dòng {seen[key]}.")
        seen.setdefault(key, number)
        values = {
            "name": _cell(tabular.parse_text, number, "name", report, row.get("name", ""), max_length=200),
            "medium": _optional(tabular.parse_choice, number, "medium", report, row.get("medium"),
                                choices=Medium.choices) or Medium.FIBRE,
            "placement": _cell(tabular.parse_choice, number, "placement", report, row.get("placement"),
                               choices=Placement.choices),
            "path": _cell(parse_path, number, "path", report, row.get("path")),
            "street": _cell(tabular.parse_text, number, "street", report, row.get("street", ""), max_length=200),
            "built_on": _optional(tabular.parse_date, number, "built_on", report, row.get("built_on")),
        }
        route_communes = []
        for commune_code in [c.strip() for c in str(row.get("commune_codes", "")).split(";") if c.strip()]:
            found = communes.get(commune_code.zfill(5))
            if found is None:
                report.add_error(number, "commune_codes", f"Không có xã, phường mã “{commune_code}” trong tỉnh.")
            else:
                route_communes.append(found)
        if len(report.errors) == before:
            parsed.append((operator, code, values, route_communes))
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        for operator, code, values, route_communes in parsed:
            route = CableRoute.objects.filter(operator=operator, code=code).first()
            new = route is None
            route = route or CableRoute(operator=operator, code=code)
            same = not new and all(getattr(route, n) == v for n, v in values.items()) and sorted(
                route.communes.values_list("pk", flat=True)) == sorted(c.pk for c in route_communes)
            if same:
                report.unchanged.append(code)
                continue
            for name, value in values.items():
                setattr(route, name, value)
            services.save_route(route, communes=route_communes)
            (report.created if new else report.updated).append(code)
        if report.created or report.updated:
            services.refresh_statuses()
    return report


# -- village coverage -----------------------------------------------------------------------------------------


def import_coverage(file, *, user, dry_run: bool = False, format: str | None = None) -> tabular.ImportReport:
    """Measured (drive test, field check) or declared coverage of villages, kept apart by source; the
    villages' statuses follow by the rule (``services``)."""
    report = tabular.ImportReport(dry_run=dry_run)
    table = tabular.read_table(file, format)
    tabular.check_header(table.header, COVERAGE_COLUMNS, ("commune_code", "operator", "technology", "source",
                                                          "covered", "observed_on"), report)
    if not report.ok:
        return report
    operators = _allowed_operators(user)
    if user is not None and not selectors.is_department(user):
        sources = [(CoverageSource.DECLARED, CoverageSource.DECLARED.label)]  # an operator only declares
    else:
        sources = [(CoverageSource.MEASURED, CoverageSource.MEASURED.label),
                   (CoverageSource.DECLARED, CoverageSource.DECLARED.label)]
    villages = {}
    for village in Village.objects.filter(commune__province__code=settings.TINHSO_PROVINCE_CODE).select_related(
            "commune"):
        villages[(village.commune.code, "code", village.code)] = village
        villages[(village.commune.code, "name", tabular.fold(village.name))] = village
    parsed, seen = [], {}
    for number, row in table.rows:
        report.rows += 1
        before = len(report.errors)
        commune_code = str(row.get("commune_code", "")).strip().zfill(5)
        village_code = str(row.get("village_code", "")).strip()
        village = (villages.get((commune_code, "code", village_code)) if village_code else
                   villages.get((commune_code, "name", tabular.fold(str(row.get("village_name", "")).strip()))))
        if village is None:
            report.add_error(number, "village_code" if village_code else "village_name",
                             f"Không có thôn, bản này trong xã mã {commune_code}.")
        operator = _operator(row, number, operators, report)
        technology = _cell(tabular.parse_choice, number, "technology", report, row.get("technology"),
                           choices=Technology.choices)
        source = _cell(tabular.parse_choice, number, "source", report, row.get("source"), choices=sources)
        covered = _cell(tabular.parse_bool, number, "covered", report, row.get("covered"))
        observed_on = _cell(tabular.parse_date, number, "observed_on", report, row.get("observed_on"))
        method = _optional(tabular.parse_choice, number, "method", report, row.get("method"), choices=Method.choices)
        if source == CoverageSource.MEASURED and not method:
            report.add_error(number, "method", "Kết quả đo kiểm phải ghi hình thức đo (drive_test hoặc field_check).")
        signal = _optional(tabular.parse_decimal, number, "signal_dbm", report, row.get("signal_dbm"),
                           decimal_places=1, minimum=Decimal(-150), maximum=Decimal(0))
        note = _cell(tabular.parse_text, number, "note", report, row.get("note", ""), max_length=300)
        key = (village.pk if village else None, operator.pk if operator else None, technology, source)
        if None not in key and key in seen:
            report.add_error(number, "technology", f"Trùng với dòng {seen[key]} (cùng thôn, doanh nghiệp, công nghệ, "
                                                   "nguồn).")
        seen.setdefault(key, number)
        if len(report.errors) == before:
            parsed.append((village, operator, technology, source,
                           {"covered": covered, "observed_on": observed_on, "method": method or "",
                            "signal_dbm": signal, "note": note}))
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        for village, operator, technology, source, values in parsed:
            label = f"{village.commune.code}/{village.code or village.name} {operator.code} {technology} {source}"
            entry = VillageCoverage.objects.filter(village=village, operator=operator, technology=technology,
                                                   source=source).first()
            if entry is not None and all(getattr(entry, n) == v for n, v in values.items()):
                report.unchanged.append(label)
                continue
            VillageCoverage.objects.update_or_create(village=village, operator=operator, technology=technology,
                                                     source=source, defaults=values)
            (report.updated if entry else report.created).append(label)
        if report.created or report.updated:
            services.refresh_statuses()
            audit.record("action", VillageCoverage, actor=user if getattr(user, "pk", None) else None,
                         summary=f"Nhập phủ sóng thôn, bản: {len(report.created)} mới, {len(report.updated)} cập nhật",
                         after={"created": report.created[:200], "updated": report.updated[:200]})
    return report


# -- operators' reports ---------------------------------------------------------------------------------------


def import_reports(file, *, user, dry_run: bool = False, format: str | None = None) -> tabular.ImportReport:
    report = tabular.ImportReport(dry_run=dry_run)
    table = tabular.read_table(file, format)
    tabular.check_header(table.header, REPORT_COLUMNS, [c for c in REPORT_COLUMNS if c != "note"], report)
    if not report.ok:
        return report
    operators = _allowed_operators(user)
    parsed, seen = [], {}
    for number, row in table.rows:
        report.rows += 1
        before = len(report.errors)
        operator = _operator(row, number, operators, report)
        try:
            period = services.parse_report_period(str(row.get("period", "")))[0]
        except services.TelecomError as error:
            report.add_error(number, "period", error.message)
            period = None
        values = {}
        for name in services.REPORT_FIELDS:
            if name == "revenue_million_vnd":
                values[name] = _cell(tabular.parse_decimal, number, name, report, row.get(name), decimal_places=1,
                                     minimum=Decimal(0))
            else:
                values[name] = _cell(tabular.parse_int, number, name, report, row.get(name), minimum=0)
        key = (operator.pk if operator else None, period)
        if None not in key and key in seen:
            report.add_error(number, "period", f"Kỳ {period} của doanh nghiệp này đã có ở dòng {seen[key]}.")
        seen.setdefault(key, number)
        if len(report.errors) == before:
            parsed.append((number, operator, period, values, str(row.get("note", "")).strip()))
    if not report.ok or dry_run:
        return report
    try:
        with transaction.atomic():
            from tinhso.telecom.models import OperatorReport

            for number, operator, period, values, note in parsed:
                stored = OperatorReport.objects.filter(operator=operator, period=period).first()
                if stored is not None and all(getattr(stored, n) == v for n, v in values.items()) \
                        and stored.note == note:
                    report.unchanged.append(f"{operator.code} {period}")
                    continue
                try:
                    services.enter_report(operator=operator, period=period, values=values, user=user,
                                          label="" if user else "dòng lệnh", source=ReportSource.XLSX, note=note)
                except services.TelecomError as error:
                    report.add_error(number, error.field or "period", error.message)
                    raise
                (report.updated if stored else report.created).append(f"{operator.code} {period}")
    except services.TelecomError:
        report.created.clear()
        report.updated.clear()
    return report
