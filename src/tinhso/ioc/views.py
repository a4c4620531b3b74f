"""The operations centre's pages under /dieu-hanh/: overview, indicator drill-down, the dossiers behind a
number, the agency league table, the QĐ 766 scorecard, reported values and the supervision report.

Thin views: reads from ``selectors`` (always within :func:`selectors.ioc_scope`), writes through
``services``. Every table also downloads as XLSX (``?xuat=xlsx``).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, IntegerField, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.common import rendering
from tinhso.common.inputs import parse_id
from tinhso.common.replicas import replica_reads
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import has_role
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.deadlines import dossier_status
from tinhso.dossiers.views import desk_roles, is_fragment_request
from tinhso.geo.models import Province
from tinhso.geo.sources import province_code
from tinhso.ioc import pickers, reports, selectors, services
from tinhso.ioc.models import REVIEW_NOTE_MAX, Indicator, ReportedValue, ReportStatus, Source
from tinhso.ioc.periods import MONTH, QUARTER, YEAR, Period, PeriodError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ON_TIME_RATE = "ty-le-dung-han"  # the league table's chart opens this indicator for the agency clicked
PAGE_SIZE = 25
TABLE_PAGE_SIZE = 100


def centre_view(view):
    """Sign-in first; then only those with an operations-centre scope (others get 403)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        scope = selectors.ioc_scope(request.user)
        if scope is None:
            raise PermissionDenied(gettext("Bạn không có quyền xem trung tâm giám sát, điều hành."))
        try:
            period = Period.parse(request.GET["ky"]) if request.GET.get("ky") else Period.current(YEAR)
        except PeriodError as error:
            return render(request, "ioc/error.html", {"message": str(error)}, status=400)
        try:
            filters = _filters(request)
        except ValueError:
            return render(request, "ioc/error.html", {"message": gettext("Bộ lọc không hợp lệ.")}, status=400)
        if filters.agency and not scope.allows(filters.agency):
            raise PermissionDenied(gettext("Cơ quan này nằm ngoài phạm vi bạn được xem."))
        return view(request, scope, period, filters, *args, **kwargs)

    return replica_reads(wrapper)


def _filters(request) -> selectors.Filters:
    def number(name):  # a record id within a bigint, or InputError (a ValueError): 400, never an overflow
        return parse_id(request.GET.get(name), name)

    commune = request.GET.get("xa", "").strip() or None
    if commune and not commune.isdigit():
        raise ValueError(commune)
    return selectors.Filters(agency=number("co-quan"), field=number("linh-vuc"), procedure=number("thu-tuc"),
                             commune=commune)


