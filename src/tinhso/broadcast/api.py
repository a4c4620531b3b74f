"""API của truyền thanh cơ sở (/api/broadcast).

Xác thực bằng phiên đăng nhập hoặc khoá API của cơ quan (``Authorization: Bearer ts_…``); cơ quan được phép gửi
cảnh báo CAP giữ vai trò phát khẩn cấp. Thiết bị, lịch phát ngoài phạm vi người gọi được trả lời 404 như bản ghi
không tồn tại.
"""

import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from tinhso.broadcast import selectors, services
from tinhso.broadcast.models import Area, CapAlert, EmergencyBroadcast
from tinhso.common.restapi import SUCCESS_TEXTS, choice, errors, paginated
from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.geo.models import Commune

router = Router(tags=["broadcast"], auth=[TokenAuth(), ActiveSession()])


def _allowed(request) -> None:
    if not selectors.may_operate(request.auth):
        raise HttpError(403, gettext("Không có quyền với truyền thanh cơ sở."))


# -- schemas --------------------------------------------------------------------------------------------------


class RadioStationOut(Schema):
    id: int
    name: str = Field(description=_("Tên đài"))
    commune: str = Field(description=_("Mã xã, phường (danh mục 2025)"), alias="commune.code")
    kind: str = Field(description=_("Loại đài: ip (ứng dụng CNTT-VT), fm, wired (hữu tuyến)"))
    state: str = Field(description=_("Tình trạng: operating, degraded, out_of_service, converted"))
    frequency_mhz: float | None = Field(description=_("Tần số (MHz), với đài FM"))
    in_frequency_plan: bool = Field(description=_("Tần số nằm trong quy hoạch"))
    conversion: str = Field(description=_("Chuyển đổi: none, planned, in_progress, done"))


class RadioDeviceOut(Schema):
    device_id: str = Field(description=_("Mã thiết bị"))
    kind: str = Field(description=_("receiver (cụm thu phát) hoặc display (bảng điện tử)"))
    commune: str = Field(description=_("Mã xã, phường (danh mục 2025)"), alias="commune.code")
    village: str | None = Field(None, description=_("Thôn, bản"), alias="village.name")
    latitude: float | None = Field(description=_("Vĩ độ WGS 84"))
    longitude: float | None = Field(description=_("Kinh độ WGS 84"))
    state: str = Field(description=_("Tình trạng: active, maintenance, retired"))
    online: bool = Field(description=_("Đang trực tuyến"), alias="live.online")
    playing: str = Field(description=_("Đang phát"), alias="live.playing")
    last_seen: datetime.datetime | None = Field(description=_("Lần cuối liên lạc"), alias="live.last_seen")


class DeviceFilters(Schema):
    commune: str | None = Field(None, max_length=10, description=_("Mã xã, phường"))
    online: bool | None = Field(None, description=_("Chỉ thiết bị đang trực tuyến (true) hoặc mất liên lạc (false)"))


class RadioScheduleOut(Schema):
    id: int
    bulletin: str = Field(description=_("Tiêu đề bản tin"), alias="bulletin.title")
    area: str = Field(description=_("Phạm vi: province, communes, villages, devices"))
    starts_on: datetime.date = Field(description=_("Từ ngày"))
    ends_on: datetime.date | None = Field(description=_("Đến ngày"))
    at: datetime.time = Field(description=_("Giờ phát"))
    recurrence: str = Field(description=_("Lặp lại: once, daily, weekdays, weekly"))
    state: str = Field(description=_("Trạng thái: draft, approved, cancelled"))


class EmergencyBroadcastIn(Schema):
    title: str = Field(max_length=200, description=_("Tiêu đề"))
    message: str = Field(max_length=5000, description=_("Nội dung, được đọc bằng tiếng Việt"))
    area: choice(Area) = Field(description=_("Phạm vi: province, communes, polygon"))
    communes: list[str] = Field([], max_length=500, description=_("Mã các xã (với phạm vi communes)"))
    polygon: dict | None = Field(None, description=_("Vùng GeoJSON Polygon (với phạm vi polygon)"))
    repeats: int = Field(3, ge=1, le=50, description=_("Số lần lặp"))
    minutes: int = Field(60, ge=1, le=1440, description=_("Hết hạn sau (phút)"))


class EmergencyBroadcastOut(Schema):
    id: int
    title: str = Field(description=_("Tiêu đề"))
    state: str = Field(description=_("Trạng thái: proposed, active, ended, rejected"))
    area: str = Field(description=_("Phạm vi"))
    started_at: datetime.datetime | None = Field(description=_("Bắt đầu"))
    expires_at: datetime.datetime | None = Field(description=_("Hết hạn"))
    ended_at: datetime.datetime | None = Field(description=_("Kết thúc"))


class EmergencyProgressOut(Schema):
    state: str = Field(description=_("Trạng thái phát khẩn cấp"))
    devices: int = Field(description=_("Số thiết bị trong vùng"))
    playing: int = Field(description=_("Đang phát"))
    finished: int = Field(description=_("Đã phát xong"))
    silent: int = Field(description=_("Trực tuyến nhưng chưa phát"))
    unreachable: int = Field(description=_("Không liên lạc được"))
    acknowledged_within_10s: int = Field(description=_("Xác nhận trong 10 giây"))


class CapReceivedOut(Schema):
    alert: int = Field(description=_("Mã cảnh báo đã lưu"))
    emergency: int | None = Field(description=_("Phát khẩn cấp được đề xuất hoặc đã bắt đầu"))
    state: str | None = Field(description=_("Trạng thái phát khẩn cấp"))


# -- endpoints ------------------------------------------------------------------------------------------------


