"""Read queries over the document registers, shared by the pages, the API and the exports.

Every read is scoped: a user sees the registers of the agencies :func:`visible_agencies` gives them that keep
registers here; an agency's API token sees its own agency's.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.directory.models import Agency, fold_for_search
from tinhso.directory.selectors import visible_agencies
from tinhso.documents.models import (
    ArchiveRecord,
    Attachment,
    DisposalList,
    IncomingDocument,
    OutgoingDocument,
    OutgoingState,
)


def register_agencies(user) -> QuerySet[Agency]:
    """The agencies whose registers ``user`` may read."""
    if getattr(user, "pk", None) is None and getattr(user, "agency", None) is not None:
        agencies = Agency.objects.filter(pk=user.agency.pk)
    else:
        agencies = visible_agencies(user)
    return agencies.filter(records_office__isnull=False).order_by("name")


def _search(queryset: QuerySet, q: str | None) -> QuerySet:
    for word in fold_for_search(q or "").split()[:8]:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def outgoing_for(user, *, agency: int | None = None, year: int | None = None, q: str | None = None,
                 date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                 state: str | None = None) -> QuerySet[OutgoingDocument]:
    """The outgoing register: issued documents (revoked and replaced ones included); drafts only when asked for
    with ``state="draft"`` — a draft has no number and is not in the register yet."""
    documents = _outgoing_in_scope(user)
    if agency:
        documents = documents.filter(agency_id=agency)
    if year:
        documents = documents.filter(Q(year=year) | Q(year__isnull=True, created_at__year=year))
    if date_from:
        documents = documents.filter(issued_on__gte=date_from)
    if date_to:
        documents = documents.filter(issued_on__lte=date_to)
    documents = documents.filter(state=state) if state else documents.exclude(state=OutgoingState.DRAFT)
    return _search(documents, q).order_by("-year", "-number", "-pk")


def _outgoing_in_scope(user) -> QuerySet[OutgoingDocument]:
    return OutgoingDocument.objects.filter(agency__in=register_agencies(user)).select_related(
        "agency", "document_type")


def drafts_for(user) -> QuerySet[OutgoingDocument]:
    return _outgoing_in_scope(user).filter(state=OutgoingState.DRAFT)


def incoming_for(user, *, agency: int | None = None, year: int | None = None, q: str | None = None,
                 date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                 state: str | None = None, handler=None) -> QuerySet[IncomingDocument]:
    documents = IncomingDocument.objects.filter(agency__in=register_agencies(user)).select_related(
        "agency", "handler")
    if agency:
        documents = documents.filter(agency_id=agency)
    if year:
        documents = documents.filter(year=year)
    if date_from:
        documents = documents.filter(arrived_at__date__gte=date_from)
    if date_to:
        documents = documents.filter(arrived_at__date__lte=date_to)
    if state:
        documents = documents.filter(state=state)
    if handler is not None:
        documents = documents.filter(handler=handler)
    return _search(documents, q).order_by("-year", "-arrival_number")


def assigned_to(user) -> QuerySet[IncomingDocument]:
    """Incoming documents the user handles, open ones first (visible wherever the user's scope reaches)."""
    if getattr(user, "pk", None) is None:
        return IncomingDocument.objects.none()
    return (IncomingDocument.objects.filter(handler=user, state__in=["assigned", "in_progress"])
            .select_related("agency").order_by("handling_due"))


def outgoing_detail(user, pk: int) -> OutgoingDocument | None:
    return (_outgoing_in_scope(user).prefetch_related("recipients__statuses", "attachments").filter(pk=pk).first())


def incoming_detail(user, pk: int) -> IncomingDocument | None:
    document = (IncomingDocument.objects.filter(agency__in=register_agencies(user), pk=pk)
                .select_related("agency", "handler", "leader", "sender", "source")
                .prefetch_related("events__actor", "attachments").first())
    if document is None and getattr(user, "pk", None) is not None:
        # the handler of a document reads it even from outside the agency's scope
        document = IncomingDocument.objects.filter(handler=user, pk=pk).first()
    return document


def attachment_for(user, pk: int) -> Attachment | None:
    agencies = register_agencies(user)
    return Attachment.objects.filter(Q(outgoing__agency__in=agencies) | Q(incoming__agency__in=agencies),
                                     pk=pk).first()


def archive_for(user, *, agency: int | None = None, q: str | None = None,
                retention: str | None = None) -> QuerySet[ArchiveRecord]:
    """The archive records of the agencies whose registers ``user`` reads; ``q`` searches accent-insensitively
    a document's number, notation and subject, a dossier's code, procedure and applicant; ``retention`` is a
    code of the schedule."""
    records = ArchiveRecord.objects.filter(agency__in=register_agencies(user)).select_related(
        "agency", "retention", "outgoing__document_type", "incoming", "dossier", "disposal")
    if agency:
        records = records.filter(agency_id=agency)
    if retention:
        records = records.filter(retention__code=retention)
    for word in fold_for_search(q or "").split()[:8]:
        records = records.filter(search_text__contains=word)
    return records.order_by("-archived_at", "-pk")


def archive_detail(user, pk: int) -> ArchiveRecord | None:
    return archive_for(user).filter(pk=pk).first()


def disposal_lists(user) -> QuerySet[DisposalList]:
    return (DisposalList.objects.filter(agency__in=register_agencies(user))
            .select_related("agency", "proposed_by", "approved_by").order_by("-proposed_at", "-pk"))


def disposal_detail(user, pk: int) -> DisposalList | None:
    return disposal_lists(user).filter(pk=pk).first()


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment in the province's time without its zone (spreadsheets hold no zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def register_rows(documents: QuerySet, kind: str) -> tuple[list[str], list[list]]:
    """The register's columns and rows (sổ đăng ký văn bản đi/đến, NĐ 30 Phụ lục IV layout)."""
    if kind == "outgoing":
        headers = ["Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu", "Người ký", "Nơi nhận", "Độ khẩn",
                   "Trạng thái"]
        rows = [[d.notation, d.issued_on, f"{d.document_type.name}: {d.subject}",
                 f"{d.authority_prefix} {d.signer_position} {d.signer_name}".strip(),
                 "; ".join(r.name for r in d.recipients.all()), d.get_priority_display(), d.get_state_display()]
                for d in documents.prefetch_related("recipients")]
        return headers, rows
    headers = ["Số đến", "Ngày đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu",
               "Đơn vị hoặc người nhận", "Hạn giải quyết", "Trạng thái"]
    rows = [[d.arrival_number, _local(d.arrived_at), d.sender_name, d.notation, d.issued_on,
             f"{d.type_name}: {d.subject}", d.handler.get_full_name() if d.handler else d.to_places,
             _local(d.handling_due), d.get_state_display()]
            for d in documents]
    return headers, rows
