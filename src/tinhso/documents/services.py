"""Every change to the document registers: one transactional function per action of the records office.

Numbers come from :mod:`tinhso.common.counters` inside the transaction that stores the document, so they
are consecutive, never reused and leave no gap when the transaction rolls back. Registers are tracked on the
audit chain (apps.py). An incoming document's handling emits QCVN 102 status messages to its sender: inside
the deployment they are applied to the sender's register in the same transaction; to another deployment
they leave through :mod:`tinhso.documents.delivery` after commit.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.common import counters, workdays
from tinhso.common.audit import record, snapshot
from tinhso.common.inputs import InputError, check_text
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import held_roles
from tinhso.documents import signatures
from tinhso.documents.models import (
    Attachment,
    AuthorityPrefix,
    Channel,
    DocumentType,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    Priority,
    Recipient,
    RecipientStatus,
    RecordsOffice,
)

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_PKCS12_BYTES = 64 * 1024

# The roles that act in an agency's registers: the records office (văn thư) is held by the agency's
# receiving officers and administrators; leaders direct; handlers handle.
CLERK_ROLES = frozenset({Role.RECEIVER, Role.AGENCY_ADMIN})
LEADER_ROLES = frozenset({Role.APPROVER})
HANDLER_ROLES = frozenset({Role.HANDLER, Role.APPROVER})

# QCVN 102:2016 status codes.
STATUS_ARRIVED, STATUS_REJECTED, STATUS_ACCEPTED = "01", "02", "03"
STATUS_ASSIGNED, STATUS_IN_PROGRESS, STATUS_COMPLETED = "04", "05", "06"
STATUS_RECALLED, STATUS_CHANGE_ACCEPTED, STATUS_CHANGE_REFUSED = "13", "15", "16"
STATUS_CODES = {
    STATUS_ARRIVED: "Đã đến", STATUS_REJECTED: "Từ chối", STATUS_ACCEPTED: "Đã tiếp nhận",
    STATUS_ASSIGNED: "Đã phân công", STATUS_IN_PROGRESS: "Đang xử lý", STATUS_COMPLETED: "Hoàn thành",
    STATUS_RECALLED: "Đã thu hồi", STATUS_CHANGE_ACCEPTED: "Đồng ý thu hồi, cập nhật",
    STATUS_CHANGE_REFUSED: "Từ chối thu hồi, cập nhật",
}


class DocumentError(InputError):
    """A refused action: Vietnamese and English messages, the field concerned and the HTTP status."""

    def __init__(self, message: str, message_en: str, field: str = "", status: int = 400):
        super().__init__(message, message_en, field)
        self.status = status


def _denied() -> DocumentError:
    return DocumentError("Bạn không có quyền thực hiện thao tác này với sổ văn bản của cơ quan.",
                         "You may not do this in the agency's document registers.", status=403)


def _user(by):
    """The user to store as author (None for an agency's API token or the system)."""
    return by if getattr(by, "pk", None) else None


def holds(user, agency: Agency, roles: frozenset) -> bool:
    """Whether ``user`` holds one of ``roles`` in ``agency`` (superusers hold every role; an agency's API
    token acts as that agency's records office)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if getattr(user, "pk", None) is None:
        token_agency = getattr(user, "agency", None)
        return token_agency is not None and token_agency.pk == agency.pk and bool(roles & CLERK_ROLES)
    return any(agency_id == agency.pk and role in roles for agency_id, role in held_roles(user))


def _require(user, agency: Agency, roles: frozenset) -> None:
    if user is not None and not holds(user, agency, roles):
        raise _denied()


def _text(value: str, name: str, model, field_name: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    try:
        check_text(value, name, model._meta.get_field(field_name).max_length)
    except InputError as error:
        raise DocumentError(error.message, error.message_en, field_name) from None
    if required and not value:
        raise DocumentError(f"Vui lòng nhập “{name}”.", f"“{name}” is required.", field_name)
    return value


def office_of(agency: Agency) -> RecordsOffice:
    office = RecordsOffice.objects.filter(agency=agency).first()
    if office is None:
        raise DocumentError(
            f"{agency.name} chưa khai báo văn thư (chữ viết tắt tên cơ quan, địa danh): khai báo trong trang quản trị.",
            f"{agency.name} has no records office (agency abbreviation, place name) yet: add it in the admin.",
            "agency", status=409)
    return office


@dataclass
class FileInput:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


def _store_attachments(files: list[FileInput], **owner) -> list[Attachment]:
    stored = []
    for item in files:
        name = (item.name or "").strip()[:255] or "tep-dinh-kem"
        check_text(name, "tên tệp")
        if len(item.content) > MAX_ATTACHMENT_BYTES:
            raise DocumentError(f"Tệp “{name}” lớn quá {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
                                f"File “{name}” is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
                                "attachments", status=413)
        digest = Attachment.digest(item.content)
        attachment = Attachment(name=name, content_type=(item.content_type or "application/octet-stream")[:100],
                                size=len(item.content), sha256=digest, **owner)
        if item.content.startswith(b"%PDF"):
            attachment.content_type = "application/pdf"  # judged by content, whatever the sender declared
            _record_verdict(attachment, signatures.verify_pdf(item.content, signatures.trusted_roots()))
        attachment.file.save(name, ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _record_verdict(attachment: Attachment, verdict) -> None:
    attachment.signature = verdict.verdict
    attachment.signer = verdict.signer[:300]
    attachment.signed_at = verdict.signed_at
    attachment.signature_note = verdict.reason[:300]


@contextlib.contextmanager
def agency_signer(agency: Agency, *, secret: str = "", pkcs12: bytes | None = None):
    """The signer the records office signs with, for the ``with`` block: an uploaded PKCS#12 file and its
    passphrase, or the agency's own key (``RecordsOffice.signing_key``: a PKCS#12 file or a PKCS#11 token)
    opened with the PIN typed now. The secret is used once and never stored; a token's session is closed when
    the block ends."""
    try:
        if pkcs12 is not None:
            if len(pkcs12) > MAX_PKCS12_BYTES:
                raise signatures.SigningError("Tệp khóa ký số lớn bất thường (quá 64 KB).",
                                              "The signing key file is unusually large (over 64 KB).")
            signer = signatures.signer_from_pkcs12(pkcs12, secret.encode() if secret else None)
        else:
            source = office_of(agency).signing_key
            if not source:
                raise signatures.SigningError(
                    "Cơ quan chưa cấu hình khóa ký số; hãy chọn tệp khóa (.p12) để ký.",
                    "The agency has no signing key configured; choose a key file (.p12) to sign with.")
            signer = signatures.load_signer(source, secret or None)
    except signatures.SigningError as error:
        raise DocumentError(error.message, error.message_en, "khoa-ky-so") from None
    try:
        try:
            signatures.check_signing_certificate(signer)
        except signatures.SigningError as error:
            raise DocumentError(error.message, error.message_en, "khoa-ky-so") from None
        yield signer
    finally:
        signatures.release(signer)


def _sign_files(document: OutgoingDocument, signer) -> list[Attachment]:
    """Sign the document's PDF files (judged by content) with ``signer`` (PAdES, visible block with the number
    and notation when it has them, timestamp when configured); each signed file replaces the unsigned one and
    carries its verdict."""
    signed = []
    location = office_of(document.agency).place
    for attachment in document.attachments.all():
        with attachment.file.open("rb") as handle:
            data = handle.read()
        if not data.startswith(b"%PDF"):
            continue
        try:
            output = signatures.sign_pdf(data, signer, signer_name=document.signer_name, location=location,
                                         notation=document.notation, agency=document.agency.name)
        except signatures.SigningError as error:
            raise DocumentError(error.message, error.message_en, "attachments") from None
        attachment.sha256, attachment.size = Attachment.digest(output), len(output)
        attachment.content_type = "application/pdf"
        attachment.file.save(attachment.name, ContentFile(output), save=False)
        _record_verdict(attachment, signatures.verify_pdf(output, signatures.trusted_roots()))
        attachment.save()
        signed.append(attachment)
    if not signed:
        raise DocumentError("Văn bản không có tệp PDF để ký số.", "The document has no PDF file to sign.",
                            "attachments", status=409)
    record("action", document, summary=f"Ký số {len(signed)} tệp", after={"event": "sign", "files": len(signed)})
    return signed


@transaction.atomic
def sign_attachments(document: OutgoingDocument, signer, *, by=None) -> list[Attachment]:
    """Sign the draft's PDF files with the agency's key (PAdES, visible block, timestamp when configured)."""
    document = OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)
    _require(by, document.agency, CLERK_ROLES)
    if document.state != OutgoingState.DRAFT:
        raise DocumentError("Chỉ ký số văn bản trước khi ban hành.", "Sign a document before it is issued.",
                            "state", status=409)
    return _sign_files(document, signer)


# -- outgoing documents ---------------------------------------------------------------------------------------

@dataclass
class OutgoingInput:
    document_type: DocumentType
    subject: str
    signer_position: str = ""
    signer_name: str = ""
    authority_prefix: str = ""
    priority: int = Priority.NORMAL
    due_date: datetime.date | None = None
    content: str = ""
    description: str = ""
    drafting_unit: str = ""
    page_amount: int = 1
    issued_amount: int = 1
    recipients: list[Agency] = field(default_factory=list)
    other_recipients: list[str] = field(default_factory=list)
    attachments: list[FileInput] = field(default_factory=list)


@transaction.atomic
def draft_outgoing(agency: Agency, data: OutgoingInput, *, by=None) -> OutgoingDocument:
    """A draft outgoing document with its recipients and files; it takes its number when issued."""
    _require(by, agency, CLERK_ROLES)
    if not data.document_type.active:
        raise DocumentError("Loại văn bản này không còn dùng.", "This document type is no longer used.",
                            "document_type")
    if data.authority_prefix not in AuthorityPrefix.values:
        raise DocumentError("Quyền hạn ký không hợp lệ (TM., KT., Q., TL., TUQ.).",
                            "Invalid signing authority (TM., KT., Q., TL., TUQ.).", "authority_prefix")
    if data.priority not in Priority.values:
        raise DocumentError("Độ khẩn không hợp lệ.", "Invalid priority.", "priority")
    for name, value in (("page_amount", data.page_amount), ("issued_amount", data.issued_amount)):
        if not 1 <= int(value) <= 999:
            raise DocumentError("Số trang, số bản phải từ 1 đến 999.", "Pages and copies must be 1 to 999.", name)
    others = [check_text(line.strip(), "nơi nhận khác") for line in data.other_recipients if line.strip()]
    document = OutgoingDocument(
        agency=agency, document_type=data.document_type,
        subject=_text(data.subject, "trích yếu", OutgoingDocument, "subject", required=True),
        signer_position=_text(data.signer_position, "chức vụ người ký", OutgoingDocument, "signer_position"),
        signer_name=_text(data.signer_name, "họ tên người ký", OutgoingDocument, "signer_name"),
        authority_prefix=data.authority_prefix, priority=data.priority, due_date=data.due_date,
        content=check_text(data.content or "", "nội dung"),
        description=_text(data.description, "ghi chú", OutgoingDocument, "description"),
        drafting_unit=_text(data.drafting_unit, "đơn vị soạn thảo", OutgoingDocument, "drafting_unit").upper(),
        page_amount=data.page_amount, issued_amount=data.issued_amount,
        to_places=check_text("\n".join(others), "nơi nhận khác", 1000), created_by=_user(by),
    )
    document.save()
    seen: set[int] = set()
    for recipient in data.recipients:
        if recipient.pk in seen or recipient.pk == agency.pk:
            continue
        seen.add(recipient.pk)
        Recipient.objects.create(document=document, agency=recipient, organ_id=recipient.identifier,
                                 name=recipient.name[:200])
    for line in others:
        Recipient.objects.create(document=document, name=line[:200])
    _store_attachments(data.attachments, outgoing=document)
    return document


def notation_for(office: RecordsOffice, document_type: DocumentType, year: int, drafting_unit: str = "") -> str:
    """The notation after the number (NĐ 30 Phụ lục I): ``TB-UBND``, ``UBND-VX`` for a letter (công văn),
    ``2026/QĐ-UBND`` for a legal normative document (its year before the type)."""
    parts = [document_type.abbreviation, office.abbreviation] if document_type.abbreviation else [office.abbreviation]
    notation = "-".join(parts)
    if drafting_unit:
        notation += f"-{drafting_unit}"
    if document_type.normative:
        notation = f"{year}/{notation}"
    return notation


def series_of(agency: Agency, document_type: DocumentType) -> str:
    return f"document-out:{agency.pk}:{document_type.series}"


@transaction.atomic
def issue(document: OutgoingDocument, *, by=None, on: datetime.date | None = None, signer=None
          ) -> OutgoingDocument:
    """Give the draft its number of the year (NĐ 30 Art. 15: from 01 on 1 January, below 10 with a leading
    zero), sign its PDF files with the agency's key when ``signer`` is given (after the number, so the signature
    block carries it; a signing failure gives the number back, as a rollback does), and send it to its
    recipients."""
    document = OutgoingDocument.objects.select_for_update().select_related("agency", "document_type").get(
        pk=document.pk)
    _require(by, document.agency, CLERK_ROLES)
    if document.state != OutgoingState.DRAFT:
        raise DocumentError("Văn bản đã được cấp số.", "The document already has its number.", "state", status=409)
    office = office_of(document.agency)
    on = on or timezone.localdate()
    number = counters.allocate(series_of(document.agency, document.document_type), str(on.year))
    document.number, document.year, document.issued_on = number, on.year, on
    document.code_number = f"{number:02d}"
    document.code_notation = notation_for(office, document.document_type, on.year, document.drafting_unit)
    if len(document.code_notation) > 30:
        raise DocumentError("Ký hiệu văn bản dài quá 30 ký tự (NĐ 30 Phụ lục VI).",
                            "The notation is longer than 30 characters (NĐ 30 Annex VI).", "drafting_unit")
    document.place = office.place
    document.state = OutgoingState.ISSUED
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        raise DocumentError("Số và ký hiệu này đã có trong năm.", "This number and notation already exist this year.",
                            "code_number", status=409) from None
    if signer is not None:
        _sign_files(document, signer)
    from tinhso.documents import delivery

    delivery.send_document(document)
    return document


@transaction.atomic
def issue_outgoing(agency: Agency, data: OutgoingInput, *, by=None, on: datetime.date | None = None, signer=None
                   ) -> OutgoingDocument:
    """Draft and issue in one step."""
    return issue(draft_outgoing(agency, data, by=by), by=by, on=on, signer=signer)


@transaction.atomic
def discard_draft(document: OutgoingDocument, *, by=None) -> None:
    """Delete a draft that will not be issued (it never had a number), with its files; on the audit chain."""
    document = OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)
    _require(by, document.agency, CLERK_ROLES)
    if document.state != OutgoingState.DRAFT:
        raise DocumentError("Chỉ xóa được dự thảo chưa ban hành.", "Only a draft not yet issued can be deleted.",
                            "state", status=409)
    record("delete", document, before=snapshot(document), summary=f"Xóa dự thảo: {document.subject[:200]}")
    files = [attachment.file.name for attachment in document.attachments.all()]
    storage = Attachment._meta.get_field("file").storage
    document.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in files])


@transaction.atomic
def revoke(document: OutgoingDocument, *, by=None, reason: str = "") -> OutgoingDocument:
    """Revoke an issued document: its recipients receive a revoke package (edXML business type 1)."""
    document = OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)
    _require(by, document.agency, CLERK_ROLES)
    if document.state != OutgoingState.ISSUED:
        raise DocumentError("Chỉ thu hồi được văn bản đã ban hành.", "Only an issued document can be revoked.",
                            "state", status=409)
    document.state = OutgoingState.REVOKED
    document.description = check_text(reason.strip(), "lý do", 500) or document.description
    document.save()
    from tinhso.documents import delivery

    delivery.send_document(document, business_type=1)
    return document


@transaction.atomic
def update_issued(document: OutgoingDocument, *, by=None, subject: str | None = None,
                  due_date: datetime.date | None = None, description: str | None = None) -> OutgoingDocument:
    """Correct an issued document's metadata: its recipients receive an update package (business type 2)."""
    document = OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)
    _require(by, document.agency, CLERK_ROLES)
    if document.state != OutgoingState.ISSUED:
        raise DocumentError("Chỉ cập nhật được văn bản đã ban hành.", "Only an issued document can be updated.",
                            "state", status=409)
    if subject is not None:
        document.subject = _text(subject, "trích yếu", OutgoingDocument, "subject", required=True)
    if due_date is not None:
        document.due_date = due_date
    if description is not None:
        document.description = _text(description, "ghi chú", OutgoingDocument, "description")
    document.save()
    from tinhso.documents import delivery

    delivery.send_document(document, business_type=2)
    return document


