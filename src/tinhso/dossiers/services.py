"""Every change to a dossier: one function per business action (standards §2; NĐ 61/2018, NĐ 118/2025).

Each action runs in one transaction: it locks the dossier row, checks the version the caller saw
(``expected_version``; a stale form gets :class:`Conflict`), checks that the action is allowed in the
current state (:class:`InvalidTransition` with the reason) and that the actor may take it
(:class:`PermissionDenied`), writes the new state, bumps ``version``, appends a :class:`DossierEvent`
and an audit-chain entry, and enqueues the applicant's notification to run after commit. A refused action
therefore leaves no event, no audit entry and no notification.

A transition sends as few statements as the database allows (issue 11; ``test_lean_transitions`` holds
the floor): the lock (one statement built once, ``statements.RowQuery``); on moving along the route, one
statement that completes the step and activates the next (:mod:`tinhso.dossiers.route`, which writes the
route's steps and their due moments); then the dossier's changed fields,
the other rows of the action, the event and the audit entry in one statement (``audit.record(together=…)``);
the rollups' deltas in one more when the event changes a counter. The role check reads the actor's
memberships once per user object (``directory.selectors.held_roles``).

The actor is a staff user (their role at the agency concerned, through ``directory.selectors``), the
applicant's own citizen account, or an :class:`AgencyClient` (an agency's API token), which holds the desk
roles in its agency and the units below it. ``expected_version=None`` skips the version check: for
system jobs only (imports, demo data); forms and API calls always send the version they were built from.

What every action shares — the actor and the role check, the files taken in, the lock and the finish (event,
audit entry, followers' rows) — is :mod:`tinhso.dossiers.frame`; what is recorded on a dossier beside its
route (payments, the exemption from fees, attached files) is :mod:`tinhso.dossiers.records`. This module
names them all (``__all__``), so callers import the engine from here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from tinhso.catalogue.eforms import validate_eform_data
from tinhso.catalogue.models import ProcedureVersion, Status, StepRole
from tinhso.common import statements
from tinhso.common.inputs import InputError, province_datetime
from tinhso.common.workdays import add_working_days, working_days_between
from tinhso.directory.models import Agency, Role
from tinhso.dossiers import frame, route
from tinhso.dossiers.codes import allocate_code
from tinhso.dossiers.errors import (
    Conflict,
    DossierError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    UploadRejected,
)
from tinhso.dossiers.frame import DESK_ROLES, NOTIFIED_ACTIONS, AgencyClient, DocumentUpload, holds_role
from tinhso.dossiers.models import (
    TERMINAL_STATES,
    ApplicantKind,
    Channel,
    DocumentKind,
    Dossier,
    DossierDocument,
    DossierFee,
    DossierStep,
    ReturnMethod,
    State,
    StepState,
    validate_citizen_id,
)
from tinhso.dossiers.records import attach_document, exempt_fees, record_payment
from tinhso.dossiers.signals import result_returned

# The engine's one entry: the transitions written here, the records on a dossier (dossiers.records) and the
# frame's actors and role check (dossiers.frame), so that callers need only this module.
__all__ = [
    "DESK_ROLES", "NOTIFIED_ACTIONS", "AgencyClient", "Applicant", "Conflict", "DocumentUpload", "DossierError",
    "InvalidInput", "InvalidTransition", "NotFound", "PermissionDenied", "UploadRejected",
    "allowed_actions", "approve", "assign", "attach_document", "exempt_fees", "forward", "holds_role",
    "issue_apology", "provide_supplement", "receive", "receive_at_counter", "record_payment", "refuse",
    "request_supplement", "return_result", "send_back", "stop_processing", "submit_idempotent", "submit_online",
    "withdraw",
]

# NĐ 61/2018 Art. 19: the handling body may ask for a supplement within 3 working days of receipt.
SUPPLEMENT_WINDOW_WORKING_DAYS = 3
# NĐ 61/2018 Art. 19.9: the apology comes at least 1 working day before the due moment.
APOLOGY_NOTICE_WORKING_DAYS = 1

PROCESSING_STATES = frozenset({State.RECEIVED, State.IN_PROGRESS})



# -- input values ---------------------------------------------------------------------------------------

@dataclass
class Applicant:
    """Who applies: a person (12-digit citizen ID) or an organisation (tax code), with contact details."""

    name: str
    kind: str = ApplicantKind.PERSON
    id_number: str = ""
    tax_code: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    commune_id: int | None = None  # geo.Commune primary key
    user: object | None = None

    def check(self) -> None:
        if not self.name.strip():
            raise InvalidInput("Phải nhập họ tên người nộp hoặc tên tổ chức.", "The applicant's name is required.",
                               field="applicant_name")
        if self.kind == ApplicantKind.PERSON:
            if not self.id_number:
                raise InvalidInput("Phải nhập số định danh cá nhân (12 chữ số).",
                                   "A 12-digit citizen ID is required.", field="applicant_id_number")
            try:
                validate_citizen_id(self.id_number)
            except ValidationError as error:
                raise InvalidInput(error.messages[0], "Invalid citizen ID.", field="applicant_id_number") from None
        elif self.kind == ApplicantKind.ORGANISATION:
            if not self.tax_code.strip():
                raise InvalidInput("Tổ chức phải nhập mã số thuế (mã số doanh nghiệp).",
                                   "An organisation's tax code is required.", field="applicant_tax_code")
        else:
            raise InvalidInput("Loại người nộp không hợp lệ.", "Unknown applicant kind.", field="applicant_kind")
        if self.commune_id:
            from tinhso.geo.models import Commune

            if not Commune.objects.filter(pk=self.commune_id).exists():
                raise InvalidInput("Không tìm thấy xã, phường, đặc khu đã chọn.", "Unknown commune.",
                                   field="applicant_commune")

    def fields(self) -> dict:
        return {
            "applicant_kind": self.kind, "applicant_name": self.name.strip(),
            "applicant_id_number": self.id_number, "applicant_tax_code": self.tax_code.strip(),
            "applicant_phone": self.phone.strip(), "applicant_email": self.email.strip(),
            "applicant_address": self.address.strip(), "applicant_commune_id": self.commune_id or None,
            "applicant_user": self.user if getattr(self.user, "pk", None) else None,
        }


# -- entering the agency --------------------------------------------------------------------------------

def _implements_statement(db) -> str:
    """Whether the agency implements the version: the version names no agency, or names it."""
    quote = db.ops.quote_name
    through = ProcedureVersion.agencies.through
    table = quote(through._meta.db_table)
    version = quote(ProcedureVersion.agencies.field.m2m_column_name())
    agency = quote(ProcedureVersion.agencies.field.m2m_reverse_name())
    return (f"SELECT NOT EXISTS (SELECT 1 FROM {table} WHERE {version} = %s) "  # noqa: S608
            f"OR EXISTS (SELECT 1 FROM {table} WHERE {version} = %s AND {agency} = %s)")


_IMPLEMENTS = statements.FixedRead(ProcedureVersion, _implements_statement, primary=True)


def _check_version_and_agency(version: ProcedureVersion, agency: Agency) -> None:
    if version.status != Status.PUBLISHED:
        raise InvalidInput("Thủ tục này không còn được áp dụng; vui lòng chọn thủ tục đang áp dụng.",
                           "The procedure version is not in force.", field="procedure")
    if not _IMPLEMENTS.one(version.pk, version.pk, agency.pk)[0]:
        raise InvalidInput(f"{agency.name} không thực hiện thủ tục này.",
                           "The agency does not implement this procedure.", field="receiving_agency")


def _check_eform(version: ProcedureVersion, data: dict | None) -> dict:
    if not version.eform_schema:
        return data or {}
    errors = validate_eform_data(version.eform_schema, data or {})
    if errors:
        name, message = next(iter(errors.items()))
        raise InvalidInput(message, "The e-form has invalid values.", field=f"eform_data.{name}")
    return data or {}


_FEES_SQL: list[str] = []


MAX_COPIES = 99


def _check_choices(copies, requested_return_method: str) -> int:
    """The copies of the result asked for (1–99) and the return method registered at filing, or InvalidInput."""
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise InvalidInput(f"Số bản kết quả đề nghị cấp phải là số nguyên từ 1 đến {MAX_COPIES}.",
                           f"The number of copies must be a whole number from 1 to {MAX_COPIES}.", field="copies")
    if requested_return_method and requested_return_method not in ReturnMethod.values:
        raise InvalidInput("Hình thức nhận kết quả không hợp lệ.", "Unknown way of receiving the result.",
                           field="requested_return_method")
    return copies


def _create(version, agency, applicant: Applicant, *, channel, state, eform_data, now, copies: int = 1,
            requested_return_method: str = "") -> tuple[Dossier, statements.Statement]:
    """The new dossier's row (version 1), and its fee lines charged from the procedure version's by their
    rule, to write with its event (one ``INSERT … SELECT``; the rule is ``catalogue.models.fee_quantity``,
    written here in SQL: per dossier once, per copy ``copies`` times, beyond N ``copies − N`` times)."""
    dossier = Dossier(
        code=allocate_code(agency, now), procedure_version=version, receiving_agency=agency, channel=channel,
        state=state, submitted_at=now, eform_data=eform_data, copies=copies,
        requested_return_method=requested_return_method, **applicant.fields(),
    )
    written = statements.insert(dossier)  # as ``save`` would, by a statement built once
    event_key = frame.next_event_key(connection)
    if event_key:  # the key of the submission's event comes back with the row's own
        with connection.cursor() as cursor:
            statements.execute(cursor, f"{written.sql}, {event_key}", written.params)
            pk, dossier._event_key = cursor.fetchone()
        statements.saved(written, pk)
    else:
        statements.run([written])
    frame.remember(dossier)
    if not _FEES_SQL:
        quote = connection.ops.quote_name
        fee, source = quote(DossierFee._meta.db_table), quote(version.fees.model._meta.db_table)
        # Positional parameters (the statement may be sent together with others): dossier, copies ×3, version.
        times = ("CASE basis WHEN 'copy' THEN %s WHEN 'beyond' THEN CASE WHEN %s > included_copies "
                 "THEN %s - included_copies ELSE 0 END ELSE 1 END")
        _FEES_SQL.append(
            f"INSERT INTO {fee} (dossier_id, description, unit_amount, quantity, amount, exemption, "  # noqa: S608
            f"exemption_ground) SELECT %s, description, amount, times, amount * times, exemption, '' "
            f"FROM (SELECT description, amount, exemption, {quote('order')} AS position, id, {times} AS times "
            f"FROM {source} WHERE version_id = %s) lines ORDER BY position, id")
    return dossier, statements.Statement(_FEES_SQL[0], [dossier.pk, copies, copies, copies, version.pk])


def submit_online(
    *, version: ProcedureVersion, receiving_agency: Agency, applicant: Applicant, actor=None,
    documents: Iterable = (), eform_data: dict | None = None, copies: int = 1,
    requested_return_method: str = "",
) -> Dossier:
    """An online submission: the dossier enters the agency as ``submitted`` with its code (TT 01/2018
    Art. 19), the procedure's fees charged for ``copies`` copies of the result and the uploaded papers; the
    receiver then receives, asks for a supplement or refuses it. ``actor`` is the citizen (their account
    becomes ``applicant_user`` when the applicant names none) or the agency's API client.
    ``requested_return_method`` is how the applicant will receive the result (electronically when not said:
    an online dossier's result is returned online unless the applicant asks otherwise)."""
    applicant.check()
    copies = _check_choices(copies, requested_return_method)
    requested_return_method = requested_return_method or ReturnMethod.ONLINE
    if applicant.user is None and actor is not None and not frame.is_client(actor) and getattr(actor, "pk", None):
        applicant.user = actor
    if frame.is_client(actor):
        frame.require(holds_role(actor, DESK_ROLES, receiving_agency))
    _check_version_and_agency(version, receiving_agency)
    data = _check_eform(version, eform_data)
    uploads = frame.validated(documents)
    now = timezone.now()
    with transaction.atomic():
        dossier, fees = _create(version, receiving_agency, applicant, channel=Channel.ONLINE,
                                state=State.SUBMITTED, eform_data=data, now=now, copies=copies,
                                requested_return_method=requested_return_method)
        for upload in uploads:
            frame.store(dossier, upload, actor)
        return frame.finish(dossier, actor, "submit_online", "", note="Nộp hồ sơ trực tuyến",
                       data={"documents": len(uploads)}, writes=[fees], bump=False)


def receive_at_counter(
    *, version: ProcedureVersion, receiving_agency: Agency, applicant: Applicant, actor,
    documents: Iterable = (), eform_data: dict | None = None, channel: str = Channel.COUNTER, note: str = "",
    copies: int = 1, requested_return_method: str = "",
) -> Dossier:
    """A paper dossier at the one-stop desk (or by post): created and received in one step — code,
    receipt (form 01) with the due moment, route copied (NĐ 61/2018 Art. 17)."""
    frame.require(holds_role(actor, [Role.RECEIVER], receiving_agency))
    if channel not in (Channel.COUNTER, Channel.POST):
        raise InvalidInput("Hình thức nộp tại quầy phải là trực tiếp hoặc qua bưu chính.",
                           "Channel must be counter or post.", field="channel")
    applicant.check()
    copies = _check_choices(copies, requested_return_method)
    # A paper dossier's result is handed over at the desk unless the applicant registers another way.
    requested_return_method = requested_return_method or (
        ReturnMethod.POST if channel == Channel.POST else ReturnMethod.DESK)
    _check_version_and_agency(version, receiving_agency)
    data = _check_eform(version, eform_data)
    uploads = frame.validated(documents)
    now = timezone.now()
    with transaction.atomic():
        dossier, fees = _create(version, receiving_agency, applicant, channel=channel, state=State.RECEIVED,
                                eform_data=data, now=now, copies=copies,
                                requested_return_method=requested_return_method)
        for upload in uploads:
            frame.store(dossier, upload, actor)
        step = route.enter(dossier, actor, now)
        return frame.finish(dossier, actor, "receive_at_counter", "", step=step, note=note,
                       data={"documents": len(uploads), "due_at": dossier.due_at.isoformat()}, writes=[fees],
                       bump=False)


# -- reception of an online dossier ----------------------------------------------------------------------

def receive(dossier: Dossier | int, *, actor, expected_version: int | None, note: str = "") -> Dossier:
    """submitted → received: receipt (form 01), route copied, clock started, due moments computed."""
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.SUBMITTED], "tiếp nhận")
        frame.require(holds_role(actor, [Role.RECEIVER], dossier.receiving_agency))
        now = timezone.now()
        step = route.enter(dossier, actor, now)
        return frame.finish(dossier, actor, "receive", State.SUBMITTED, step=step, note=note,
                       data={"due_at": dossier.due_at.isoformat()})


