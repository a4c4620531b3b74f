"""Every change to directives and tasks: one transactional function per business action.

Each action on a task locks the task's row, checks the version the caller saw (``expected_version``; a stale
form gets a 409 :class:`DirectiveError`, as in the dossier engine), checks the transition and who may take
it, writes the new state, appends a :class:`~tinhso.directives.models.TaskEvent` and an audit-chain entry,
and queues the notices, all in one transaction: a refused action writes nothing and notifies nobody.

Due moments come from the platform's one calendar (``common.workdays``). QĐ 42/2014/QĐ-TTg (as amended by
QĐ 23/2018/QĐ-TTg, standards §11): the lead agency asks for an extension before the due moment; the leader
who assigned the task (or the office on the leader's behalf) decides; lateness is judged against the
approved date while the original one stays visible; the office confirms completion.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.common import audit, workdays
from tinhso.common.inputs import has_unsafe_characters
from tinhso.directives import rollups, selectors
from tinhso.directives.models import (
    OPEN_STATES,
    Directive,
    DirectiveKind,
    DueKind,
    Extension,
    ExtensionState,
    PeriodicReport,
    Priority,
    ProgressReport,
    ReportEvery,
    ReportKind,
    Task,
    TaskEvent,
    TaskState,
)
from tinhso.directory.models import Agency


class DirectiveError(Exception):
    """A change the register refuses: a message in the active language, the field, an HTTP status."""

    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = str(message), field, status


MAX_FILE_BYTES = 20 * 1024 * 1024
# How far ahead an ongoing task's periodic reports are laid out when it is assigned (the command
# `tinhso directives remind` lays out more as time passes).
PERIODIC_HORIZON_MONTHS = 24


def _label(actor) -> str:
    if actor is None:
        return "hệ thống"
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return (full or actor.get_username())[:150]


def _user(actor):
    return actor if getattr(actor, "pk", None) is not None else None


def _text(value: str | None, field_name: str, max_length: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DirectiveError(_("Vui lòng nhập %(field)s.") % {"field": _field_names().get(field_name, field_name)},
                             field_name)
    if len(text) > max_length:
        raise DirectiveError(_("Nội dung quá dài (tối đa %(max)d ký tự).") % {"max": max_length}, field_name)
    if has_unsafe_characters(text):
        raise DirectiveError(_("Nội dung chứa ký tự không hợp lệ."), field_name)
    return text


def _field_names() -> dict:
    return {
        "number": _("số, ký hiệu"), "subject": _("trích yếu"), "signer_name": _("người ký"),
        "text": _("nội dung"), "reason": _("lý do"), "assigned_by_name": _("lãnh đạo giao nhiệm vụ"),
        "evidence": _("kết quả, minh chứng"), "note": _("ý kiến"),
    }


def _check_file(upload) -> tuple[bytes, str]:
    """A PDF (or other attachment) judged by its content and size; returns its bytes and SHA-256."""
    if upload.size > MAX_FILE_BYTES:
        raise DirectiveError(_("Tệp quá lớn (tối đa 20 MB)."), "file")
    content = upload.read()
    if len(content) > MAX_FILE_BYTES:
        raise DirectiveError(_("Tệp quá lớn (tối đa 20 MB)."), "file")
    return content, hashlib.sha256(content).hexdigest()


def _check_pdf(upload) -> tuple[bytes, str]:
    content, digest = _check_file(upload)
    if not content.startswith(b"%PDF-"):
        raise DirectiveError(_("Tệp văn bản phải là PDF."), "file")
    return content, digest


def _save_file(field_file, upload, content: bytes) -> None:
    from django.core.files.base import ContentFile

    name = upload.name.rsplit("/", 1)[-1][:100] or "tep"
    field_file.save(name, ContentFile(content), save=False)


# -- directives ---------------------------------------------------------------------------------------------


def _incoming_pdf(incoming):
    """The incoming document's first PDF, as a file to register with the directive (None without one)."""
    from django.core.files.base import ContentFile

    attachment = incoming.attachments.filter(content_type="application/pdf").order_by("pk").first()
    if attachment is None:
        return None
    with attachment.file.open("rb") as handle:
        return ContentFile(handle.read(MAX_FILE_BYTES + 1), name=attachment.name)


