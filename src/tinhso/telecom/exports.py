"""Exports of the telecom registry: XLSX or CSV in the import layouts (``common.tabular``, a file exported and
edited imports back) and GeoJSON (RFC 7946) for GIS tools. Callers pass querysets already narrowed to the
user's scope (``selectors``)."""

from __future__ import annotations

import json

from tinhso.common import tabular
from tinhso.telecom.imports import (
    REPORT_COLUMNS,
    REPORT_GUIDE,
    ROUTE_COLUMNS,
    ROUTE_GUIDE,
    STATION_COLUMNS,
    STATION_GUIDE,
)
from tinhso.telecom.models import TECHNOLOGY_FIELDS


def _technologies(station) -> str:
    return ";".join(tech for tech, name in TECHNOLOGY_FIELDS.items() if getattr(station, name))


def _station_row(s) -> list:
    return [s.operator.code, s.code, s.name, s.latitude, s.longitude, s.commune.code if s.commune_id else "",
            s.address, s.structure, s.mounting, s.height_m, s.terrain, _technologies(s), s.bands,
            ";".join(t.code for t in s.tenants.all()), s.ownership, s.infrastructure_owner, s.state,
            s.approval_reference, s.approved_on, s.built_on, s.in_service_on]


def stations_table(stations, format: str) -> bytes:
    rows = (_station_row(s) for s in stations.select_related("operator", "commune").prefetch_related("tenants"))
    return tabular.write_table(format, STATION_COLUMNS, rows, guide=STATION_GUIDE, sheet="tram")


def _collection(features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False,
                      default=str).encode()


def stations_geojson(stations) -> bytes:
    def features():
        for s in stations.select_related("operator", "commune").prefetch_related("tenants"):
            properties = dict(zip(STATION_COLUMNS, _station_row(s), strict=True))
            properties.pop("latitude")
            properties.pop("longitude")
            properties["operators_count"] = s.operators_count
            properties["is_down"] = s.is_down
            yield {"type": "Feature", "id": s.pk, "properties": properties,
                   "geometry": {"type": "Point", "coordinates": [float(s.longitude), float(s.latitude)]}}

    return _collection(features())


def _route_row(r) -> list:
    coordinates = ", ".join(f"{c[0]} {c[1]}" for c in r.path["coordinates"])
    return [r.operator.code, r.code, r.name, r.medium, r.placement, f"LINESTRING({coordinates})", r.street,
            ";".join(c.code for c in r.communes.all()), r.built_on]


def routes_table(routes, format: str) -> bytes:
    rows = [[*_route_row(r), float(r.length_m)] for r in routes.select_related("operator").prefetch_related(
        "communes")]
    columns = [*ROUTE_COLUMNS, "length_m"]
    guide = {**ROUTE_GUIDE, "length_m": "Chiều dài trắc địa tính từ đường đi (m); chỉ để đọc, không nhập."}
    return tabular.write_table(format, columns, rows, guide=guide, sheet="tuyen_cap")


def routes_geojson(routes) -> bytes:
    return _collection({"type": "Feature", "id": r.pk, "geometry": r.path,
                        "properties": {"operator": r.operator.code, "code": r.code, "name": r.name,
                                       "medium": r.medium, "placement": r.placement, "length_m": float(r.length_m)}}
                       for r in routes.select_related("operator"))


VILLAGE_COLUMNS = ["commune_code", "commune", "village_code", "village", "latitude", "longitude", "broadband",
                   "has_4g", "best_technology", "decided_by", "operators"]


def _village_row(s) -> list:
    v = s.village
    return [s.commune.code, s.commune.name, v.code, v.name, v.latitude, v.longitude, "có" if s.broadband else "không",
            "có" if s.has_4g else "không", s.best, s.get_decided_by_display() if s.decided_by else "", s.operators]


def villages_table(statuses, format: str) -> bytes:
    return tabular.write_table(format, VILLAGE_COLUMNS, (_village_row(s) for s in statuses), sheet="thon_ban")


def villages_geojson(statuses) -> bytes:
    return _collection({"type": "Feature", "id": s.village_id,
                        "geometry": {"type": "Point", "coordinates": [float(s.village.longitude),
                                                                      float(s.village.latitude)]},
                        "properties": dict(zip(VILLAGE_COLUMNS, _village_row(s), strict=True))}
                       for s in statuses if s.village.latitude is not None)


UNCOVERED_COLUMNS = ["commune_code", "commune", "village_code", "village", "latitude", "longitude", "grid_power",
                     "plan_operator", "planned_on", "plan_state"]