def request_supplement(dossier: Dossier | int, *, actor, expected_version: int | None,
                       missing: Sequence[str], note: str = "") -> Dossier:
    """Ask for everything missing in one complete list (form 02); the processing clock stops.

    NĐ 61/2018 Art. 15.3: all missing items are asked for once. At reception (submitted) the receiver
    asks; once received, the handling body may ask only within 3 working days of receipt (Art. 19).
    """
    items = [item.strip() for item in missing or () if item and item.strip()]
    if not items:
        raise InvalidInput("Phải liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung.",
                           "List every missing item.", field="missing")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.SUBMITTED, *PROCESSING_STATES], "yêu cầu bổ sung")
        now = timezone.now()
        from_state = dossier.state
        step = None
        if from_state == State.SUBMITTED:
            frame.require(holds_role(actor, [Role.RECEIVER], dossier.receiving_agency))
            earlier = dossier.events.filter(action="request_supplement", from_state=State.SUBMITTED)
        else:
            step = frame.current_step(dossier, action_vi="yêu cầu bổ sung")
            frame.require(holds_role(actor, [Role.HANDLER, Role.APPROVER, Role.RECEIVER], step.agency))
            received = step.started_at if step.role == StepRole.HANDLE and step.started_at else dossier.clock_started_at
            # NĐ 61/2018 Art. 19: within 3 working days of the handling body's receipt.
            if working_days_between(received, now) > SUPPLEMENT_WINDOW_WORKING_DAYS:
                raise InvalidTransition(
                    "Đã quá 3 ngày làm việc kể từ ngày tiếp nhận nên không thể yêu cầu bổ sung hồ sơ "
                    "(NĐ 61/2018, Điều 19).",
                    "More than 3 working days since receipt: a supplement can no longer be requested.",
                )
            earlier = dossier.events.filter(action="request_supplement", agency=step.agency,
                                            from_state__in=list(PROCESSING_STATES))
        # NĐ 61/2018 Art. 15.3: one complete request, not a drip of them.
        if earlier.exists():
            raise InvalidTransition(
                "Đã yêu cầu bổ sung một lần ở bước này; theo NĐ 61/2018 (Điều 15) phải yêu cầu đầy đủ "
                "trong một lần nên không yêu cầu bổ sung thêm.",
                "A supplement was already requested at this stage; requests are made once, completely.",
            )
        dossier.state_before_supplement = from_state
        dossier.state = State.SUPPLEMENT_REQUESTED
        dossier.supplement_count += 1
        return frame.finish(dossier, actor, "request_supplement", from_state, step=step, note=note,
                       data={"missing": items})


