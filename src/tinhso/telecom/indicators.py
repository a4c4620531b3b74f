"""The telecom registry's indicators for the operations centre (``tinhso.common.indicators``), computed from
the registry instead of typed: the reported codes agencies used to fill in by hand keep their code and are
taken over (``replaces=True``; the values reported before stay as history).

Scope (``ReadQuery.agency_ids``): the whole province, or an agency that keeps the registry
(``TelecomOffice``), sees every record; a commune's agencies see the records in their commune; other agencies
see none. The operators' figures (subscribers, revenue) count only reports the department approved.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent, register

GROUP = "telecom"
DIMENSIONS_COMMUNE = ("commune",)


def _office_ids() -> set[int]:
    from tinhso.telecom.models import TelecomOffice

    return set(TelecomOffice.objects.values_list("agency_id", flat=True))


def _communes_in_view(query: ReadQuery) -> list[str] | None:
    """None: every commune; otherwise the codes of the communes the query's agencies serve."""
    if query.agency_ids is None or _office_ids() & set(query.agency_ids):
        return None
    from tinhso.directory.models import Agency

    return list(Agency.objects.filter(pk__in=query.agency_ids, commune__isnull=False)
                .values_list("commune__code", flat=True))


def _narrow(queryset, query: ReadQuery, commune_field: str):
    communes = _communes_in_view(query)
    if communes is not None:
        queryset = queryset.filter(**{f"{commune_field}__in": communes})
    if query.commune:
        queryset = queryset.filter(**{commune_field: query.commune})
    return queryset


def _by_agency(query: ReadQuery, counts) -> dict:
    """Every record belongs to the registry's agency; a commune agency's view is its commune's records."""
    offices = _office_ids()
    if query.agency_ids is None or offices & set(query.agency_ids):
        key = min(offices & set(query.agency_ids)) if query.agency_ids else (min(offices) if offices else None)
        return {key: counts(query)}
    from tinhso.directory.models import Agency

    rows = {}
    for pk, code in Agency.objects.filter(pk__in=query.agency_ids, commune__isnull=False).values_list(
            "pk", "commune__code"):
        narrowed = ReadQuery(query.start, query.end, (pk,), query.at, commune=code)
        rows[pk] = counts(narrowed)
    return rows


def _operator_labels(dimension, keys) -> dict:
    from tinhso.telecom.models import Operator

    return dict(Operator.objects.filter(code__in=keys).values_list("code", "name"))


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


# -- villages and communes --------------------------------------------------------------------------------------


def _villages(query: ReadQuery):
    from tinhso.telecom.models import VillageStatus

    return _narrow(VillageStatus.objects.all(), query, "commune__code")


VILLAGE_SUMS = {"villages": Count("pk"), "broadband": Count("pk", filter=Q(broadband=True))}


def _village_counts(query):
    return _villages(query).aggregate(**VILLAGE_SUMS)


def _village_counts_by(query, dimension):
    if dimension == "agency":
        return _by_agency(query, _village_counts)
    rows = _villages(query).values("commune__code").annotate(**VILLAGE_SUMS).order_by()
    return {row.pop("commune__code"): row for row in rows}


def _village_records(query, dimension=None, key=None):
    return _url("telecom:villages", song="co", xa=key if dimension == "commune" else query.commune)


VILLAGE_COLUMNS = (("villages", _("Số thôn, bản")), ("broadband", _("Có băng rộng di động")))


def _communes(query: ReadQuery):
    from tinhso.telecom.models import CommuneStatus

    return _narrow(CommuneStatus.objects.all(), query, "commune__code")


COMMUNE_SUMS = {"communes": Count("pk"), "fibre": Count("pk", filter=Q(fibre=True)),
                "has_4g": Count("pk", filter=Q(has_4g=True))}


def _commune_counts(query):
    return _communes(query).aggregate(**COMMUNE_SUMS)


def _commune_counts_by(query, dimension):
    if dimension == "agency":
        return _by_agency(query, _commune_counts)
    rows = _communes(query).values("commune__code").annotate(**COMMUNE_SUMS).order_by()
    return {row.pop("commune__code"): row for row in rows}


def _commune_records(query, dimension=None, key=None):
    return _url("telecom:communes", xa=key if dimension == "commune" else query.commune)


# -- stations ---------------------------------------------------------------------------------------------------


def _stations(query: ReadQuery):
    from tinhso.telecom.models import Station

    return _narrow(Station.objects.all(), query, "commune__code")


