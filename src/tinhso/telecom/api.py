"""API của sổ đăng ký hạ tầng viễn thông (/api/telecom).

Xác thực bằng khoá API của doanh nghiệp viễn thông (``Authorization: Bearer tsop_…``: chỉ thấy và báo cáo
dữ liệu của doanh nghiệp mình), khoá API của cơ quan (``Bearer ts_…``: cơ quan quản lý sổ thấy mọi doanh
nghiệp) hoặc phiên đăng nhập. Bản ghi ngoài phạm vi được trả lời 404 như bản ghi không tồn tại.
"""


import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import HttpBearer

from tinhso.common.restapi import SUCCESS_TEXTS, ProvinceDateTime, choice, errors, paginated
from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.telecom import exports, planning, selectors, services
from tinhso.telecom.models import (
    Operator,
    OperatorReport,
    OperatorToken,
    OutageCause,
    ReportSource,
    ReportStatus,
    Station,
    StationState,
    Technology,
)


@dataclass(frozen=True)
class OperatorClient:
    """A machine client acting for one operator through its API token: sees that operator's records only."""

    telecom_operator: Operator
    label: str
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    pk: None = None

    def get_username(self) -> str:
        return self.label


class OperatorTokenAuth(HttpBearer):
    """Khoá API của doanh nghiệp viễn thông: ``Authorization: Bearer tsop_…`` (chỉ lưu SHA-256)."""

    def authenticate(self, request, token: str):
        if not token or not token.startswith(OperatorToken.PREFIX):
            return None
        found = OperatorToken.objects.select_related("operator").filter(
            token_hash=OperatorToken.hash(token), revoked_at__isnull=True, operator__active=True).first()
        if found is None:
            return None
        OperatorToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return OperatorClient(found.operator, f"API {found.operator.code}: {found.name}")


router = Router(tags=["telecom"], auth=[OperatorTokenAuth(), TokenAuth(), ActiveSession()])


def _allowed(request) -> None:
    if not selectors.may_use_registry(request.auth):
        raise HttpError(403, gettext("Không có quyền xem sổ đăng ký hạ tầng viễn thông."))


def _fail(error: services.TelecomError):
    raise HttpError(error.status, error.message) from error


# -- schemas --------------------------------------------------------------------------------------------------


class TelecomOperatorOut(Schema):
    code: str = Field(description=_("Mã doanh nghiệp"))
    name: str = Field(description=_("Tên doanh nghiệp"))
    mnc: str = Field(description=_("Mã mạng di động (MNC)"))
    licence_number: str = Field(description=_("Số giấy phép viễn thông"))


class BtsStationOut(Schema):
    id: int
    operator: str = Field(description=_("Mã doanh nghiệp"), alias="operator.code")
    code: str = Field(description=_("Mã trạm"))
    name: str = Field(description=_("Tên trạm"))
    latitude: Decimal = Field(description=_("Vĩ độ WGS 84"))
    longitude: Decimal = Field(description=_("Kinh độ WGS 84"))
    commune: str | None = Field(None, description=_("Mã xã, phường (danh mục 2025)"), alias="commune.code")
    state: str = Field(description=_("Trạng thái: planned, approved, built, in_service, out_of_service, dismantled"))
    technologies: list[str] = Field(description=_("Công nghệ: 2G, 3G, 4G, 5G"))
    structure: str = Field(description=_("Loại cột"))
    mounting: str = Field(description=_("ground (loại 1) hoặc building (loại 2)"))
    height_m: Decimal | None = Field(description=_("Chiều cao cột (m)"))
    operators_count: int = Field(description=_("Số doanh nghiệp dùng chung"))
    is_down: bool = Field(description=_("Đang mất liên lạc"))
    approved_on: datetime.date | None = Field(description=_("Ngày chấp thuận"))


class BtsStationFilters(Schema):
    operator: str | None = Field(None, max_length=20, description=_("Mã doanh nghiệp"))
    state: choice(StationState) | None = Field(None, description=_("Trạng thái trạm"))
    technology: choice(Technology) | None = Field(None, description=_("Công nghệ (2G, 3G, 4G, 5G)"))
    commune: str | None = Field(None, max_length=10, description=_("Mã xã, phường"))
    down: bool | None = Field(None, description=_("Chỉ trạm đang mất liên lạc"))


