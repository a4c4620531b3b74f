"""The electronic archive: closed documents, and the results of returned dossiers, move in with their
metadata, a retention period from the schedule and a SHA-256 of their content; a background task re-verifies
it (fixity) and a mismatch is put on the audit chain and logged as an alert; a set of records is exported as a
BagIt package (RFC 8493) for transfer to the provincial archive.

A dossier's result files move in after the dossier is returned, from the task queue
(:func:`archive_dossier_result`, queued by the ``dossiers.signals.result_returned`` signal in the transaction
that returns the dossier, so it runs once that commits): the one-stop flow never waits for the archive, nor
fails because of it.

The content digest covers the metadata as canonical JSON and every file's bytes, in order, so changing a
file in storage or a field in the database both show. The BagIt package is written by this module (the
format is a handful of text files in a ZIP; the ``bagit`` package is not installed in this environment):
``bagit.txt``, ``bag-info.txt``, ``data/<n>/metadata.json`` and the files, ``manifest-sha256.txt`` and
``tagmanifest-sha256.txt``.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import zipfile

from django.db import transaction
from django.utils import timezone

from tinhso.catalogue.models import StepRole
from tinhso.common.audit import record
from tinhso.documents.models import (
    ArchiveRecord,
    DisposalList,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    RecordsOffice,
    RetentionPeriod,
)
from tinhso.documents.services import CLERK_ROLES, LEADER_ROLES, DocumentError, _require, _user
from tinhso.dossiers.models import DocumentKind, Dossier, State, StepState

logger = logging.getLogger(__name__)

CLOSED_INCOMING = frozenset({IncomingState.COMPLETED, IncomingState.REJECTED, IncomingState.RECALLED})
CLOSED_OUTGOING = frozenset({OutgoingState.ISSUED, OutgoingState.REVOKED, OutgoingState.REPLACED})


def metadata(document) -> dict:
    """The document's metadata as NĐ 30 Phụ lục VI names them (what the archive keeps with the files); for a
    dossier, its code, procedure, applicant and dates."""
    if isinstance(document, Dossier):
        return _dossier_metadata(document)
    if isinstance(document, OutgoingDocument):
        return {"OrganId": document.agency.identifier, "TypeName": document.document_type.name,
                "CodeNumber": document.code_number, "CodeNotation": document.code_notation,
                "IssuedDate": document.issued_on.isoformat() if document.issued_on else None,
                "OrganName": document.agency.name, "Subject": document.subject, "Language": document.language,
                "PageAmount": document.page_amount, "Description": document.description,
                "SignerInfo": {"Position": document.signer_position, "FullName": document.signer_name},
                "Priority": document.priority, "IssuedAmount": document.issued_amount,
                "DueDate": document.due_date.isoformat() if document.due_date else None,
                "To": [{"OrganId": r.organ_id, "OrganName": r.name} for r in document.recipients.all()]}
    return {"OrganId": document.agency.identifier, "TypeName": document.type_name,
            "CodeNumber": document.code_number, "CodeNotation": document.code_notation,
            "IssuedDate": document.issued_on.isoformat(), "OrganName": document.sender_name,
            "Subject": document.subject, "Language": document.language, "PageAmount": document.page_amount,
            "Description": document.description, "ArrivalDate": timezone.localtime(document.arrived_at).date()
            .isoformat(), "ArrivalNumber": document.arrival_number,
            "SignerInfo": {"Position": document.signer_position, "FullName": document.signer_name},
            "Priority": document.priority, "ToPlaces": document.to_places,
            "DueDate": timezone.localtime(document.handling_due).date().isoformat() if document.handling_due else None}


def _dossier_metadata(dossier: Dossier) -> dict:
    version = dossier.procedure_version

    def day(moment):
        return timezone.localtime(moment).date().isoformat() if moment else None

    return {"DossierCode": dossier.code, "ProcedureCode": version.procedure.code, "ProcedureName": version.name,
            "Result": version.result, "ReceivingOrganId": dossier.receiving_agency.identifier,
            "ReceivingOrganName": dossier.receiving_agency.name, "ApplicantName": dossier.applicant_name,
            "Channel": dossier.channel, "SubmittedDate": day(dossier.submitted_at),
            "ReceivedDate": day(dossier.received_at), "DueDate": day(dossier.due_at),
            "ResultDate": day(dossier.result_ready_at), "ReturnedDate": day(dossier.finished_at),
            "ReturnMethod": dossier.return_method}


def result_files(dossier: Dossier):
    """A returned dossier's result files as they were when it was returned (what its archive record holds; a
    file attached later is not part of it)."""
    files = dossier.documents.filter(kind=DocumentKind.RESULT)
    if dossier.finished_at is not None:
        files = files.filter(uploaded_at__lte=dossier.finished_at)
    return files.order_by("uploaded_at", "pk")


def _attachments(document) -> list[tuple[str, object]]:
    """The files archived with a document (its attachments) or a dossier (its result files): name and file."""
    if isinstance(document, Dossier):
        return [(item.original_name, item.file) for item in result_files(document)]
    return [(attachment.name, attachment.file) for attachment in document.attachments.all()]


def _files(document) -> list[tuple[str, bytes]]:
    found = []
    for name, stored in _attachments(document):
        with stored.open("rb") as handle:
            found.append((name, handle.read()))
    return found


def content_digest(document) -> str:
    digest = hashlib.sha256(json.dumps(metadata(document), ensure_ascii=False, sort_keys=True).encode())
    for name, data in _files(document):
        digest.update(b"\x00" + name.encode() + b"\x00" + hashlib.sha256(data).digest())
    return digest.hexdigest()


@transaction.atomic
def archive(document, retention: RetentionPeriod, *, by=None) -> ArchiveRecord:
    """Move a closed document into the archive (an incoming one completed or rejected, an outgoing one
    issued, revoked or replaced)."""
    _require(by, document.agency, CLERK_ROLES)
    closed = (document.state in CLOSED_INCOMING if isinstance(document, IncomingDocument)
              else document.state in CLOSED_OUTGOING)
    if not closed:
        raise DocumentError("Chỉ lưu trữ văn bản đã kết thúc xử lý.", "Only a closed document can be archived.",
                            "state", status=409)
    owner = {"outgoing": document} if isinstance(document, OutgoingDocument) else {"incoming": document}
    if ArchiveRecord.objects.filter(**owner).exists():
        raise DocumentError("Văn bản đã được lưu trữ.", "The document is already archived.", "state", status=409)
    now = timezone.now()
    keep_until = _keep_until(retention, now)
    kept = ArchiveRecord.objects.create(agency=document.agency, title=document.subject[:500], retention=retention,
                                        archived_at=now, keep_until=keep_until, sha256=content_digest(document),
                                        checked_at=now, **owner)
    record("action", kept, summary=f"Đưa vào lưu trữ: {kept.title[:200]}",
           after={"event": "archive", "retention": retention.code, "sha256": kept.sha256,
                  "keep_until": keep_until.isoformat() if keep_until else None})
    return kept


def _keep_until(retention: RetentionPeriod, now: datetime.datetime) -> datetime.date | None:
    if not retention.years:
        return None
    today = timezone.localdate(now)
    return today.replace(year=today.year + retention.years, day=min(today.day, 28))


def result_agency(dossier: Dossier):
    """The agency whose archive keeps a dossier's result: the agency of its approval step (the competent
    agency), else the receiving agency — the first of them that keeps its registers here; None otherwise."""
    candidates = []
    approval = (dossier.steps.filter(role=StepRole.APPROVE, state=StepState.DONE, agency__isnull=False)
                .select_related("agency").order_by("-order", "-pk").first())
    if approval is not None:
        candidates.append(approval.agency)
    candidates.append(dossier.receiving_agency)
    keeping = set(RecordsOffice.objects.filter(agency__in=candidates).values_list("agency_id", flat=True))
    return next((agency for agency in candidates if agency.pk in keeping), None)


def archive_dossier_result(dossier_id: int) -> ArchiveRecord | None:
    """Move a returned dossier's result files into the archive of the agency that decided it, with the
    dossier's metadata, the retention line of the schedule kept for results and their SHA-256; on the audit
    chain. Once per dossier (a second call answers the record already made). Nothing is archived — None — for
    a dossier not returned, without a result file, or of no agency keeping its registers here; nor, with a
    warning in the log, when no line of the schedule is marked for results."""
    with transaction.atomic():
        dossier = (Dossier.objects.select_for_update(of=("self",))
                   .select_related("receiving_agency", "procedure_version__procedure")
                   .filter(pk=dossier_id).first())
        if dossier is None or dossier.state != State.RETURNED:
            return None
        existing = ArchiveRecord.objects.filter(dossier=dossier).first()
        if existing is not None:
            return existing
        if not result_files(dossier).exists():
            return None
        agency = result_agency(dossier)
        if agency is None:
            return None
        retention = RetentionPeriod.objects.filter(dossier_results=True).first()
        if retention is None:
            logger.warning("dossier %s not archived: no line of the retention schedule is marked for dossier "
                           "results", dossier.code)
            return None
        now = timezone.now()
        keep_until = _keep_until(retention, now)
        title = f"{dossier.procedure_version.name} — {dossier.applicant_name}"[:500]
        kept = ArchiveRecord.objects.create(agency=agency, dossier=dossier, title=title, retention=retention,
                                            archived_at=now, keep_until=keep_until,
                                            sha256=content_digest(dossier), checked_at=now)
        record("action", kept, summary=f"Đưa vào lưu trữ kết quả hồ sơ {dossier.code}: {title[:150]}",
               after={"event": "archive", "dossier": dossier.code, "retention": retention.code,
                      "sha256": kept.sha256, "keep_until": keep_until.isoformat() if keep_until else None})
        return kept


def verify_fixity(records=None) -> dict:
    """Recompute every record's digest; a mismatch marks the record, goes on the audit chain and is logged
    as an error (the alert); a record found changed that was intact until now is also notified to the
    agency's records office."""
    checked = mismatched = 0
    for item in (records if records is not None else ArchiveRecord.objects.filter(disposed_at__isnull=True)
                 .select_related("agency", "outgoing", "incoming", "dossier")):
        checked += 1
        now = timezone.now()
        try:
            intact = content_digest(item.document) == item.sha256
        except OSError:
            intact = False  # a file missing from storage is a mismatch too, never the end of the check
        with transaction.atomic():
            ArchiveRecord.objects.filter(pk=item.pk).update(checked_at=now, intact=intact)
            if not intact:
                mismatched += 1
                record("action", item, summary=f"Sai lệch toàn vẹn: {item.title[:200]}",
                       after={"event": "fixity_mismatch", "expected": item.sha256})
                logger.error("archive fixity mismatch: record %s (%s)", item.pk, item.title[:100])
                if item.intact:
                    _alert_records_office(item, now)
    return {"checked": checked, "mismatched": mismatched}


