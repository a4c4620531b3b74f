"""The dossier API (/api/dossiers): submission, transitions, lists, detail, events and documents.

Callers authenticate with an agency's API token (``Authorization: Bearer ts_…``; revoked tokens are
refused) or a signed-in session. Every query goes through :func:`selectors.dossiers_visible_to`: a token
sees what a member of its agency sees; a dossier outside the caller's scope is answered with the same 404
as one that does not exist. Errors are 4xx with ``detail`` in Vietnamese (English when chosen); the
engine's own refusals (:class:`DossierError`) are formatted by the API root. OpenAPI texts are marked
with ``_`` (``gettext_noop``) and translated when the document is generated.
"""


import datetime
import hashlib
import json
from typing import Annotated

from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field as SchemaField
from ninja import File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status as Reply
from ninja.security import HttpBearer, SessionAuth

from tinhso.catalogue.models import ProcedureVersion, Status
from tinhso.common.inputs import MAX_ID
from tinhso.common.restapi import BoundedDate, Email, ProvinceDateTime, choice, errors, paginated, text
from tinhso.directory.api import AgencyRef
from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import Agency
from tinhso.dossiers import selectors, services
from tinhso.dossiers.deadlines import dossier_status
from tinhso.dossiers.models import (
    ApiToken,
    ApplicantKind,
    Channel,
    DocumentKind,
    Dossier,
    DossierDocument,
    ReturnMethod,
    State,
    mask_id_number,
)
from tinhso.exchange.registry import GatewayAuth
from tinhso.geo.models import Commune

# Free texts of a transition (notes, reasons) and of a supplement request's items.
NOTE_MAX = 4000
MISSING_MAX_ITEMS = 50
MISSING_ITEM_MAX = 500


class TokenAuth(HttpBearer):
    """An agency API token: ``Authorization: Bearer ts_…``, looked up by its SHA-256."""

    def authenticate(self, request, token: str):
        if not token or not token.startswith("ts_") or len(token) > 200:
            return None
        found = (
            ApiToken.objects.select_related("agency")
            .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True).first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return services.AgencyClient(agency=found.agency, label=f"API: {found.name}", token_id=found.pk)


class ActiveSession(SessionAuth):
    """A signed-in, active user of the site (officers see their scope, citizens their own dossiers)."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated and user.is_active else None


# The data-sharing gateway reaches these operations as the calling member (tinhso.dossiers.gateway); its
# actor is set only by the gateway's internal dispatch, never from a request.
router = Router(tags=["dossiers"], auth=[GatewayAuth(), TokenAuth(), ActiveSession()])


def _in_scope(request, code: str) -> Dossier:
    dossier = selectors.dossier_detail(request.auth, code)
    if dossier is None:
        raise HttpError(404, gettext("Không tìm thấy hồ sơ."))
    return dossier


# -- schemas ----------------------------------------------------------------------------------------------

class ApplicantIn(Schema):
    name: str = text(Dossier, "applicant_name", description=_("Họ tên người nộp hoặc tên tổ chức"))
    kind: choice(ApplicantKind) = SchemaField(ApplicantKind.PERSON, description=_("person (cá nhân) hoặc "
                                                                                  "organisation (tổ chức)"))
    id_number: str = text(Dossier, "applicant_id_number", "", description=_("Số định danh cá nhân (12 chữ số)"))
    tax_code: str = text(Dossier, "applicant_tax_code", "", description=_("Mã số thuế của tổ chức"))
    phone: str = text(Dossier, "applicant_phone", "", description=_("Số điện thoại"))
    email: Email = SchemaField("", description=_("Thư điện tử"))
    address: str = text(Dossier, "applicant_address", "", description=_("Địa chỉ"))
    commune: str | None = SchemaField(None, max_length=5,
                                      description=_("Mã xã, phường, đặc khu (5 chữ số, danh mục 2025)"))


class DossierIn(Schema):
    procedure: str = SchemaField(..., max_length=30, description=_("Mã thủ tục, ví dụ 1.001193"))
    receiving_agency: str = SchemaField(..., max_length=35, description=_("Mã định danh cơ quan tiếp nhận"))
    applicant: ApplicantIn
    eform_data: dict = SchemaField({}, description=_("Thông tin tờ khai điện tử theo lược đồ của thủ tục"))
    copies: int = SchemaField(1, ge=1, le=99, description=_("Số bản kết quả đề nghị cấp (phí tính theo bản)"))
    requested_return_method: choice(ReturnMethod) | None = SchemaField(
        None, description=_("Hình thức nhận kết quả người nộp đăng ký (mặc định: trả kết quả điện tử)"))


class DossierStepOut(Schema):
    """A step of one dossier's route, as it runs."""

    id: int
    order: int
    role: str
    state: str
    agency: AgencyRef | None
    partner: str
    share: int
    started_at: datetime.datetime | None
    due_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class DossierOut(Schema):
    code: str
    public_id: str
    version: int
    state: str
    state_label: str = SchemaField(..., alias="get_state_display")
    channel: str
    procedure: str = SchemaField(..., alias="procedure_version.procedure.code")
    procedure_name: str = SchemaField(..., alias="procedure_version.name")
    receiving_agency: AgencyRef
    applicant_kind: str
    applicant_name: str
    applicant_id_number: str
    submitted_at: datetime.datetime
    received_at: datetime.datetime | None
    due_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    deadline_status: str
    deadline_label: str

    @staticmethod
    def resolve_public_id(dossier) -> str:
        return str(dossier.public_id)

    @staticmethod
    def resolve_applicant_id_number(dossier) -> str:
        return mask_id_number(dossier.applicant_id_number)

    @staticmethod
    def resolve_deadline_status(dossier) -> str:
        return dossier_status(dossier).kind

    @staticmethod
    def resolve_deadline_label(dossier) -> str:
        return dossier_status(dossier).label