# -- incoming documents ---------------------------------------------------------------------------------------

@dataclass
class IncomingInput:
    sender_name: str
    type_name: str
    code_number: str
    code_notation: str
    issued_on: datetime.date
    subject: str
    sender: Agency | None = None
    sender_organ_id: str = ""
    signer_position: str = ""
    signer_name: str = ""
    priority: int = Priority.NORMAL
    page_amount: int = 1
    description: str = ""
    content: str = ""
    to_places: str = ""
    reply_due: datetime.date | None = None
    document_id: str = ""
    attachments: list[FileInput] = field(default_factory=list)


def _arrival_series(agency: Agency) -> str:
    return f"document-in:{agency.pk}"


def _event(document: IncomingDocument, action: str, *, code: str = "", note: str = "", by=None,
           before: dict | None = None) -> IncomingEvent:
    return IncomingEvent.objects.create(document=document, at=timezone.now(), actor=_user(by), status_code=code,
                                        action=action, note=note[:2000], before=before)


@transaction.atomic
def register_incoming(agency: Agency, data: IncomingInput, *, by=None, channel: str = Channel.PAPER,
                      arrived_at: datetime.datetime | None = None, source: OutgoingDocument | None = None
                      ) -> IncomingDocument:
    """Enter a received document in the incoming register with the next arrival number of the year."""
    _require(by, agency, CLERK_ROLES)
    arrived_at = arrived_at or timezone.now()
    arrival_day = timezone.localdate(arrived_at) if timezone.is_aware(arrived_at) else arrived_at.date()
    if data.issued_on > arrival_day:
        raise DocumentError("Ngày văn bản không được sau ngày đến.", "The document date cannot be after its arrival.",
                            "issued_on")
    if data.priority not in Priority.values:
        raise DocumentError("Độ khẩn không hợp lệ.", "Invalid priority.", "priority")
    document = IncomingDocument(
        agency=agency, arrived_at=arrived_at, channel=channel, sender=data.sender,
        sender_organ_id=(data.sender_organ_id or (data.sender.identifier if data.sender else ""))[:35],
        sender_name=_text(data.sender_name, "cơ quan ban hành", IncomingDocument, "sender_name", required=True),
        type_name=_text(data.type_name, "tên loại văn bản", IncomingDocument, "type_name", required=True),
        code_number=_text(data.code_number, "số", IncomingDocument, "code_number", required=True),
        code_notation=_text(data.code_notation, "ký hiệu", IncomingDocument, "code_notation", required=True),
        issued_on=data.issued_on,
        subject=_text(data.subject, "trích yếu", IncomingDocument, "subject", required=True),
        signer_position=_text(data.signer_position, "chức vụ người ký", IncomingDocument, "signer_position"),
        signer_name=_text(data.signer_name, "họ tên người ký", IncomingDocument, "signer_name"),
        priority=data.priority, page_amount=max(1, min(int(data.page_amount or 1), 999)),
        description=_text(data.description, "ghi chú", IncomingDocument, "description"),
        content=check_text(data.content or "", "nội dung"),
        to_places=_text(data.to_places, "đơn vị hoặc người nhận", IncomingDocument, "to_places"),
        reply_due=data.reply_due, document_id=check_text(data.document_id or "", "mã văn bản", 100),
        source=source, registered_by=_user(by),
    )
    local_arrival = timezone.localtime(arrived_at) if timezone.is_aware(arrived_at) else arrived_at
    document.year = local_arrival.year
    document.arrival_number = counters.allocate(_arrival_series(agency), str(document.year))
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        raise DocumentError("Văn bản này đã được vào sổ.", "This document is already registered.", "document_id",
                            status=409) from None
    _store_attachments(data.attachments, incoming=document)
    _event(document, "register", code=STATUS_ARRIVED, by=by)
    _emit(document, STATUS_ARRIVED, by=by)
    return document