@router.get("/stations", response={200: list[RadioStationOut], **errors(403)},
            summary=_("Danh sách đài truyền thanh cấp xã"),
            description=_("Các đài trong phạm vi người gọi (cán bộ xã chỉ thấy xã mình)."))
@paginated(100)
def stations(request):
    _allowed(request)
    return selectors.visible_stations(request.auth).order_by("commune__code", "name")


@router.get("/devices", response={200: list[RadioDeviceOut], **errors(403)},
            summary=_("Danh sách cụm thu phát và bảng điện tử"),
            description=_("Thiết bị trong phạm vi người gọi, lọc theo xã và trạng thái liên lạc."))
@paginated(100)
def devices(request, filters: Query[DeviceFilters]):
    _allowed(request)
    queryset = selectors.visible_devices(request.auth).order_by("device_id")
    if filters.commune:
        queryset = queryset.filter(commune__code=filters.commune)
    if filters.online is not None:
        queryset = queryset.filter(live__online=filters.online)
    return queryset


@router.get("/devices/{device_id}", response={200: RadioDeviceOut, **errors(403, 404)}, summary=_("Một thiết bị"),
            description=_("Thiết bị ngoài phạm vi người gọi được trả lời 404."))
def device(request, device_id: str):
    _allowed(request)
    found = selectors.visible_devices(request.auth).filter(device_id=device_id[:40]).first()
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy thiết bị."))
    return found


@router.get("/schedules", response={200: list[RadioScheduleOut], **errors(403)}, summary=_("Lịch phát"),
            description=_("Lịch phát trong phạm vi người gọi."))
@paginated(100)
def schedules(request):
    _allowed(request)
    return selectors.visible_schedules(request.auth).order_by("starts_on", "at", "pk")


@router.get("/emergencies", response={200: list[EmergencyBroadcastOut], **errors(403)},
            summary=_("Các lần phát khẩn cấp"), description=_("Mới nhất trước."))
@paginated(50)
def emergencies(request):
    _allowed(request)
    return selectors.visible_emergencies(request.auth).order_by("-proposed_at", "-pk")


@router.post("/emergencies", response={201: EmergencyBroadcastOut, **errors(400, 403, 422)},
             summary=_("Phát khẩn cấp"),
             description=_("Ngắt mọi lịch phát trong vùng và phát ngay; chỉ vai trò phát khẩn cấp."))
def start_emergency(request, payload: EmergencyBroadcastIn):
    communes = list(Commune.objects.filter(code__in=payload.communes[:500]))
    if len(communes) != len(set(payload.communes)):
        raise HttpError(400, gettext("Có mã xã không tồn tại."))
    emergency = services.propose_emergency(request.auth, title=payload.title, message=payload.message,
                                           area=payload.area, communes=communes, polygon=payload.polygon,
                                           repeats=payload.repeats, minutes=payload.minutes)
    return Status(201, emergency)


def _emergency(request, pk: int) -> EmergencyBroadcast:
    found = selectors.visible_emergencies(request.auth).filter(pk=pk).first()
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy lần phát khẩn cấp."))
    return found


@router.get("/emergencies/{pk}/progress", response={200: EmergencyProgressOut, **errors(403, 404)},
            summary=_("Tiến độ phát khẩn cấp"),
            description=_("Số thiết bị trong vùng đang phát, im lặng, không liên lạc được."))
def emergency_progress(request, pk: int):
    return services.emergency_progress(_emergency(request, pk))


@router.post("/emergencies/{pk}/confirm", response={200: EmergencyBroadcastOut, **errors(403, 404, 409)},
             summary=_("Xác nhận phát khẩn cấp đề xuất"), description=_("Phát khẩn cấp đề xuất từ cảnh báo CAP."))
def confirm_emergency(request, pk: int):
    return services.confirm_emergency(request.auth, _emergency(request, pk))


@router.post("/emergencies/{pk}/end", response={200: EmergencyBroadcastOut, **errors(403, 404, 409)},
             summary=_("Kết thúc phát khẩn cấp"), description=_("Các thiết bị trở lại lịch phát."))
def end_emergency(request, pk: int):
    return services.end_emergency(request.auth, _emergency(request, pk))


@router.post("/cap", response={201: CapReceivedOut, **errors(400, 403, 409, 413)},
             summary=_("Nhận cảnh báo CAP 1.2"),
             description=_("Thân yêu cầu là thông điệp CAP 1.2 (application/cap+xml), tối đa 1 MB; chỉ cơ quan được "
                           "phép. Thông điệp sai lược đồ bị từ chối, nêu phần tử và quy tắc; không phát gì."),
             openapi_extra={"requestBody": {"content": {"application/cap+xml": {"schema": {"type": "string"}}}}})
def receive_cap(request):
    if len(request.body) > 1024 * 1024:
        raise HttpError(413, gettext("Tệp CAP lớn hơn 1 MB."))
    agency = getattr(request.auth, "agency", None) if getattr(request.auth, "pk", None) is None else None
    user = request.auth if agency is None else None
    alert, emergency = services.receive_cap(request.body, agency=agency, user=user)
    return Status(201, {"alert": alert.pk, "emergency": emergency.pk if emergency else None,
                 "state": emergency.state if emergency else None})


@router.get("/cap/{pk}.xml", auth=None, response={200: None, **errors(404)},
            summary=_("Một cảnh báo CAP của tỉnh"), description=_("Cảnh báo tỉnh phát hành, công khai."),
            openapi_extra={"responses": {200: {"description": SUCCESS_TEXTS[200], "content": {
                "application/cap+xml": {"schema": {"type": "string"}}}}}})
def published_cap(request, pk: int):
    alert = get_object_or_404(CapAlert, pk=pk, direction=CapAlert.Direction.PUBLISHED)
    return HttpResponse(alert.xml, content_type="application/cap+xml; charset=utf-8")

