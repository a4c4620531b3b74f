"""The dossier API (/api/dossiers): submission, transitions, lists, detail, events and documents.

Callers authenticate with an agency's API token (``Authorization: Bearer ts_…``; revoked tokens are
refused) or a signed-in session. Every query goes through :func:`selectors.dossiers_visible_to`: a token
sees what a member of its agency sees; a dossier outside the caller's scope is answered with the same 404
as one that does not exist. Errors are 4xx with a Vietnamese ``detail``.
"""


import datetime
import hashlib
import json

from django.http import FileResponse
from django.utils import timezone
from ninja import Field as SchemaField
from ninja import File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status as Reply
from ninja.security import HttpBearer, SessionAuth

from tinhso.catalogue.models import ProcedureVersion, Status
from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import Agency
from tinhso.dossiers import selectors, services
from tinhso.dossiers.deadlines import dossier_status
from tinhso.dossiers.errors import DossierError
from tinhso.dossiers.models import ApiToken, Dossier, DossierDocument, mask_id_number
from tinhso.exchange.registry import GatewayAuth
from tinhso.geo.models import Commune


class TokenAuth(HttpBearer):
    """An agency API token: ``Authorization: Bearer ts_…``, looked up by its SHA-256."""

    def authenticate(self, request, token: str):
        if not token or not token.startswith("ts_"):
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


def _fail(error: DossierError):
    raise HttpError(error.status, error.message) from error


def _in_scope(request, code: str) -> Dossier:
    dossier = selectors.dossier_detail(request.auth, code)
    if dossier is None:
        raise HttpError(404, "Không tìm thấy hồ sơ.")
    return dossier


# -- schemas ----------------------------------------------------------------------------------------------

class ApplicantIn(Schema):
    name: str
    kind: str = "person"
    id_number: str = ""
    tax_code: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    commune: str | None = SchemaField(None, description="Mã xã, phường, đặc khu (5 chữ số, danh mục 2025)")


class DossierIn(Schema):
    procedure: str = SchemaField(..., description="Mã thủ tục, ví dụ 1.001193")
    receiving_agency: str = SchemaField(..., description="Mã định danh cơ quan tiếp nhận")
    applicant: ApplicantIn
    eform_data: dict = {}


class AgencyRef(Schema):
    identifier: str
    name: str


class StepOut(Schema):
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


class DocumentOut(Schema):
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
    steps: list[StepOut]
    documents: list[DocumentOut]

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
    expected_version: int
    note: str = ""
    reason: str = ""
    reasons: str = ""
    missing: list[str] = []
    assignee: str | None = SchemaField(None, description="Tên đăng nhập của chuyên viên được giao")
    method: str = ""
    new_due_at: datetime.datetime | None = None


class DossierFilters(Schema):
    procedure: str | None = None
    field: str | None = None
    state: str | None = None
    channel: str | None = None
    due_soon: bool | None = None
    overdue: bool | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str | None = None


# -- endpoints --------------------------------------------------------------------------------------------

@router.post("/", response={200: DossierDetailOut, 201: DossierDetailOut})
def submit(request, payload: DossierIn):
    """Submit a dossier online. With an ``Idempotency-Key`` header a retry returns the same dossier (200);
    the same key with a different body gets 422."""
    version = ProcedureVersion.objects.filter(procedure__code=payload.procedure, status=Status.PUBLISHED).first()
    if version is None:
        raise HttpError(422, "Không tìm thấy thủ tục đang áp dụng với mã đã gửi.")
    agency = Agency.objects.filter(identifier=normalise_identifier(payload.receiving_agency)).first()
    if agency is None:
        raise HttpError(422, "Không tìm thấy cơ quan tiếp nhận với mã định danh đã gửi.")
    data = payload.applicant
    commune_id = None
    if data.commune:
        commune_id = Commune.objects.filter(code=data.commune).values_list("pk", flat=True).first()
        if commune_id is None:
            raise HttpError(422, "Không tìm thấy xã, phường, đặc khu với mã đã gửi.")
    applicant = services.Applicant(
        name=data.name, kind=data.kind, id_number=data.id_number, tax_code=data.tax_code, phone=data.phone,
        email=data.email, address=data.address, commune_id=commune_id,
    )
    submission = {"version": version, "receiving_agency": agency, "applicant": applicant, "actor": request.auth,
                  "eform_data": payload.eform_data}
    key = request.headers.get("Idempotency-Key")
    try:
        if key is None:
            dossier, created = services.submit_online(**submission), True
        else:
            actor = request.auth
            client = f"token:{actor.token_id}" if isinstance(actor, services.AgencyClient) else f"user:{actor.pk}"
            body_hash = hashlib.sha256(
                json.dumps(payload.dict(), sort_keys=True, ensure_ascii=False, default=str).encode()
            ).hexdigest()
            dossier, created = services.submit_idempotent(key=key, client=client, request_hash=body_hash,
                                                          **submission)
    except DossierError as error:
        _fail(error)
    detail = selectors.dossier_detail(request.auth, pk=dossier.pk) or dossier
    return Reply(201 if created else 200, detail)


@router.get("/", response=list[DossierOut])
@paginate(PageNumberPagination, page_size=50)
def list_dossiers(request, filters: Query[DossierFilters]):
    """The caller's dossiers, newest first, filtered; the applicant's ID number is masked."""
    dossiers = selectors.filter_dossiers(selectors.dossiers_visible_to(request.auth), filters.dict())
    return selectors.for_list(dossiers).order_by("-submitted_at", "-id")


@router.get("/{code}", response=DossierDetailOut)
def detail(request, code: str):
    return _in_scope(request, code)


@router.get("/{code}/events", response=list[EventOut])
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


@router.post("/{code}/transitions/{action}", response=DossierDetailOut)
def transition(request, code: str, action: str, payload: TransitionIn):
    """Take one action on the dossier; ``expected_version`` is the version the caller last saw (409 if
    someone changed the dossier since, 409 with the reason if the action is not allowed now)."""
    dossier = _in_scope(request, code)
    if action not in TRANSITIONS:
        raise HttpError(404, f"Không có thao tác “{action}”.")
    service, names = TRANSITIONS[action]
    arguments = {name: getattr(payload, name) for name in names}
    if "assignee" in arguments:
        from django.contrib.auth import get_user_model

        arguments["assignee"] = get_user_model().objects.filter(username=payload.assignee or "").first()
    if "new_due_at" in arguments and arguments["new_due_at"] is None:
        raise HttpError(400, "Phải nhập ngày hẹn trả mới (new_due_at).")
    try:
        changed = service(dossier, actor=request.auth, expected_version=payload.expected_version, **arguments)
    except DossierError as error:
        _fail(error)
    return selectors.dossier_detail(request.auth, pk=changed.pk)


@router.post("/{code}/documents", response={201: DocumentOut})
def upload_document(request, code: str, file: File[UploadedFile], kind: Form[str] = "applicant"):
    """Upload one file (multipart field ``file``); checked by content, size and name."""
    dossier = _in_scope(request, code)
    try:
        document = services.attach_document(dossier, actor=request.auth, upload=file, kind=kind)
    except DossierError as error:
        _fail(error)
    return Reply(201, document)


@router.get("/{code}/documents/{document_id}")
def download_document(request, code: str, document_id: int):
    dossier = _in_scope(request, code)
    document = DossierDocument.objects.filter(dossier=dossier, pk=document_id).first()
    if document is None:
        raise HttpError(404, "Không tìm thấy tài liệu.")
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