def _station_indicator(sums: dict, narrow=None, dimensions=("commune", "operator")):
    def base(query):
        stations = _stations(query)
        return narrow(stations, query) if narrow else stations

    def counts(query):
        return base(query).aggregate(**sums)

    def counts_by(query, dimension):
        if dimension == "agency":
            return _by_agency(query, counts)
        field = {"commune": "commune__code", "operator": "operator__code", "month": "approved_month"}[dimension]
        rows = base(query)
        if dimension == "month":
            from django.db.models.functions import TruncMonth

            rows = rows.annotate(approved_month=TruncMonth("approved_on"))
        return {row.pop(field): row for row in rows.values(field).annotate(**sums).order_by()}

    return counts, counts_by


def _approved_in(stations, query):
    return stations.filter(approved_on__gte=query.start, approved_on__lt=query.end)


def _standing(stations, query):
    from tinhso.telecom.models import STANDING_STATES

    return stations.filter(state__in=STANDING_STATES)


APPROVED_COUNTS, APPROVED_BY = _station_indicator({"approved": Count("pk")}, _approved_in)
SHARED_COUNTS, SHARED_BY = _station_indicator(
    {"standing": Count("pk"), "shared": Count("pk", filter=Q(operators_count__gte=2))}, _standing)
DOWN_COUNTS, DOWN_BY = _station_indicator(
    {"in_service": Count("pk", filter=Q(state="in_service")), "down": Count("pk", filter=Q(is_down=True))})


def _station_records(**fixed):
    def records(query, dimension=None, key=None):
        params = dict(fixed)
        if "duyet-tu" in params:
            params["duyet-tu"] = query.start.isoformat()
            params["duyet-den"] = query.end.isoformat()
        if dimension == "commune":
            params["xa"] = key
        elif query.commune:
            params["xa"] = query.commune
        if dimension == "operator":
            params["doanh-nghiep"] = key
        return _url("telecom:stations", **params)

    return records


# -- service points and cable ---------------------------------------------------------------------------------


def _service_points(query: ReadQuery):
    from tinhso.telecom.models import ServicePoint

    last_day = query.end - datetime.timedelta(days=1)
    points = ServicePoint.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=last_day)).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=last_day))
    return _narrow(points, query, "commune__code")


def _point_counts(query):
    return _service_points(query).aggregate(points=Count("pk"), staffed=Count("pk", filter=Q(staffed=True)))


def _point_counts_by(query, dimension):
    if dimension == "agency":
        return _by_agency(query, _point_counts)
    rows = _service_points(query).values("commune__code").annotate(
        points=Count("pk"), staffed=Count("pk", filter=Q(staffed=True))).order_by()
    return {row.pop("commune__code"): row for row in rows}


def _routes(query: ReadQuery):
    from tinhso.telecom.models import CableRoute

    routes = CableRoute.objects.filter(length_in_areas_m__gt=0)
    communes = _communes_in_view(query)
    if communes is not None:
        routes = routes.filter(communes__code__in=communes).distinct()
    if query.commune:
        routes = routes.filter(communes__code=query.commune).distinct()
    return routes


CABLE_SUMS = {"in_areas_m": Sum("length_in_areas_m"),
              "underground_m": Sum("length_in_areas_m", filter=Q(placement="underground"))}


def _cable_counts(query):
    from tinhso.telecom.models import CableRoute

    ids = _routes(query).values("pk")
    found = CableRoute.objects.filter(pk__in=ids).aggregate(**CABLE_SUMS)
    return {k: v or Decimal(0) for k, v in found.items()}


def _cable_counts_by(query, dimension):
    from tinhso.telecom.models import CableRoute

    if dimension == "agency":
        return _by_agency(query, _cable_counts)
    rows = CableRoute.objects.filter(pk__in=_routes(query).values("pk")).values("operator__code").annotate(
        **CABLE_SUMS).order_by()
    return {row.pop("operator__code"): {k: v or Decimal(0) for k, v in row.items()} for row in rows}


# -- operators' reports ----------------------------------------------------------------------------------------

STOCKS = ("phone_subscribers", "mobile_broadband_subscribers", "fixed_broadband_subscribers")


def _reports(query: ReadQuery):
    from tinhso.telecom.models import OperatorReport, ReportStatus

    if _communes_in_view(query) is not None or query.commune:
        return OperatorReport.objects.none()  # operators report for the whole province
    return OperatorReport.objects.filter(status=ReportStatus.APPROVED, period_start__gte=query.start,
                                         period_end__lte=query.end)