class DossierDocumentOut(Schema):
    """A file of a dossier (an applicant's paper, a supplement, the result, a form)."""

    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    checksum: str
    uploaded_at: datetime.datetime


class DossierDetailOut(DossierOut):
    original_due_at: datetime.datetime | None
    apology_issued_at: datetime.datetime | None
    result_ready_at: datetime.datetime | None
    return_method: str
    requested_return_method: str
    copies: int
    steps: list[DossierStepOut]
    documents: list[DossierDocumentOut]

    @staticmethod
    def resolve_steps(dossier) -> list:
        return list(dossier.steps.all())

    @staticmethod
    def resolve_documents(dossier) -> list:
        return list(dossier.documents.all())


class EventOut(Schema):
    at: datetime.datetime
    action: str
    from_state: str
    to_state: str
    actor: str = SchemaField(..., alias="actor_label")
    step: int | None = SchemaField(None, alias="step_id")
    note: str
    data: dict


class TransitionIn(Schema):
    expected_version: int = SchemaField(..., ge=0, le=MAX_ID,
                                        description=_("Phiên bản hồ sơ bên gọi đã xem (field version)"))
    note: str = SchemaField("", max_length=NOTE_MAX, description=_("Ghi chú"))
    reason: str = SchemaField("", max_length=NOTE_MAX, description=_("Lý do (chuyển lại, xin lỗi, rút hồ sơ)"))
    reasons: str = SchemaField("", max_length=NOTE_MAX, description=_("Lý do (từ chối, dừng giải quyết)"))
    missing: list[Annotated[str, SchemaField(max_length=MISSING_ITEM_MAX)]] = SchemaField(
        [], max_length=MISSING_MAX_ITEMS,
                                     description=_("Các giấy tờ cần bổ sung (đề nghị bổ sung)"))
    assignee: str | None = SchemaField(None, max_length=150,
                                       description=_("Tên đăng nhập của chuyên viên được giao"))
    method: choice(ReturnMethod) | None = SchemaField(None, description=_("Hình thức trả kết quả"))
    new_due_at: ProvinceDateTime | None = SchemaField(
        None, description=_("Ngày hẹn trả mới (xin lỗi); không ghi múi giờ thì hiểu theo giờ Việt Nam"))