def provide_supplement(dossier: Dossier | int, *, actor, expected_version: int | None,
                       documents: Iterable = (), note: str = "") -> Dossier:
    """The complete dossier arrives: the state resumes and, once received, the clock restarts from zero
    with every due moment recomputed from now (NĐ 61/2018 Art. 19)."""
    uploads = frame.validated(documents)
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.SUPPLEMENT_REQUESTED], "nhận hồ sơ bổ sung")
        frame.require(frame.is_applicant(actor, dossier)
                 or holds_role(actor, [Role.RECEIVER, Role.HANDLER], dossier.receiving_agency))
        now = timezone.now()
        for upload in uploads:
            frame.store(dossier, upload, actor, kind=DocumentKind.SUPPLEMENT)
        resume = dossier.state_before_supplement or State.SUBMITTED
        dossier.state = resume
        dossier.state_before_supplement = ""
        data = {"documents": len(uploads)}
        if resume in PROCESSING_STATES:
            route.start_clock(dossier, now)  # restarts from zero
            data["due_at"] = dossier.due_at.isoformat()
        return frame.finish(dossier, actor, "provide_supplement", State.SUPPLEMENT_REQUESTED, note=note, data=data)


def refuse(dossier: Dossier | int, *, actor, expected_version: int | None, reasons: str) -> Dossier:
    """Refuse the dossier with reasons (form 03), before or right after reception; within the deadline
    (NĐ 61/2018 Arts. 17, 19)."""
    reasons = frame.reason(reasons, "reasons", "lý do từ chối")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.SUBMITTED, State.RECEIVED], "từ chối")
        allowed = holds_role(actor, [Role.RECEIVER], dossier.receiving_agency)
        step = None
        if dossier.state == State.RECEIVED:
            step = frame.current_step(dossier, action_vi="từ chối")
            allowed = allowed or holds_role(actor, [Role.HANDLER, Role.APPROVER], step.agency)
        frame.require(allowed)
        now = timezone.now()
        # NĐ 61/2018 Art. 19: a refusal must come within the deadline.
        if dossier.due_at is not None and now > dossier.due_at:
            raise InvalidTransition("Đã quá hạn giải quyết nên không thể từ chối hồ sơ (NĐ 61/2018, Điều 19).",
                                    "The deadline has passed: the dossier can no longer be refused.")
        from_state = dossier.state
        route.cancel_open_steps(dossier, now)
        dossier.state = State.REFUSED
        dossier.finished_at = now
        return frame.finish(dossier, actor, "refuse", from_state, step=step, note=reasons, data={"reasons": reasons})