def _locked(document: IncomingDocument) -> IncomingDocument:
    return IncomingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)


def _move(document: IncomingDocument, allowed: set[str], to: str) -> None:
    if document.state not in allowed:
        raise DocumentError(
            f"Văn bản đang ở trạng thái “{IncomingState(document.state).label}”, không thể chuyển sang "
            f"“{IncomingState(to).label}”.",
            f"The document is “{document.state}”; it cannot become “{to}”.", "state", status=409)
    document.state = to


@transaction.atomic
def accept(document: IncomingDocument, *, by=None) -> IncomingDocument:
    document = _locked(document)
    _require(by, document.agency, CLERK_ROLES | LEADER_ROLES)
    _move(document, {IncomingState.ARRIVED}, IncomingState.ACCEPTED)
    document.save()
    _event(document, "accept", code=STATUS_ACCEPTED, by=by)
    _emit(document, STATUS_ACCEPTED, by=by)
    return document


@transaction.atomic
def reject(document: IncomingDocument, reason: str, *, by=None) -> IncomingDocument:
    document = _locked(document)
    _require(by, document.agency, CLERK_ROLES | LEADER_ROLES)
    reason = check_text((reason or "").strip(), "lý do", 500)
    if not reason:
        raise DocumentError("Vui lòng nhập lý do từ chối.", "Give the reason for rejecting.", "reason")
    _move(document, {IncomingState.ARRIVED}, IncomingState.REJECTED)
    document.save()
    _event(document, "reject", code=STATUS_REJECTED, note=reason, by=by)
    _emit(document, STATUS_REJECTED, description=reason, by=by)
    return document