def _xlsx(name: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _period_choices(period: Period) -> dict:
    """The period picker: the years around, the quarters and months of the selected year."""
    this_year = timezone.localdate().year
    return {
        "years": [Period(y) for y in range(this_year - 2, this_year + 1)],
        "quarters": Period(period.year).parts(QUARTER),
        "months": Period(period.year).parts(MONTH),
    }


def _query(period: Period, filters: selectors.Filters, **more) -> str:
    """The query string that keeps the period and the chosen units (plus ``more``) across links."""
    return urlencode({"ky": period.key, **filters.query(), **{k: v for k, v in more.items() if v}})


# The element of the pages with a unit picker that an htmx request replaces: everything below the site
# header, so the heading, the picker (whose procedure list follows the field) and the links all follow.
PARTIAL_TARGET = "ioc-page"


def _page(request, template: str, context: dict, scope: selectors.Scope, filters: selectors.Filters, *,
          full_picker: bool) -> HttpResponse:
    """Render a page with the unit picker: the whole page, or — for an htmx request from the picker — only
    the part that changes, so that the header, the scripts and the live region stay in place.

    ``Vary: HX-Request`` keeps a cache from answering a full-page load with the fragment or the reverse.
    """
    picker = pickers.build(scope, filters, full=full_picker)
    chips = [{"kind": chip.kind, "label": chip.label, "query": _query(context["period"], chip.without,
                                                                      theo=context.get("dimension"))}
             for chip in picker.chips]
    context.setdefault("scope", scope)
    context.update(picker=picker, chips=chips, partial_target=PARTIAL_TARGET,
                   layout="ioc/_fragment.html" if is_fragment_request(request) else "base.html")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@centre_view
def overview(request, scope, period, filters):
    assessments = selectors.overview(scope, period, filters=filters)
    if request.GET.get("xuat") == "xlsx":
        rows = [[a.indicator.display_name, a.indicator.unit, a.value, a.target, a.achieved, a.status_label]
                for a in assessments]
        return _xlsx(f"tong-quan-{period.key}", rendering.table_xlsx(
            gettext("Tổng quan chỉ số — %(period)s") % {"period": period.label},
            [gettext("Chỉ số"), gettext("Đơn vị"), gettext("Thực hiện"), gettext("Chỉ tiêu"), gettext("% đạt"),
             gettext("Đánh giá")], rows))
    groups: dict[str, list] = {}
    for a in assessments:
        groups.setdefault(a.indicator.get_group_display(), []).append(a)
    trends = selectors.monthly_trends(scope, Period(period.year), [a.indicator for a in assessments], filters)
    return _page(request, "ioc/overview.html", {
        "period": period, "groups": groups, "query": _query(period, filters), "scope": scope,
        "choices": _period_choices(period), "filters": filters, "trends": trends,
    }, scope, filters, full_picker=True)


@require_GET
@centre_view
def indicator(request, scope, period, filters, code):
    indicator = get_object_or_404(Indicator, code=code)
    assessment = selectors.overview(scope, period, indicators=[indicator], filters=filters)[0]
    context = {"indicator": indicator, "a": assessment, "period": period, "filters": filters,
               "choices": _period_choices(period), "query": _query(period, filters)}
    if indicator.source == Source.COMPUTED and assessment.formula.from_rollups:
        dimension = request.GET.get("theo", "agency")
        if dimension not in selectors.DIMENSION_FIELDS:
            dimension = "agency"
        rows = selectors.breakdown(scope, period, dimension, filters=filters, formula=indicator.formula)
        columns = ["received", "returned", "late", "overdue"]
        headers = [selectors.DIMENSION_LABELS[dimension], pgettext("count", "Tiếp nhận"), gettext("Đã giải quyết"),
                   gettext("Trễ hạn"), gettext("Đang quá hạn"), indicator.display_name]
        if request.GET.get("xuat") == "xlsx":
            return _xlsx(f"{indicator.code}-{period.key}", rendering.table_xlsx(
                f"{indicator.display_name} — {period.label}", headers,
                [[r.label, *[r[name] for name in columns], r.value] for r in rows]))
        page = Paginator(rows, TABLE_PAGE_SIZE).get_page(request.GET.get("trang"))
        context.update(rows=_table(page.object_list, columns, period, filters, dimension, _next_dimension(dimension)),
                       page_obj=page, page_query=_query(period, filters, theo=dimension), headers=headers,
                       dimension=dimension, dimensions=selectors.DIMENSION_LABELS,
                       drill=assessment.formula.drill, lists=selectors.DOSSIER_LISTS)
        if not assessment.formula.live:
            trend = selectors.breakdown(scope, Period(period.year), "month", filters=filters,
                                        formula=indicator.formula)
            # Each month drills to the dossiers behind its number (or to the month's own page).
            drill = assessment.formula.drill
            base = reverse("ioc:dossiers", args=[drill]) if drill else ""
            links = [f"{base}?{_query(Period.containing(r.key, MONTH), filters)}" for r in trend]
            context["chart"] = _chart(indicator, [f"{r.key:%m/%Y}" for r in trend], [r.value for r in trend],
                                      assessment.target if not indicator.additive else None, links=links)
    elif indicator.source == Source.COMPUTED and assessment.formula.reader is not None:
        response = _reader_breakdown(request, scope, period, filters, indicator, assessment, context)
        if response is not None:
            return response
    elif indicator.source != Source.COMPUTED:
        values = scope.filter(ReportedValue.objects.filter(indicator=indicator)).select_related(
            "agency", "entered_by", "approved_by").order_by("-period", "agency__name")
        context["values"] = context["page_obj"] = Paginator(values, PAGE_SIZE).get_page(request.GET.get("trang"))
        context["page_query"] = _query(period, filters)
        context["targets"] = indicator.targets.select_related("plan").order_by("-period")
    # The unit picker and the htmx fragment (see ``_page``); the breakdown above is not its concern.
    return _page(request, "ioc/indicator.html", context, scope, filters, full_picker=True)


def _reader_breakdown(request, scope, period, filters, indicator, assessment, context) -> HttpResponse | None:
    """The breakdown of an indicator read from ratings, complaints or the catalogue: its counts and value by
    each dimension its records carry, with drill links, a monthly chart and the XLSX download (returned)."""
    reader = assessment.formula.reader
    unsupported = selectors.reader_unsupported_filters(assessment.formula, filters)
    if unsupported:
        context["unsupported"] = unsupported
        return None
    dimensions = {key: selectors.DIMENSION_LABELS[key] for key in reader.breakdowns}
    dimension = request.GET.get("theo", "agency")
    if dimension not in dimensions:
        dimension = "agency"
    rows = selectors.reader_breakdown(scope, period, dimension, formula=indicator.formula, filters=filters)
    columns = [name for name, _ in reader.columns]
    headers = [dimensions[dimension], *[label for _, label in reader.columns], indicator.display_name]
    if request.GET.get("xuat") == "xlsx":
        return _xlsx(f"{indicator.code}-{period.key}", rendering.table_xlsx(
            f"{indicator.display_name} — {period.label}", headers,
            [[r.label, *[r[name] for name in columns], r.value] for r in rows]))
    following = _next_dimension(dimension)
    following = following if following in dimensions else "month"
    page = Paginator(rows, TABLE_PAGE_SIZE).get_page(request.GET.get("trang"))
    narrowed = bool(filters.field or filters.procedure or filters.commune)
    table = _table(page.object_list, columns, period, filters, dimension, following)
    if reader.records is not None:
        # A module's indicator: the total and every row open the module's own records behind the number.
        query = selectors.reader_query(scope, period, filters)
        context["records"] = reader.records(query, None, None)
        for line, row in zip(table, page.object_list, strict=True):
            line["records"] = reader.records(query, dimension, row.key) if row.key not in (None, "") else ""
    context.update(rows=table, page_obj=page,
                   page_query=_query(period, filters, theo=dimension),
                   dimension=dimension, dimensions=dimensions, headers=headers, reader=True,
                   reader_note=reader.note if narrowed else "")
    year = Period(period.year)
    trend = {r.key: r.value for r in selectors.reader_breakdown(scope, year, "month", formula=indicator.formula,
                                                                 filters=filters)}
    months = year.parts(MONTH)
    context["chart"] = _chart(indicator, [f"{m.start:%m/%Y}" for m in months], [trend.get(m.start) for m in months],
                              assessment.target, links=[f"?{_query(m, filters)}" for m in months])
    return None


def _table(rows, columns: list[str], period, filters, dimension: str, following: str) -> list[dict]:
    """Breakdown rows as plain dicts for the template: a ``BreakdownRow`` answers every ``row.x`` lookup
    with its counter (the template engine tries ``row["x"]`` first), so its label, value and link are
    copied out here, with the drill link to the next dimension."""
    drill_key = {"agency": "co-quan", "field": "linh-vuc", "procedure": "thu-tuc", "commune": "xa"}.get(dimension)
    return [{"label": row.label, "cells": [row[name] for name in columns], "value": row.value,
             "link": f"?{_query(period, filters, **{drill_key: row.key}, theo=following)}"
             if drill_key and row.key not in (None, "") else ""} for row in rows]


def _chart(indicator, labels: list[str], values: list, target=None, kind: str = "line",
           links: list[str] | None = None) -> dict:
    """The data a chart element reads (as JSON, never executed); numbers as floats, gaps as null. ``links``
    gives each point the address it drills down to (a click on the point opens it; the table beside the
    chart carries the same links for keyboards and screen readers)."""
    return {"links": links or [],
            "name": indicator.display_name if indicator else "", "unit": indicator.unit if indicator else "",
            "kind": kind, "labels": labels, "values": [None if v is None else float(v) for v in values],
            "target": None if target is None else float(target)}


def _next_dimension(dimension: str) -> str:
    return {"agency": "field", "field": "procedure", "procedure": "month", "commune": "agency"}.get(dimension, "month")


@require_GET
@centre_view
def dossiers(request, scope, period, filters, kind):
    if kind not in selectors.DOSSIER_LISTS:
        return render(request, "ioc/error.html", {"message": gettext("Không có danh sách này.")}, status=404)
    sort = selectors.dossier_sort(kind, request.GET.get("sap-xep"))
    queryset = selectors.dossier_list(scope, kind, period, filters, sort=sort)
    if request.GET.get("xuat") == "xlsx":
        rows = [[d.code, d.receiving_agency.name, d.procedure_version.name, d.get_state_display(),
                 timezone.localtime(d.due_at).strftime("%d/%m/%Y %H:%M") if d.due_at else "",
                 dossier_status(d).label] for d in queryset[:10000]]
        return _xlsx(f"ho-so-{kind}-{period.key}", rendering.table_xlsx(
            selectors.DOSSIER_LISTS[kind], [gettext("Mã hồ sơ"), gettext("Cơ quan"), gettext("Thủ tục"),
                                            gettext("Trạng thái"), gettext("Hạn trả"), gettext("Thời hạn")], rows))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))
    ids = [d.pk for d in page.object_list]
    openable = set()
    if ids and desk_roles(request.user):
        openable = set(dossier_selectors.dossiers_visible_to(request.user).filter(pk__in=ids)
                       .values_list("pk", flat=True))
    rows = [{"dossier": d, "deadline": dossier_status(d), "link": d.pk in openable} for d in page.object_list]
    sorted_query = _query(period, filters, **{"sap-xep": sort})
    return render(request, "ioc/dossiers.html", {
        "title": selectors.DOSSIER_LISTS[kind], "kind": kind, "page_obj": page, "rows": rows, "period": period,
        "query": sorted_query, "page_query": sorted_query, "filters": filters,
        "columns": _sort_columns(kind, sort, _query(period, filters)),
    })