@dataclass
class TaskInput:
    """One task as the office types or imports it."""

    text: str
    lead_agency: Agency
    coordinating: list[Agency] = field(default_factory=list)
    due_kind: str = DueKind.DATE
    due_on: datetime.date | None = None
    due_working_days: int | None = None
    report_every: str = ""
    priority: str = Priority.NORMAL
    assigned_by_name: str = ""
    assigned_by: object = None


def _require_office(actor) -> None:
    if not selectors.is_office(actor):
        raise DirectiveError(_("Chỉ Văn phòng theo dõi nhiệm vụ được thực hiện thao tác này."), status=403)


@transaction.atomic
def register_directive(actor, *, kind: str, number: str, issued_on: datetime.date, issuer: Agency,
                       signer_name: str, subject: str, signer_position: str = "",
                       meeting_on: datetime.date | None = None, meeting_chair: str = "", file=None,
                       received_document: str = "", tasks: Iterable[TaskInput] = (),
                       check_permission: bool = True, incoming=None) -> Directive:
    """Register a directive and the tasks it assigns (all or nothing). ``incoming``: the incoming document of
    the documents register it is made from (the caller has checked that the actor may read it); its number
    and notation and, when no file is given, its first PDF come with it."""
    if check_permission:
        _require_office(actor)
    if kind not in DirectiveKind.values:
        raise DirectiveError(_("Loại văn bản không hợp lệ."), "kind")
    number = _text(number, "number", 60)
    subject = _text(subject, "subject", 500)
    signer_name = _text(signer_name, "signer_name", 150)
    signer_position = _text(signer_position, "signer_position", 150, required=False)
    meeting_chair = _text(meeting_chair, "meeting_chair", 150, required=False)
    received_document = _text(received_document or (incoming.notation if incoming else ""), "received_document",
                              120, required=False)
    if issued_on is None:
        raise DirectiveError(_("Vui lòng nhập ngày ban hành."), "issued_on")
    if issued_on > timezone.localdate():
        raise DirectiveError(_("Ngày ban hành không được sau ngày hôm nay."), "issued_on")
    if meeting_on is not None and meeting_on > issued_on:
        raise DirectiveError(_("Ngày họp không được sau ngày ban hành."), "meeting_on")
    if Directive.objects.filter(issuer=issuer, number=number, issued_on=issued_on).exists():
        raise DirectiveError(_("Văn bản số %(number)s ngày %(date)s đã có trong sổ.") % {
            "number": number, "date": f"{issued_on:%d/%m/%Y}"}, "number")
    directive = Directive(kind=kind, number=number, issued_on=issued_on, issuer=issuer, signer_name=signer_name,
                          signer_position=signer_position, subject=subject, meeting_on=meeting_on,
                          meeting_chair=meeting_chair, received_document=received_document, incoming=incoming)
    if not file and incoming is not None:
        file = _incoming_pdf(incoming)
    if file:
        content, directive.file_sha256 = _check_pdf(file)
        _save_file(directive.file, file, content)
    directive.save()
    audit.record("action", directive, actor=_user(actor), summary=f"Vào sổ văn bản {directive}"[:300], after={
        "action": "register", "kind": kind, "number": number, "issued_on": issued_on, "issuer": issuer.pk,
        "subject": subject, "incoming": incoming.pk if incoming else None,
        "file_sha256": directive.file_sha256})
    for position, item in enumerate(tasks, start=1):
        assign_task(actor, directive, item, position=position, check_permission=False)
    return directive