def _member(user_id, agency: Agency, roles: frozenset, field_name: str):
    from django.contrib.auth import get_user_model

    from tinhso.directory.models import Membership

    if user_id is None:
        return None
    found = Membership.objects.active_on(timezone.localdate()).filter(
        user_id=user_id, agency=agency, role__in=list(roles)).exists()
    if not found:
        raise DocumentError("Người được chọn không thuộc cơ quan hoặc không có vai trò phù hợp.",
                            "The person chosen is not in the agency or lacks the role.", field_name)
    return get_user_model().objects.get(pk=user_id)


@transaction.atomic
def assign(document: IncomingDocument, *, handler_id: int, days: int, leader_id: int | None = None,
           direction: str = "", by=None) -> IncomingDocument:
    """Distribute the document: a leader's direction (optional) and a handler with a due moment ``days``
    working days after now on the working-day calendar."""
    document = _locked(document)
    _require(by, document.agency, CLERK_ROLES | LEADER_ROLES)
    if not 1 <= int(days) <= 365:
        raise DocumentError("Thời hạn giải quyết phải từ 1 đến 365 ngày làm việc.",
                            "The time limit must be 1 to 365 working days.", "days")
    _move(document, {IncomingState.ARRIVED, IncomingState.ACCEPTED, IncomingState.ASSIGNED}, IncomingState.ASSIGNED)
    document.handler = _member(handler_id, document.agency, HANDLER_ROLES, "handler")
    document.leader = _member(leader_id, document.agency, LEADER_ROLES, "leader")
    document.direction = check_text((direction or "").strip(), "ý kiến chỉ đạo", 2000)
    document.handling_due = workdays.add_working_days(timezone.now(), int(days))
    document.save()
    _event(document, "assign", code=STATUS_ASSIGNED, note=document.direction, by=by)
    _emit(document, STATUS_ASSIGNED, by=by)
    return document