class DossierFilters(Schema):
    procedure: str | None = SchemaField(None, max_length=30, description=_("Mã thủ tục"))
    field: str | None = SchemaField(None, max_length=50, description=_("Mã lĩnh vực"))
    state: choice(State) | None = SchemaField(None, description=_("Trạng thái"))
    channel: choice(Channel) | None = SchemaField(None, description=_("Hình thức nộp"))
    due_soon: bool | None = SchemaField(None, description=_("Chỉ hồ sơ sắp đến hạn"))
    overdue: bool | None = SchemaField(None, description=_("Chỉ hồ sơ quá hạn"))
    date_from: BoundedDate | None = SchemaField(None, description=_("Nộp từ ngày"))
    date_to: BoundedDate | None = SchemaField(None, description=_("Nộp đến ngày"))
    q: str | None = SchemaField(None, max_length=100, description=_("Tìm theo mã hồ sơ hoặc người nộp"))


# -- endpoints --------------------------------------------------------------------------------------------

@router.post("/", response={200: DossierDetailOut, 201: DossierDetailOut, **errors(403)},
             summary=_("Nộp hồ sơ trực tuyến"),
             description=_("Nộp một hồ sơ theo thủ tục đang áp dụng tới cơ quan tiếp nhận. Có tiêu đề "
                           "Idempotency-Key thì gửi lại cùng nội dung trả đúng hồ sơ đã tạo (200); cùng khóa "
                           "với nội dung khác: 422."))