def _alert_records_office(item: ArchiveRecord, now: datetime.datetime) -> None:
    """Tell the records office of the record's agency (its clerks in office today), in each one's language,
    that a record no longer matches its SHA-256: once per record, person and day (the notice's key)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from tinhso.common.notices import in_language_of, notify
    from tinhso.directory.models import Membership

    today = timezone.localdate(now)
    clerks = (Membership.objects.active_on(today).filter(agency_id=item.agency_id, role__in=CLERK_ROLES,
                                                          user__is_active=True)
              .select_related("user").order_by("user_id"))
    seen = set()
    for membership in clerks:
        user = membership.user
        if user.pk in seen:
            continue
        seen.add(user.pk)
        with in_language_of(user):
            subject = _("Hồ sơ lưu trữ bị sai lệch: %(title)s") % {"title": item.title[:150]}
            text = _("Khi kiểm tra toàn vẹn lúc %(moment)s, nội dung hồ sơ lưu trữ “%(title)s” của %(agency)s "
                     "không còn khớp mã SHA-256 đã ghi khi lưu trữ. Đề nghị văn thư kiểm tra tệp và dữ liệu của "
                     "hồ sơ, khôi phục từ bản sao dự phòng.") % {
                "moment": f"{timezone.localtime(now):%H:%M %d/%m/%Y}", "title": item.title[:300],
                "agency": item.agency.name}
        notify(user, subject=subject, text=text, link=reverse("documents:archive-detail", args=[item.pk]),
               concerns=item, kind="documents.fixity_mismatch", agency_id=item.agency_id,
               channels=("in_app", "email"), key=f"documents.fixity:{item.pk}:{user.pk}:{today.isoformat()}")


def export_bag(records, *, source_organization: str = "") -> bytes:
    """The records as one BagIt 1.0 package (RFC 8493), zipped, with a metadata file per record."""
    payload: list[tuple[str, bytes]] = []
    for index, item in enumerate(records, start=1):
        document = item.document
        meta = {"OrganId": item.agency.identifier, "OrganName": item.agency.name, **metadata(document),
                "Retention": item.retention.name, "KeepUntil": item.keep_until.isoformat() if item.keep_until
                else None, "SHA256": item.sha256}
        payload.append((f"data/{index:04d}/metadata.json",
                        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True).encode()))
        for name, data in _files(document):
            payload.append((f"data/{index:04d}/{name.replace('/', '_')}", data))
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in payload).encode()
    octets = sum(len(data) for _, data in payload)
    tags = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": (f"Source-Organization: {source_organization}\nBagging-Date: "
                         f"{datetime.date.today().isoformat()}\nPayload-Oxum: {octets}.{len(payload)}\n"
                         f"External-Description: Tài liệu điện tử nộp lưu ({len(records)} văn bản)\n").encode(),
        "manifest-sha256.txt": manifest,
    }
    tags["tagmanifest-sha256.txt"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                                             for name, data in tags.items()).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bag:
        for name, data in [*tags.items(), *payload]:
            bag.writestr(f"bag/{name}", data)
    return buffer.getvalue()


@transaction.atomic
def propose_disposal(agency, *, by=None, on: datetime.date | None = None) -> DisposalList:
    """List the agency's records whose retention has ended (never a permanent one) for a leader to approve."""
    _require(by, agency, CLERK_ROLES)
    on = on or timezone.localdate()
    due = ArchiveRecord.objects.select_for_update().filter(agency=agency, keep_until__lt=on, disposal__isnull=True,
                                                          disposed_at__isnull=True)
    if not due.exists():
        raise DocumentError("Không có tài liệu nào hết thời hạn bảo quản.", "No record has reached the end of its "
                            "retention.", "keep_until", status=409)
    listing = DisposalList.objects.create(agency=agency, proposed_by=_user(by), proposed_at=timezone.now())
    due.update(disposal=listing)
    record("action", listing, summary="Lập danh mục tài liệu hết giá trị",
           after={"event": "disposal_proposed", "records": list(listing.records.values_list("pk", flat=True))})
    return listing