class StationStateIn(Schema):
    state: choice(StationState) = Field(description=_("Trạng thái mới: built, in_service, out_of_service, dismantled"))
    on: datetime.date | None = Field(None, description=_("Ngày (mặc định hôm nay)"))


class StationOutageIn(Schema):
    cause: choice(OutageCause) = Field(description=_("Nguyên nhân: power (mất điện), transmission (mất truyền dẫn), "
                                                     "damage, other"))
    at: ProvinceDateTime | None = Field(None, description=_("Thời điểm mất liên lạc (mặc định bây giờ)"))
    note: str = Field("", max_length=1000, description=_("Ghi chú"))


class StationRecoveryIn(Schema):
    at: ProvinceDateTime | None = Field(None, description=_("Thời điểm khôi phục (mặc định bây giờ)"))


class StationOutageOut(Schema):
    station: str = Field(description=_("Mã trạm"), alias="station.code")
    operator: str = Field(description=_("Mã doanh nghiệp"), alias="operator.code")
    commune: str | None = Field(None, description=_("Mã xã, phường"), alias="commune.code")
    cause: str = Field(description=_("Nguyên nhân"))
    started_at: datetime.datetime = Field(description=_("Mất liên lạc từ"))
    ended_at: datetime.datetime | None = Field(description=_("Khôi phục lúc"))


class VillageCoverageOut(Schema):
    village_id: int
    village: str = Field(description=_("Tên thôn, bản"), alias="village.name")
    village_code: str = Field(description=_("Mã thôn trong xã"), alias="village.code")
    commune: str = Field(description=_("Mã xã, phường"), alias="commune.code")
    broadband: bool = Field(description=_("Có băng rộng di động (3G/4G/5G) theo quy tắc nguồn"))
    has_4g: bool = Field(description=_("Có 4G"))
    best: str = Field(description=_("Công nghệ tốt nhất"))
    decided_by: str = Field(description=_("Nguồn quyết định: measured, declared, computed"))


COUNT_MAX = 2_000_000_000  # the width of the report's integer columns


class OperatorReportIn(Schema):
    period: str = Field(max_length=10, description=_("Kỳ báo cáo: tháng (2026-03) hoặc quý (2026-Q1)"))
    phone_subscribers: int = Field(ge=0, le=COUNT_MAX, description=_("Thuê bao điện thoại cuối kỳ"))
    mobile_broadband_subscribers: int = Field(ge=0, le=COUNT_MAX, description=_("Thuê bao băng rộng di động cuối kỳ"))
    fixed_broadband_subscribers: int = Field(ge=0, le=COUNT_MAX, description=_("Thuê bao băng rộng cố định cuối kỳ"))
    revenue_million_vnd: Decimal = Field(ge=0, max_digits=14, decimal_places=1,
                                         description=_("Doanh thu trong kỳ (triệu đồng)"))
    stations: int = Field(ge=0, le=COUNT_MAX, description=_("Số trạm BTS cuối kỳ"))
    note: str = Field("", max_length=2000, description=_("Ghi chú"))
    operator: str | None = Field(None, max_length=20, description=_("Mã doanh nghiệp (chỉ khi gửi bằng tài khoản của "
                                                                      "Sở)"))


class OperatorReportOut(Schema):
    id: int
    operator: str = Field(description=_("Mã doanh nghiệp"), alias="operator.code")
    period: str
    phone_subscribers: int
    mobile_broadband_subscribers: int
    fixed_broadband_subscribers: int
    revenue_million_vnd: Decimal
    stations: int
    status: str = Field(description=_("draft, submitted (chờ duyệt), approved, rejected"))
    review_note: str = Field(description=_("Lý do trả lại"))


class SiteCheckIn(Schema):
    latitude: float = Field(ge=6, le=24, description=_("Vĩ độ WGS 84"))
    longitude: float = Field(ge=102, le=118, description=_("Kinh độ WGS 84"))
    operator: str | None = Field(None, max_length=20, description=_("Mã doanh nghiệp (mặc định doanh nghiệp của "
                                                                      "khoá)"))
    urban: bool = Field(False, description=_("Trong đô thị (phường)"))
    operators: int = Field(1, ge=1, le=10, description=_("Số doanh nghiệp trong phương án dùng chung"))