# -- along the route ------------------------------------------------------------------------------------

def assign(dossier: Dossier | int, *, actor, expected_version: int | None, assignee, note: str = "") -> Dossier:
    """Give the current handling step to a handler of the step's agency."""
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, PROCESSING_STATES, "phân công")
        step = frame.current_step(dossier, StepRole.HANDLE, "phân công")
        frame.require(holds_role(actor, [Role.HANDLER, Role.APPROVER], step.agency))
        if assignee is None or frame.is_client(assignee) or not holds_role(assignee, [Role.HANDLER], step.agency):
            raise InvalidInput("Cán bộ được phân công phải là chuyên viên xử lý của cơ quan thực hiện bước này.",
                               "The assignee must be a handler of the step's agency.", field="assignee")
        from_state = dossier.state
        step.assignee = assignee
        dossier.state = State.IN_PROGRESS
        return frame.finish(dossier, actor, "assign", from_state, step=step, note=note,
                       data={"assignee": assignee.pk, "assignee_label": frame.actor_label(assignee)},
                       writes=[statements.update(step, ["assignee"])])


def forward(dossier: Dossier | int, *, actor, expected_version: int | None, note: str = "") -> Dossier:
    """Finish the current handling step and activate the next; the next step's agency then sees the
    dossier (an inter-agency step), and a return step next makes the result ready."""
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, PROCESSING_STATES, "chuyển bước")
        step = frame.current_step(dossier, StepRole.HANDLE, "chuyển bước")
        frame.require(holds_role(actor, [Role.HANDLER], step.agency))
        if (step.assignee_id and frame.actor_user(actor) is not None and step.assignee_id != actor.pk
                and not holds_role(actor, [Role.APPROVER], step.agency)):
            raise PermissionDenied("Hồ sơ đã được phân công cho cán bộ khác xử lý.",
                                   "The step is assigned to another handler.")
        from_state = dossier.state
        now = timezone.now()
        following = route.advance(dossier, step, now,
                             actor if step.assignee_id is None and frame.actor_user(actor) is not None else None)
        if dossier.state == State.RECEIVED:
            dossier.state = State.IN_PROGRESS
        return frame.finish(dossier, actor, "forward", from_state, step=step, note=note,
                       data={"next_step": following.pk if following else None,
                             "next_agency": following.agency_id if following else None})