@transaction.atomic
def approve_disposal(listing: DisposalList, *, by) -> DisposalList:
    """A leader of the agency (not the proposer) approves the list: the records' files are destroyed, the
    records stay with their metadata and the disposal on the audit chain."""
    listing = DisposalList.objects.select_for_update().get(pk=listing.pk)
    _require(by, listing.agency, LEADER_ROLES)
    if by is None or listing.approved_at is not None:
        raise DocumentError("Danh mục đã được phê duyệt.", "The list is already approved.", "approved_at", status=409)
    if listing.proposed_by_id is not None and listing.proposed_by_id == getattr(by, "pk", None):
        raise DocumentError("Người lập danh mục không tự phê duyệt.", "The proposer cannot approve the list.",
                            "approved_by", status=403)
    now = timezone.now()
    listing.approved_by, listing.approved_at = _user(by), now
    listing.save(update_fields=["approved_by", "approved_at"])
    for item in listing.records.select_related("outgoing", "incoming", "dossier"):
        for _name, stored in _attachments(item.document):
            stored.delete(save=False)
        ArchiveRecord.objects.filter(pk=item.pk).update(disposed_at=now)
        record("action", item, summary=f"Tiêu hủy: {item.title[:200]}",
               after={"event": "dispose", "disposal": listing.pk})
    return listing
