"""API của sổ văn bản đi, đến (/api/documents).

Xác thực bằng khoá API của cơ quan (``Authorization: Bearer ts_…``: sổ của chính cơ quan đó) hoặc phiên đăng
nhập (sổ của các cơ quan trong phạm vi người dùng). Văn bản ngoài phạm vi được trả lời 404 như văn bản không
tồn tại; lỗi nhập liệu 400/422 với trường liên quan.
"""


import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from tinhso.common.restapi import RowId, choice, errors, paginated
from tinhso.directory.models import Agency
from tinhso.documents import selectors, services
from tinhso.documents.models import AuthorityPrefix, DocumentType, IncomingState, OutgoingState, Priority
from tinhso.dossiers.api import ActiveSession, TokenAuth

router = Router(tags=["documents"], auth=[TokenAuth(), ActiveSession()])


def _agency(request, agency_id: int) -> Agency:
    agency = selectors.register_agencies(request.auth).filter(pk=agency_id).first()
    if agency is None:
        raise HttpError(404, gettext("Không có sổ văn bản của cơ quan này trong phạm vi của bạn."))
    return agency


# -- schemas --------------------------------------------------------------------------------------------------


class OfficialRecipientOut(Schema):
    name: str = Field(description=_("Tên nơi nhận"))
    organ_id: str = Field(description=_("Mã định danh nơi nhận (trống: nơi nhận ngoài danh bạ)"))
    status_code: str = Field(description=_("Mã trạng thái QCVN 102 gần nhất tại nơi nhận"))
    status_at: datetime.datetime | None = Field(description=_("Thời điểm cập nhật trạng thái"))


class OutgoingDocumentOut(Schema):
    id: int
    agency: str = Field(description=_("Mã định danh cơ quan ban hành"), alias="agency.identifier")
    document_type: str = Field(description=_("Loại văn bản"), alias="document_type.name")
    state: str = Field(description=_("Trạng thái: draft, issued, revoked, replaced"))
    code_number: str = Field(description=_("Số"))
    code_notation: str = Field(description=_("Ký hiệu"))
    issued_on: datetime.date | None = Field(description=_("Ngày ban hành"))
    subject: str = Field(description=_("Trích yếu"))
    signer_name: str = Field(description=_("Họ tên người ký"))
    priority: int = Field(description=_("Độ khẩn: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ"))
    document_id: str = Field(description=_("Mã văn bản edXML: <mã cơ quan>,<YYYY/MM/DD>,<số>/<ký hiệu>"))


class OutgoingDocumentDetailOut(OutgoingDocumentOut):
    recipients: list[OfficialRecipientOut]


class IncomingDocumentOut(Schema):
    id: int
    agency: str = Field(description=_("Mã định danh cơ quan nhận"), alias="agency.identifier")
    year: int = Field(description=_("Năm của sổ"))
    arrival_number: int = Field(description=_("Số đến"))
    arrived_at: datetime.datetime = Field(description=_("Thời gian đến"))
    channel: str = Field(description=_("Hình thức nhận: paper, local, gateway"))
    state: str = Field(description=_("Trạng thái xử lý"))
    sender_name: str = Field(description=_("Cơ quan ban hành"))
    code_number: str = Field(description=_("Số"))
    code_notation: str = Field(description=_("Ký hiệu"))
    issued_on: datetime.date = Field(description=_("Ngày văn bản"))
    subject: str = Field(description=_("Trích yếu"))
    handling_due: datetime.datetime | None = Field(description=_("Hạn giải quyết"))


class RegisterFilters(Schema):
    agency: RowId | None = Field(None, description=_("Mã số cơ quan giữ sổ"))
    year: int | None = Field(None, ge=2000, le=2100, description=_("Năm"))
    q: str | None = Field(None, max_length=200, description=_("Tìm theo số, ký hiệu, trích yếu, nơi gửi (không dấu)"))
    date_from: datetime.date | None = Field(None, description=_("Từ ngày"))
    date_to: datetime.date | None = Field(None, description=_("Đến ngày"))


class OutgoingFilters(RegisterFilters):
    state: choice(OutgoingState) | None = Field(
        None, description=_("Trạng thái văn bản đi; không ghi: các văn bản đã ban hành, draft: các dự thảo"))


class IncomingFilters(RegisterFilters):
    state: choice(IncomingState) | None = Field(None, description=_("Trạng thái văn bản đến"))


class OutgoingDocumentIn(Schema):
    agency: RowId = Field(description=_("Mã số cơ quan ban hành"))
    document_type: str = Field(max_length=40, description=_("Mã loại văn bản, ví dụ thong-bao, quyet-dinh"))
    subject: str = Field(max_length=500, description=_("Trích yếu"))
    signer_position: str = Field("", max_length=100, description=_("Chức vụ người ký"))
    signer_name: str = Field("", max_length=50, description=_("Họ tên người ký"))
    authority_prefix: choice(AuthorityPrefix) = Field("", description=_("Quyền hạn ký: TM., KT., Q., TL., TUQ."))
    priority: choice(Priority) = Field(0, description=_("Độ khẩn"))
    due_date: datetime.date | None = Field(None, description=_("Hạn trả lời"))
    drafting_unit: str = Field("", max_length=10, description=_("Chữ viết tắt đơn vị soạn thảo"))
    recipients: list[str] = Field([], max_length=200, description=_("Mã định danh các cơ quan nhận"))
    other_recipients: list[str] = Field([], max_length=50, description=_("Nơi nhận khác"))


