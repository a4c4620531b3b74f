"""How documents and status messages reach the other side.

* Inside this deployment (the recipient agency keeps its registers here: it has a records office), a
  document lands in the recipient's incoming register in the sender's transaction, and the statuses flow
  back the same way.
* To anyone else it leaves as an edXML package through a :class:`Transport`, after commit, from the task
  queue (at-least-once, retried with backoff); the receiving side is idempotent on DocumentId + recipient.
  The default transport is the data-sharing gateway (``tinhso.exchange``): the package is POSTed to the
  ``documents`` service of the member that serves the recipient, every call on the gateway's message log.
"""

from __future__ import annotations

import datetime
import logging
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from tinhso.documents import edxml
from tinhso.documents.models import (
    Channel,
    IncomingDocument,
    OutgoingDocument,
    Recipient,
    RecordsOffice,
)

logger = logging.getLogger(__name__)
SERVICE_CODE = "documents"
PACKAGE_PATH = "/packages"
MAX_ATTEMPTS = 8


class DeliveryFailed(Exception):
    """The transport could not hand the package over; ``final`` when retrying cannot help."""

    def __init__(self, message: str, *, final: bool = False):
        super().__init__(message)
        self.final = final


class Transport(Protocol):
    def deliver(self, organ_id: str, package: bytes, *, key: str) -> None:
        """Hand ``package`` to the deployment serving ``organ_id``; ``key`` identifies the delivery (DocumentId
        + recipient) so a repeat is recognised."""


class GatewayTransport:
    """Through the data-sharing gateway: POST to ``<member>/documents/packages`` of the recipient's member."""

    def deliver(self, organ_id: str, package: bytes, *, key: str) -> None:
        from tinhso.exchange.client import CallFailed, call

        member = route_for(organ_id)
        if member is None:
            raise DeliveryFailed(f"Không có thành viên trục liên thông phục vụ {organ_id}.", final=True)
        try:
            answer = call(f"{member.identifier}/{SERVICE_CODE}", PACKAGE_PATH, method="POST", body=package,
                          content_type="application/xml", idempotency_key=key[:200], retries=0)
        except CallFailed as failure:
            raise DeliveryFailed(str(failure), final=failure.type.startswith("Client.")) from None
        if answer.status >= 400:
            raise DeliveryFailed(f"HTTP {answer.status}", final=400 <= answer.status < 500)


_transport: list[Transport] = [GatewayTransport()]


def set_transport(transport: Transport) -> Transport:
    """Use another transport (tests, a national-platform adapter); returns the previous one."""
    previous = _transport[0]
    _transport[0] = transport
    return previous


def route_for(organ_id: str):
    """The gateway member that serves ``organ_id``: one with that member code, or scoped to that agency or an
    agency above it."""
    from tinhso.directory.models import Agency
    from tinhso.exchange.models import Member

    members = Member.objects.filter(active=True, local=False).exclude(subsystem_code="")
    found = members.filter(member_code__iexact=organ_id).first()
    if found is not None:
        return found
    agency = Agency.objects.filter(identifier=organ_id).first()
    if agency is None:
        return None
    return members.filter(agency_id__in=[agency.pk, *agency.ancestor_ids()]).first()


def is_local(agency) -> bool:
    """Whether ``agency`` keeps its registers in this deployment."""
    return agency is not None and RecordsOffice.objects.filter(agency=agency).exists()


# -- documents ------------------------------------------------------------------------------------------------

def package_for(document: OutgoingDocument, recipients: list[Recipient], business_type: int = 0
                ) -> edxml.DocumentPackage:
    agency = document.agency
    replaced = document.replaces
    attachments = [edxml.Attachment(name=a.name, content_type=a.content_type, data=_read(a))
                   for a in document.attachments.all()] if business_type in (0, 3) else []
    return edxml.DocumentPackage(
        from_organ=edxml.Organ(agency.identifier, agency.name[:200], agency.address[:200], agency.email,
                               agency.phone, "", agency.website),
        to=[edxml.Organ(r.organ_id, r.name) for r in recipients],
        code_number=document.code_number, code_notation=document.code_notation,
        promulgation_date=document.issued_on, place=document.place,
        type_code="1", type_name=document.document_type.name, subject=document.subject, content=document.content,
        signer_competence=document.authority_prefix, signer_position=document.signer_position,
        signer_full_name=document.signer_name, due_date=document.due_date,
        to_places=[line for line in document.to_places.splitlines() if line.strip()],
        priority=document.priority, promulgation_amount=document.issued_amount, page_amount=document.page_amount,
        business_doc_type=business_type, business_doc_reason=document.description if business_type else "",
        response_for=(document.document_id if business_type in (1, 2) else
                      (replaced.document_id if business_type == 3 and replaced else "")),
        receiver_list=[r.organ_id for r in recipients],
        trace=[(agency.identifier, timezone.localtime().replace(tzinfo=None, microsecond=0))],
        attachments=attachments,
    )


