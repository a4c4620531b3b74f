"""API của sổ đăng ký hạ tầng viễn thông (/api/telecom).

Xác thực bằng khoá API của doanh nghiệp viễn thông (``Authorization: Bearer tsop_…``: chỉ thấy và báo cáo
dữ liệu của doanh nghiệp mình), khoá API của cơ quan (``Bearer ts_…``: cơ quan quản lý sổ thấy mọi doanh
nghiệp) hoặc phiên đăng nhập. Bản ghi ngoài phạm vi được trả lời 404 như bản ghi không tồn tại.
"""


import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from ninja.security import HttpBearer

from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.telecom import exports, planning, selectors, services
from tinhso.telecom.models import Operator, OperatorReport, OperatorToken, ReportSource, Station


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
        raise HttpError(403, "Không có quyền xem sổ đăng ký hạ tầng viễn thông.")


def _fail(error: services.TelecomError):
    raise HttpError(error.status, error.message) from error


# -- schemas --------------------------------------------------------------------------------------------------


class OperatorOut(Schema):
    code: str = Field(description="Mã doanh nghiệp")
    name: str = Field(description="Tên doanh nghiệp")
    mnc: str = Field(description="Mã mạng di động (MNC)")
    licence_number: str = Field(description="Số giấy phép viễn thông")


class StationOut(Schema):
    id: int
    operator: str = Field(description="Mã doanh nghiệp", alias="operator.code")
    code: str = Field(description="Mã trạm")
    name: str = Field(description="Tên trạm")
    latitude: Decimal = Field(description="Vĩ độ WGS 84")
    longitude: Decimal = Field(description="Kinh độ WGS 84")
    commune: str | None = Field(None, description="Mã xã, phường (danh mục 2025)", alias="commune.code")
    state: str = Field(description="Trạng thái: planned, approved, built, in_service, out_of_service, dismantled")
    technologies: list[str] = Field(description="Công nghệ: 2G, 3G, 4G, 5G")
    structure: str = Field(description="Loại cột")
    mounting: str = Field(description="ground (loại 1) hoặc building (loại 2)")
    height_m: Decimal | None = Field(description="Chiều cao cột (m)")
    operators_count: int = Field(description="Số doanh nghiệp dùng chung")
    is_down: bool = Field(description="Đang mất liên lạc")
    approved_on: datetime.date | None = Field(description="Ngày chấp thuận")


class StationFilters(Schema):
    operator: str | None = Field(None, description="Mã doanh nghiệp")
    state: str | None = Field(None, description="Trạng thái trạm")
    technology: str | None = Field(None, description="Công nghệ (2G, 3G, 4G, 5G)")
    commune: str | None = Field(None, description="Mã xã, phường")
    down: bool | None = Field(None, description="Chỉ trạm đang mất liên lạc")


class StateIn(Schema):
    state: str = Field(description="Trạng thái mới: built, in_service, out_of_service, dismantled")
    on: datetime.date | None = Field(None, description="Ngày (mặc định hôm nay)")


class OutageIn(Schema):
    cause: str = Field(description="Nguyên nhân: power (mất điện), transmission (mất truyền dẫn), damage, other")
    at: datetime.datetime | None = Field(None, description="Thời điểm mất liên lạc (mặc định bây giờ)")
    note: str = Field("", description="Ghi chú")


class OutageUpIn(Schema):
    at: datetime.datetime | None = Field(None, description="Thời điểm khôi phục (mặc định bây giờ)")


class OutageOut(Schema):
    station: str = Field(description="Mã trạm", alias="station.code")
    operator: str = Field(description="Mã doanh nghiệp", alias="operator.code")
    commune: str | None = Field(None, description="Mã xã, phường", alias="commune.code")
    cause: str = Field(description="Nguyên nhân")
    started_at: datetime.datetime = Field(description="Mất liên lạc từ")
    ended_at: datetime.datetime | None = Field(description="Khôi phục lúc")


class VillageOut(Schema):
    village_id: int
    village: str = Field(description="Tên thôn, bản", alias="village.name")
    village_code: str = Field(description="Mã thôn trong xã", alias="village.code")
    commune: str = Field(description="Mã xã, phường", alias="commune.code")
    broadband: bool = Field(description="Có băng rộng di động (3G/4G/5G) theo quy tắc nguồn")
    has_4g: bool = Field(description="Có 4G")
    best: str = Field(description="Công nghệ tốt nhất")
    decided_by: str = Field(description="Nguồn quyết định: measured, declared, computed")