class IncomingDocumentIn(Schema):
    agency: RowId = Field(description=_("Mã số cơ quan nhận"))
    sender_name: str = Field(max_length=200, description=_("Cơ quan ban hành"))
    sender_organ_id: str = Field("", max_length=35, description=_("Mã định danh cơ quan ban hành"))
    type_name: str = Field(max_length=100, description=_("Tên loại văn bản"))
    code_number: str = Field(max_length=11, description=_("Số"))
    code_notation: str = Field(max_length=30, description=_("Ký hiệu"))
    issued_on: datetime.date = Field(description=_("Ngày văn bản"))
    subject: str = Field(max_length=500, description=_("Trích yếu"))
    signer_name: str = Field("", max_length=50, description=_("Họ tên người ký"))
    priority: choice(Priority) = Field(0, description=_("Độ khẩn"))


class AssignmentIn(Schema):
    handler: RowId = Field(description=_("Mã số người xử lý"))
    days: int = Field(ge=1, le=365, description=_("Thời hạn giải quyết (ngày làm việc)"))
    leader: RowId | None = Field(None, description=_("Mã số lãnh đạo cho ý kiến"))
    direction: str = Field("", max_length=2000, description=_("Ý kiến chỉ đạo"))


# -- operations -----------------------------------------------------------------------------------------------


@router.get("/outgoing", response={200: list[OutgoingDocumentOut], **errors(401)},
            summary=_("Sổ văn bản đi"), description=_("Văn bản đi của các cơ quan trong phạm vi người gọi."))
@paginated(50)
def outgoing(request, filters: Query[OutgoingFilters]):
    return selectors.outgoing_for(request.auth, **filters.dict())


@router.get("/outgoing/{document_id}", response={200: OutgoingDocumentDetailOut, **errors(401, 404)},
            summary=_("Một văn bản đi"),
            description=_("Văn bản đi với nơi nhận và tình trạng xử lý tại mỗi nơi nhận."))
def outgoing_detail(request, document_id: int):
    found = selectors.outgoing_detail(request.auth, document_id)
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy văn bản."))
    return found


@router.post("/outgoing", response={201: OutgoingDocumentDetailOut, **errors(400, 401, 403, 404, 409, 422)},
             summary=_("Cấp số và ban hành văn bản đi"),
             description=_("Cấp số tiếp theo của năm và gửi điện tử tới các nơi nhận trong danh bạ."))
def issue_outgoing(request, payload: OutgoingDocumentIn):
    agency = _agency(request, payload.agency)
    document_type = DocumentType.objects.filter(code=payload.document_type, active=True).first()
    if document_type is None:
        raise services.DocumentError("Không có loại văn bản này.", "No such document type.", "document_type")
    recipients = list(Agency.objects.filter(identifier__in=[r.strip().upper() for r in payload.recipients]))
    document = services.issue_outgoing(agency, services.OutgoingInput(
        document_type=document_type, subject=payload.subject, signer_position=payload.signer_position,
        signer_name=payload.signer_name, authority_prefix=payload.authority_prefix, priority=int(payload.priority),
        due_date=payload.due_date, drafting_unit=payload.drafting_unit, recipients=recipients,
        other_recipients=payload.other_recipients), by=request.auth)
    return Status(201, selectors.outgoing_detail(request.auth, document.pk))


@router.get("/incoming", response={200: list[IncomingDocumentOut], **errors(401)},
            summary=_("Sổ văn bản đến"), description=_("Văn bản đến của các cơ quan trong phạm vi người gọi."))
@paginated(50)
def incoming(request, filters: Query[IncomingFilters]):
    return selectors.incoming_for(request.auth, **filters.dict())


@router.get("/incoming/{document_id}", response={200: IncomingDocumentOut, **errors(401, 404)},
            summary=_("Một văn bản đến"),
            description=_("Văn bản đến với số đến, trạng thái xử lý và hạn giải quyết."))
def incoming_detail(request, document_id: int):
    found = selectors.incoming_detail(request.auth, document_id)
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy văn bản."))
    return found


@router.post("/incoming", response={201: IncomingDocumentOut, **errors(400, 401, 403, 404, 409, 422)},
             summary=_("Vào sổ văn bản đến"), description=_("Cấp số đến tiếp theo của năm."))
def register_incoming(request, payload: IncomingDocumentIn):
    agency = _agency(request, payload.agency)
    sender = Agency.objects.filter(identifier=payload.sender_organ_id.strip().upper()).first() \
        if payload.sender_organ_id else None
    document = services.register_incoming(agency, services.IncomingInput(
        sender=sender, sender_organ_id=payload.sender_organ_id, sender_name=payload.sender_name,
        type_name=payload.type_name, code_number=payload.code_number, code_notation=payload.code_notation,
        issued_on=payload.issued_on, subject=payload.subject, signer_name=payload.signer_name,
        priority=int(payload.priority)), by=request.auth)
    return Status(201, document)


@router.post("/incoming/{document_id}/assignment", response={200: IncomingDocumentOut,
                                                             **errors(400, 401, 403, 404, 409, 422)},
             summary=_("Giao xử lý văn bản đến"),
             description=_("Người xử lý và hạn giải quyết tính theo ngày làm việc."))
def assign(request, document_id: int, payload: AssignmentIn):
    found = selectors.incoming_detail(request.auth, document_id)
    if found is None:
        raise HttpError(404, gettext("Không tìm thấy văn bản."))
    return services.assign(found, handler_id=payload.handler, days=payload.days, leader_id=payload.leader,
                           direction=payload.direction, by=request.auth)