def _report_counts_from(rows) -> dict:
    """Subscribers are stocks: each operator's latest approved report in the period; revenue is a flow:
    the sum of the approved reports that lie in the period (months and quarters never both: quarters
    are preferred where an operator sent both)."""
    latest: dict[int, object] = {}
    quarters: dict[int, list] = {}
    months: dict[int, list] = {}
    for report in rows:
        if report.operator_id not in latest or report.period_end > latest[report.operator_id].period_end:
            latest[report.operator_id] = report
        (quarters if report.period.endswith(("Q1", "Q2", "Q3", "Q4")) else months).setdefault(
            report.operator_id, []).append(report)
    counts = {name: sum(getattr(r, name) for r in latest.values()) for name in STOCKS}
    revenue = Decimal(0)
    for operator in set(quarters) | set(months):
        chosen = quarters.get(operator, [])
        covered = {(r.period_start, r.period_end) for r in chosen}
        for month in months.get(operator, []):
            if not any(start <= month.period_start < end for start, end in covered):
                chosen = [*chosen, month]
        revenue += sum((r.revenue_million_vnd for r in chosen), Decimal(0))
    counts["revenue_billion_vnd"] = (revenue / 1000).quantize(Decimal("0.001"), ROUND_HALF_UP)
    counts["operators"] = len(latest)
    return counts


def _report_counts(query):
    return _report_counts_from(_reports(query).only(
        "operator_id", "period", "period_start", "period_end", "revenue_million_vnd", *STOCKS))


def _report_counts_by(query, dimension):
    if dimension == "agency":
        return _by_agency(query, _report_counts)
    rows = list(_reports(query).select_related("operator"))
    if dimension == "operator":
        return {code: _report_counts_from([r for r in rows if r.operator.code == code])
                for code in {r.operator.code for r in rows}}
    if dimension == "month":
        return {month: _report_counts_from([r for r in rows if r.period_start == month])
                for month in {r.period_start for r in rows}}
    return {}


def _report_records(query, dimension=None, key=None):
    return _url("telecom:reports", **{"trang-thai": "approved"})


def _stock(name):
    return lambda c: Decimal(c.get(name, 0)) if c.get("operators") else None


REPORT_COLUMNS = (("operators", _("Doanh nghiệp có báo cáo được duyệt")),)
LEGAL_PLAN = "Quy hoạch hạ tầng kỹ thuật viễn thông thụ động của tỉnh"


def _reader(counts, counts_by, value, dimensions, columns, records, **extra) -> Reader:
    return Reader(counts=counts, counts_by=counts_by, value=value, dimensions=dimensions, columns=columns,
                  records=records, labels=_operator_labels, **extra)


