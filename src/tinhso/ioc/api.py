"""The operations-centre API (/api/ioc): the indicator registry, values against targets for a period, and
reported values posted and read back by an agency with its API token (the dossiers API's ``TokenAuth``) or
by a signed-in officer. Posted values wait for the agency leader's review like any other; reading them back
tells the agency which were approved and which were returned, and why."""


import datetime
from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from tinhso.common.restapi import choice, decimal_for, errors, paginated
from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.dossiers.services import AgencyClient
from tinhso.exchange.registry import GatewayAuth
from tinhso.ioc import selectors, services
from tinhso.ioc.models import Indicator, ReportedValue, ReportStatus, ValueSource
from tinhso.ioc.periods import YEAR, Period, PeriodError

router = Router(tags=["ioc"], auth=[GatewayAuth(), TokenAuth(), ActiveSession()])


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    unit: str
    direction: str
    group: str
    source: str
    granularity: str
    definition: str
    legal_source: str


class ValueOut(Schema):
    code: str
    value: Decimal | None
    target: Decimal | None
    achieved: Decimal | None
    status: str
    status_label: str


ReportedNumber = decimal_for(ReportedValue._meta.get_field("value"))


class ReportedIn(Schema):
    indicator: str = Field(max_length=40, description=_("Mã chỉ số"))
    period: str = Field(max_length=7, description=_("Kỳ báo cáo: 2026, 2026-Q1 hoặc 2026-03"))
    value: ReportedNumber = Field(description=_("Giá trị (không âm; tối đa 14 chữ số trước và 4 chữ số sau dấu "
                                                "thập phân)"))
    note: str = Field("", max_length=4000, description=_("Ghi chú, nguồn số liệu"))


class PeriodFilter(Schema):
    ky: str = Field("", max_length=7, description=_("Kỳ: 2026, 2026-Q1 hoặc 2026-03"))


class ReportingAgency(Schema):
    agency: str = Field("", max_length=35, description=_("Mã định danh của cơ quan báo cáo (cán bộ đăng nhập)"))


class ReportedFilters(Schema):
    indicator: str = Field("", max_length=40, description=_("Mã chỉ số"))
    period: str = Field("", max_length=7, description=_("Kỳ báo cáo đúng như lưu: 2026, 2026-Q1 hoặc 2026-03"))
    status: choice(ReportStatus) | None = Field(None, description=_("Trạng thái"))
    agency: str = Field("", max_length=35, description=_("Mã định danh của cơ quan"))


class ReportedOut(Schema):
    id: int
    indicator: str
    agency: str
    period: str
    value: Decimal
    status: str
    source: str


class ReportedItemOut(Schema):
    id: int
    indicator: str
    agency: str
    period: str
    value: Decimal
    note: str
    source: str
    status: str
    status_label: str
    review_note: str
    entered_by: str
    entered_at: datetime.datetime
    approved_at: datetime.datetime | None
    rejected_at: datetime.datetime | None

    @staticmethod
    def resolve_indicator(reported) -> str:
        return reported.indicator.code

    @staticmethod
    def resolve_agency(reported) -> str:
        return reported.agency.identifier

    @staticmethod
    def resolve_status_label(reported) -> str:
        return reported.get_status_display()

    @staticmethod
    def resolve_entered_by(reported) -> str:
        return reported.entered_label


@router.get("/indicators", response=list[IndicatorOut], summary=_("Danh mục chỉ số"),
            description=_("Các chỉ số của trung tâm điều hành, kèm định nghĩa và căn cứ pháp lý."))
@paginated(50)
def indicators(request):
    return Indicator.objects.filter(active=True).order_by("order", "code")


@router.get("/values", response={200: list[ValueOut], **errors(403)}, summary=_("Giá trị chỉ số trong kỳ"),
            description=_("Giá trị, chỉ tiêu, tỷ lệ đạt và trạng thái của mọi chỉ số trong kỳ (người dùng trung "
                          "tâm điều hành đã đăng nhập; thành viên trao đổi dữ liệu qua cổng kết nối: cơ quan làm "
                          "phạm vi và các đơn vị trực thuộc); ?ky=2026, 2026-Q1 hoặc 2026-03."))