def send_back(dossier: Dossier | int, *, actor, expected_version: int | None, reason: str) -> Dossier:
    """The approver returns the dossier to the previous handling step, with the reason."""
    reason = frame.reason(reason, "reason", "lý do trả lại")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.IN_PROGRESS], "trả lại bước xử lý")
        step = frame.current_step(dossier, StepRole.APPROVE, "trả lại bước xử lý")
        frame.require(holds_role(actor, [Role.APPROVER], step.agency))
        previous = (
            DossierStep.objects.filter(dossier=dossier, order__lt=step.order, role=StepRole.HANDLE)
            .order_by("-order", "-id").first()
        )
        if previous is None:
            raise InvalidTransition("Không có bước xử lý trước đó để trả lại.", "No earlier handling step.")
        now = timezone.now()
        step.state, step.started_at = StepState.PENDING, None
        step.save(update_fields=["state", "started_at"])
        previous.state, previous.started_at, previous.finished_at = StepState.ACTIVE, now, None
        previous.save(update_fields=["state", "started_at", "finished_at"])
        dossier.current_step = previous
        return frame.finish(dossier, actor, "send_back", State.IN_PROGRESS, step=step, note=reason,
                       data={"back_to_step": previous.pk, "reason": reason})


def approve(dossier: Dossier | int, *, actor, expected_version: int | None, note: str = "") -> Dossier:
    """The leader approves: the approval step is done and the next activated (result ready when the next
    step is the return)."""
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.IN_PROGRESS], "phê duyệt")
        step = frame.current_step(dossier, StepRole.APPROVE, "phê duyệt")
        frame.require(holds_role(actor, [Role.APPROVER], step.agency))
        _check_result_registry(dossier)
        now = timezone.now()
        following = route.advance(dossier, step, now, frame.actor_user(actor))
        return frame.finish(dossier, actor, "approve", State.IN_PROGRESS, step=step, note=note,
                       data={"next_step": following.pk if following else None})