def due_moment(directive: Directive, due_kind: str, due_on: datetime.date | None,
               due_working_days: int | None) -> datetime.datetime | None:
    """The task's due moment on the working-day calendar.

    A fixed date falls due at the end of office hours that day, or of the next working day when it is a day
    off (BLDS 2015 Art. 148.5); N working days run from the day after the directive's date (BLDS 2015
    Art. 147, as for dossiers); an ongoing task has no due moment of its own."""
    if due_kind == DueKind.DATE:
        if due_on is None:
            raise DirectiveError(_("Vui lòng nhập hạn hoàn thành."), "due_on")
        if due_on < directive.issued_on:
            raise DirectiveError(_("Hạn hoàn thành không được trước ngày ban hành văn bản."), "due_on")
        return workdays.add_working_days(due_on, 0)
    if due_kind == DueKind.WORKING_DAYS:
        if not due_working_days or due_working_days < 1 or due_working_days > 1000:
            raise DirectiveError(_("Số ngày làm việc phải từ 1 đến 1000."), "due_working_days")
        return workdays.add_working_days(directive.issued_on, due_working_days)
    if due_kind == DueKind.ONGOING:
        return None
    raise DirectiveError(_("Loại thời hạn không hợp lệ."), "due_kind")


def periods_from(start: datetime.date, every: str, months: int = PERIODIC_HORIZON_MONTHS):
    """The (period name, last day) of the periodic reports from ``start``'s period onwards."""
    step = 3 if every == ReportEvery.QUARTERLY else 1
    year, month = start.year, start.month
    if step == 3:
        month = (month - 1) // 3 * 3 + 1
    for _i in range(0, months, step):
        end_month, end_year = month + step, year
        if end_month > 12:
            end_month, end_year = end_month - 12, year + 1
        last_day = datetime.date(end_year, end_month, 1) - datetime.timedelta(days=1)
        name = f"{year}-Q{(month - 1) // 3 + 1}" if step == 3 else f"{year}-{month:02d}"
        yield name, last_day
        year, month = end_year, end_month


def _lay_out_periodic_reports(task: Task, since: datetime.date) -> int:
    """Create the periodic reports the task owes from ``since``'s period on: each falls due at the end of
    office hours of its period's last day (the next working day when that is a day off)."""
    if not task.report_every:
        return 0
    known = set(task.periodic_reports.values_list("period", flat=True))
    rows = [PeriodicReport(task=task, period=name, due_at=workdays.add_working_days(last_day, 0))
            for name, last_day in periods_from(since, task.report_every) if name not in known]
    PeriodicReport.objects.bulk_create(rows)
    return len(rows)


def _event(task: Task, actor, action: str, from_state: str, note: str = "") -> TaskEvent:
    return TaskEvent.objects.create(task=task, at=timezone.now(), actor=_user(actor), actor_label=_label(actor),
                                    action=action, from_state=from_state, to_state=task.state, note=note)


def _audit(task: Task, actor, action: str, before: dict, note: str = "") -> None:
    audit.record("action", task, actor=_user(actor), summary=f"{action}: {task}"[:300], before=before, after={
        "action": action, "state": task.state, "due_at": task.due_at, "version": task.version, "note": note})


def assign_task(actor, directive: Directive, item: TaskInput, *, position: int | None = None,
                check_permission: bool = True) -> Task:
    """Assign one task of ``directive`` and tell the lead agency."""
    with transaction.atomic():
        if check_permission:
            _require_office(actor)
        text = _text(item.text, "text", 4000)
        assigned_by_name = _text(item.assigned_by_name or directive.signer_name, "assigned_by_name", 150)
        if item.priority not in Priority.values:
            raise DirectiveError(_("Mức độ không hợp lệ."), "priority")
        if item.report_every not in ReportEvery.values:
            raise DirectiveError(_("Kỳ báo cáo không hợp lệ."), "report_every")
        if item.due_kind == DueKind.ONGOING and not item.report_every:
            raise DirectiveError(_("Nhiệm vụ thường xuyên phải có kỳ báo cáo (hằng tháng hoặc hằng quý)."),
                                 "report_every")
        due_at = due_moment(directive, item.due_kind, item.due_on, item.due_working_days)
        if item.lead_agency in item.coordinating:
            raise DirectiveError(_("Cơ quan chủ trì không đồng thời là cơ quan phối hợp."), "coordinating")
        if position is None:
            position = directive.tasks.count() + 1
        task = Task.objects.create(
            directive=directive, position=position, text=text, lead_agency=item.lead_agency,
            due_kind=item.due_kind, due_on=item.due_on if item.due_kind == DueKind.DATE else None,
            due_working_days=item.due_working_days if item.due_kind == DueKind.WORKING_DAYS else None,
            original_due_at=due_at, due_at=due_at, report_every=item.report_every, priority=item.priority,
            assigned_by=_user(item.assigned_by), assigned_by_name=assigned_by_name, created_at=timezone.now())
        if item.coordinating:
            task.coordinating.set(item.coordinating)
        _lay_out_periodic_reports(task, directive.issued_on)
        rollups.move(None, rollups.key_of(task))
        _event(task, actor, "assign", "")
        audit.record("action", task, actor=_user(actor), summary=f"assign: {task}"[:300], after={
            "action": "assign", "directive": directive.number, "lead_agency": task.lead_agency_id, "due_at": due_at,
            "coordinating": sorted(a.pk for a in item.coordinating)})
        from tinhso.directives import notices

        notices.on_assignment(task)
        return task


