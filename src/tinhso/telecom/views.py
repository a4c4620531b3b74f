"""The telecom registry's pages under /vien-thong/: the map, the tables behind every layer (each with XLSX and
GeoJSON export), stations, village and commune coverage, uncovered villages with their plans, outages,
operators' reports with the department's review, the plan, imports.

Department staff see every operator; an operator's people see their own operator's records only (scope:
``selectors.visible_operators``). A record outside the scope answers 404, like one that does not exist.
A view never writes a model: it calls ``services``.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.common import tabular
from tinhso.common.maps import (
    Layer,
    MapFilter,
    MapView,
    cached_layer,
    feature,
    geojson_response,
    point,
    point_collection,
)
from tinhso.geo.models import Commune
from tinhso.telecom import exports, imports, selectors, services
from tinhso.telecom.models import (
    AreaKind,
    CoverageGoal,
    CoveragePlanState,
    CoverageSource,
    Disaster,
    Operator,
    OutageCause,
    Placement,
    ReportStatus,
    Station,
    StationState,
    Technology,
    VillageCoverage,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATE_COLOURS = {"planned": "#8a8f98", "approved": "#b58900", "built": "#6f42c1", "in_service": "#1a7f37",
                 "out_of_service": "#cf222e", "dismantled": "#57606a"}
COVERAGE_COLOURS = {"broadband": "#1a7f37", "2g": "#b58900", "none": "#cf222e"}
COVERAGE_LEGEND = {"broadband": gettext_lazy("Có băng rộng di động (3G/4G/5G)"), "2g": gettext_lazy("Chỉ có 2G"),
                   "none": gettext_lazy("Trắng sóng")}


def registry_view(view):
    """Signed-in department staff or operator people; others get 403 (anonymous: the sign-in page)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        if not selectors.may_use_registry(request.user):
            return render(request, "403.html", status=403)
        request.telecom_department = selectors.is_department(request.user)
        request.telecom_operator = None if request.telecom_department else selectors.operator_of(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def department_view(view):
    @functools.wraps(view)
    @registry_view
    def wrapper(request, *args, **kwargs):
        if not request.telecom_department:
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _operators(request):
    return list(selectors.visible_operators(request.user).order_by("name"))


def _communes():
    from django.conf import settings

    return list(Commune.objects.filter(province__code=settings.TINHSO_PROVINCE_CODE).order_by("name")
                .values_list("code", "name"))


def _day(text):
    """A filter date typed day first (dd/mm/yyyy) or ISO, by the one date reader; None when empty or unreadable."""
    from tinhso.common import tabular

    try:
        return tabular.parse_date(text) if text and text.strip() else None
    except ValueError:
        return None


def _station_filters(request) -> dict:
    return {"approved_from": _day(request.GET.get("duyet-tu")), "approved_to": _day(request.GET.get("duyet-den")),
            "operator": request.GET.get("doanh-nghiep") or None, "state": request.GET.get("trang-thai") or None,
            "technology": request.GET.get("cong-nghe") or None, "commune": request.GET.get("xa") or None,
            "q": request.GET.get("q") or None, "shared": request.GET.get("dung-chung") == "1",
            "down": True if request.GET.get("mat-lien-lac") == "1" else None}


def _map_filters(request) -> list[MapFilter]:
    return [
        MapFilter("doanh-nghiep", _("Doanh nghiệp"), tuple((o.code, str(o)) for o in _operators(request))),
        MapFilter("cong-nghe", _("Công nghệ"), tuple((t, t) for t in Technology.values)),
        MapFilter("trang-thai", _("Trạng thái"), tuple((v, str(label)) for v, label in StationState.choices)),
        MapFilter("xa", _("Xã, phường"), tuple(_communes())),
    ]


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("trang", None)
    query.pop("xuat", None)
    return query.urlencode()


def _download(content: bytes, name: str, format: str) -> HttpResponse:
    content_type = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}[format]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response


# -- home and map ---------------------------------------------------------------------------------------------


