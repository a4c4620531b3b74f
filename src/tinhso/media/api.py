"""API báo chí, thông tin (/api/media).

Xác thực bằng khoá API của cơ quan (``Authorization: Bearer ts_…``) hoặc phiên đăng nhập của cán bộ. Sổ cơ
quan báo chí, giấy phép trang thông tin điện tử và người phát ngôn là thông tin công khai; nhiệm vụ xác minh
chỉ thấy trong phạm vi cơ quan (cơ quan quản lý báo chí thấy tất cả). Bản ghi ngoài phạm vi trả lời 404.
"""

import base64
import binascii
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import URLValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from tinhso.common.restapi import choice, errors, paginated, text
from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.media import selectors, services
from tinhso.media.models import FakeNewsReport, LicenceState, PressKind, VerificationTask

router = Router(tags=["media"], auth=[TokenAuth(), ActiveSession()])


def _allowed(request) -> None:
    if not selectors.is_officer(request.auth):
        raise HttpError(403, gettext("Chỉ cán bộ các cơ quan được dùng API báo chí, thông tin."))


class PressChannelOut(Schema):
    kind: str = Field(description=_("Loại kênh: print, online, broadcast"))
    name: str = Field(description=_("Tên kênh, ấn phẩm"))
    domain: str = Field(description=_("Tên miền của báo điện tử"))


class PressAgencyOut(Schema):
    id: int
    name: str = Field(description=_("Tên cơ quan báo chí"))
    kind: str = Field(description=_("Loại: newspaper, radio_tv, magazine, resident_office, correspondent"))
    level: str = Field(description=_("local (địa phương) hoặc central (trung ương)"))
    parent_name: str = Field(description=_("Cơ quan chủ quản trung ương (văn phòng đại diện, phóng viên thường trú)"))
    licence_number: str = Field(description=_("Số giấy phép hoạt động"))
    licence_date: datetime.date | None = Field(description=_("Ngày cấp phép"))
    head_name: str = Field(description=_("Tổng biên tập hoặc người đứng đầu"))
    address: str
    phone: str
    email: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    channels: list[PressChannelOut] = Field(description=_("Các kênh của cơ quan báo chí"))


class PressAgencyFilters(Schema):
    q: str | None = Field(None, max_length=100, description=_("Tìm theo tên, cơ quan chủ quản, số giấy phép"))
    kind: choice(PressKind) | None = Field(None, description=_("Loại cơ quan báo chí"))
    in_force: bool | None = Field(None, description=_("Chỉ cơ quan đang hoạt động"))


class WebsiteLicenceOut(Schema):
    id: int
    licence_number: str = Field(description=_("Số giấy phép"))
    kind: str = Field(description=_("general_website (trang thông tin điện tử tổng hợp) hoặc social_network"))
    domain: str = Field(description=_("Tên miền"))
    holder_name: str = Field(description=_("Tổ chức được cấp phép"))
    holder_tax_code: str = Field(description=_("Mã số thuế của tổ chức"))
    issued_on: datetime.date = Field(description=_("Ngày cấp"))
    expires_on: datetime.date = Field(description=_("Ngày hết hạn"))
    state: str = Field(description=_("in_force (còn hiệu lực) hoặc revoked (đã thu hồi)"))
    scope: str = Field(description=_("Phạm vi, nội dung được cấp phép"))


class LicenceFilters(Schema):
    q: str | None = Field(None, max_length=100, description=_("Tìm theo tên miền, tổ chức, số giấy phép, mã số thuế"))
    state: choice(LicenceState) | None = Field(None, description=_("Trạng thái giấy phép"))
    expiring: bool | None = Field(None, description=_("Chỉ giấy phép sắp hết hạn"))