def uncovered_table(statuses, format: str) -> bytes:
    from tinhso.telecom.selectors import plans_by_village

    statuses = list(statuses)
    plans = plans_by_village([s.village_id for s in statuses])
    rows = []
    for s in statuses:
        v = s.village
        found = plans.get(s.village_id) or [None]
        for plan in found:
            rows.append([s.commune.code, s.commune.name, v.code, v.name, v.latitude, v.longitude,
                         "có" if s.grid_power else "không", plan.operator.code if plan else "",
                         plan.planned_on if plan else None, plan.get_state_display() if plan else ""])
    return tabular.write_table(format, UNCOVERED_COLUMNS, rows, sheet="thon_ban_trang_song")


COMMUNE_COLUMNS = ["commune_code", "commune", "fibre", "fibre_by", "has_4g", "has_4g_by", "villages",
                   "villages_broadband"]


def communes_table(statuses, format: str) -> bytes:
    rows = ([s.commune.code, s.commune.name, "có" if s.fibre else "không", s.fibre_by, "có" if s.has_4g else "không",
             s.has_4g_by, s.villages, s.villages_broadband] for s in statuses)
    return tabular.write_table(format, COMMUNE_COLUMNS, rows, sheet="xa")


def reports_table(reports, format: str) -> bytes:
    rows = ([r.operator.code, r.period, r.phone_subscribers, r.mobile_broadband_subscribers,
             r.fixed_broadband_subscribers, r.revenue_million_vnd, r.stations, r.note, r.get_status_display()]
            for r in reports)
    return tabular.write_table(format, [*REPORT_COLUMNS, "status"], rows, guide=REPORT_GUIDE, sheet="bao_cao")


SERVICE_POINT_COLUMNS = ["code", "kind", "name", "provider", "address", "commune_code", "latitude", "longitude",
                         "staffed", "opened_on", "closed_on"]


def service_points_table(points, format: str) -> bytes:
    rows = ([p.code, p.kind, p.name, p.operator.code if p.operator_id else p.provider_name, p.address,
             p.commune.code if p.commune_id else "", p.latitude, p.longitude, "có" if p.staffed else "không",
             p.opened_on, p.closed_on] for p in points)
    return tabular.write_table(format, SERVICE_POINT_COLUMNS, rows, sheet="diem_dich_vu")


OUTAGE_COLUMNS = ["operator", "station", "commune", "cause", "started_at", "ended_at", "disaster", "note"]


def outages_table(outages, format: str) -> bytes:
    rows = ([o.operator.code, o.station.code, o.commune.name if o.commune_id else "", o.get_cause_display(),
             o.started_at, o.ended_at, o.disaster.name if o.disaster_id else "", o.note] for o in outages)
    return tabular.write_table(format, OUTAGE_COLUMNS, rows, sheet="mat_lien_lac")


PLANNED_COLUMNS = ["code", "name", "latitude", "longitude", "tolerance_m", "commune_code", "max_height_m",
                   "min_operators", "note"]


def planned_sites_table(sites, format: str) -> bytes:
    rows = ([s.code, s.name, s.latitude, s.longitude, s.tolerance_m, s.commune.code if s.commune_id else "",
             s.max_height_m, s.min_operators, s.note] for s in sites)
    return tabular.write_table(format, PLANNED_COLUMNS, rows, sheet="vi_tri_quy_hoach")


def export_all(kind: str, format: str) -> bytes:
    """The whole registry of one kind (the command line runs as the department)."""
    from tinhso.telecom import selectors
    from tinhso.telecom.models import CableRoute, OperatorReport, ServicePoint, Station

    if kind == "stations":
        stations = Station.objects.order_by("operator__code", "code")
        return stations_geojson(stations) if format == "geojson" else stations_table(stations, format)
    if kind == "routes":
        routes = CableRoute.objects.order_by("operator__code", "code")
        return routes_geojson(routes) if format == "geojson" else routes_table(routes, format)
    if kind == "villages":
        statuses = selectors.village_statuses()
        return villages_geojson(statuses) if format == "geojson" else villages_table(statuses, format)
    if format == "geojson":
        raise ValueError("GeoJSON chỉ có cho trạm, tuyến cáp và thôn, bản.")
    if kind == "uncovered":
        return uncovered_table(selectors.uncovered_villages(), format)
    if kind == "communes":
        return communes_table(selectors.commune_statuses(), format)
    if kind == "reports":
        return reports_table(OperatorReport.objects.select_related("operator").order_by("-period_start"), format)
    return service_points_table(ServicePoint.objects.select_related("operator", "commune"), format)