def values(request, filters: Query[PeriodFilter]):
    ky = filters.ky
    # An agency's token reads no values; a member of the exchange acting for an agency reads its tree's.
    through_gateway = getattr(request, "exchange_client", None) is not None
    scope = None if isinstance(request.auth, AgencyClient) and not through_gateway else selectors.ioc_scope(
        request.auth)
    if scope is None:
        raise HttpError(403, gettext("Không có quyền xem trung tâm điều hành."))
    try:
        period = Period.parse(ky) if ky else Period.current(YEAR)
    except PeriodError as error:
        raise HttpError(422, str(error)) from error
    return [{"code": a.indicator.code, "value": a.value, "target": a.target, "achieved": a.achieved,
             "status": a.status, "status_label": a.status_label} for a in selectors.overview(scope, period)]


@router.get("/reported-values", response={200: list[ReportedItemOut], **errors(403)},
            summary=_("Số liệu cơ quan đã báo cáo"),
            description=_("Số liệu của cơ quan sở hữu khóa API, hoặc của các cơ quan cán bộ đăng nhập báo cáo "
                          "cho, mới nhất trước; lọc theo mã chỉ số, kỳ, trạng thái và cơ quan."))
@paginated(50)
def list_reported(request, filters: Query[ReportedFilters]):
    # A token reads its own agency only, as it writes only there: an agency's pending or returned figures
    # are not another agency's business.
    if isinstance(request.auth, AgencyClient):
        agencies = [request.auth.agency]
    else:
        agencies = services.reporting_agencies(request.auth)
        if not agencies:
            raise HttpError(403, gettext("Bạn không thuộc cơ quan nào để xem số liệu báo cáo."))
    if filters.agency:
        agencies = [a for a in agencies if filters.agency in (a.identifier, str(a.pk))]
        if not agencies:
            raise HttpError(403, gettext("Bạn không xem được số liệu của cơ quan này."))
    values = ReportedValue.objects.filter(agency__in=agencies)
    if filters.indicator:
        values = values.filter(indicator__code=filters.indicator)
    if filters.period:
        try:
            values = values.filter(period=Period.parse(filters.period).key)
        except PeriodError as error:
            raise HttpError(422, str(error)) from error
    if filters.status:
        values = values.filter(status=filters.status)
    return values.select_related("indicator", "agency").order_by("-entered_at", "-pk")


@router.post("/reported-values", response={201: ReportedOut, **errors(403)}, summary=_("Báo cáo một số liệu"),
             description=_("Số liệu của một cơ quan cho một chỉ số và một kỳ; với khóa API là cơ quan sở hữu "
                           "khóa. Số liệu chờ lãnh đạo cơ quan duyệt."))
def post_reported(request, payload: ReportedIn, target: Query[ReportingAgency]):
    agency = target.agency
    if isinstance(request.auth, AgencyClient):
        target_agency, user, label = request.auth.agency, None, request.auth.label
    else:
        choices = services.reporting_agencies(request.auth)
        target_agency = next((a for a in choices if agency in (a.identifier, str(a.pk))), None)
        if target_agency is None:
            raise HttpError(403, gettext("Bạn không thể báo cáo số liệu cho cơ quan này."))
        user, label = request.auth, ""
    try:
        saved = services.enter_value(agency=target_agency, indicator_code=payload.indicator, period=payload.period,
                                     value=payload.value, note=payload.note, user=user, label=label,
                                     source=ValueSource.API)
    except services.ReportError as error:
        raise HttpError(error.status if error.status != 400 else 422, error.message) from error
    return Status(201, {"id": saved.pk, "indicator": saved.indicator.code, "agency": target_agency.identifier,
                        "period": saved.period, "value": saved.value, "status": saved.status, "source": saved.source})