class SpokespersonOut(Schema):
    agency: str = Field(description=_("Mã định danh cơ quan"), alias="agency.identifier")
    agency_name: str = Field(description=_("Tên cơ quan"), alias="agency.name")
    role: str = Field(description=_("spokesperson (người phát ngôn) hoặc authorised (được ủy quyền)"))
    name: str
    position: str = Field(description=_("Chức vụ"))
    phone: str
    email: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class VerificationTaskOut(Schema):
    id: int
    case: str = Field(description=_("Mã vụ việc"), alias="case.code")
    title: str = Field(description=_("Tiêu đề vụ việc"), alias="case.title")
    claim: str = Field(description=_("Nội dung thông tin cần xác minh"), alias="case.claim")
    severity: str = Field(description=_("Mức độ: low, medium, severe"), alias="case.severity")
    agency: str = Field(description=_("Mã định danh cơ quan xác minh"), alias="agency.identifier")
    due_at: datetime.datetime = Field(description=_("Hạn xác minh"))
    facts: str = Field(description=_("Thông tin xác minh đã gửi"))
    answered_at: datetime.datetime | None = Field(description=_("Thời điểm gửi"))


class VerificationFilters(Schema):
    open: bool | None = Field(None, description=_("Chỉ nhiệm vụ chưa trả lời"))


class FactsIn(Schema):
    facts: str = text(VerificationTask, "facts", max_length=20000, description=_("Thông tin xác minh của cơ quan"))


@router.get("/press-agencies", response={200: list[PressAgencyOut], **errors(403)},
            summary=_("Danh sách cơ quan báo chí"), description=_("Cơ quan báo chí hoạt động tại tỉnh."))
@paginated(50)
def press_agencies(request, filters: Query[PressAgencyFilters]):
    _allowed(request)
    return selectors.press_agencies(q=filters.q or "", kind=filters.kind or "", in_force=filters.in_force)


@router.get("/licences", response={200: list[WebsiteLicenceOut], **errors(403)},
            summary=_("Giấy phép trang thông tin điện tử tổng hợp, mạng xã hội"),
            description=_("Sổ giấy phép, lọc theo trạng thái, sắp hết hạn."))
@paginated(50)
def licences(request, filters: Query[LicenceFilters]):
    _allowed(request)
    return selectors.licences(q=filters.q or "", state=filters.state or "", expiring=bool(filters.expiring))


@router.get("/spokespeople", response={200: list[SpokespersonOut], **errors(403)},
            summary=_("Người phát ngôn đang có hiệu lực"), description=_("Người phát ngôn, người được ủy quyền."))
@paginated(100)
def spokespeople(request):
    _allowed(request)
    return selectors.spokespeople_in_force().order_by("agency__name", "role", "name")


@router.get("/verification-tasks", response={200: list[VerificationTaskOut], **errors(403)},
            summary=_("Nhiệm vụ xác minh của cơ quan"),
            description=_("Nhiệm vụ xác minh thông tin sai sự thật giao cho cơ quan của người gọi."))
@paginated(50)
def verification_tasks(request, filters: Query[VerificationFilters]):
    _allowed(request)
    return selectors.verification_tasks_for(request.auth, open_only=bool(filters.open))


@router.post("/verification-tasks/{pk}/answer", response={200: VerificationTaskOut, **errors(403, 404, 409)},
             summary=_("Gửi thông tin xác minh"),
             description=_("Cơ quan có thẩm quyền nêu thông tin xác minh của vụ việc trong hạn."))
def answer_verification(request, pk: int, payload: FactsIn):
    _allowed(request)
    task = selectors.verification_tasks_for(request.auth).filter(pk=pk).first()
    if task is None:
        raise HttpError(404, gettext("Không tìm thấy nhiệm vụ xác minh."))
    services.answer_verification(task, facts=payload.facts, actor=request.auth)
    return selectors.verification_tasks_for(request.auth).get(pk=pk)