# -- actions on a task -------------------------------------------------------------------------------------


def _lock(task: Task | int, expected_version: int | None) -> Task:
    pk = task.pk if isinstance(task, Task) else task
    locked = Task.objects.select_for_update().select_related("directive", "lead_agency").filter(pk=pk).first()
    if locked is None:
        raise DirectiveError(_("Không tìm thấy nhiệm vụ."), status=404)
    if expected_version is not None and locked.version != expected_version:
        raise DirectiveError(_("Nhiệm vụ đã được người khác cập nhật; vui lòng tải lại trang rồi thao tác lại."),
                             "version", status=409)
    return locked


def _require_state(task: Task, *states: str) -> None:
    if task.state not in states:
        raise DirectiveError(_("Không thể thực hiện thao tác này khi nhiệm vụ đang ở tình trạng “%(state)s”.") % {
            "state": task.get_state_display()}, "state", status=409)


def _require_lead(actor, task: Task) -> None:
    if not selectors.leads(actor, task):
        raise DirectiveError(_("Chỉ cơ quan chủ trì được báo cáo hoặc đề nghị gia hạn nhiệm vụ này."), status=403)


def _save(task: Task, names: list[str]) -> None:
    task.version += 1
    task.save(update_fields=[*names, "version"])


def _snapshot(task: Task) -> dict:
    return {"state": task.state, "due_at": task.due_at, "version": task.version}


def _report(task: Task, actor, kind: str, text: str, evidence: str, file) -> ProgressReport:
    report = ProgressReport(task=task, kind=kind, at=timezone.now(), by=_user(actor), by_label=_label(actor),
                            text=text, evidence=evidence)
    if file:
        content, report.file_sha256 = _check_file(file)
        _save_file(report.file, file, content)
    report.save()
    return report


@transaction.atomic
def report_progress(actor, task: Task | int, *, text: str, expected_version: int | None, evidence: str = "",
                    file=None) -> ProgressReport:
    """The lead agency reports progress; an ongoing task's earliest outstanding periodic report is met by it."""
    text = _text(text, "text", 4000)
    evidence = _text(evidence, "evidence", 300, required=False)
    task = _lock(task, expected_version)
    _require_lead(actor, task)
    _require_state(task, TaskState.ASSIGNED, TaskState.IN_PROGRESS)
    before, from_state = _snapshot(task), task.state
    periodic = task.periodic_reports.filter(submitted_at__isnull=True).order_by("due_at").first() \
        if task.report_every else None
    report = _report(task, actor, ReportKind.PERIODIC if periodic else ReportKind.PROGRESS, text, evidence, file)
    if periodic is not None:
        periodic.report, periodic.submitted_at = report, report.at
        periodic.save(update_fields=["report", "submitted_at"])
    task.state = TaskState.IN_PROGRESS
    _save(task, ["state"])
    _event(task, actor, "progress", from_state, text[:500])
    _audit(task, actor, "progress", before, text[:200])
    return report