@require_GET
@registry_view
def home(request):
    counts = selectors.station_counts(request.user)
    lengths = selectors.route_lengths(request.user)
    uncovered = selectors.uncovered_villages().count()
    return render(request, "telecom/home.html", {
        "counts": counts, "lengths": lengths, "uncovered": uncovered,
        "operator": request.telecom_operator, "department": request.telecom_department,
        "waiting": selectors.reports_for(request.user, status=ReportStatus.SUBMITTED).count(),
    })


def registry_map(request, *, map_id="telecom-map", outages_only=False) -> MapView:
    layers = [
        Layer("stations", _("Trạm BTS"), reverse("telecom:stations-geojson"), colour_by="state",
              record_url=reverse("telecom:station", args=[0]).replace("/0/", "/{id}/"),
              colours=STATE_COLOURS, legend=dict(StationState.choices), table_url=reverse("telecom:stations"),
              filters=("doanh-nghiep", "cong-nghe", "trang-thai", "xa"), visible=not outages_only, radius=4),
        Layer("outages", _("Trạm đang mất liên lạc"), reverse("telecom:outages-geojson"), colour="#cf222e",
              table_url=reverse("telecom:outages"), filters=("doanh-nghiep", "xa"), radius=7),
        Layer("villages", _("Thôn, bản theo vùng phủ sóng"), reverse("telecom:villages-geojson"),
              colour_by="status", colours=COVERAGE_COLOURS, legend=COVERAGE_LEGEND,
              table_url=reverse("telecom:villages"), filters=("xa",), visible=not outages_only, radius=4),
        Layer("routes", _("Tuyến cáp"), reverse("telecom:routes-geojson"), geometry="line", colour_by="placement",
              colours={"underground": "#0b4aa2", "overhead": "#d4761c"}, legend=dict(Placement.choices),
              table_url=reverse("telecom:routes"), filters=("doanh-nghiep", "xa"), visible=False),
        Layer("planned", _("Vị trí quy hoạch"), reverse("telecom:planned-geojson"), colour="#6f42c1",
              table_url=reverse("telecom:plan"), visible=False, radius=6),
        Layer("areas", _("Khu vực hạn chế"), reverse("telecom:areas-geojson"), geometry="polygon",
              colour_by="kind", colours={"no_tower": "#cf222e", "underground": "#0b4aa2"},
              legend=dict(AreaKind.choices), table_url=reverse("telecom:plan"), visible=False),
    ]
    return MapView(map_id, layers, filters=_map_filters(request), values=request.GET,
                   refresh_seconds=60 if outages_only else None, label=_("Bản đồ hạ tầng viễn thông"))


@require_GET
@registry_view
def map_page(request):
    return render(request, "telecom/map.html", {"map": registry_map(request)})


# -- GeoJSON layers -------------------------------------------------------------------------------------------


@require_GET
@registry_view
def stations_geojson(request):
    """The station layer. The whole province is ten thousand points: the rows are read with the queryset's
    own SQL (scope and filters included) without per-value conversion, and the features are written in
    one pass (``common.maps.point_collection``); the record's address comes from the layer's template."""
    from django.db import connection

    queryset = selectors.stations_for(request.user, **_station_filters(request)).values_list(
        "pk", "code", "name", "operator__short_name", "operator__name", "state", "longitude", "latitude",
        "has_2g", "has_3g", "has_4g", "has_5g", "is_down", "operators_count")
    names = ("2G", "3G", "4G", "5G")

    def build():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()

        def features():
            for pk, code, name, short, operator, state, lon, lat, g2, g3, g4, g5, down, shared in rows:
                techs = "/".join(n for n, flag in zip(names, (g2, g3, g4, g5), strict=True) if flag)
                yield lon, lat, {"id": pk, "title": f"{code} — {short or operator}",
                                 "subtitle": f"{name} {techs}".strip(), "state": state, "down": bool(down),
                                 "shared": shared}

        return point_collection(features())

    # The answer depends on the viewer's operators, the filters and the stations' latest change.
    operators = tuple(selectors.visible_operators(request.user).order_by("pk").values_list("pk", "short_name", "name"))
    stamp = Station.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    return cached_layer(request, ("stations", operators, sorted(request.GET.items()), stamp["count"],
                                  str(stamp["changed"])), build)