def submit(request, payload: DossierIn):
    version = ProcedureVersion.objects.filter(procedure__code=payload.procedure, status=Status.PUBLISHED).first()
    if version is None:
        raise HttpError(422, gettext("Không tìm thấy thủ tục đang áp dụng với mã đã gửi."))
    agency = Agency.objects.filter(identifier=normalise_identifier(payload.receiving_agency)).first()
    if agency is None:
        raise HttpError(422, gettext("Không tìm thấy cơ quan tiếp nhận với mã định danh đã gửi."))
    data = payload.applicant
    commune_id = None
    if data.commune:
        commune_id = Commune.objects.filter(code=data.commune).values_list("pk", flat=True).first()
        if commune_id is None:
            raise HttpError(422, gettext("Không tìm thấy xã, phường, đặc khu với mã đã gửi."))
    applicant = services.Applicant(
        name=data.name, kind=data.kind, id_number=data.id_number, tax_code=data.tax_code, phone=data.phone,
        email=data.email, address=data.address, commune_id=commune_id,
    )
    submission = {"version": version, "receiving_agency": agency, "applicant": applicant, "actor": request.auth,
                  "eform_data": payload.eform_data, "copies": payload.copies,
                  "requested_return_method": payload.requested_return_method or ""}
    key = request.headers.get("Idempotency-Key")
    if key is None:
        dossier, created = services.submit_online(**submission), True
    else:
        actor = request.auth
        client = f"token:{actor.token_id}" if isinstance(actor, services.AgencyClient) else f"user:{actor.pk}"
        body_hash = hashlib.sha256(
            json.dumps(payload.dict(), sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        dossier, created = services.submit_idempotent(key=key, client=client, request_hash=body_hash, **submission)
    detail = selectors.dossier_detail(request.auth, pk=dossier.pk) or dossier
    return Reply(201 if created else 200, detail)


@router.get("/", response=list[DossierOut], summary=_("Danh sách hồ sơ"),
            description=_("Hồ sơ trong phạm vi của bên gọi, mới nhất trước, lọc theo các tham số; số định danh "
                          "của người nộp được che."))
@paginated(50)
def list_dossiers(request, filters: Query[DossierFilters]):
    dossiers = selectors.filter_dossiers(selectors.dossiers_visible_to(request.auth), filters.dict())
    return selectors.for_list(dossiers).order_by("-submitted_at", "-id")


@router.get("/{code}", response={200: DossierDetailOut, **errors(404)}, summary=_("Một hồ sơ"),
            description=_("Hồ sơ kèm các bước xử lý và tài liệu; hồ sơ ngoài phạm vi trả 404 như hồ sơ không "
                          "tồn tại."))
def detail(request, code: str):
    return _in_scope(request, code)


@router.get("/{code}/events", response={200: list[EventOut], **errors(404)}, summary=_("Diễn biến của hồ sơ"),
            description=_("Các sự kiện của hồ sơ theo thời gian: ai làm gì, khi nào, từ trạng thái nào sang "
                          "trạng thái nào."))
def events(request, code: str):
    return list(_in_scope(request, code).events.all())


TRANSITIONS = {
    "receive": (services.receive, ("note",)),
    "request_supplement": (services.request_supplement, ("missing", "note")),
    "provide_supplement": (services.provide_supplement, ("note",)),
    "refuse": (services.refuse, ("reasons",)),
    "assign": (services.assign, ("assignee", "note")),
    "forward": (services.forward, ("note",)),
    "send_back": (services.send_back, ("reason",)),
    "approve": (services.approve, ("note",)),
    "issue_apology": (services.issue_apology, ("reason", "new_due_at")),
    "stop_processing": (services.stop_processing, ("reasons",)),
    "return_result": (services.return_result, ("method", "note")),
    "withdraw": (services.withdraw, ("reason",)),
}


@router.post("/{code}/transitions/{action}", response={200: DossierDetailOut, **errors(400, 403, 404, 409)},
             summary=_("Thực hiện một thao tác trên hồ sơ"),
             description=_("Tiếp nhận, đề nghị bổ sung, từ chối, giao, chuyển, phê duyệt, xin lỗi hẹn lại, dừng, "
                           "trả kết quả, rút hồ sơ. expected_version là phiên bản bên gọi đã xem: hồ sơ đã thay "
                           "đổi từ đó, hoặc thao tác không thực hiện được ở trạng thái hiện tại: 409."))
def transition(request, code: str, action: str, payload: TransitionIn):
    dossier = _in_scope(request, code)
    if action not in TRANSITIONS:
        raise HttpError(404, gettext("Không có thao tác “%(action)s”.") % {"action": action})
    service, names = TRANSITIONS[action]
    arguments = {name: getattr(payload, name) for name in names}
    if "assignee" in arguments:
        arguments["assignee"] = get_user_model().objects.filter(username=payload.assignee or "").first()
    if "method" in arguments:
        arguments["method"] = payload.method or ""
    if "new_due_at" in arguments and arguments["new_due_at"] is None:
        raise HttpError(400, gettext("Phải nhập ngày hẹn trả mới (new_due_at)."))
    changed = service(dossier, actor=request.auth, expected_version=payload.expected_version, **arguments)
    return selectors.dossier_detail(request.auth, pk=changed.pk)


@router.post("/{code}/documents", response={201: DossierDocumentOut, **errors(400, 403, 404, 409, 413)},
             summary=_("Tải lên một tệp của hồ sơ"),
             description=_("Một tệp (trường multipart “file”), được kiểm tra theo nội dung, dung lượng và tên: "
                           "PDF, PNG, JPEG, TIFF, Word (.docx) hoặc Excel (.xlsx)."))
def upload_document(request, code: str, file: File[UploadedFile],
                    kind: Form[choice(DocumentKind)] = DocumentKind.APPLICANT):
    dossier = _in_scope(request, code)
    document = services.attach_document(dossier, actor=request.auth, upload=file, kind=kind)
    return Reply(201, document)


@router.get("/{code}/documents/{document_id}", response={200: None, **errors(404)},
            summary=_("Tải về một tệp của hồ sơ"),
            description=_("Nội dung tệp, với kiểu nội dung đã xác định khi tải lên."))
def download_document(request, code: str, document_id: int):
    dossier = _in_scope(request, code)
    document = DossierDocument.objects.filter(dossier=dossier, pk=document_id if document_id <= MAX_ID else 0).first()
    if document is None:
        raise HttpError(404, gettext("Không tìm thấy tài liệu."))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