class SiteCheckOut(Schema):
    key: str
    label: str
    passed: bool | None = Field(description=_("Đạt / không đạt / không có quy định"))
    detail: str
    distance_m: float | None = Field(description=_("Khoảng cách (m, trắc địa)"))
    reference: str = Field(description=_("Căn cứ"))


# -- endpoints -------------------------------------------------------------------------------------------------


@router.get("/operators", response={200: list[TelecomOperatorOut], **errors(403)},
            summary=_("Danh sách doanh nghiệp viễn thông"),
            description=_("Các doanh nghiệp trong phạm vi người gọi (doanh nghiệp chỉ thấy chính mình)."))
@paginated(50)
def operators(request):
    _allowed(request)
    return selectors.visible_operators(request.auth).order_by("name")


@router.get("/stations", response={200: list[BtsStationOut], **errors(403)}, summary=_("Danh sách trạm BTS"),
            description=_("Trạm trong phạm vi người gọi, lọc theo doanh nghiệp, trạng thái, công nghệ, xã."))
@paginated(100)
def stations(request, filters: Query[BtsStationFilters]):
    _allowed(request)
    return selectors.stations_for(request.auth, operator=filters.operator, state=filters.state,
                                  technology=filters.technology, commune=filters.commune, down=filters.down)


_EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


@router.get("/stations/export", response={200: None, **errors(403)},
            summary=_("Xuất trạm BTS (XLSX, CSV, GeoJSON)"),
            description=_("Trạm trong phạm vi người gọi, cùng bố cục với tệp nhập; GeoJSON theo RFC 7946."),
            openapi_extra={"responses": {200: {"description": SUCCESS_TEXTS[200], "content": {
                kind.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for kind in _EXPORT_TYPES.values()}}}})