@require_GET
@registry_view
def outages_geojson(request):
    outages = selectors.outages_for(request.user, operator=request.GET.get("doanh-nghiep") or None,
                                    commune=request.GET.get("xa") or None)
    base = reverse("telecom:station", args=[0])[:-2]
    return geojson_response(
        point(o.station.longitude, o.station.latitude, id=o.station_id, title=f"{o.station.code} — {o.operator}",
              subtitle=f"{o.get_cause_display()} từ {timezone.localtime(o.started_at):%H:%M %d/%m}",
              url=f"{base}{o.station_id}/", cause=o.cause) for o in outages)


@require_GET
@registry_view
def villages_geojson(request):
    rows = selectors.village_statuses(commune=request.GET.get("xa") or None).filter(
        village__latitude__isnull=False).values_list("village_id", "village__name", "commune__name", "broadband",
                                                      "best", "village__latitude", "village__longitude")
    base = reverse("telecom:village", args=[0])[:-2]
    features = []
    for pk, name, commune, broadband, best, lat, lon in rows:
        status = "broadband" if broadband else ("2g" if best == "2G" else "none")
        features.append(point(lon, lat, id=pk, title=f"{name} ({commune})", url=f"{base}{pk}/", status=status,
                              subtitle=str(COVERAGE_LEGEND[status])))
    return geojson_response(features)


@require_GET
@registry_view
def routes_geojson(request):
    routes = selectors.routes_for(request.user, operator=request.GET.get("doanh-nghiep") or None,
                                  commune=request.GET.get("xa") or None).distinct()
    return geojson_response(
        feature(r.path, id=r.pk, title=f"{r.code} — {r.operator}", placement=r.placement,
                subtitle=f"{r.get_placement_display()}, {float(r.length_m):,.0f} m".replace(",", "."),
                url=reverse("telecom:routes") + f"?ma={r.code}") for r in routes)


@require_GET
@registry_view
def planned_geojson(request):
    return geojson_response(
        point(s.longitude, s.latitude, id=s.pk, title=f"{s.code} {s.name}".strip(),
              subtitle=_("Sai số %(m)s m") % {"m": s.tolerance_m}, url=reverse("telecom:plan") + f"#site-{s.pk}")
        for s in selectors.planned_sites())


@require_GET
@registry_view
def areas_geojson(request):
    return geojson_response(
        feature(a.geometry, id=a.pk, title=a.name, kind=a.kind, subtitle=a.get_kind_display(),
                url=reverse("telecom:plan") + f"#area-{a.pk}") for a in selectors.restricted_areas())


# -- stations -------------------------------------------------------------------------------------------------


@require_GET
@registry_view
def stations(request):
    queryset = selectors.stations_for(request.user, **_station_filters(request))
    export = request.GET.get("xuat")
    if export in ("xlsx", "csv"):
        return _download(exports.stations_table(queryset, export), "tram-bts", export)
    if export == "geojson":
        return _download(exports.stations_geojson(queryset), "tram-bts", "geojson")
    page_obj = _page(request, queryset.prefetch_related("tenants"))
    return render(request, "telecom/stations.html", {
        "page_obj": page_obj, "filters": _map_filters(request), "values": request.GET,
        "page_query": _query_without_page(request)})


@require_GET
@registry_view
def station(request, pk: int):
    found = selectors.station_detail(request.user, pk)
    if found is None:
        raise Http404
    outages = found.outages.select_related("disaster").order_by("-started_at")[:20]
    return render(request, "telecom/station.html", {
        "station": found, "outages": outages, "tenants": list(found.tenants.all()),
        "may_report": request.telecom_operator is not None and request.telecom_operator.pk == found.operator_id,
        "causes": OutageCause.choices, "states": StationState.choices})