DOSSIER_COLUMNS = [("ma", gettext_lazy("Mã hồ sơ")), ("co-quan", gettext_lazy("Cơ quan tiếp nhận")),
                   ("thu-tuc", gettext_lazy("Thủ tục")), ("trang-thai", gettext_lazy("Trạng thái")),
                   ("han", gettext_lazy("Hạn trả")), ("tre", gettext_lazy("Thời hạn"))]


def _sort_columns(kind: str, sort: str, query: str) -> list[dict]:
    """The list's column headings, each a link that sorts by it (again: the other way), with its aria-sort.
    Lateness ("Thời hạn") sorts only the late and overdue lists, most overdue first."""
    columns = []
    for key, label in DOSSIER_COLUMNS:
        sortable = key != "tre" or kind in selectors.DEFAULT_SORTS
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        following = f"-{key}" if (sort == key or (not state and key == "tre")) else key
        columns.append({"label": label, "sortable": sortable, "state": state,
                        "href": f"?{query}&{urlencode({'sap-xep': following})}"})
    return columns


@require_GET
@centre_view
def league(request, scope, period, filters):
    """Agencies ranked across the scope; choosing an agency shows its row with its rank among all, not a
    ranking of one. The table has no field, procedure or commune dimension, so only the agency applies."""
    filters = selectors.Filters(agency=filters.agency)
    table = selectors.league_table(scope, period)
    if filters.agency:
        table = [row for row in table if row.agency_id == filters.agency]
    columns = selectors.LEAGUE_COLUMNS
    if request.GET.get("xuat") == "xlsx":
        return _xlsx(f"xep-hang-{period.key}", rendering.table_xlsx(
            gettext("Xếp hạng cơ quan — %(period)s") % {"period": period.label},
            [gettext("Hạng"), gettext("Cơ quan"), *[label for _, label in columns]],
            [[r.rank, r.agency, *[r.values[code] for code, _ in columns]] for r in table]))
    page = Paginator(table, TABLE_PAGE_SIZE).get_page(request.GET.get("trang"))
    rows = [{"row": r, "cells": [(r.values[code], selectors.LEAGUE_DECIMALS.get(code, 0)) for code, _ in columns]}
            for r in page.object_list]
    shown = page.object_list[:30]
    on_time = reverse("ioc:indicator", args=[ON_TIME_RATE])
    chart = _chart(None, [r.agency for r in shown], [r.values["on_time_rate"] for r in shown], kind="bar",
                   links=[f"{on_time}?{_query(period, selectors.Filters(agency=r.agency_id), theo='field')}"
                          for r in shown])
    chart.update(name=gettext("Tỷ lệ đúng hạn"), unit="%")
    return _page(request, "ioc/league.html", {
        "rows": rows, "columns": columns, "period": period, "chart": chart, "filters": filters,
        "page_obj": page, "page_query": _query(period, filters), "choices": _period_choices(period),
        "query": _query(period, filters)}, scope, filters, full_picker=False)