register(
    ModuleIndicator(
        code="thon-ban-bang-rong-di-dong", formula="telecom.villages_broadband",
        name="Số thôn, bản có sóng băng rộng di động", name_en="Villages with mobile broadband", unit="thôn, bản",
        direction="higher", group=GROUP, live=True, replaces=True, additive=True, decimals=0,
        reader=_reader(_village_counts, _village_counts_by, lambda c: Decimal(c.get("broadband", 0)),
                       DIMENSIONS_COMMUNE, VILLAGE_COLUMNS, _village_records),
        definition="Số thôn, bản, tổ dân phố có sóng băng rộng di động (3G, 4G hoặc 5G) theo quy tắc nguồn: đo kiểm "
                   "ưu tiên hơn doanh nghiệp kê khai, kê khai ưu tiên hơn số tính từ trạm đang phát sóng (bán kính "
                   "theo công nghệ và địa hình). Tính tại thời điểm xem.",
        legal_source="Chương trình cung cấp dịch vụ viễn thông công ích; chỉ tiêu xóa thôn, bản trắng sóng"),
    ModuleIndicator(
        code="ty-le-thon-ban-bang-rong", formula="telecom.villages_broadband_share",
        name="Tỷ lệ thôn, bản có sóng băng rộng di động", name_en="Share of villages with mobile broadband",
        unit="%", direction="higher", group=GROUP, live=True,
        reader=_reader(_village_counts, _village_counts_by,
                       lambda c: percent(c.get("broadband", 0), c.get("villages", 0)), DIMENSIONS_COMMUNE,
                       VILLAGE_COLUMNS, _village_records),
        definition="Thôn, bản có băng rộng di động ÷ tổng số thôn, bản × 100% (cùng quy tắc nguồn).",
        legal_source="Chương trình cung cấp dịch vụ viễn thông công ích"),
    ModuleIndicator(
        code="xa-cap-quang", formula="telecom.communes_fibre", name="Tỷ lệ xã có hạ tầng băng rộng cáp quang",
        name_en="Communes with fibre", unit="%", direction="higher", group=GROUP, live=True, replaces=True,
        reader=_reader(_commune_counts, _commune_counts_by,
                       lambda c: percent(c.get("fibre", 0), c.get("communes", 0)), DIMENSIONS_COMMUNE,
                       (("communes", _("Số xã, phường")), ("fibre", _("Có cáp quang"))), _commune_records),
        definition="Xã, phường có tuyến cáp quang trong sổ đăng ký đi qua (hoặc đo kiểm, kê khai có cáp quang) ÷ số "
                   "xã, phường có thôn, bản trong sổ × 100%.",
        legal_source="Kế hoạch chuyển đổi số của tỉnh"),
    ModuleIndicator(
        code="xa-4g", formula="telecom.communes_4g", name="Tỷ lệ xã phủ sóng 4G", name_en="Communes with 4G",
        unit="%", direction="higher", group=GROUP, live=True, replaces=True,
        reader=_reader(_commune_counts, _commune_counts_by,
                       lambda c: percent(c.get("has_4g", 0), c.get("communes", 0)), DIMENSIONS_COMMUNE,
                       (("communes", _("Số xã, phường")), ("has_4g", _("Có 4G"))), _commune_records),
        definition="Xã, phường có ít nhất một thôn, bản có 4G (hoặc 5G) theo quy tắc nguồn ÷ số xã, phường × 100%.",
        legal_source="Kế hoạch chuyển đổi số của tỉnh"),
    ModuleIndicator(
        code="giay-phep-bts", formula="telecom.stations_approved", name="Số trạm BTS được chấp thuận, cấp phép",
        name_en="BTS sites approved", unit="trạm", direction="higher", group=GROUP, replaces=True, additive=True,
        decimals=0,
        reader=_reader(APPROVED_COUNTS, APPROVED_BY, lambda c: Decimal(c.get("approved", 0)),
                       ("commune", "operator", "month"), (("approved", _("Trạm được chấp thuận")),),
                       _station_records(**{"duyet-tu": "", "duyet-den": ""})),
        definition="Số trạm có ngày chấp thuận (hồ sơ chấp thuận vị trí trả kết quả, hoặc văn bản chấp thuận nhập "
                   "vào sổ) trong kỳ.",
        legal_source=LEGAL_PLAN),
    ModuleIndicator(
        code="tram-bts-dung-chung", formula="telecom.stations_shared",
        name="Số trạm BTS dùng chung từ hai doanh nghiệp", name_en="BTS sites shared by two or more operators",
        unit="trạm", direction="higher", group=GROUP, live=True, additive=True, decimals=0,
        reader=_reader(SHARED_COUNTS, SHARED_BY, lambda c: Decimal(c.get("shared", 0)), ("commune", "operator"),
                       (("standing", _("Trạm hiện có")), ("shared", _("Dùng chung từ 2 doanh nghiệp"))),
                       _station_records(**{"dung-chung": "1"})),
        definition="Trạm đã chấp thuận, xây dựng hoặc phát sóng mà cột được từ hai doanh nghiệp trở lên sử dụng.",
        legal_source=LEGAL_PLAN + " (cột mới dùng chung tối thiểu 2 doanh nghiệp)"),
    ModuleIndicator(
        code="tram-mat-lien-lac", formula="telecom.stations_down", name="Số trạm BTS đang mất liên lạc",
        name_en="BTS sites down now", unit="trạm", direction="lower", group=GROUP, live=True, additive=True,
        decimals=0,
        reader=_reader(DOWN_COUNTS, DOWN_BY, lambda c: Decimal(c.get("down", 0)), ("commune", "operator"),
                       (("in_service", _("Trạm đang phát sóng")), ("down", _("Đang mất liên lạc"))),
                       lambda query, dimension=None, key=None: _url(
                           "telecom:outages", xa=key if dimension == "commune" else query.commune,
                           **{"doanh-nghiep": key if dimension == "operator" else None})),
        definition="Số trạm có sự cố mất liên lạc (mất điện, mất truyền dẫn, hư hỏng) đang mở tại thời điểm xem, "
                   "theo báo cáo của doanh nghiệp.",
        legal_source="Phương án bảo đảm thông tin liên lạc phòng, chống thiên tai"),
    ModuleIndicator(
        code="diem-dich-vu-vien-thong", formula="telecom.service_points",
        name="Số điểm cung cấp dịch vụ viễn thông công cộng", name_en="Public telecom service points",
        unit="điểm", direction="higher", group=GROUP, replaces=True, decimals=0,
        reader=_reader(_point_counts, _point_counts_by, lambda c: Decimal(c.get("points", 0)), DIMENSIONS_COMMUNE,
                       (("points", _("Điểm hoạt động cuối kỳ")), ("staffed", _("Có người phục vụ"))),
                       lambda query, dimension=None, key=None: _url(
                           "telecom:service-points", xa=key if dimension == "commune" else query.commune)),
        definition="Số điểm cung cấp dịch vụ viễn thông công cộng (bưu cục, điểm bưu điện – văn hóa xã, ki-ốt, "
                   "điểm Wi-Fi công cộng) hoạt động vào ngày cuối kỳ.",
        legal_source="Nghị quyết 60/2016/NQ-HĐND (hạ tầng viễn thông thụ động)"),
    ModuleIndicator(
        code="ty-le-ngam-hoa-cap", formula="telecom.cable_underground_share",
        name="Tỷ lệ ngầm hóa mạng cáp ngoại vi viễn thông", name_en="Underground share of telecom cable",
        unit="%", direction="higher", group=GROUP, live=True, replaces=True,
        reader=Reader(counts=_cable_counts, counts_by=_cable_counts_by,
                      value=lambda c: percent(int(c.get("underground_m", 0)), int(c.get("in_areas_m", 0))),
                      dimensions=("commune", "operator"),
                      columns=(("in_areas_m", _("Cáp trong khu vực quy hoạch (m)")),
                               ("underground_m", _("Đi ngầm (m)"))),
                      records=lambda query, dimension=None, key=None: _url(
                          "telecom:routes", **{"doanh-nghiep": key if dimension == "operator" else None}),
                      labels=_operator_labels),
        definition="Chiều dài cáp đi ngầm ÷ tổng chiều dài cáp ngoại vi trong các khu vực quy hoạch chỉ đi cáp "
                   "ngầm × 100% (chiều dài trắc địa của phần tuyến nằm trong khu vực).",
        legal_source="Nghị quyết 60/2016/NQ-HĐND"),
    ModuleIndicator(
        code="thue-bao-dien-thoai", formula="telecom.phone_subscribers", name="Số thuê bao điện thoại",
        name_en="Telephone subscribers", unit="thuê bao", direction="higher", group=GROUP, replaces=True, decimals=0,
        reader=_reader(_report_counts, _report_counts_by, _stock("phone_subscribers"), ("operator", "month"),
                       REPORT_COLUMNS, _report_records),
        definition="Tổng số thuê bao điện thoại theo báo cáo được Sở duyệt gần nhất trong kỳ của mỗi doanh nghiệp.",
        legal_source="Báo cáo thống kê ngành viễn thông"),
    ModuleIndicator(
        code="thue-bao-bang-rong-di-dong", formula="telecom.mobile_broadband_subs",
        name="Số thuê bao băng rộng di động", name_en="Mobile broadband subscribers", unit="thuê bao",
        direction="higher", group=GROUP, replaces=True, decimals=0,
        reader=_reader(_report_counts, _report_counts_by, _stock("mobile_broadband_subscribers"),
                       ("operator", "month"), REPORT_COLUMNS, _report_records),
        definition="Tổng số thuê bao băng rộng di động theo báo cáo được duyệt gần nhất trong kỳ của mỗi doanh nghiệp.",
        legal_source="Báo cáo thống kê ngành viễn thông"),
    ModuleIndicator(
        code="thue-bao-bang-rong-co-dinh", formula="telecom.fixed_broadband_subs",
        name="Số thuê bao băng rộng cố định", name_en="Fixed broadband subscribers", unit="thuê bao",
        direction="higher", group=GROUP, replaces=True, decimals=0,
        reader=_reader(_report_counts, _report_counts_by, _stock("fixed_broadband_subscribers"),
                       ("operator", "month"), REPORT_COLUMNS, _report_records),
        definition="Tổng số thuê bao băng rộng cố định theo báo cáo được duyệt gần nhất trong kỳ của mỗi doanh nghiệp.",
        legal_source="Báo cáo thống kê ngành viễn thông"),
    ModuleIndicator(
        code="doanh-thu-vien-thong", formula="telecom.revenue", name="Doanh thu lĩnh vực viễn thông",
        name_en="Telecom revenue", unit="tỷ đồng", direction="higher", group=GROUP, replaces=True, additive=True,
        decimals=1,
        reader=_reader(_report_counts, _report_counts_by,
                       lambda c: c.get("revenue_billion_vnd") if c.get("operators") else None,
                       ("operator", "month"), REPORT_COLUMNS, _report_records),
        definition="Tổng doanh thu trong kỳ theo các báo cáo tháng, quý được Sở duyệt của các doanh nghiệp (báo "
                   "cáo quý được dùng thay các tháng trong quý nếu doanh nghiệp gửi cả hai).",
        legal_source="Báo cáo thống kê ngành viễn thông"),
)