@require_POST
@registry_view
def station_state(request, pk: int):
    found = selectors.station_detail(request.user, pk)
    if found is None:
        raise Http404
    if not (request.telecom_department or (request.telecom_operator and request.telecom_operator.pk ==
                                           found.operator_id)):
        return render(request, "403.html", status=403)
    try:
        services.set_station_state(found, request.POST.get("state", ""))
        messages.success(request, _("Đã cập nhật trạng thái trạm."))
    except services.TelecomError as error:
        messages.error(request, error.message)
    return redirect("telecom:station", pk=pk)


@require_POST
@registry_view
def station_outage(request, pk: int):
    found = selectors.station_detail(request.user, pk)
    if found is None:
        raise Http404
    if not (request.telecom_department or (request.telecom_operator and request.telecom_operator.pk ==
                                           found.operator_id)):
        return render(request, "403.html", status=403)
    try:
        if request.POST.get("action") == "up":
            services.report_up(found)
            messages.success(request, _("Đã ghi nhận trạm hoạt động trở lại."))
        else:
            disaster = Disaster.objects.filter(ended_at__isnull=True).order_by("-started_at").first()
            services.report_down(found, cause=request.POST.get("cause", ""), disaster=disaster,
                                 note=request.POST.get("note", "")[:300],
                                 reported_by=request.user.get_full_name() or request.user.get_username())
            messages.success(request, _("Đã ghi nhận trạm mất liên lạc."))
    except services.TelecomError as error:
        messages.error(request, error.message)
    return redirect("telecom:station", pk=pk)


# -- outages (live) -------------------------------------------------------------------------------------------


@require_GET
@registry_view
def outages(request):
    disaster = Disaster.objects.filter(ended_at__isnull=True).order_by("-started_at").first()
    queryset = selectors.outages_for(request.user, operator=request.GET.get("doanh-nghiep") or None,
                                     commune=request.GET.get("xa") or None)
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.outages_table(queryset, request.GET["xuat"]), "tram-mat-lien-lac",
                         request.GET["xuat"])
    return render(request, "telecom/outages.html", {
        "disaster": disaster, "page_obj": _page(request, queryset), "by_commune":
        selectors.outages_by_commune(request.user), "map": registry_map(request, map_id="outage-map",
                                                                        outages_only=True),
        "page_query": _query_without_page(request)})


# -- villages and communes ------------------------------------------------------------------------------------


@require_GET
@registry_view
def villages(request):
    commune = request.GET.get("xa") or None
    status = request.GET.get("song")
    queryset = selectors.village_statuses(commune=commune,
                                          broadband={"co": True, "khong": False}.get(status or ""))
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.villages_table(queryset, request.GET["xuat"]), "phu-song-thon-ban",
                         request.GET["xuat"])
    if request.GET.get("xuat") == "geojson":
        return _download(exports.villages_geojson(queryset), "phu-song-thon-ban", "geojson")
    return render(request, "telecom/villages.html", {
        "page_obj": _page(request, queryset), "communes": _communes(), "values": request.GET,
        "page_query": _query_without_page(request)})


@require_GET
@registry_view
def village(request, pk: int):
    status = selectors.village_statuses().filter(village_id=pk).first()
    if status is None:
        raise Http404
    sources = (VillageCoverage.objects.filter(village_id=pk).select_related("operator", "station")
               .order_by("operator__name", "technology", "source"))
    rows: dict[tuple, dict] = {}
    for entry in sources:
        key = (entry.operator, entry.technology)
        rows.setdefault(key, {"operator": entry.operator, "technology": entry.technology})[entry.source] = entry
    effective = services.effective_coverage(
        [(e.operator_id, e.technology, e.source, e.covered, e.observed_on) for e in sources])
    for (operator, tech), row in rows.items():
        row["effective"] = effective.get((operator.pk, tech))
    return render(request, "telecom/village.html", {
        "status": status, "rows": list(rows.values()), "plans": status.village.telecom_plans.select_related(
            "operator"), "sources": CoverageSource})