@require_GET
@centre_view
def scorecard(request, scope, period, filters):
    groups = selectors.scorecard(scope, period)
    if request.GET.get("xuat") == "xlsx":
        rows = []
        for g in groups:
            for line in g.lines:
                a = line.assessment
                rows.append([g.label, g.max_points, a.indicator.display_name, a.value, line.weight.points if line.weight
                             else None, line.points])
        return _xlsx(f"qd766-{period.key}", rendering.table_xlsx(
            gettext("Bộ chỉ số QĐ 766 — %(period)s") % {"period": period.label},
            [gettext("Nhóm"), gettext("Điểm tối đa nhóm"), gettext("Chỉ số"), gettext("Giá trị"), gettext("Trọng số"),
             gettext("Điểm")], rows))
    return render(request, "ioc/scorecard.html", {"groups": groups, "period": period,
                                                  "choices": _period_choices(period), "query": _query(period, filters)})


@require_GET
@centre_view
def report(request, scope, period, filters):
    fmt = request.GET.get("dinh-dang")
    if fmt in ("pdf", "xlsx"):
        # The supervision report is an official Vietnamese document, whatever the page's language.
        with translation.override("vi"):
            data = reports.supervision_report(scope, period)
            if fmt == "xlsx":
                return _xlsx(f"bao-cao-giam-sat-{period.key}", reports.report_xlsx(data))
            pdf = reports.report_pdf(data, heading=_report_heading(scope))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="bao-cao-giam-sat-{period.key}.pdf"'
        return response
    return render(request, "ioc/report_page.html", {"period": period, "choices": _period_choices(period),
                                                    "query": _query(period, filters)})