def export_stations(request, filters: Query[BtsStationFilters], format: Literal["xlsx", "csv", "geojson"] = "xlsx"):
    _allowed(request)
    queryset = selectors.stations_for(request.auth, operator=filters.operator, state=filters.state,
                                      technology=filters.technology, commune=filters.commune, down=filters.down)
    content = exports.stations_geojson(queryset) if format == "geojson" else exports.stations_table(queryset, format)
    response = HttpResponse(content, content_type=_EXPORT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="tram-bts.{format}"'
    return response


def _station(request, pk: int) -> Station:
    found = selectors.station_detail(request.auth, pk)
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy trạm."))
    return found


def _may_write(request, station: Station) -> None:
    operator = getattr(request.auth, "telecom_operator", None) or selectors.operator_of(request.auth)
    if not selectors.is_department(request.auth) and (operator is None or operator.pk != station.operator_id):
        raise HttpError(403, gettext("Chỉ doanh nghiệp sở hữu trạm hoặc Sở mới được báo cáo cho trạm này."))


@router.get("/stations/{pk}", response={200: BtsStationOut, **errors(403, 404)}, summary=_("Một trạm BTS"),
            description=_("Một trạm trong phạm vi người gọi; trạm ngoài phạm vi được trả lời 404."))
def station(request, pk: int):
    _allowed(request)
    return _station(request, pk)


@router.post("/stations/{pk}/state", response={200: BtsStationOut, **errors(400, 403, 404, 409)},
             summary=_("Báo xây dựng, phát sóng, ngừng, tháo dỡ"),
             description=_("Doanh nghiệp sở hữu trạm hoặc Sở báo trạng thái mới của trạm."))
def station_state(request, pk: int, payload: StationStateIn):
    _allowed(request)
    found = _station(request, pk)
    _may_write(request, found)
    try:
        services.set_station_state(found, payload.state, on=payload.on)
    except services.TelecomError as error:
        _fail(error)
    return _station(request, pk)


@router.post("/stations/{pk}/outages", response={201: StationOutageOut, **errors(400, 403, 404, 409)},
             summary=_("Báo trạm mất liên lạc"),
             description=_("Mở một sự cố mất liên lạc của trạm (gắn với thiên tai đang diễn ra, nếu có)."))
def station_down(request, pk: int, payload: StationOutageIn):
    _allowed(request)
    found = _station(request, pk)
    _may_write(request, found)
    from tinhso.telecom.models import Disaster

    disaster = Disaster.objects.filter(ended_at__isnull=True).order_by("-started_at").first()
    try:
        outage = services.report_down(found, cause=payload.cause, at=payload.at, disaster=disaster, note=payload.note,
                                      reported_by=request.auth.get_username())
    except services.TelecomError as error:
        _fail(error)
    return Status(201, outage)


@router.post("/stations/{pk}/outages/close", response={200: StationOutageOut, **errors(400, 403, 404, 409)},
             summary=_("Báo trạm hoạt động trở lại"), description=_("Đóng sự cố mất liên lạc đang mở của trạm."))
def station_up(request, pk: int, payload: StationRecoveryIn):
    _allowed(request)
    found = _station(request, pk)
    _may_write(request, found)
    try:
        return services.report_up(found, at=payload.at)
    except services.TelecomError as error:
        _fail(error)


@router.get("/outages", response={200: list[StationOutageOut], **errors(403)}, summary=_("Trạm đang mất liên lạc"),
            description=_("Các sự cố đang mở trong phạm vi người gọi, lọc theo mã xã."))
@paginated(100)
def outages(request, commune: str | None = Query(None, max_length=10)):
    _allowed(request)
    return selectors.outages_for(request.auth, commune=commune)


@router.get("/villages", response={200: list[VillageCoverageOut], **errors(403)},
            summary=_("Tình trạng phủ sóng thôn, bản"),
            description=_("Theo quy tắc: đo kiểm ưu tiên hơn kê khai, kê khai ưu tiên hơn số tính từ trạm đang phát "
                          "sóng."))
@paginated(100)
def villages(request, commune: str | None = Query(None, max_length=10), broadband: bool | None = None):
    _allowed(request)
    return selectors.village_statuses(commune=commune, broadband=broadband)


@router.get("/reports", response={200: list[OperatorReportOut], **errors(403)},
            summary=_("Báo cáo định kỳ của doanh nghiệp"),
            description=_("Báo cáo trong phạm vi người gọi, lọc theo trạng thái và kỳ."))
@paginated(50)
def reports(request, status: choice(ReportStatus) | None = None, period: str | None = Query(None, max_length=10)):
    _allowed(request)
    return selectors.reports_for(request.auth, status=status, period=period)


@router.post("/reports", response={201: OperatorReportOut, 200: OperatorReportOut, **errors(400, 403, 409)},
             summary=_("Gửi báo cáo định kỳ"),
             description=_("Báo cáo chờ lãnh đạo Sở duyệt; gửi lại cùng kỳ là sửa báo cáo và đưa về chờ duyệt "
                           "(200)."))
def submit_report(request, payload: OperatorReportIn):
    _allowed(request)
    operator = getattr(request.auth, "telecom_operator", None) or selectors.operator_of(request.auth)
    if operator is None and payload.operator:
        operator = selectors.visible_operators(request.auth).filter(code=payload.operator).first()
    if operator is None:
        raise HttpError(422, gettext("Phải ghi mã doanh nghiệp báo cáo (operator)."))
    existed = OperatorReport.objects.filter(operator=operator, period=payload.period.strip().upper()).exists()
    person = request.auth if getattr(request.auth, "pk", None) else None
    try:
        report = services.enter_report(operator=operator, period=payload.period, values=payload.dict(),
                                       user=person, label="" if person else request.auth.get_username(),
                                       source=ReportSource.API, note=payload.note)
    except services.TelecomError as error:
        _fail(error)
    return Status(200 if existed else 201, report)


@router.post("/site-checks", response={200: list[SiteCheckOut], **errors(403)},
             summary=_("Kiểm tra một vị trí theo quy hoạch"),
             description=_("Vị trí quy hoạch, khoảng cách tới cột gần nhất (khác và cùng doanh nghiệp), khu vực cấm, "
                           "dùng chung."))
def site_checks(request, payload: SiteCheckIn):
    _allowed(request)
    operator = getattr(request.auth, "telecom_operator", None) or selectors.operator_of(request.auth)
    if payload.operator:
        operator = selectors.visible_operators(request.auth).filter(code=payload.operator).first()
    if operator is None:
        raise HttpError(422, gettext("Phải ghi mã doanh nghiệp (operator)."))
    proposal = planning.Proposal(payload.latitude, payload.longitude, operator.pk,
                                 "urban" if payload.urban else "other", payload.operators)
    return [c.__dict__ for c in planning.check_site(proposal)]