@require_GET
@registry_view
def uncovered(request):
    commune = request.GET.get("xa") or None
    queryset = selectors.uncovered_villages(commune=commune)
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.uncovered_table(queryset, request.GET["xuat"]), "thon-ban-trang-song",
                         request.GET["xuat"])
    page_obj = _page(request, queryset)
    plans = selectors.plans_by_village([s.village_id for s in page_obj])
    for status in page_obj:
        status.plans = plans.get(status.village_id, [])
    goal = CoverageGoal.objects.filter(target_date__gte=timezone.localdate()).order_by("target_date").first()
    total = selectors.uncovered_villages().count()
    planned_in_time = 0
    without_plan = total
    late = 0
    if goal is not None or total:
        from tinhso.telecom.models import CoveragePlan

        ids = list(selectors.uncovered_villages().values_list("village_id", flat=True))
        open_plans = CoveragePlan.objects.filter(village_id__in=ids).exclude(state=CoveragePlanState.CANCELLED)
        with_plan = set(open_plans.values_list("village_id", flat=True))
        without_plan = total - len(with_plan)
        if goal is not None:
            planned_in_time = len(set(open_plans.filter(planned_on__lte=goal.target_date)
                                      .values_list("village_id", flat=True)))
        late = len(set(open_plans.filter(planned_on__lt=timezone.localdate()).values_list("village_id", flat=True)))
    return render(request, "telecom/uncovered.html", {
        "page_obj": page_obj, "goal": goal, "total": total, "planned_in_time": planned_in_time,
        "without_plan": without_plan, "late": late, "communes": _communes(), "values": request.GET,
        "projected": total - planned_in_time, "page_query": _query_without_page(request)})


@require_GET
@registry_view
def communes(request):
    queryset = selectors.commune_statuses(commune=request.GET.get("xa") or None)
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.communes_table(queryset, request.GET["xuat"]), "xa-cap-quang-4g",
                         request.GET["xuat"])
    return render(request, "telecom/communes.html", {"page_obj": _page(request, queryset),
                                                     "page_query": _query_without_page(request)})


# -- routes, service points, plan ----------------------------------------------------------------------------


@require_GET
@registry_view
def routes(request):
    queryset = selectors.routes_for(request.user, operator=request.GET.get("doanh-nghiep") or None,
                                    placement=request.GET.get("hinh-thuc") or None,
                                    commune=request.GET.get("xa") or None).distinct()
    if request.GET.get("ma"):
        queryset = queryset.filter(code=request.GET["ma"])
    export = request.GET.get("xuat")
    if export in ("xlsx", "csv"):
        return _download(exports.routes_table(queryset, export), "tuyen-cap", export)
    if export == "geojson":
        return _download(exports.routes_geojson(queryset), "tuyen-cap", "geojson")
    return render(request, "telecom/routes.html", {"page_obj": _page(request, queryset),
                                                   "lengths": selectors.route_lengths(request.user),
                                                   "page_query": _query_without_page(request)})


@require_GET
@registry_view
def service_points(request):
    queryset = selectors.service_points_for(request.user, commune=request.GET.get("xa") or None)
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.service_points_table(queryset, request.GET["xuat"]), "diem-dich-vu",
                         request.GET["xuat"])
    return render(request, "telecom/service_points.html", {"page_obj": _page(request, queryset),
                                                           "page_query": _query_without_page(request)})


@require_GET
@registry_view
def plan(request):
    from tinhso.telecom.models import InfrastructurePlan, UndergroundingPlan

    current = InfrastructurePlan.objects.active_on().order_by("-valid_from").first()
    sites = selectors.planned_sites(current)
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.planned_sites_table(sites, request.GET["xuat"]), "vi-tri-quy-hoach",
                         request.GET["xuat"])
    return render(request, "telecom/plan.html", {
        "plan": current, "rules": current.spacing_rules.all() if current else [],
        "page_obj": _page(request, sites), "areas": selectors.restricted_areas(current),
        "undergrounding": UndergroundingPlan.objects.filter(plan=current).select_related("commune") if current
        else [], "page_query": _query_without_page(request)})