def _read(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def send_document(document: OutgoingDocument, business_type: int = 0) -> None:
    """Deliver ``document`` (or its revoke/update) to each electronic recipient."""
    from tinhso.documents import services

    now = timezone.now()
    remote: list[int] = []
    for recipient in document.recipients.select_related("agency"):
        if not recipient.organ_id:
            continue
        if is_local(recipient.agency):
            _deliver_locally(document, recipient, business_type, services)
            recipient.sent_at = now
            recipient.save(update_fields=["sent_at"])
        else:
            remote.append(recipient.pk)
    if remote:
        transaction.on_commit(lambda: _enqueue(document.pk, remote, business_type))


def _deliver_locally(document: OutgoingDocument, recipient: Recipient, business_type: int, services) -> None:
    existing = IncomingDocument.objects.filter(agency=recipient.agency, document_id=document.document_id).first()
    if business_type == 1:
        if existing is not None:
            services.apply_revoke(existing, note=document.description)
        return
    if business_type == 2:
        if existing is not None:
            services.apply_update(existing, {"subject": document.subject, "reply_due": document.due_date,
                                             "description": document.description})
        return
    if existing is not None:
        return
    services.register_incoming(recipient.agency, _incoming_input(document, services), channel=Channel.LOCAL,
                               source=document)
    if document.replaces_id:
        old = IncomingDocument.objects.filter(agency=recipient.agency,
                                              document_id=document.replaces.document_id).first()
        if old is not None:
            services.apply_revoke(old, note=f"Thay thế bởi {document.notation}")


def _incoming_input(document: OutgoingDocument, services):
    return services.IncomingInput(
        sender=document.agency, sender_name=document.agency.name[:200], type_name=document.document_type.name,
        code_number=document.code_number, code_notation=document.code_notation, issued_on=document.issued_on,
        subject=document.subject, signer_position=document.signer_position, signer_name=document.signer_name,
        priority=document.priority, page_amount=document.page_amount, content=document.content,
        to_places=document.to_places, reply_due=document.due_date, document_id=document.document_id,
        attachments=[services.FileInput(a.name, _read(a), a.content_type) for a in document.attachments.all()],
    )


def _enqueue(document_id: int, recipient_ids: list[int], business_type: int) -> None:
    from tinhso.documents import tasks

    for recipient_id in recipient_ids:
        tasks.send_package.enqueue(recipient_id, business_type, 1)


def send_remote(recipient_id: int, business_type: int) -> None:
    """Build the package for one remote recipient and hand it to the transport (raises DeliveryFailed)."""
    recipient = Recipient.objects.select_related("document__agency", "document__document_type").get(pk=recipient_id)
    document = recipient.document
    package = edxml.write(package_for(document, [recipient], business_type))
    try:
        _transport[0].deliver(recipient.organ_id, package,
                              key=f"{document.document_id}|{recipient.organ_id}|{business_type}")
    except DeliveryFailed as failure:
        Recipient.objects.filter(pk=recipient.pk).update(delivery_error=str(failure)[:500])
        raise
    Recipient.objects.filter(pk=recipient.pk).update(sent_at=timezone.now(), delivery_error="")


# -- status messages ------------------------------------------------------------------------------------------

def send_status(document: IncomingDocument, code: str, description: str, staff: str) -> None:
    from tinhso.documents import services

    if document.channel == Channel.LOCAL:
        services.apply_status(services.StatusInput(
            from_organ_id=document.agency.identifier, response_for=document.document_id, status_code=code,
            description=description, staff=staff, at=timezone.now()))
        return
    if document.channel == Channel.GATEWAY and document.sender_organ_id:
        status = edxml.StatusPackage(
            from_organ=edxml.Organ(document.agency.identifier, document.agency.name[:200]),
            response_for=document.document_id, status_code=code, description=description[:500], staff=staff,
            timestamp=timezone.localtime().replace(tzinfo=None, microsecond=0))
        package = edxml.write_status(status)
        key = f"{document.document_id}|{document.agency.identifier}|status|{code}"
        transaction.on_commit(lambda: _enqueue_status(document.sender_organ_id, package, key))


def _enqueue_status(organ_id: str, package: bytes, key: str) -> None:
    from tinhso.documents import tasks

    tasks.send_status_package.enqueue(organ_id, package.decode("utf-8"), key, 1)


# -- receiving ------------------------------------------------------------------------------------------------

def receive(data, *, channel: str = Channel.GATEWAY) -> list:
    """Take a package that arrived from outside: register a document at each recipient agency of this
    deployment (once per DocumentId), apply a revoke/update/replace, or apply a status message.

    All or nothing: :class:`edxml.EdxmlError` or ``services.DocumentError`` and nothing is written."""
    from tinhso.directory.models import Agency
    from tinhso.documents import services

    package = edxml.read(data) if isinstance(data, bytes | bytearray) else data
    with transaction.atomic():
        if isinstance(package, edxml.StatusPackage):
            return [services.apply_status(services.StatusInput(
                from_organ_id=package.from_organ.organ_id, response_for=package.response_for,
                status_code=package.status_code, description=package.description, staff=package.staff,
                at=timezone.make_aware(package.timestamp) if timezone.is_naive(package.timestamp)
                else package.timestamp))]
        ids = [organ.organ_id for organ in package.to]
        agencies = [a for a in Agency.objects.filter(identifier__in=ids) if is_local(a)]
        if not agencies:
            raise services.DocumentError(
                f"Không có nơi nhận nào của gói ({', '.join(ids)}) giữ sổ văn bản tại nền tảng này.",
                f"None of the package's recipients ({', '.join(ids)}) keeps its registers here.", "To", status=404)
        sender = Agency.objects.filter(identifier=package.from_organ.organ_id).first()
        results = []
        for agency in agencies:
            results.append(_receive_one(agency, package, sender, channel, services))
        return results


def _receive_one(agency, package: edxml.DocumentPackage, sender, channel: str, services):
    if package.business_doc_type in (1, 2):
        existing = IncomingDocument.objects.filter(agency=agency, document_id=package.response_for).first()
        if existing is None:
            raise services.DocumentError(f"Không có văn bản {package.response_for} để thu hồi hoặc cập nhật.",
                                         f"No document {package.response_for} to revoke or update.",
                                         "ResponseFor", status=404)
        if package.business_doc_type == 1:
            return services.apply_revoke(existing, note=package.business_doc_reason)
        return services.apply_update(existing, {"subject": package.subject, "reply_due": package.due_date,
                                                "description": package.business_doc_reason[:500]},
                                     note=package.business_doc_reason)
    existing = IncomingDocument.objects.filter(agency=agency, document_id=package.document_id).first()
    if existing is not None:
        return existing  # a package received twice registers once
    incoming = services.register_incoming(agency, services.IncomingInput(
        sender=sender, sender_organ_id=package.from_organ.organ_id,
        sender_name=(package.from_organ.organ_name or package.from_organ.organ_id)[:200],
        type_name=(package.type_name or "Văn bản")[:100], code_number=package.code_number,
        code_notation=package.code_notation, issued_on=package.promulgation_date, subject=package.subject,
        signer_position=package.signer_position, signer_name=package.signer_full_name,
        priority=package.priority, page_amount=max(1, package.page_amount), content=package.content,
        to_places="\n".join(package.to_places), reply_due=package.due_date, document_id=package.document_id,
        description=(f"Chữ ký: {package.signature.verdict} — {package.signature.reason}"
                     if package.signature.verdict != "none" else "")[:500],
        attachments=[services.FileInput(a.name, a.data, a.content_type) for a in package.attachments],
    ), channel=channel)
    if package.business_doc_type == 3 and package.response_for:
        old = IncomingDocument.objects.filter(agency=agency, document_id=package.response_for).first()
        if old is not None:
            services.apply_revoke(old, note=f"Thay thế bởi {package.code_number}/{package.code_notation}")
    return incoming


def backoff(attempt: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(30 * 2 ** (attempt - 1), 3600))