@transaction.atomic
def report_completion(actor, task: Task | int, *, text: str, evidence: str, expected_version: int | None,
                      file=None) -> ProgressReport:
    """The lead agency reports the task complete, naming the evidence; the office then confirms or returns it.
    Lateness is judged at this moment."""
    text = _text(text, "text", 4000)
    evidence = _text(evidence, "evidence", 300, required=not file)
    task = _lock(task, expected_version)
    _require_lead(actor, task)
    _require_state(task, TaskState.ASSIGNED, TaskState.IN_PROGRESS)
    before, from_state = _snapshot(task), task.state
    report = _report(task, actor, ReportKind.COMPLETION, text, evidence, file)
    task.state, task.finished_at = TaskState.REPORTED, report.at
    _save(task, ["state", "finished_at"])
    _event(task, actor, "report_completion", from_state, text[:500])
    _audit(task, actor, "report_completion", before, evidence)
    from tinhso.directives import notices

    notices.on_completion_reported(task)
    return report


@transaction.atomic
def confirm_done(actor, task: Task | int, *, expected_version: int | None, note: str = "") -> Task:
    """The office confirms the reported completion: the task is done, on time or late by its report."""
    note = _text(note, "note", 2000, required=False)
    task = _lock(task, expected_version)
    _require_office(actor)
    _require_state(task, TaskState.REPORTED)
    before, from_state, counted = _snapshot(task), task.state, rollups.key_of(task)
    task.state, task.done_at = TaskState.DONE, timezone.now()
    task.done_on_time = task.due_at is None or task.finished_at <= task.due_at
    _save(task, ["state", "done_at", "done_on_time"])
    rollups.move(counted, rollups.key_of(task))
    _event(task, actor, "confirm", from_state, note)
    _audit(task, actor, "confirm", before, note)
    return task


@transaction.atomic
def return_task(actor, task: Task | int, *, reason: str, expected_version: int | None) -> Task:
    """The office returns a completion report (not enough evidence…): back in progress, with the reason."""
    reason = _text(reason, "reason", 2000)
    task = _lock(task, expected_version)
    _require_office(actor)
    _require_state(task, TaskState.REPORTED)
    before, from_state = _snapshot(task), task.state
    task.state, task.finished_at = TaskState.IN_PROGRESS, None
    _save(task, ["state", "finished_at"])
    _event(task, actor, "return", from_state, reason)
    _audit(task, actor, "return", before, reason)
    from tinhso.directives import notices

    notices.on_returned(task, reason)
    return task


@transaction.atomic
def cancel_task(actor, task: Task | int, *, reason: str, expected_version: int | None) -> Task:
    """The office cancels a task (the leader withdrew it, it was merged into another), with the reason."""
    reason = _text(reason, "reason", 1000)
    task = _lock(task, expected_version)
    _require_office(actor)
    _require_state(task, *OPEN_STATES)
    before, from_state, counted = _snapshot(task), task.state, rollups.key_of(task)
    task.state, task.closing_note = TaskState.CANCELLED, reason
    _save(task, ["state", "closing_note"])
    rollups.move(counted, None)
    task.extensions.filter(state=ExtensionState.PENDING).update(
        state=ExtensionState.REFUSED, decided_at=timezone.now(), decided_by_label=_label(actor),
        decision_note=reason)
    _event(task, actor, "cancel", from_state, reason)
    _audit(task, actor, "cancel", before, reason)
    return task


# -- extensions --------------------------------------------------------------------------------------------