@transaction.atomic
def start(document: IncomingDocument, *, by=None) -> IncomingDocument:
    document = _locked(document)
    if by is not None and not (document.handler_id == getattr(by, "pk", None)
                               or holds(by, document.agency, CLERK_ROLES | LEADER_ROLES)):
        raise _denied()
    _move(document, {IncomingState.ASSIGNED}, IncomingState.IN_PROGRESS)
    document.save()
    _event(document, "start", code=STATUS_IN_PROGRESS, by=by)
    _emit(document, STATUS_IN_PROGRESS, by=by)
    return document


@transaction.atomic
def complete(document: IncomingDocument, *, result: str = "", by=None) -> IncomingDocument:
    document = _locked(document)
    if by is not None and not (document.handler_id == getattr(by, "pk", None)
                               or holds(by, document.agency, CLERK_ROLES | LEADER_ROLES)):
        raise _denied()
    _move(document, {IncomingState.ASSIGNED, IncomingState.IN_PROGRESS}, IncomingState.COMPLETED)
    document.result = check_text((result or "").strip(), "kết quả xử lý", 4000)
    document.completed_at = timezone.now()
    document.save()
    _event(document, "complete", code=STATUS_COMPLETED, note=document.result, by=by)
    _emit(document, STATUS_COMPLETED, by=by)
    return document