def issue_apology(dossier: Dossier | int, *, actor, expected_version: int | None, reason: str,
                  new_due_at: datetime.datetime | datetime.date) -> Dossier:
    """Apology and new appointment (form 04), NĐ 61/2018 Art. 19.9: at least 1 working day before the
    due moment, a new date after the old one, and once only; the original date is kept."""
    reason = frame.reason(reason, "reason", "lý do chậm trễ")
    if isinstance(new_due_at, datetime.date) and not isinstance(new_due_at, datetime.datetime):
        new_due_at = add_working_days(new_due_at, 0)  # the end of office hours of that (working) day
    try:  # a date-time without a zone is read in the province's zone (one rule: common.inputs)
        new_due_at = province_datetime(new_due_at, "new_due_at")
    except InputError as error:
        raise InvalidInput(error.message, error.message_en, field="new_due_at") from None
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, PROCESSING_STATES, "xin lỗi, hẹn lại ngày trả kết quả")
        step = frame.current_step(dossier, action_vi="xin lỗi, hẹn lại")
        frame.require(holds_role(actor, [Role.HANDLER, Role.APPROVER], step.agency))
        # NĐ 61/2018 Art. 19.9: the date may be reset only once.
        if dossier.apology_issued_at is not None:
            raise InvalidTransition(
                f"Hồ sơ đã được xin lỗi và hẹn lại ngày trả kết quả một lần "
                f"({timezone.localtime(dossier.apology_issued_at):%d/%m/%Y}); theo NĐ 61/2018 (Điều 19) chỉ được "
                "hẹn lại một lần.",
                "The appointment has already been reset once; it may be reset only once.",
            )
        now = timezone.now()
        # NĐ 61/2018 Art. 19.9: at least 1 working day before the due moment.
        if dossier.due_at is None or working_days_between(now, dossier.due_at) < APOLOGY_NOTICE_WORKING_DAYS:
            raise InvalidTransition(
                "Phải xin lỗi, hẹn lại chậm nhất 01 ngày làm việc trước ngày hết hạn (NĐ 61/2018, Điều 19); "
                "nay đã quá thời điểm đó.",
                "The apology must come at least one working day before the due date.",
            )
        if new_due_at <= dossier.due_at:
            raise InvalidInput("Ngày hẹn trả mới phải sau ngày hẹn trả cũ.", "The new date must be after the old one.",
                               field="new_due_at")
        old_due = dossier.due_at
        dossier.original_due_at = old_due
        dossier.due_at = new_due_at
        dossier.apology_issued_at = now
        DossierStep.objects.filter(dossier=dossier, due_at=old_due).exclude(state=StepState.DONE).update(
            due_at=new_due_at)
        return frame.finish(dossier, actor, "issue_apology", dossier.state, step=step, note=reason,
                       data={"reason": reason, "old_due_at": old_due.isoformat(),
                             "new_due_at": new_due_at.isoformat()})