# -- operators' reports ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@registry_view
def reports(request):
    if request.method == "POST":
        operator = request.telecom_operator or Operator.objects.filter(
            pk__in=selectors.visible_operators(request.user), code=request.POST.get("operator", "")).first()
        if operator is None:
            messages.error(request, _("Chọn doanh nghiệp báo cáo."))
            return redirect("telecom:reports")
        try:
            services.enter_report(operator=operator, period=request.POST.get("period", ""),
                                  values={name: request.POST.get(name, "") for name in services.REPORT_FIELDS},
                                  note=request.POST.get("note", ""), user=request.user)
            messages.success(request, _("Đã gửi báo cáo; báo cáo được tính khi Sở duyệt."))
        except services.TelecomError as error:
            messages.error(request, error.message)
        return redirect("telecom:reports")
    status = request.GET.get("trang-thai") or None
    queryset = selectors.reports_for(request.user, status=status)
    if request.GET.get("xuat") in ("xlsx", "csv"):
        return _download(exports.reports_table(queryset, request.GET["xuat"]), "bao-cao-doanh-nghiep",
                         request.GET["xuat"])
    return render(request, "telecom/reports.html", {
        "page_obj": _page(request, queryset), "reviewer": selectors.is_reviewer(request.user),
        "operators": _operators(request), "operator": request.telecom_operator, "statuses": ReportStatus.choices,
        "current_status": status or "",
        "values": request.GET, "page_query": _query_without_page(request)})


@require_POST
@registry_view
def review_report(request, pk: int, decision: str):
    report = selectors.reports_for(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    try:
        if decision == "duyet":
            services.approve_report(report, user=request.user)
            messages.success(request, _("Đã duyệt báo cáo."))
        else:
            services.reject_report(report, user=request.user, note=request.POST.get("review_note", ""))
            messages.success(request, _("Đã trả lại báo cáo."))
    except services.TelecomError as error:
        messages.error(request, error.message)
    return redirect("telecom:reports")


# -- imports --------------------------------------------------------------------------------------------------


IMPORT_KINDS = {
    "tram": (gettext_lazy("Trạm BTS (mẫu của Sở)"), imports.import_stations),
    "opencellid": (gettext_lazy("Trạm theo tệp OpenCellID"), imports.import_opencellid),
    "tuyen-cap": (gettext_lazy("Tuyến cáp"), imports.import_routes),
    "do-kiem": (gettext_lazy("Kết quả đo kiểm, kê khai phủ sóng thôn, bản"), imports.import_coverage),
    "bao-cao": (gettext_lazy("Báo cáo định kỳ của doanh nghiệp"), imports.import_reports),
}


@require_http_methods(["GET", "POST"])
@registry_view
def import_page(request):
    report = None
    kind = request.POST.get("kind") or request.GET.get("loai") or "tram"
    if request.method == "POST":
        upload = request.FILES.get("file")
        if kind not in IMPORT_KINDS or upload is None:
            messages.error(request, _("Chọn loại dữ liệu và tệp cần nhập."))
        else:
            importer = IMPORT_KINDS[kind][1]
            try:
                report = importer(upload, user=request.user, dry_run=request.POST.get("dry_run") == "1",
                                  format=tabular.format_of(upload))
            except tabular.ImportFileError as error:
                messages.error(request, str(error))
    return render(request, "telecom/import.html", {
        "kinds": [(key, entry[0]) for key, entry in IMPORT_KINDS.items()], "kind": kind, "report": report,
        "status": 400 if report is not None and not report.ok else 200},
        status=400 if report is not None and not report.ok else 200)


@require_GET
@registry_view
def import_template(request, kind: str):
    if kind not in imports.TEMPLATES:
        raise Http404
    columns, guide = imports.TEMPLATES[kind]
    return _download(tabular.write_table("xlsx", columns, [], guide=guide), f"mau-{kind}", "xlsx")