@transaction.atomic
def request_extension(actor, task: Task | int, *, new_due_on: datetime.date | None, reason: str,
                      expected_version: int | None, at: datetime.datetime | None = None) -> Extension:
    """The lead agency asks for a new date, with a reason, before the due moment (QĐ 42/2014, standards §11)."""
    reason = _text(reason, "reason", 2000)
    now = at or timezone.now()
    task = _lock(task, expected_version)
    _require_lead(actor, task)
    _require_state(task, TaskState.ASSIGNED, TaskState.IN_PROGRESS)
    if task.due_at is None:
        raise DirectiveError(_("Nhiệm vụ thường xuyên không có hạn để gia hạn."), "new_due_on")
    if now > task.due_at:
        raise DirectiveError(_("Chỉ được đề nghị gia hạn trước thời hạn; nhiệm vụ đã quá hạn."), "new_due_on")
    if new_due_on is None:
        raise DirectiveError(_("Vui lòng nhập hạn đề nghị."), "new_due_on")
    if workdays.add_working_days(new_due_on, 0) <= task.due_at:
        raise DirectiveError(_("Hạn đề nghị phải sau hạn hiện hành (%(due)s).") % {
            "due": f"{workdays.to_local(task.due_at):%d/%m/%Y}"}, "new_due_on")
    if task.extensions.filter(state=ExtensionState.PENDING).exists():
        raise DirectiveError(_("Đã có một đề nghị gia hạn đang chờ quyết định."), "new_due_on", status=409)
    before = _snapshot(task)
    extension = Extension.objects.create(task=task, requested_at=now, requested_by_label=_label(actor),
                                         reason=reason, previous_due_at=task.due_at, requested_due_on=new_due_on)
    _save(task, [])
    _event(task, actor, "request_extension", task.state, f"{new_due_on:%d/%m/%Y}: {reason}"[:1000])
    _audit(task, actor, "request_extension", before, f"{new_due_on:%d/%m/%Y}")
    from tinhso.directives import notices

    notices.on_extension_requested(task, extension)
    return extension


@transaction.atomic
def decide_extension(actor, extension: Extension | int, *, approve: bool, note: str = "",
                     expected_version: int | None) -> Extension:
    """The leader who assigned the task, or the office on the leader's behalf, approves or refuses."""
    note = _text(note, "note", 2000, required=not approve)
    pk = extension.pk if isinstance(extension, Extension) else extension
    found = Extension.objects.filter(pk=pk).values_list("task_id", flat=True).first()
    if found is None:
        raise DirectiveError(_("Không tìm thấy đề nghị gia hạn."), status=404)
    task = _lock(found, expected_version)
    if not selectors.may_decide_extension(actor, task):
        raise DirectiveError(_("Chỉ lãnh đạo giao nhiệm vụ hoặc Văn phòng được quyết định gia hạn."), status=403)
    extension = Extension.objects.select_for_update().get(pk=pk)
    if extension.state != ExtensionState.PENDING:
        raise DirectiveError(_("Đề nghị gia hạn này đã được quyết định."), status=409)
    before, from_state = _snapshot(task), task.state
    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    extension.decided_at, extension.decided_by_label, extension.decision_note = timezone.now(), _label(actor), note
    extension.save(update_fields=["state", "decided_at", "decided_by_label", "decision_note"])
    if approve:
        counted = rollups.key_of(task)
        task.due_at = workdays.add_working_days(extension.requested_due_on, 0)
        _save(task, ["due_at"])
        rollups.move(counted, rollups.key_of(task))
    else:
        _save(task, [])
    action = "approve_extension" if approve else "refuse_extension"
    _event(task, actor, action, from_state, note)
    _audit(task, actor, action, before, note)
    from tinhso.directives import notices

    notices.on_extension_decided(task, extension)
    return extension


def extend_periodic_reports(today: datetime.date | None = None) -> int:
    """Lay out the periodic reports of open ongoing tasks up to the horizon (run by the daily command)."""
    today = today or timezone.localdate()
    created = 0
    for task in Task.objects.filter(state__in=OPEN_STATES).exclude(report_every=""):
        with transaction.atomic():
            created += _lay_out_periodic_reports(task, today)
    return created


def ensure_office(agency: Agency) -> None:
    """Make ``agency`` the one that keeps the register (demo data, tests, first setup)."""
    from tinhso.directives.models import DirectivesOffice

    DirectivesOffice.objects.get_or_create(agency=agency)


def due_soon_setting() -> tuple[int, ...]:
    """The working days before the due moment at which the lead agency is reminded (standards §11: 7, 3, 1)."""
    return tuple(getattr(settings, "TINHSO_DIRECTIVES_REMINDER_DAYS", (7, 3, 1)))