# -- what the sender's changes do to the recipient's copy (edXML business types) -----------------------------

_UPDATABLE = ("subject", "reply_due", "description", "content", "signer_name", "signer_position", "priority",
              "page_amount")


@transaction.atomic
def apply_revoke(document: IncomingDocument, *, note: str = "") -> IncomingDocument:
    """Business type 1: the sender revoked the document; the copy is marked recalled, its history kept."""
    document = _locked(document)
    if document.state == IncomingState.RECALLED:
        return document
    before = snapshot(document, ("search_text",))
    document.state = IncomingState.RECALLED
    document.save()
    _event(document, "revoke", code=STATUS_RECALLED, note=note, before=before)
    _emit(document, STATUS_CHANGE_ACCEPTED, description="Đã thu hồi văn bản theo yêu cầu của nơi gửi.")
    return document


@transaction.atomic
def apply_update(document: IncomingDocument, changes: dict, *, note: str = "") -> IncomingDocument:
    """Business type 2: the sender corrected the document; the fields change, the old values stay in the
    event."""
    document = _locked(document)
    before = snapshot(document, ("search_text",))
    for name, value in changes.items():
        if name in _UPDATABLE and value is not None:
            setattr(document, name, value)
    document.save()
    _event(document, "update", note=note, before=before)
    _emit(document, STATUS_CHANGE_ACCEPTED, description="Đã cập nhật văn bản theo yêu cầu của nơi gửi.")
    return document


