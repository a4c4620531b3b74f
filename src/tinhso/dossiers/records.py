"""What is recorded on a dossier besides its moves along the route: fee payments, an exemption from fees,
and the files attached by the applicant or the desk. Each runs in the transition frame (``dossiers.frame``):
the dossier's row locked at the version the caller saw, the actor's role checked, one event and one audit
entry written with the record."""

from __future__ import annotations

from django.db import transaction

from tinhso.catalogue.models import RequiredDocument
from tinhso.directory.models import Role
from tinhso.dossiers import frame
from tinhso.dossiers.errors import InvalidInput, InvalidTransition
from tinhso.dossiers.frame import DESK_ROLES, DocumentUpload, holds_role
from tinhso.dossiers.models import (
    TERMINAL_STATES,
    DocumentKind,
    Dossier,
    DossierDocument,
    DossierFee,
    Payment,
    PaymentChannel,
    State,
)


def record_payment(dossier: Dossier | int, *, actor, amount: int, channel: str, receipt_number: str = "",
                   expected_version: int | None = None) -> Payment:
    """Record a fee payment (cash, transfer, online) against the dossier."""
    if channel not in PaymentChannel.values:
        raise InvalidInput("Hình thức thanh toán không hợp lệ.", "Unknown payment channel.", field="channel")
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("Số tiền phải là số nguyên dương (đồng).", "Amount must be a positive integer.",
                           field="amount")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require(frame.is_applicant(actor, dossier)
                 or holds_role(actor, [Role.RECEIVER, Role.RETURNER], dossier.receiving_agency))
        payment = Payment.objects.create(dossier=dossier, amount=amount, channel=channel,
                                         receipt_number=receipt_number.strip(), recorded_by=frame.actor_user(actor))
        frame.finish(dossier, actor, "record_payment", dossier.state, notify=False,
                data={"payment": payment.pk, "amount": amount, "channel": channel})
        return payment


def exempt_fees(dossier: Dossier | int, *, actor, ground: str, expected_version: int | None = None) -> Dossier:
    """Record that the applicant belongs to a group the fee schedule exempts (e.g. TT 244/2016 Art. 5,
    TT 85/2019 Art. 5): every line of the dossier that names exempt applicants is charged 0, with the ground
    the officer checked (a document, a card). Lines without an exemption stay as charged."""
    ground = frame.reason(ground, "ground", "căn cứ miễn phí, lệ phí")
    if len(ground) > 500:
        raise InvalidInput("Căn cứ miễn phí, lệ phí dài quá 500 ký tự.", "The ground is longer than 500 characters.",
                           field="ground")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        if dossier.state in TERMINAL_STATES:
            raise InvalidTransition("Hồ sơ đã kết thúc; không thể ghi nhận miễn phí, lệ phí.",
                                    "The dossier is closed: no exemption can be recorded.")
        frame.require(holds_role(actor, [Role.RECEIVER, Role.RETURNER], dossier.receiving_agency))
        lines = list(dossier.fees.exclude(exemption="").filter(exemption_ground=""))
        if not lines:
            raise InvalidInput("Hồ sơ không có khoản phí, lệ phí nào được miễn theo đối tượng.",
                               "No fee line of this dossier has an exemption.", field="ground")
        for line in lines:
            line.amount, line.exemption_ground = 0, ground
        DossierFee.objects.bulk_update(lines, ["amount", "exemption_ground"])
        return frame.finish(dossier, actor, "exempt_fees", dossier.state, notify=False, note=ground,
                       data={"fees": [line.pk for line in lines], "ground": ground})


def attach_document(dossier: Dossier | int, *, actor, upload, kind: str = DocumentKind.APPLICANT,
                    required_document: RequiredDocument | None = None,
                    expected_version: int | None = None) -> DossierDocument:
    """Attach one file, checked by content, size and name first (uploads.validate_upload)."""
    if kind not in DocumentKind.values:
        raise InvalidInput("Loại tài liệu không hợp lệ.", "Unknown document kind.", field="kind")
    checked = frame.validated([DocumentUpload(upload, required_document, kind)])[0]
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        if frame.is_applicant(actor, dossier) and kind in (DocumentKind.APPLICANT, DocumentKind.SUPPLEMENT):
            frame.require_state(dossier, [State.SUBMITTED, State.SUPPLEMENT_REQUESTED], "bổ sung tài liệu")
        else:
            step = dossier.current_step if dossier.current_step_id else None
            frame.require(holds_role(actor, DESK_ROLES, dossier.receiving_agency)
                     or (step is not None and holds_role(actor, DESK_ROLES, step.agency)))
        if required_document is not None and required_document.version_id != dossier.procedure_version_id:
            raise InvalidInput("Thành phần hồ sơ không thuộc thủ tục của hồ sơ này.",
                               "The required document belongs to another procedure.", field="required_document")
        document = frame.store(dossier, checked, actor, kind)
        frame.finish(dossier, actor, "attach_document", dossier.state, notify=False,
                data={"document": document.pk, "name": document.original_name, "kind": kind})
        return document