def stop_processing(dossier: Dossier | int, *, actor, expected_version: int | None, reasons: str) -> Dossier:
    """Notice of stopping the processing, with reasons (NĐ 118/2025 Art. 21.2)."""
    reasons = frame.reason(reasons, "reasons", "lý do dừng giải quyết")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [*PROCESSING_STATES, State.SUPPLEMENT_REQUESTED], "dừng giải quyết")
        step = dossier.current_step if dossier.current_step_id else None
        frame.require(holds_role(actor, [Role.RECEIVER], dossier.receiving_agency)
                 or (step is not None and holds_role(actor, [Role.HANDLER, Role.APPROVER], step.agency)))
        if dossier.state == State.SUPPLEMENT_REQUESTED and dossier.received_at is None:
            raise InvalidTransition("Hồ sơ chưa được tiếp nhận nên không thể dừng giải quyết; hãy từ chối hoặc "
                                    "chờ người nộp rút hồ sơ.", "Not yet received: nothing to stop.")
        from_state = dossier.state
        now = timezone.now()
        route.cancel_open_steps(dossier, now)
        dossier.state = State.STOPPED
        dossier.finished_at = now
        return frame.finish(dossier, actor, "stop_processing", from_state, step=step, note=reasons,
                       data={"reasons": reasons})


def return_result(dossier: Dossier | int, *, actor, expected_version: int | None, method: str = "",
                  note: str = "") -> Dossier:
    """Hand the result over — at the desk, by post or online — and close the dossier. Without a ``method``
    the result goes the way the applicant registered at filing (at the desk when nothing was registered)."""
    if method and method not in ReturnMethod.values:
        raise InvalidInput("Hình thức trả kết quả không hợp lệ (tại quầy, bưu chính hoặc trực tuyến).",
                           "Unknown return method.", field="method")
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require_state(dossier, [State.RESULT_READY], "trả kết quả")
        step = dossier.current_step if dossier.current_step_id else None
        frame.require(holds_role(actor, [Role.RETURNER, Role.RECEIVER],
                            step.agency if step is not None else dossier.receiving_agency))
        now = timezone.now()
        writes = []
        if step is not None:
            step.state, step.finished_at, step.assignee = StepState.DONE, now, frame.actor_user(actor)
            writes.append(statements.update(step, ["state", "finished_at", "assignee"]))
        dossier.current_step = None
        dossier.state = State.RETURNED
        dossier.return_method = method or dossier.requested_return_method or ReturnMethod.DESK
        method = dossier.return_method
        dossier.result_digitised = bool(_HOLDS_KIND.one(dossier.pk, DocumentKind.RESULT)[0])
        dossier.finished_at = now
        data = {"method": method}
        handler = _check_result_registry(dossier)
        if handler is not None:
            # The registry's record is written in this transaction: no returned dossier without it.
            written = handler.record(dossier, actor)
            data["result_record"] = {"handler": handler.key, "summary": written.summary, "url": written.url,
                                     "object_id": written.object_id}
        # The receivers (the archive) queue their work in this transaction, with the event's followers: a
        # committed return always has it queued, a rolled-back one never.
        return frame.finish(dossier, actor, "return_result", State.RESULT_READY, step=step, note=note, data=data,
                            writes=writes,
                            followers=lambda: result_returned.send(sender=Dossier, dossier_id=dossier.pk))


def _holds_kind_statement(db) -> str:
    quote = db.ops.quote_name
    document = DossierDocument._meta
    dossier, kind = quote(document.get_field("dossier").column), quote(document.get_field("kind").column)
    return (f"SELECT EXISTS (SELECT 1 FROM {quote(document.db_table)} "  # noqa: S608
            f"WHERE {dossier} = %s AND {kind} = %s)")


_HOLDS_KIND = statements.FixedRead(DossierDocument, _holds_kind_statement, primary=True)


def _check_result_registry(dossier: Dossier):
    """The registry the dossier's result feeds (``dossiers.results``), after checking it can take the result:
    a version naming a registry no module registered, or an application the registry cannot record, is
    refused with the reasons."""
    from tinhso.dossiers import results

    missing = results.unknown_handler(dossier)
    if missing:
        raise InvalidTransition(
            f"Thủ tục ghi kết quả vào sổ đăng ký “{missing}” nhưng hệ thống chưa có sổ này; báo quản trị nền tảng "
            "trước khi phê duyệt.", f"The result registry {missing!r} is not installed.")
    handler = results.handler_for(dossier)
    if handler is None:
        return None
    problems = handler.problems(dossier)
    if problems:
        raise InvalidTransition(
            f"Kết quả chưa thể ghi vào {handler.label}: " + "; ".join(problems),
            f"The result cannot be recorded in {handler.key}: " + "; ".join(problems))
    return handler