class ReportIn(Schema):
    period: str = Field(description="Kỳ báo cáo: tháng (2026-03) hoặc quý (2026-Q1)")
    phone_subscribers: int = Field(ge=0, description="Thuê bao điện thoại cuối kỳ")
    mobile_broadband_subscribers: int = Field(ge=0, description="Thuê bao băng rộng di động cuối kỳ")
    fixed_broadband_subscribers: int = Field(ge=0, description="Thuê bao băng rộng cố định cuối kỳ")
    revenue_million_vnd: Decimal = Field(ge=0, description="Doanh thu trong kỳ (triệu đồng)")
    stations: int = Field(ge=0, description="Số trạm BTS cuối kỳ")
    note: str = Field("", max_length=2000, description="Ghi chú")
    operator: str | None = Field(None, description="Mã doanh nghiệp (chỉ khi gửi bằng tài khoản của Sở)")


class ReportOut(Schema):
    id: int
    operator: str = Field(description="Mã doanh nghiệp", alias="operator.code")
    period: str
    phone_subscribers: int
    mobile_broadband_subscribers: int
    fixed_broadband_subscribers: int
    revenue_million_vnd: Decimal
    stations: int
    status: str = Field(description="draft, submitted (chờ duyệt), approved, rejected")
    review_note: str = Field(description="Lý do trả lại")


class SiteIn(Schema):
    latitude: float = Field(ge=6, le=24, description="Vĩ độ WGS 84")
    longitude: float = Field(ge=102, le=118, description="Kinh độ WGS 84")
    operator: str | None = Field(None, description="Mã doanh nghiệp (mặc định doanh nghiệp của khoá)")
    urban: bool = Field(False, description="Trong đô thị (phường)")
    operators: int = Field(1, ge=1, le=10, description="Số doanh nghiệp trong phương án dùng chung")


class CheckOut(Schema):
    key: str
    label: str
    passed: bool | None = Field(description="Đạt / không đạt / không có quy định")
    detail: str
    distance_m: float | None = Field(description="Khoảng cách (m, trắc địa)")
    reference: str = Field(description="Căn cứ")


# -- endpoints -------------------------------------------------------------------------------------------------


@router.get("/operators", response=list[OperatorOut], summary="Danh sách doanh nghiệp viễn thông")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def operators(request):
    """Các doanh nghiệp trong phạm vi người gọi (doanh nghiệp chỉ thấy chính mình)."""
    _allowed(request)
    return selectors.visible_operators(request.auth).order_by("name")


@router.get("/stations", response=list[StationOut], summary="Danh sách trạm BTS")
@paginate(PageNumberPagination, page_size=100, max_page_size=1000)
def stations(request, filters: Query[StationFilters]):
    """Trạm trong phạm vi người gọi, lọc theo doanh nghiệp, trạng thái, công nghệ, xã."""
    _allowed(request)
    return selectors.stations_for(request.auth, operator=filters.operator, state=filters.state,
                                  technology=filters.technology, commune=filters.commune, down=filters.down)


@router.get("/stations/export", summary="Xuất trạm BTS (XLSX, CSV, GeoJSON)")
def export_stations(request, filters: Query[StationFilters], format: str = "xlsx"):
    """Cùng bố cục với tệp nhập; GeoJSON theo RFC 7946."""
    _allowed(request)
    if format not in ("xlsx", "csv", "geojson"):
        raise HttpError(422, "Định dạng phải là xlsx, csv hoặc geojson.")
    queryset = selectors.stations_for(request.auth, operator=filters.operator, state=filters.state,
                                      technology=filters.technology, commune=filters.commune, down=filters.down)
    content = exports.stations_geojson(queryset) if format == "geojson" else exports.stations_table(queryset, format)
    types = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}
    response = HttpResponse(content, content_type=types[format])
    response["Content-Disposition"] = f'attachment; filename="tram-bts.{format}"'
    return response


def _station(request, pk: int) -> Station:
    found = selectors.station_detail(request.auth, pk)
    if found is None:
        raise HttpError(404, "Không tìm thấy trạm.")
    return found