# -- status messages --------------------------------------------------------------------------------------

def _emit(document: IncomingDocument, code: str, *, description: str = "", by=None) -> None:
    """Tell the sender where its copy stands (nothing for a paper document)."""
    if document.channel == Channel.PAPER or not document.document_id:
        return
    from tinhso.documents import delivery

    staff = (by.get_full_name() or by.get_username()) if getattr(by, "pk", None) else ""
    delivery.send_status(document, code, description or STATUS_CODES.get(code, ""), staff)


@dataclass
class StatusInput:
    from_organ_id: str
    response_for: str
    status_code: str
    description: str = ""
    staff: str = ""
    at: datetime.datetime | None = None


@transaction.atomic
def apply_status(status: StatusInput) -> RecipientStatus:
    """The sender's register applies a recipient's status message to that recipient's copy."""
    if status.status_code not in STATUS_CODES:
        raise DocumentError(f"Mã trạng thái {status.status_code!r} không có trong QCVN 102:2016.",
                            f"Status code {status.status_code!r} is not a QCVN 102:2016 code.", "StatusCode")
    organ_id, issued_on, notation = split_document_id(status.response_for)
    number, _, code_notation = notation.partition("/")
    recipient = (Recipient.objects.select_for_update()
                 .filter(document__agency__identifier=organ_id, document__issued_on=issued_on,
                         document__code_number=number, document__code_notation=code_notation,
                         organ_id=status.from_organ_id).first())
    if recipient is None:
        raise DocumentError(
            f"Không có văn bản {status.response_for} gửi {status.from_organ_id} để cập nhật trạng thái.",
            f"No document {status.response_for} was sent to {status.from_organ_id}.", "ResponseFor", status=404)
    at = status.at or timezone.now()
    row = RecipientStatus.objects.create(recipient=recipient, status_code=status.status_code,
                                         description=status.description[:500], staff=status.staff[:200], at=at)
    if recipient.status_at is None or at >= recipient.status_at:
        recipient.status_code, recipient.status_at = status.status_code, at
        recipient.status_description = status.description[:500]
        recipient.save(update_fields=["status_code", "status_at", "status_description"])
    record("action", recipient, summary=f"{status.response_for} @ {status.from_organ_id}: {status.status_code}",
           after={"event": "status", "status_code": status.status_code, "description": status.description[:500]})
    return row


def split_document_id(document_id: str) -> tuple[str, datetime.date, str]:
    """``000.00.00.G22,2018/09/20,7816/VPCP-TTĐT`` → (organ id, date, number/notation)."""
    parts = (document_id or "").split(",", 2)
    try:
        if len(parts) != 3 or "/" not in parts[2]:
            raise ValueError
        issued_on = datetime.datetime.strptime(parts[1], "%Y/%m/%d").date()
    except ValueError:
        raise DocumentError(f"Mã văn bản {document_id!r} không đúng dạng <mã cơ quan>,<YYYY/MM/DD>,<số>/<ký hiệu>.",
                            f"DocumentId {document_id!r} is not <OrganId>,<YYYY/MM/DD>,<number>/<notation>.",
                            "DocumentId") from None
    return parts[0].strip(), issued_on, parts[2].strip()