def withdraw(dossier: Dossier | int, *, actor, expected_version: int | None, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier (themselves online, or at the desk on their written request)."""
    with transaction.atomic():
        dossier = frame.lock(dossier, expected_version)
        frame.require(frame.is_applicant(actor, dossier)
                      or holds_role(actor, [Role.RECEIVER], dossier.receiving_agency))
        from_state = dossier.state
        now = timezone.now()
        route.cancel_open_steps(dossier, now)
        dossier.state = State.WITHDRAWN
        dossier.finished_at = now
        return frame.finish(dossier, actor, "withdraw", from_state, note=reason.strip())


# -- what the desk may offer ----------------------------------------------------------------------------

def allowed_actions(dossier: Dossier, actor) -> list[str]:
    """The actions ``actor`` may attempt on ``dossier`` now, by state and role, for showing buttons.

    A cheap pre-check: the service function still decides (and its checks are authoritative).
    """
    if dossier.state in TERMINAL_STATES or actor is None:
        return []
    step = dossier.current_step
    step_agency = step.agency if step is not None else None
    at_desk = holds_role(actor, [Role.RECEIVER], dossier.receiving_agency)
    own = frame.is_applicant(actor, dossier)
    actions: list[str] = []
    state = dossier.state
    if state == State.SUBMITTED and at_desk:
        actions += ["receive", "request_supplement", "refuse"]
    if state in PROCESSING_STATES and step is not None:
        if step.role == StepRole.HANDLE:
            if holds_role(actor, [Role.HANDLER, Role.APPROVER], step_agency):
                actions.append("assign")
            if holds_role(actor, [Role.HANDLER], step_agency):
                actions += ["forward", "request_supplement"]
        if step.role == StepRole.APPROVE and holds_role(actor, [Role.APPROVER], step_agency):
            actions += ["approve", "send_back"]
        if dossier.apology_issued_at is None and holds_role(actor, [Role.HANDLER, Role.APPROVER], step_agency):
            actions.append("issue_apology")
        if state == State.RECEIVED and (at_desk or holds_role(actor, [Role.HANDLER, Role.APPROVER], step_agency)):
            actions.append("refuse")
    if state == State.SUPPLEMENT_REQUESTED and (own or at_desk):
        actions.append("provide_supplement")
    if state in (*PROCESSING_STATES, State.SUPPLEMENT_REQUESTED) and dossier.received_at and (
        at_desk or (step_agency is not None and holds_role(actor, [Role.HANDLER, Role.APPROVER], step_agency))
    ):
        actions.append("stop_processing")
    if state == State.RESULT_READY and holds_role(actor, [Role.RETURNER, Role.RECEIVER],
                                                  step_agency or dossier.receiving_agency):
        actions.append("return_result")
    if holds_role(actor, [Role.RECEIVER, Role.RETURNER], dossier.receiving_agency) and any(
            line.exemption and not line.exemption_ground for line in dossier.fees.all()):
        actions.append("exempt_fees")
    if own or at_desk:
        actions.append("withdraw")
    return list(dict.fromkeys(actions))


# -- API submissions with an Idempotency-Key ----------------------------------------------------------------

def submit_idempotent(*, key: str, client: str, request_hash: str, **submission) -> tuple[Dossier, bool]:
    """``submit_online`` once per (client, key): a retry with the same body returns the dossier the first
    call created (``created`` False); the same key with a different body is refused (422)."""
    from django.db import IntegrityError

    from tinhso.dossiers.models import IdempotencyKey

    key = (key or "").strip()
    if not key or len(key) > 100:
        raise InvalidInput("Idempotency-Key phải có từ 1 đến 100 ký tự.", "Idempotency-Key must be 1–100 characters.",
                           field="Idempotency-Key")

    def replay() -> tuple[Dossier, bool] | None:
        earlier = IdempotencyKey.objects.select_related("dossier").filter(client=client, key=key).first()
        if earlier is None:
            return None
        if earlier.request_hash != request_hash:
            error = InvalidInput("Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác.",
                                 "This Idempotency-Key was used for a different request.", field="Idempotency-Key")
            error.status = 422
            raise error
        return earlier.dossier, False

    found = replay()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            dossier = submit_online(**submission)
            IdempotencyKey.objects.create(key=key, client=client, request_hash=request_hash, dossier=dossier)
    except IntegrityError:
        # A concurrent retry with the same key committed first: answer with its dossier.
        found = replay()
        if found is None:
            raise
        return found
    return dossier, True