def _may_write(request, station: Station) -> None:
    operator = getattr(request.auth, "telecom_operator", None) or selectors.operator_of(request.auth)
    if not selectors.is_department(request.auth) and (operator is None or operator.pk != station.operator_id):
        raise HttpError(403, "Chỉ doanh nghiệp sở hữu trạm hoặc Sở mới được báo cáo cho trạm này.")


@router.get("/stations/{pk}", response=StationOut, summary="Một trạm BTS")
def station(request, pk: int):
    _allowed(request)
    return _station(request, pk)


@router.post("/stations/{pk}/state", response=StationOut, summary="Báo xây dựng, phát sóng, ngừng, tháo dỡ")
def station_state(request, pk: int, payload: StateIn):
    _allowed(request)
    found = _station(request, pk)
    _may_write(request, found)
    try:
        services.set_station_state(found, payload.state, on=payload.on)
    except services.TelecomError as error:
        _fail(error)
    return _station(request, pk)


@router.post("/stations/{pk}/outages", response={201: OutageOut}, summary="Báo trạm mất liên lạc")
def station_down(request, pk: int, payload: OutageIn):
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


@router.post("/stations/{pk}/outages/close", response=OutageOut, summary="Báo trạm hoạt động trở lại")
def station_up(request, pk: int, payload: OutageUpIn):
    _allowed(request)
    found = _station(request, pk)
    _may_write(request, found)
    try:
        return services.report_up(found, at=payload.at)
    except services.TelecomError as error:
        _fail(error)


@router.get("/outages", response=list[OutageOut], summary="Trạm đang mất liên lạc")
@paginate(PageNumberPagination, page_size=100, max_page_size=1000)
def outages(request, commune: str | None = None):
    _allowed(request)
    return selectors.outages_for(request.auth, commune=commune)


@router.get("/villages", response=list[VillageOut], summary="Tình trạng phủ sóng thôn, bản")
@paginate(PageNumberPagination, page_size=100, max_page_size=1000)
def villages(request, commune: str | None = None, broadband: bool | None = None):
    """Theo quy tắc: đo kiểm ưu tiên hơn kê khai, kê khai ưu tiên hơn số tính từ trạm đang phát sóng."""
    _allowed(request)
    return selectors.village_statuses(commune=commune, broadband=broadband)


@router.get("/reports", response=list[ReportOut], summary="Báo cáo định kỳ của doanh nghiệp")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def reports(request, status: str | None = None, period: str | None = None):
    _allowed(request)
    return selectors.reports_for(request.auth, status=status, period=period)


@router.post("/reports", response={201: ReportOut, 200: ReportOut}, summary="Gửi báo cáo định kỳ")
def submit_report(request, payload: ReportIn):
    """Báo cáo chờ lãnh đạo Sở duyệt; gửi lại cùng kỳ là sửa báo cáo và đưa về chờ duyệt."""
    _allowed(request)
    operator = getattr(request.auth, "telecom_operator", None) or selectors.operator_of(request.auth)
    if operator is None and payload.operator:
        operator = selectors.visible_operators(request.auth).filter(code=payload.operator).first()
    if operator is None:
        raise HttpError(422, "Phải ghi mã doanh nghiệp báo cáo (operator).")
    existed = OperatorReport.objects.filter(operator=operator, period=payload.period.strip().upper()).exists()
    person = request.auth if getattr(request.auth, "pk", None) else None
    try:
        report = services.enter_report(operator=operator, period=payload.period, values=payload.dict(),
                                       user=person, label="" if person else request.auth.get_username(),
                                       source=ReportSource.API, note=payload.note)
    except services.TelecomError as error:
        _fail(error)
    return Status(200 if existed else 201, report)


@router.post("/site-checks", response=list[CheckOut], summary="Kiểm tra một vị trí theo quy hoạch")
def site_checks(request, payload: SiteIn):
    """Vị trí quy hoạch, khoảng cách tới cột gần nhất (khác và cùng doanh nghiệp), khu vực cấm, dùng chung."""
    _allowed(request)
    operator = getattr(request.auth, "telecom_operator", None) or selectors.operator_of(request.auth)
    if payload.operator:
        operator = selectors.visible_operators(request.auth).filter(code=payload.operator).first()
    if operator is None:
        raise HttpError(422, "Phải ghi mã doanh nghiệp (operator).")
    proposal = planning.Proposal(payload.latitude, payload.longitude, operator.pk,
                                 "urban" if payload.urban else "other", payload.operators)
    return [c.__dict__ for c in planning.check_site(proposal)]