def _report_heading(scope: selectors.Scope) -> reports.ReportHeading:
    """Who issues the report and where, for its administrative heading (Decree 30/2020/NĐ-CP layout).

    The whole province reports as the province's People's Committee through its operations centre; a
    leader scoped to some agencies reports as the topmost of them (a department above its sub-units).
    """
    province = Province.objects.filter(code=province_code(settings.TINHSO_PROVINCE_CODE)).first()
    place = province.name if province else ""
    kind = "thành phố" if province and province.kind == Province.Kind.CITY else "tỉnh"
    committee = f"Ủy ban nhân dân {kind} {place}".strip()
    if scope.whole_province:
        return reports.ReportHeading(committee, "Trung tâm giám sát, điều hành", place)
    agencies = list(Agency.objects.filter(pk__in=sorted(scope.agency_ids)).select_related("parent")
                    .order_by("name", "pk"))
    top = next((a for a in agencies if a.parent_id not in scope.agency_ids), agencies[0] if agencies else None)
    if top is None:
        return reports.ReportHeading(committee, "", place)
    superior = top.parent.name if top.parent_id else committee
    return reports.ReportHeading(superior, top.name, place)


# -- reported values -------------------------------------------------------------------------------------


def _reporter(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        agencies = services.reporting_agencies(request.user)
        if not agencies:
            raise PermissionDenied(gettext("Bạn không thuộc cơ quan nào để báo cáo số liệu."))
        return view(request, agencies, *args, **kwargs)

    return wrapper


# What needs someone's hand first: waiting for a leader, returned for correction, being entered, settled.
STATUS_ORDER = (ReportStatus.SUBMITTED, ReportStatus.REJECTED, ReportStatus.DRAFT, ReportStatus.APPROVED)


@require_http_methods(["GET", "POST"])
@_reporter
def reported_values(request, agencies):
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        agency = next((a for a in agencies if str(a.pk) == request.POST.get("agency")), None)
        if agency is None:
            errors["agency"] = gettext("Chọn cơ quan báo cáo.")
        else:
            try:
                services.enter_value(agency=agency, indicator_code=request.POST.get("indicator", ""),
                                     period=request.POST.get("period", ""), value=request.POST.get("value", ""),
                                     note=request.POST.get("note", ""), user=request.user)
            except services.ReportError as error:
                errors[error.field or "value"] = error.message
            else:
                messages.success(request, gettext("Đã ghi số liệu, chờ lãnh đạo cơ quan duyệt."))
                return redirect("ioc:reported")
    return _reported_page(request, agencies, errors=errors, form=form, status=400 if errors else 200)


def _reported_page(request, agencies, *, errors=None, form=None, review_error=None, status=200):
    """The reported-values page: entry form, upload, and the values of the user's agencies.

    The values waiting for this user's decision (submitted, in an agency they lead, entered by someone
    else) come first and are marked, so a leader's queue is the top of the table.
    """
    shown = request.GET.get("trang-thai", "")
    if shown and shown not in ReportStatus.values:
        return render(request, "ioc/error.html", {"message": gettext("Trạng thái lọc không hợp lệ.")}, status=400)
    approvable = [a.pk for a in agencies if has_role(request.user, Role.APPROVER, a)]
    awaiting = (Q(status=ReportStatus.SUBMITTED, agency_id__in=approvable)
                & (Q(entered_by__isnull=True) | ~Q(entered_by_id=request.user.pk)))
    values = ReportedValue.objects.filter(agency__in=agencies)
    queue_size = values.filter(awaiting).count() if approvable else 0
    if shown:
        values = values.filter(status=shown)
    values = values.select_related("indicator", "agency", "approved_by", "rejected_by").annotate(
        for_me=Case(When(awaiting, then=Value(True)), default=Value(False), output_field=BooleanField()),
        stage=Case(*(When(status=code, then=Value(rank)) for rank, code in enumerate(STATUS_ORDER)),
                   default=Value(len(STATUS_ORDER)), output_field=IntegerField()),
    ).order_by("-for_me", "stage", "-entered_at", "-pk")
    page = Paginator(values, PAGE_SIZE).get_page(request.GET.get("trang"))
    tabs = [{"key": "", "label": gettext("Tất cả")},
            *({"key": code.value, "label": code.label} for code in STATUS_ORDER)]
    for tab in tabs:
        tab["query"] = urlencode({"trang-thai": tab["key"]}) if tab["key"] else ""
    return render(request, "ioc/reported.html", {
        "agencies": agencies, "indicators": Indicator.objects.filter(active=True, source=Source.REPORTED),
        "may_import": services.may_import(request.user), "publication_max": services.PUBLICATION_MAX,
        "page_obj": page, "errors": errors or {}, "form": form or {}, "review_error": review_error,
        "queue_size": queue_size, "tabs": tabs, "shown": shown, "approvable": set(approvable),
        "statuses": ReportStatus,
        "page_query": urlencode({"trang-thai": shown}) if shown else "",
        "period": Period.current(YEAR), "review_note_max": REVIEW_NOTE_MAX,
    }, status=status)


def _review(request, agencies, pk, decide, done: str):
    """Approve or return one value of the user's agencies; a refusal is a 403, any other error a 4xx page
    naming the row, with nothing written."""
    reported = get_object_or_404(ReportedValue.objects.select_related("agency"), pk=pk, agency__in=agencies)
    try:
        decide(reported)
    except services.ReportError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from error
        review_error = {"pk": reported.pk, "message": error.message, "note": request.POST.get("review_note", "")}
        return _reported_page(request, agencies, review_error=review_error, status=error.status)
    messages.success(request, done)
    return redirect("ioc:reported")


@require_POST
@_reporter
def approve_reported(request, agencies, pk):
    return _review(request, agencies, pk, lambda reported: services.approve_value(reported, user=request.user),
                   gettext("Đã duyệt số liệu."))


@require_POST
@_reporter
def reject_reported(request, agencies, pk):
    note = request.POST.get("review_note", "")
    return _review(request, agencies, pk,
                   lambda reported: services.reject_value(reported, user=request.user, note=note),
                   gettext("Đã trả lại số liệu để cơ quan sửa."))


@require_GET
@_reporter
def reported_template(request, agencies):
    try:
        period = Period.parse(request.GET["ky"]) if request.GET.get("ky") else Period.current(YEAR)
    except PeriodError:
        period = Period.current(YEAR)
    if request.GET.get("nguon") == Source.IMPORTED:
        return _xlsx(f"mau-so-lieu-cong-bo-{period.key}", services.template_xlsx(period, Source.IMPORTED))
    return _xlsx(f"mau-so-lieu-{period.key}", services.template_xlsx(period))


@require_POST
@_reporter
def reported_upload(request, agencies):
    return _take_file(request, agencies, missing=gettext("Chọn cơ quan và tệp Excel cần tải lên."),
                      suffixes=None, read=lambda upload, agency: services.import_xlsx(
                          upload.read(), agency=agency, user=request.user),
                      done=lambda n: ngettext("Đã nhận %(count)d số liệu từ tệp, chờ lãnh đạo duyệt.",
                                              "Đã nhận %(count)d số liệu từ tệp, chờ lãnh đạo duyệt.",
                                              n) % {"count": n})


@require_POST
@_reporter
def reported_import(request, agencies):
    """Platform administrators import published indices (DTI, PAR Index, PCI…) from the template or CSV."""
    if not services.may_import(request.user):
        raise PermissionDenied(gettext("Chỉ quản trị nền tảng được nhập số liệu công bố chính thức."))
    return _take_file(request, agencies, missing=gettext("Chọn cơ quan quản lý số liệu và tệp cần nhập."),
                      suffixes=(".xlsx", ".csv"), read=lambda upload, agency: services.import_published(
                          upload.read(), name=upload.name, agency=agency,
                          publication=request.POST.get("publication", ""), user=request.user),
                      done=lambda n: ngettext("Đã nhập %(count)d số liệu công bố; số liệu được tính ngay.",
                                              "Đã nhập %(count)d số liệu công bố; số liệu được tính ngay.",
                                              n) % {"count": n})


def _take_file(request, agencies, *, missing: str, suffixes: tuple[str, ...] | None, read, done):
    """One uploaded file of values for one of ``agencies``: checked by size and, where the format follows
    the name (``suffixes``), by name; read by ``read`` (all or nothing: the workbook reader refuses what is
    not a workbook), every bad line named; back to the reported-values page with the outcome."""
    agency = next((a for a in agencies if str(a.pk) == request.POST.get("agency")), None)
    upload = request.FILES.get("file")
    if agency is None or upload is None:
        messages.error(request, missing)
    elif upload.size > 5 * 1024 * 1024:
        messages.error(request, gettext("Tệp quá lớn (tối đa 5 MB)."))
    elif suffixes and not upload.name.lower().endswith(suffixes):
        messages.error(request, gettext("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."))
    else:
        try:
            result = read(upload, agency)
        except services.ReportError as error:
            messages.error(request, error.message)
        else:
            for line in result.errors[:20]:
                messages.error(request, line)
            if not result.errors:
                messages.success(request, done(len(result.saved)))
    return redirect("ioc:reported")
    if upload.size > 5 * 1024 * 1024:
        messages.error(request, gettext("Tệp quá lớn (tối đa 5 MB)."))
        return redirect("ioc:reported")
    if not upload.name.lower().endswith((".xlsx", ".csv")):
        messages.error(request, gettext("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."))
        return redirect("ioc:reported")
    try:
        result = services.import_published(upload.read(), name=upload.name, agency=agency,
                                           publication=request.POST.get("publication", ""), user=request.user)
    except services.ReportError as error:
        messages.error(request, error.message)
        return redirect("ioc:reported")
    if result.errors:
        for line in result.errors[:20]:
            messages.error(request, line)
    else:
        messages.success(request, ngettext("Đã nhập %(count)d số liệu công bố; số liệu được tính ngay.",
                                           "Đã nhập %(count)d số liệu công bố; số liệu được tính ngay.",
                                           len(result.saved)) % {"count": len(result.saved)})
    return redirect("ioc:reported")
