"""The gateway's administration API (/api/exchange), for platform administrators signed in: the services
offered, members, access rights (granted and revoked here as in the admin, on the audit chain), the message
log and its sealing status, the national-portal outbox with its dead-letter retries, and the catalogue pulls.

Other members never use this API: they call the services through the gateway (``/r1/…``).
"""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext_noop as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema
from ninja.errors import AuthorizationError, HttpError
from ninja.responses import Status
from ninja.security import SessionAuth

from tinhso.common.restapi import ProvinceDateTime, choice, errors, paginated, text
from tinhso.exchange import outbox, registry, seals, selectors, services
from tinhso.exchange.models import AccessRight, Direction, MessageRecord, OutboxStatus


class OperatorAuth(SessionAuth):
    """A signed-in platform administrator (CSRF-checked like every session call); anyone else signed in is
    refused with 403, anyone not signed in with 401."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not selectors.may_operate(user):
            raise AuthorizationError()
        return user

router = Router(tags=["exchange"], auth=OperatorAuth())


def _localized(error: services.ExchangeError) -> str:
    return error.message_en if (get_language() or "vi").startswith("en") else error.message


class EndpointOut(Schema):
    method: str
    path: str


class ServiceOut(Schema):
    code: str
    title: str
    enabled: bool
    disabled_notice: str
    available: bool
    endpoints: list[EndpointOut]
    @staticmethod
    def resolve_endpoints(service) -> list:
        offered = registry.get(service.code)
        return [{"method": e.method, "path": e.path} for e in offered.endpoints] if offered else []


class MemberOut(Schema):
    identifier: str
    name: str
    agency: str | None = SchemaField(None, description=_("Mã định danh cơ quan làm phạm vi dữ liệu"))
    address: str
    local: bool
    active: bool
    certificates: int

    @staticmethod
    def resolve_agency(member) -> str | None:
        return member.agency.identifier if member.agency_id else None


class RightIn(Schema):
    client: str = text(max_length=1100, description=_("Định danh bên gọi: INSTANCE/MEMBERCLASS/MEMBERCODE[/SUBSYSTEM]"))
    service: str = text(max_length=255, description=_("Mã dịch vụ"))
    method: str = text(AccessRight, "method", "*", description=_("GET, POST… hoặc * cho mọi phương thức"))
    path: str = text(AccessRight, "path", "/**", description=_("Mẫu đường dẫn: * thay một đoạn, /** cho mọi đường dẫn"))
    note: str = text(AccessRight, "note", "", description=_("Căn cứ cấp quyền, ví dụ văn bản đồng ý chia sẻ"))


class RightOut(Schema):
    id: int
    client: str
    service: str
    method: str
    path: str
    note: str
    granted_at: datetime.datetime
    granted_by: str | None
    @staticmethod
    def resolve_client(right) -> str:
        return right.client.identifier
    @staticmethod
    def resolve_service(right) -> str:
        return right.service.code
    @staticmethod
    def resolve_granted_by(right) -> str | None:
        return right.granted_by.get_username() if right.granted_by_id else None


class LogFiltersIn(Schema):
    client: str = text(MessageRecord, "client", "", description=_("Bên gọi: định danh hoặc phần đầu"))
    service: str = text(MessageRecord, "service", "", description=_("Dịch vụ: định danh hoặc phần đầu"))
    since: ProvinceDateTime | None = SchemaField(None, alias="from", description=_("Từ thời điểm (ISO 8601)"))
    until: ProvinceDateTime | None = SchemaField(None, alias="to", description=_("Trước thời điểm (ISO 8601)"))
    request_id: str = text(MessageRecord, "request_id", "", description=_("X-Road-Id hoặc X-Road-Request-Id"))
    direction: choice(Direction) | None = SchemaField(None, description=_("Chiều: served hoặc made"))
    errors: bool = SchemaField(False, description=_("Chỉ các trao đổi lỗi"))


class RecordOut(Schema):
    id: int
    at: datetime.datetime
    direction: choice(Direction)
    kind: str
    message_id: str
    request_id: str
    client: str
    service: str
    method: str
    path: str
    status: int | None
    error_type: str
    duration_ms: int | None
    body_size: int
    body_kept: bool
    body_hash: str
    headers_hash: str
    request_hash: str
    record_hash: str
    position: int | None
    sealed: bool
    @staticmethod
    def resolve_body_kept(record) -> bool:
        return record.body_size == 0 or record.body_kept
    @staticmethod
    def resolve_sealed(record) -> bool:
        return bool(record.seal_id and record.seal.token)


class LogStatusOut(Schema):
    unchained: int
    waiting_seals: int
    oldest_unsealed: datetime.datetime | None
    last_sealed_at: datetime.datetime | None
    overdue: bool
    alerts: list[str]


class OutboxOut(Schema):
    id: int
    dossier_code: str
    event_id: int
    action: str
    from_state: str
    to_state: str
    event_at: datetime.datetime
    status: choice(OutboxStatus)
    attempts: int
    next_attempt_at: datetime.datetime
    last_error: str
    delivered_at: datetime.datetime | None


class RetryIn(Schema):
    ids: list[int] = SchemaField([], max_length=1000, description=_("Các thay đổi cần gửi lại"))
    all: bool = SchemaField(False, description=_("Gửi lại mọi thay đổi trong danh sách gửi lỗi"))


class SyncOut(Schema):
    id: int
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    ok: bool
    created: int
    versioned: int
    unchanged: int
    refused: int
    error: str
    report: list[dict]


@router.get("/services", response={200: list[ServiceOut], **errors(403)},
            summary=_("Dịch vụ cung cấp qua cổng kết nối"),
            description=_("Các dịch vụ nền tảng cung cấp cho thành viên khác qua cổng kết nối (X-Road "
                         "REST), với điểm truy cập và trạng thái."))
def list_services(request):
    return list(selectors.services_with_rights())


@router.get("/members", response={200: list[MemberOut], **errors(403)}, summary=_("Thành viên, phân hệ đã đăng ký"),
            description=_("Thành viên và phân hệ của mạng trao đổi đã đăng ký, với cơ quan làm phạm vi dữ "
                         "liệu, địa chỉ và số chứng thư."))
@paginated(50)
def list_members(request):
    from django.db.models import Count

    from tinhso.exchange.models import Member

    return Member.objects.select_related("agency").annotate(certificates=Count("certificates")).order_by(
        "instance", "member_class", "member_code", "subsystem_code")


class RightFilters(Schema):
    service: str = text(max_length=255, default="", description=_("Mã dịch vụ"))
    client: str = text(max_length=1100, default="", description=_("Định danh bên gọi"))


@router.get("/rights", response={200: list[RightOut], **errors(403)}, summary=_("Quyền truy cập dịch vụ"),
            description=_("Bên nào được gọi dịch vụ nào (toàn bộ, hoặc một phương thức và mẫu đường dẫn); "
                         "lọc theo dịch vụ và bên gọi."))
@paginated(50)
def list_rights(request, filters: Query[RightFilters]):
    service, client = filters.service, filters.client
    rights = selectors.rights_list()
    if service:
        rights = rights.filter(service__code=service)
    if client:
        try:
            member = services.find_member(client)
        except services.ExchangeError as error:
            raise HttpError(422, _localized(error)) from None
        rights = rights.filter(client=member) if member is not None else rights.none()
    return rights


@router.post("/rights", response={201: RightOut, **errors(403, 404, 409)}, summary=_("Cấp quyền gọi dịch vụ"),
            description=_("Cho một thành viên hoặc phân hệ gọi một dịch vụ; thay đổi được ghi vào nhật ký "
                         "kiểm toán."))
def grant(request, payload: RightIn):
    try:
        right = services.grant_access(payload.client, payload.service, method=payload.method, path=payload.path,
                                      note=payload.note, by=request.auth)
    except services.ExchangeError as error:
        raise HttpError(error.status if error.status != 400 else 422, _localized(error)) from None
    return Status(201, selectors.rights_list().get(pk=right.pk))


@router.delete("/rights/{right_id}", response={204: None, **errors(403, 404)}, summary=_("Thu hồi quyền gọi dịch vụ"),
            description=_("Bỏ một quyền truy cập; thay đổi được ghi vào nhật ký kiểm toán và có hiệu lực "
                         "ngay."))
def revoke(request, right_id: int):
    services.revoke_access(get_object_or_404(AccessRight, pk=right_id))
    return Status(204, None)


@router.get("/log", response={200: list[RecordOut], **errors(403)}, summary=_("Tìm trong nhật ký trao đổi"),
            description=_("Các bản ghi yêu cầu và trả lời qua cổng kết nối, mới nhất trước: theo bên gọi, "
                         "dịch vụ, thời gian, mã yêu cầu."))
@paginated(50)
def search_log(request, filters: Query[LogFiltersIn]):
    return selectors.search_log(selectors.LogFilters(
        client=filters.client, service=filters.service, since=filters.since, until=filters.until,
        request_id=filters.request_id, direction=filters.direction or "", errors_only=filters.errors))


@router.get("/log/status", response={200: LogStatusOut, **errors(403)},
            summary=_("Tình trạng nối chuỗi, niêm phong nhật ký"),
            description=_("Số bản ghi chờ nối chuỗi, số lô chờ dấu thời gian, bản ghi chờ lâu nhất và các "
                         "cảnh báo."))
def log_status(request):
    current = seals.status()
    return {"unchained": current.unchained, "waiting_seals": current.waiting_seals,
            "oldest_unsealed": current.oldest_unsealed, "last_sealed_at": current.last_sealed_at,
            "overdue": current.overdue, "alerts": seals.alerts()}


class OutboxFilters(Schema):
    status: choice(OutboxStatus) = SchemaField(OutboxStatus.PENDING, description=_("Trạng thái gửi"))


@router.get("/outbox", response={200: list[OutboxOut], **errors(403)},
            summary=_("Thay đổi trạng thái hồ sơ gửi cổng quốc gia"),
            description=_("Các thay đổi chờ gửi, gửi lỗi hoặc đã đồng bộ với Cổng Dịch vụ công quốc gia."))
@paginated(50)
def list_outbox(request, filters: Query[OutboxFilters]):
    return selectors.outbox_list(filters.status)


class RetriedOut(Schema):
    retried: int


@router.post("/outbox/retry", response={200: RetriedOut, **errors(403)},
            summary=_("Gửi lại thay đổi trong danh sách gửi lỗi"),
            description=_("Đưa các thay đổi gửi lỗi đã chọn (hoặc tất cả) vào hàng đợi gửi lại; ghi vào "
                         "nhật ký kiểm toán."))
def retry(request, payload: RetryIn):
    from tinhso.exchange.models import OutboxEntry
    dead = OutboxEntry.objects.filter(status=OutboxStatus.DEAD)
    chosen = dead if payload.all else dead.filter(pk__in=payload.ids)
    return {"retried": outbox.retry(list(chosen.values_list("pk", flat=True)), by=request.auth)}


@router.get("/catalogue-syncs", response={200: list[SyncOut], **errors(403)},
            summary=_("Các lần lấy danh mục thủ tục quốc gia"),
            description=_("Các lần lấy danh mục thủ tục từ cơ sở dữ liệu quốc gia với báo cáo từng thủ tục."))
@paginated(20)
def list_syncs(request):
    return selectors.catalogue_syncs()