class MonitoringReportIn(Schema):
    external_id: str = text(FakeNewsReport, "external_id", min_length=1,
                            description=_("Mã của phát hiện trong công cụ theo dõi; gửi lại cùng mã trả về tin báo "
                                          "đã có, không tạo mới"))
    link: str = text(FakeNewsReport, "link", "", description=_("Đường dẫn tới thông tin (http, https)"))
    seen_on: str = text(FakeNewsReport, "seen_on", min_length=1,
                        description=_("Nơi phát hiện (trang mạng, nhóm, kênh…)"))
    description: str = text(max_length=5000, min_length=1, description=_("Mô tả: thông tin sai ở điểm nào"))
    screenshot: str | None = Field(None, description=_("Ảnh chụp màn hình (PNG, JPEG hoặc PDF), mã hóa base64"))
    screenshot_name: str = Field("anh-chup", max_length=200, description=_("Tên tệp ảnh chụp"))


class MonitoringReportOut(Schema):
    id: int
    code: str = Field(description=_("Mã tin báo"))
    external_id: str = Field(description=_("Mã của phát hiện trong công cụ theo dõi"))
    source: str = Field(description=_("Nguồn tin báo: monitoring (theo dõi, giám sát)"))
    state: str = Field(description=_("Trạng thái: received, duplicate, out_of_scope, case"))
    received_at: datetime.datetime = Field(description=_("Thời điểm tiếp nhận"))
    triage_due_at: datetime.datetime = Field(description=_("Hạn phân loại"))
    case: str | None = Field(None, description=_("Mã vụ việc (nếu đã mở hoặc gộp)"), alias="case.code")


def _decoded_screenshot(payload: MonitoringReportIn):
    """The base64 screenshot as an upload, bounded before it is decoded; judged afterwards by content and size
    like every upload of the portal."""
    if not payload.screenshot:
        return None
    limit = settings.TINHSO_UPLOAD_MAX_BYTES
    if len(payload.screenshot) > (limit + 2) // 3 * 4 + 4:
        raise services.MediaError("Ảnh chụp vượt quá dung lượng cho phép.", "The screenshot exceeds the size limit.",
                                  field="screenshot", status=413)
    try:
        content = base64.b64decode(payload.screenshot, validate=True)
    except (binascii.Error, ValueError):
        raise services.MediaError("Ảnh chụp không phải dữ liệu base64 hợp lệ.", "The screenshot is not valid base64.",
                                  field="screenshot", status=422) from None
    return SimpleUploadedFile(payload.screenshot_name or "anh-chup", content)


@router.post("/reports", response={200: MonitoringReportOut, 201: MonitoringReportOut, **errors(400, 403, 413)},
             summary=_("Gửi tin báo từ công cụ theo dõi"),
             description=_("Công cụ theo dõi mạng xã hội của cơ quan quản lý báo chí gửi thông tin sai sự thật, "
                           "có hại đã phát hiện. Chỉ khóa API của cơ quan quản lý báo chí được gửi. Gửi lại cùng "
                           "external_id trả về tin báo đã có (200), không tạo mới; tin báo mới trả 201 và vào "
                           "phân loại như các tin báo khác."))
def file_monitoring_report(request, payload: MonitoringReportIn):
    client = request.auth
    if not selectors.is_client(client) or client.agency.pk not in selectors.office_agency_ids():
        raise HttpError(403, gettext("Chỉ khóa API của cơ quan quản lý báo chí được gửi tin báo từ công cụ theo dõi."))
    link = payload.link.strip()
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except DjangoValidationError:
            raise services.MediaError("Đường dẫn không hợp lệ.", "The link is not a valid address.", field="link",
                                      status=422) from None
    report, created = services.file_monitoring_report(
        external_id=payload.external_id.strip(), seen_on=payload.seen_on, description=payload.description,
        link=link, screenshot=_decoded_screenshot(payload), actor=client)
    report = FakeNewsReport.objects.select_related("case").get(pk=report.pk)
    return Status(201 if created else 200, report)
