"""Every change to the press and information module: one function per business action, transactional.

Each action writes its records, an audit entry (``common.audit``), the case's event where a case is
concerned, and its notices (``common.notices``, sent after commit) in one transaction: a refused action
leaves nothing behind. Due moments come from the one working-day calendar (``common.workdays``). A refusal is
a :class:`MediaError` with the message in Vietnamese and English, the field concerned and an HTTP status.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.common import audit, counters, workdays
from tinhso.common.notices import Recipient, in_language_of, notify
from tinhso.common.notices.channels import absolute
from tinhso.common.uploads import UploadRejected, validate_upload
from tinhso.directory.models import Agency, Membership
from tinhso.dossiers.errors import DossierError
from tinhso.media.models import (
    Briefing,
    BriefingInvitation,
    BriefingKind,
    BriefingQuestion,
    Case,
    CaseEvent,
    CaseState,
    Crisis,
    CrisisScenario,
    CrisisTask,
    Evidence,
    FakeNewsReport,
    LicenceState,
    PressOffice,
    ReportSource,
    ReportState,
    Severity,
    SpeakerRole,
    Spokesperson,
    Verdict,
    VerificationTask,
    WebsiteLicence,
)


class MediaError(DossierError):
    """A refused action of the module: Vietnamese and English message, the field, the HTTP status."""

    def __init__(self, message: str, message_en: str, *, field: str | None = None, status: int = 400):
        super().__init__(message, message_en, field=field)
        self.status = status


# Evidence and information sheets: screenshots, PDFs and office documents, judged by content.
EVIDENCE_TYPES = {"image/png", "image/jpeg", "application/pdf"}

# Verification of a case, by severity (unconfirmed defaults, no decree fixes them): a severe case is
# verified in working hours, the others in working days (standards §3 for the arithmetic).
VERIFICATION_LIMITS = {Severity.SEVERE: ("hours", 4), Severity.MEDIUM: ("days", 2), Severity.LOW: ("days", 5)}
RESPONSE_LIMITS = {Severity.SEVERE: ("hours", 4), Severity.MEDIUM: ("days", 1), Severity.LOW: ("days", 3)}
TRIAGE_WORKING_DAYS = 1
QUESTION_WORKING_DAYS = 5


def _now() -> datetime.datetime:
    return timezone.now()


def due_after(start: datetime.datetime, limit: tuple[str, int]) -> datetime.datetime:
    unit, amount = limit
    if unit == "hours":
        return workdays.add_working_hours(start, amount)
    return workdays.add_working_days(start, amount)


def working_days_before(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The end of office hours ``days`` working days before the day of ``moment``."""
    day = workdays.to_local(moment).date()
    left = days
    while left > 0:
        day -= datetime.timedelta(days=1)
        if workdays.is_working_day(day):
            left -= 1
    closing = workdays.configured_office_hours().closing
    return datetime.datetime.combine(day, closing, tzinfo=workdays.to_local(moment).tzinfo)


def _audit(name: str, instance, *, actor=None, summary: str = "", after: dict | None = None) -> None:
    """A business action on the audit chain: the entry's ``after`` names the action (``media.case.decide``…)."""
    audit.record("action", instance, actor=actor, summary=summary or f"{name}: {instance}"[:300],
                 after={"action": name, **(after or {})})


def _label(actor) -> str:
    if actor is None:
        return "hệ thống"
    return (actor.get_full_name() if hasattr(actor, "get_full_name") else "") or actor.get_username()


def _user(actor):
    return actor if getattr(actor, "pk", None) and hasattr(actor, "memberships") else None


def _staff_of(agency_ids: Iterable[int]):
    """The accounts holding a membership in force at these agencies, each once."""
    memberships = Membership.objects.active_on(timezone.localdate()).filter(
        agency_id__in=list(agency_ids), user__is_active=True).select_related("user").order_by("user_id")
    seen, users = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            users.append(membership.user)
    return users


def _moment(value: datetime.datetime) -> str:
    return f"{workdays.to_local(value):%H:%M %d/%m/%Y}"


def _notify_agency(agency_ids: Iterable[int], *, compose: Callable[[], tuple[str, str]], link: str, concerns,
                   kind: str) -> None:
    """Notify the staff of these agencies, each in their own language (``compose`` runs in it)."""
    for user in _staff_of(agency_ids):
        with in_language_of(user):
            subject, text = compose()
        notify(user, subject=subject, text=text, link=link, concerns=concerns, kind=kind,
               channels=("in_app", "email"))


def _notify_department(*, compose: Callable[[], tuple[str, str]], link: str, concerns, kind: str) -> None:
    _notify_agency(PressOffice.objects.values_list("agency_id", flat=True), compose=compose, link=link,
                   concerns=concerns, kind=kind)


def _text(value: str, field: str, label: str, label_en: str, *, required: bool = True, max_length: int = 0) -> str:
    value = (value or "").strip()
    if required and not value:
        raise MediaError(f"Chưa nhập {label}.", f"The {label_en} is missing.", field=field)
    if max_length and len(value) > max_length:
        raise MediaError(f"{label.capitalize()} dài quá {max_length} ký tự.",
                         f"The {label_en} is longer than {max_length} characters.", field=field)
    return value


def _checked(upload, field: str):
    """The upload judged by content, size and name (``common.uploads``), refused on the form's field."""
    try:
        return validate_upload(upload)
    except UploadRejected as error:
        raise MediaError(error.message, error.message_en, field=field) from error


def _evidence_from(upload, *, field: str, source_url: str = "") -> tuple[Evidence, bytes]:
    """Judge an uploaded screenshot or document (content and size) before anything is stored."""
    checked = _checked(upload, field)
    if checked.content_type not in EVIDENCE_TYPES:
        raise MediaError("Chứng cứ phải là ảnh chụp màn hình (PNG, JPEG) hoặc tệp PDF.",
                         "Evidence must be a screenshot (PNG, JPEG) or a PDF file.", field=field)
    return Evidence(name=checked.display_name, content_type=checked.content_type, size=checked.size,
                    sha256=checked.checksum, source_url=source_url), checked.content


def _store(evidence: Evidence, content: bytes) -> Evidence:
    evidence.file.save(evidence.sha256[:16], ContentFile(content), save=False)
    evidence.save()
    return evidence


# -- spokespeople ---------------------------------------------------------------------------------------------

SPOKESPERSON_FIELDS = ("role", "name", "position", "phone", "email", "decision", "valid_from", "valid_to")


def _check_period(agency: Agency, role: str, valid_from, valid_to, *, exclude: int | None = None) -> None:
    if valid_from is None:
        raise MediaError("Chưa nhập ngày bắt đầu.", "The start date is missing.", field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise MediaError("Ngày kết thúc không được trước ngày bắt đầu.", "The end date is before the start date.",
                         field="valid_to")
    if role != SpeakerRole.SPOKESPERSON:
        return
    # One spokesperson in force at a time (NĐ 09/2017 Art. 2); the authorised may be several.
    overlapping = Spokesperson.objects.select_for_update().filter(agency=agency, role=SpeakerRole.SPOKESPERSON) \
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude)
    clash = overlapping.order_by("valid_from").first()
    if clash is not None:
        shown_from = f"{clash.valid_from:%d/%m/%Y}"
        shown_to = f"{clash.valid_to:%d/%m/%Y}" if clash.valid_to else "nay"
        shown_to_en = f"{clash.valid_to:%d/%m/%Y}" if clash.valid_to else "now"
        raise MediaError(
            f"Thời gian trùng với người phát ngôn {clash.name} ({shown_from} – {shown_to}); hãy cho người đó "
            "thôi phát ngôn trước.",
            f"The period overlaps the spokesperson {clash.name} ({shown_from} – {shown_to_en}); end theirs first.",
            field="valid_from", status=409)


@transaction.atomic
def save_spokesperson(*, agency: Agency, values: dict, instance: Spokesperson | None = None,
                      actor=None) -> Spokesperson:
    """Add (``instance`` None) or edit an agency's spokesperson or a person authorised to speak in their
    place: the end not before the start, no two spokespeople of one agency in force over the same days."""
    values = {name: values.get(name) for name in SPOKESPERSON_FIELDS}
    role = values["role"] or SpeakerRole.SPOKESPERSON
    if role not in SpeakerRole.values:
        raise MediaError("Vai trò không hợp lệ.", "Invalid role.", field="role")
    values["role"] = role
    values["name"] = _text(values["name"], "name", "họ tên", "name", max_length=150)
    values["position"] = _text(values["position"], "position", "chức vụ", "position", max_length=150)
    for name in ("phone", "email", "decision"):
        values[name] = (values[name] or "").strip()
    _check_period(agency, role, values["valid_from"], values["valid_to"],
                  exclude=instance.pk if instance is not None else None)
    created = instance is None
    if created:
        instance = Spokesperson(agency=agency)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.save()
    _audit("media.spokesperson.add" if created else "media.spokesperson.edit", instance, actor=_user(actor),
           summary=f"{instance.agency}: {instance.name} ({instance.get_role_display()})")
    return instance


@transaction.atomic
def end_spokesperson(person: Spokesperson, *, valid_to: datetime.date, actor=None) -> Spokesperson:
    """The spokesperson (or authorised person) stops speaking for the agency after ``valid_to``."""
    person = Spokesperson.objects.select_for_update().get(pk=person.pk)
    if valid_to is None:
        raise MediaError("Chưa nhập ngày kết thúc.", "The end date is missing.", field="valid_to")
    if valid_to < person.valid_from:
        raise MediaError("Ngày kết thúc không được trước ngày bắt đầu.", "The end date is before the start date.",
                         field="valid_to")
    person.valid_to = valid_to
    person.save(update_fields=["valid_to"])
    _audit("media.spokesperson.end", person, actor=_user(actor),
           summary=f"{person.agency}: {person.name} đến {valid_to:%d/%m/%Y}")
    return person


# -- licences -------------------------------------------------------------------------------------------------

def notify_expiring_licences(today: datetime.date | None = None) -> int:
    """Notify the holders (and the department) of licences expiring within the setting's days, once per
    expiry date. Answers how many were notified."""
    day = today or timezone.localdate()
    horizon = day + datetime.timedelta(days=settings.TINHSO_MEDIA_LICENCE_EXPIRY_DAYS)
    count = 0
    for licence in WebsiteLicence.objects.filter(state=LicenceState.IN_FORCE, expires_on__gte=day,
                                                 expires_on__lte=horizon).order_by("expires_on", "pk"):
        if licence.expiry_notice_sent_for == licence.expires_on:
            continue
        with transaction.atomic():
            locked = WebsiteLicence.objects.select_for_update().get(pk=licence.pk)
            if locked.expiry_notice_sent_for == locked.expires_on:
                continue
            expires = f"{locked.expires_on:%d/%m/%Y}"
            subject = f"Giấy phép {locked.licence_number} ({locked.domain}) hết hạn ngày {expires}"
            text = (f"Kính gửi {locked.holder_name},\n\nGiấy phép {locked.licence_number} thiết lập "
                    f"{locked.get_kind_display().lower()} {locked.domain} hết hạn ngày {expires}. Đề nghị nộp hồ "
                    "sơ gia hạn qua Cổng dịch vụ công trước ngày hết hạn (NĐ 147/2024/NĐ-CP).")
            if locked.holder_email or locked.holder_phone:
                notify(Recipient(email=locked.holder_email, phone=locked.holder_phone, name=locked.holder_name),
                       subject=subject, text=text, concerns=locked, kind="media.licence_expiring",
                       key=f"media.licence-expiring:{locked.pk}:{locked.expires_on:%Y%m%d}")
            _notify_department(
                compose=lambda lic=locked: (
                    _("Giấy phép %(number)s (%(domain)s) hết hạn ngày %(date)s") % {
                        "number": lic.licence_number, "domain": lic.domain, "date": f"{lic.expires_on:%d/%m/%Y}"},
                    _("%(holder)s cần nộp hồ sơ gia hạn trước ngày hết hạn.") % {"holder": lic.holder_name}),
                link=reverse("media:licence", args=[locked.pk]), concerns=locked, kind="media.licence_expiring")
            locked.expiry_notice_sent_for = locked.expires_on
            locked.save(update_fields=["expiry_notice_sent_for"])
            count += 1
    return count


# -- briefings ------------------------------------------------------------------------------------------------

@transaction.atomic
def plan_briefing(*, title: str, held_at: datetime.datetime, chair: str, agencies: Iterable[Agency],
                  venue: str = "", kind: str = BriefingKind.MONTHLY, actor=None) -> Briefing:
    """A briefing and the agencies asked to bring information, each with its task due a few working days
    before (``MEDIA_BRIEFING_INFO_WORKING_DAYS``)."""
    title = _text(title, "title", "tiêu đề", "title", max_length=255)
    chair = _text(chair, "chair", "người chủ trì", "chair", max_length=150)
    if kind not in BriefingKind.values:
        raise MediaError("Loại giao ban không hợp lệ.", "Unknown kind of briefing.", field="kind")
    due = working_days_before(held_at, settings.TINHSO_MEDIA_BRIEFING_INFO_WORKING_DAYS)
    briefing = Briefing.objects.create(kind=kind, title=title, held_at=held_at, chair=chair, venue=venue[:255],
                                       info_due_at=due)
    agencies = list(dict.fromkeys(agencies))
    for agency in agencies:
        BriefingInvitation.objects.create(briefing=briefing, agency=agency, due_at=due)
    _audit("media.briefing.plan", briefing, actor=_user(actor),
                 after={"held_at": held_at, "agencies": [a.pk for a in agencies]})
    _notify_agency([a.pk for a in agencies], compose=lambda: (
        _("Cung cấp thông tin cho %(title)s") % {"title": title},
        _("Đề nghị cơ quan gửi thông tin cho %(title)s (họp lúc %(held)s) trước %(due)s.") % {
            "title": title, "held": _moment(held_at), "due": _moment(due)}),
        link=reverse("media:briefing", args=[briefing.pk]), concerns=briefing, kind="media.briefing_task")
    return briefing


@transaction.atomic
def deliver_information(invitation: BriefingInvitation, *, summary: str, sheet=None, actor=None
                        ) -> BriefingInvitation:
    """The agency's information sheet for a briefing (a file judged by content and size, and a summary)."""
    summary = _text(summary, "summary", "tóm tắt thông tin", "summary", max_length=10000)
    content = None
    if sheet is not None:
        content = _checked(sheet, "sheet")
    invitation = BriefingInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.briefing.held:
        raise MediaError("Buổi giao ban đã diễn ra.", "The briefing has already been held.", status=409)
    if content is not None:
        invitation.sheet.save(content.checksum[:16], ContentFile(content.content), save=False)
        invitation.sheet_name, invitation.sheet_sha256 = content.display_name, content.checksum
    invitation.summary = summary
    invitation.delivered_at = _now()
    invitation.save()
    _audit("media.briefing.deliver", invitation, actor=_user(actor),
                 summary=f"{invitation.agency} — {invitation.briefing}", after={"on_time": invitation.on_time})
    return invitation


@transaction.atomic
def add_question(briefing: Briefing, *, journalist: str, outlet: str, question: str, agency: Agency,
                 working_days: int = QUESTION_WORKING_DAYS, actor=None) -> BriefingQuestion:
    asked = BriefingQuestion.objects.create(
        briefing=briefing, journalist=_text(journalist, "journalist", "tên phóng viên", "journalist's name",
                                            max_length=150),
        outlet=_text(outlet, "outlet", "cơ quan báo chí", "outlet", max_length=255),
        question=_text(question, "question", "câu hỏi", "question", max_length=5000), agency=agency,
        due_at=workdays.add_working_days(max(briefing.held_at, _now()), working_days))
    _audit("media.question.add", asked, actor=_user(actor), summary=f"{asked.outlet}: {asked.question[:200]}")
    _notify_agency([agency.pk], compose=lambda: (
        _("Câu hỏi của nhà báo tại %(title)s") % {"title": briefing.title},
        _("%(journalist)s (%(outlet)s) hỏi: %(question)s\nHạn trả lời: %(due)s.") % {
            "journalist": asked.journalist, "outlet": asked.outlet, "question": asked.question,
            "due": _moment(asked.due_at)}),
        link=reverse("media:briefing", args=[briefing.pk]), concerns=asked, kind="media.question")
    return asked


@transaction.atomic
def answer_question(question: BriefingQuestion, *, answer: str, actor=None) -> BriefingQuestion:
    question = BriefingQuestion.objects.select_for_update().get(pk=question.pk)
    if question.answered_at is not None:
        raise MediaError("Câu hỏi đã được trả lời.", "The question has already been answered.", status=409)
    question.answer = _text(answer, "answer", "nội dung trả lời", "answer", max_length=10000)
    question.answered_at = _now()
    question.save()
    _audit("media.question.answer", question, actor=_user(actor), after={"on_time": question.on_time})
    return question


@transaction.atomic
def hold_briefing(briefing: Briefing, *, summary: str = "", actor=None) -> Briefing:
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    briefing.held, briefing.summary = True, summary.strip()
    briefing.save()
    _audit("media.briefing.hold", briefing, actor=_user(actor))
    return briefing


# -- reports of false information -----------------------------------------------------------------------------

def _code(prefix: str, series: str) -> str:
    year = timezone.localdate().year
    return f"{prefix}-{year}-{counters.allocate(series, str(year)):05d}"


@transaction.atomic
def file_report(*, seen_on: str, description: str, link: str = "", screenshot=None, reporter_name: str = "",
                reporter_email: str = "", reporter_phone: str = "", source: str = ReportSource.CITIZEN,
                external_id: str = "", actor=None) -> FakeNewsReport:
    """A report of false or harmful information: from a citizen (no account needed), an officer or monitoring.
    The screenshot is judged before anything is written; the report gets a code to follow it."""
    seen_on = _text(seen_on, "seen_on", "nơi phát hiện", "place it was seen", max_length=200)
    description = _text(description, "description", "mô tả", "description", max_length=5000)
    if not link.strip() and screenshot is None:
        raise MediaError("Cần đường dẫn hoặc ảnh chụp màn hình của thông tin.",
                         "Give the link or a screenshot of the information.", field="link")
    evidence = None
    if screenshot is not None:
        evidence = _evidence_from(screenshot, field="screenshot", source_url=link.strip()[:1000])
    if source not in ReportSource.values:
        source = ReportSource.CITIZEN
    report = FakeNewsReport.objects.create(
        # The sequence never gaps; the random tail keeps one report's code from telling the next one's.
        code=f"{_code('TG', 'media-report')}-{secrets.token_hex(2).upper()}", source=source,
        link=link.strip()[:1000], seen_on=seen_on,
        description=description, reporter_name=reporter_name.strip()[:150], reporter_email=reporter_email.strip(),
        reporter_phone=reporter_phone.strip()[:20], reported_by=_user(actor), external_id=external_id,
        triage_due_at=workdays.add_working_days(_now(), TRIAGE_WORKING_DAYS))
    if evidence is not None:
        record, content = evidence
        record.report = report
        _store(record, content)
    _audit("media.report.file", report, actor=_user(actor), summary=f"{report.code}: {seen_on}")
    _notify_department(compose=lambda: (_("Tin báo %(code)s: %(where)s") % {"code": report.code, "where": seen_on},
                                         description),
                       link=reverse("media:report", args=[report.pk]), concerns=report, kind="media.report")
    return report


def file_monitoring_report(*, external_id: str, seen_on: str, description: str, link: str = "",
                           screenshot=None, actor=None) -> tuple[FakeNewsReport, bool]:
    """A report found by the social-listening tool: idempotent on the tool's own id of the finding (a second
    post answers the report already filed and writes nothing). Returns the report and whether it is new."""
    external_id = _text(external_id, "external_id", "mã của công cụ theo dõi", "monitoring tool's id",
                        max_length=100)
    found = FakeNewsReport.objects.filter(external_id=external_id).first()
    if found is not None:
        return found, False
    try:
        return file_report(seen_on=seen_on, description=description, link=link, screenshot=screenshot,
                           source=ReportSource.MONITORING, external_id=external_id, actor=actor), True
    except IntegrityError:
        # The same finding posted twice at once: the other post filed it.
        found = FakeNewsReport.objects.filter(external_id=external_id).first()
        if found is None:
            raise
        return found, False


def _open_report(report: FakeNewsReport) -> FakeNewsReport:
    report = FakeNewsReport.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.RECEIVED:
        raise MediaError("Tin báo đã được phân loại.", "The report has already been triaged.", status=409)
    return report


def _tell_reporter(report: FakeNewsReport, subject: str, text: str) -> None:
    if report.reporter_email or report.reporter_phone:
        notify(Recipient(email=report.reporter_email, phone=report.reporter_phone, name=report.reporter_name),
               subject=subject, text=text, link=reverse("media:follow") + f"?ma={report.code}", concerns=report,
               kind="media.report_outcome")


@transaction.atomic
def merge_report(report: FakeNewsReport, case: Case, *, note: str = "", actor=None) -> FakeNewsReport:
    """Triage: the same information as an existing case (merged into it)."""
    report = _open_report(report)
    report.state, report.case, report.triaged_at, report.triage_note = ReportState.DUPLICATE, case, _now(), note
    report.save()
    Evidence.objects.filter(report=report, case__isnull=True).update(case=case)
    _event(case, "merge_report", actor, f"Gộp tin báo {report.code}")
    _audit("media.report.merge", report, actor=_user(actor), after={"case": case.code})
    return report


@transaction.atomic
def dismiss_report(report: FakeNewsReport, *, note: str, actor=None) -> FakeNewsReport:
    """Triage: outside what the department handles (the reason is kept and the reporter told)."""
    note = _text(note, "note", "lý do", "reason", max_length=2000)
    report = _open_report(report)
    report.state, report.triaged_at, report.triage_note = ReportState.OUT_OF_SCOPE, _now(), note
    report.save()
    _audit("media.report.dismiss", report, actor=_user(actor), after={"note": note})
    _tell_reporter(report, f"Tin báo {report.code}: không thuộc phạm vi xử lý", note)
    return report


def _event(case: Case, action: str, actor, note: str = "", due_at=None) -> CaseEvent:
    return CaseEvent.objects.create(case=case, action=action, actor_label=_label(actor)[:150], note=note,
                                    due_at=due_at)


@transaction.atomic
def open_case(*, title: str, claim: str, topic: str, severity: str, agencies: Iterable[Agency],
              report: FakeNewsReport | None = None, claim_url: str = "", actor=None) -> Case:
    """Triage into a case: the competent agencies state the facts within the due moment set by severity."""
    from tinhso.media.models import Topic

    title = _text(title, "title", "tiêu đề", "title", max_length=255)
    claim = _text(claim, "claim", "nội dung thông tin", "claim", max_length=10000)
    if topic not in Topic.values:
        raise MediaError("Lĩnh vực không hợp lệ.", "Unknown topic.", field="topic")
    if severity not in Severity.values:
        raise MediaError("Mức độ không hợp lệ.", "Unknown severity.", field="severity")
    agencies = list(dict.fromkeys(agencies))
    if not agencies:
        raise MediaError("Chọn ít nhất một cơ quan xác minh.", "Choose at least one agency to verify.",
                         field="agencies")
    if report is not None:
        report = _open_report(report)
    now = _now()
    due = due_after(now, VERIFICATION_LIMITS[severity])
    case = Case.objects.create(code=_code("VV", "media-case"), title=title, claim=claim, topic=topic,
                               severity=severity, opened_at=now, verification_due_at=due,
                               claim_url=(claim_url or (report.link if report else "")).strip()[:1000],
                               created_by=_user(actor))
    for agency in agencies:
        VerificationTask.objects.create(case=case, agency=agency, due_at=due)
    if report is not None:
        report.state, report.case, report.triaged_at = ReportState.CASE, case, now
        report.save()
        Evidence.objects.filter(report=report).update(case=case)
    _event(case, "open", actor, f"Mở vụ việc, mức độ {case.get_severity_display()}", due)
    _audit("media.case.open", case, actor=_user(actor),
                 after={"severity": severity, "agencies": [a.pk for a in agencies], "due": due})
    _notify_agency([a.pk for a in agencies], compose=lambda: (
        _("Đề nghị xác minh vụ việc %(code)s") % {"code": case.code},
        _("%(title)s\n\n%(claim)s\n\nHạn cung cấp thông tin xác minh: %(due)s.") % {
            "title": case.title, "claim": case.claim, "due": _moment(due)}),
        link=reverse("media:case", args=[case.pk]), concerns=case, kind="media.verification")
    return case


def _locked_case(case: Case, *states: str) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if states and case.state not in states:
        raise MediaError(f"Vụ việc đang ở bước “{case.get_state_display()}”, không thực hiện được thao tác này.",
                         f"The case is at the step “{case.state}”; this action is not possible.", status=409)
    return case


@transaction.atomic
def answer_verification(task: VerificationTask, *, facts: str, actor=None) -> VerificationTask:
    """The competent agency states the facts; once every agency has answered, the case waits for a decision."""
    facts = _text(facts, "facts", "thông tin xác minh", "facts", max_length=20000)
    case = _locked_case(task.case, CaseState.VERIFICATION)
    task = VerificationTask.objects.select_for_update().get(pk=task.pk)
    if task.answered_at is not None:
        raise MediaError("Cơ quan đã gửi thông tin xác minh.", "The agency has already answered.", status=409)
    task.facts, task.answered_at, task.answered_by = facts, _now(), _label(actor)[:150]
    task.save()
    _event(case, "verify", actor, f"{task.agency}: {facts[:500]}")
    _audit("media.case.verify", task, actor=_user(actor), summary=f"{case.code} — {task.agency}",
                 after={"on_time": task.on_time})
    if not case.verifications.filter(answered_at__isnull=True).exists():
        case.state = CaseState.DECISION
        case.save(update_fields=["state"])
        _notify_department(compose=lambda: (
            _("Vụ việc %(code)s đã có đủ thông tin xác minh") % {"code": case.code}, case.title),
            link=reverse("media:case", args=[case.pk]), concerns=case, kind="media.verified")
    return task


@transaction.atomic
def decide(case: Case, *, verdict: str, note: str, actor=None) -> Case:
    """The department's decision on the information: false, misleading, true or cannot be verified."""
    if verdict not in Verdict.values:
        raise MediaError("Kết luận không hợp lệ.", "Unknown verdict.", field="verdict")
    note = _text(note, "note", "căn cứ kết luận", "grounds of the decision", max_length=10000)
    case = _locked_case(case, CaseState.VERIFICATION, CaseState.DECISION)
    now = _now()
    case.verdict, case.verdict_note, case.decided_at = verdict, note, now
    case.state = CaseState.RESPONSE
    case.response_due_at = due_after(now, RESPONSE_LIMITS[case.severity])
    case.save()
    _event(case, "decide", actor, f"{case.get_verdict_display()}: {note[:500]}", case.response_due_at)
    _audit("media.case.decide", case, actor=_user(actor), after={"verdict": verdict})
    return case


@transaction.atomic
def publish_refutation(case: Case, *, title: str, text: str, actor=None) -> Case:
    """The refutation or clarification, published on the portal's public page (with its ClaimReview)."""
    title = _text(title, "refutation_title", "tiêu đề cải chính", "title", max_length=255)
    text = _text(text, "refutation", "nội dung cải chính", "refutation", max_length=20000)
    case = _locked_case(case, CaseState.RESPONSE)
    if case.verdict == Verdict.TRUE:
        raise MediaError("Thông tin được kết luận đúng sự thật: không đăng cải chính.",
                         "The information was found true: there is nothing to refute.", status=409)
    case.refutation_title, case.refutation = title, text
    case.published_at = case.published_at or _now()
    case.save()
    _event(case, "publish", actor, title)
    _audit("media.case.publish", case, actor=_user(actor), after={"title": title})
    link = reverse("media:refutation", args=[case.code])
    for report in case.reports.all():
        _tell_reporter(report, f"Tin báo {report.code}: đã có thông tin cải chính",
                       f"{title}\n\nXem: {absolute(link)}")
    return case


@transaction.atomic
def request_platform(case: Case, *, text: str, actor=None) -> Case:
    """A request to the platform hosting the information to take it down."""
    text = _text(text, "platform_request", "nội dung yêu cầu", "request", max_length=10000)
    case = _locked_case(case, CaseState.RESPONSE)
    case.platform_request, case.platform_requested_at = text, _now()
    case.save()
    _event(case, "platform_request", actor, text[:500])
    _audit("media.case.platform_request", case, actor=_user(actor))
    return case


@transaction.atomic
def refer_to_police(case: Case, *, text: str, actor=None) -> Case:
    """A referral to the police; the evidence goes unchanged (its SHA-256 listed in the referral)."""
    text = _text(text, "police_referral", "nội dung chuyển", "referral", max_length=10000)
    case = _locked_case(case, CaseState.RESPONSE)
    kept = list(case.evidence.order_by("captured_at", "pk"))
    if not kept:
        raise MediaError("Chưa có chứng cứ để chuyển cơ quan công an.", "There is no evidence to hand over.",
                         field="police_referral", status=409)
    listing = "\n".join(f"- {e.name}: SHA-256 {e.sha256}, thu thập {workdays.to_local(e.captured_at):%H:%M %d/%m/%Y}"
                        for e in kept)
    case.police_referral, case.referred_at = f"{text}\n\nChứng cứ kèm theo:\n{listing}", _now()
    case.save()
    _event(case, "police", actor, text[:500])
    _audit("media.case.police", case, actor=_user(actor), after={"evidence": [e.sha256 for e in kept]})
    return case


@transaction.atomic
def add_evidence(case: Case, *, upload, source_url: str = "", captured_at: datetime.datetime | None = None,
                 actor=None) -> Evidence:
    record, content = _evidence_from(upload, field="file", source_url=source_url.strip()[:1000])
    case = _locked_case(case)
    record.case = case
    record.captured_at = captured_at or _now()
    _store(record, content)
    _event(case, "evidence", actor, f"{record.name} (SHA-256 {record.sha256})")
    _audit("media.case.evidence", record, actor=_user(actor), summary=f"{case.code}: {record.name}",
                 after={"sha256": record.sha256, "captured_at": record.captured_at})
    return record


@transaction.atomic
def close_case(case: Case, *, note: str = "", actor=None) -> Case:
    """Closure: a decision is taken and, for false or misleading information, a response was given."""
    case = _locked_case(case, CaseState.RESPONSE)
    if case.verdict in (Verdict.FALSE, Verdict.MISLEADING) and not (
            case.published_at or case.platform_requested_at or case.referred_at):
        raise MediaError("Thông tin sai hoặc gây hiểu lầm: cần đăng cải chính, yêu cầu nền tảng hoặc chuyển công "
                         "an trước khi kết thúc.",
                         "False or misleading information needs a refutation, a platform request or a referral "
                         "before closing.", status=409)
    if hasattr(case, "crisis") and case.crisis.closed_at is None:
        raise MediaError("Khủng hoảng truyền thông của vụ việc chưa kết thúc.",
                         "The case's media crisis is still open.", status=409)
    case.state, case.closed_at = CaseState.CLOSED, _now()
    case.save()
    _event(case, "close", actor, note.strip()[:2000])
    _audit("media.case.close", case, actor=_user(actor))
    return case


# -- crises ---------------------------------------------------------------------------------------------------

@transaction.atomic
def open_crisis(case: Case, scenario: CrisisScenario, *, actor=None) -> Crisis:
    """Open a media crisis from a case: the scenario's checklist becomes tasks with due moments."""
    case = _locked_case(case, CaseState.VERIFICATION, CaseState.DECISION, CaseState.RESPONSE)
    if Crisis.objects.filter(case=case).exists():
        raise MediaError("Vụ việc đã có khủng hoảng truyền thông.", "The case already has a crisis.", status=409)
    steps = list(scenario.steps.order_by("order"))
    if not scenario.active or not steps:
        raise MediaError("Kịch bản không dùng được (chưa có bước nào hoặc đã ngừng dùng).",
                         "The scenario cannot be used (no steps, or retired).", field="scenario")
    now = _now()
    crisis = Crisis.objects.create(case=case, scenario=scenario, opened_at=now)
    CrisisTask.objects.bulk_create([
        CrisisTask(crisis=crisis, order=step.order, title=step.title, performer=step.performer,
                   due_at=workdays.add_working_hours(now, step.hours)) for step in steps])
    _event(case, "crisis", actor, scenario.title)
    _audit("media.crisis.open", crisis, actor=_user(actor), summary=f"{case.code}: {scenario.title}")
    _notify_department(compose=lambda: (
        _("Khủng hoảng truyền thông: %(title)s") % {"title": case.title}, scenario.title),
        link=reverse("media:case", args=[case.pk]), concerns=case, kind="media.crisis")
    return crisis


@transaction.atomic
def complete_crisis_task(task: CrisisTask, *, note: str = "", actor=None) -> CrisisTask:
    task = CrisisTask.objects.select_for_update().select_related("crisis").get(pk=task.pk)
    if task.done_at is not None:
        raise MediaError("Việc đã hoàn thành.", "The task is already done.", status=409)
    task.done_at, task.note = _now(), note.strip()[:2000]
    task.save()
    crisis = task.crisis
    _event(crisis.case, "crisis_task", actor, task.title)
    _audit("media.crisis.task", task, actor=_user(actor), summary=task.title,
                 after={"on_time": task.done_at <= task.due_at})
    if not crisis.tasks.filter(done_at__isnull=True).exists():
        crisis.closed_at = task.done_at
        crisis.save(update_fields=["closed_at"])
    return task


# -- reminders ------------------------------------------------------------------------------------------------

def remind_due(now: datetime.datetime | None = None) -> int:
    """Remind the agencies of their open tasks due soon or overdue (verification, briefing information,
    journalists' questions): once per task and state, whatever how often this runs. Answers the count."""
    from tinhso.common.deadlines import DUE_SOON, OVERDUE, running_status

    now = now or _now()
    sent = 0
    tasks = [
        (VerificationTask.objects.filter(answered_at__isnull=True, case__state=CaseState.VERIFICATION)
         .select_related("case", "agency"), "verification",
         lambda t: (_("Vụ việc %(code)s: xác minh") % {"code": t.case.code}, reverse("media:case", args=[t.case_id]))),
        (BriefingInvitation.objects.filter(delivered_at__isnull=True, briefing__held=False)
         .select_related("briefing", "agency"), "briefing",
         lambda t: (_("%(title)s: gửi thông tin") % {"title": t.briefing.title},
                    reverse("media:briefing", args=[t.briefing_id]))),
        (BriefingQuestion.objects.filter(answered_at__isnull=True).select_related("briefing", "agency"), "question",
         lambda t: (_("Câu hỏi của %(outlet)s: trả lời") % {"outlet": t.outlet},
                    reverse("media:briefing", args=[t.briefing_id]))),
    ]
    for queryset, what, describe in tasks:
        for task in queryset.filter(due_at__lte=workdays.add_working_days(now, 1)).order_by("due_at", "pk"):
            status = running_status(task.due_at, now)
            if status.kind not in (DUE_SOON, OVERDUE):
                continue
            with transaction.atomic():
                for user in _staff_of([task.agency_id]):
                    with in_language_of(user):
                        title, link = describe(task)
                        words = {"title": title, "due": _moment(task.due_at), "agency": task.agency}
                        if status.kind == OVERDUE:
                            subject = _("%(title)s đã quá hạn (%(due)s)") % words
                        else:
                            subject = _("%(title)s sắp đến hạn (%(due)s)") % words
                    notify(user, subject=subject, text=f"{task.agency}: {subject}", link=link, concerns=task,
                           kind=f"media.reminder_{what}", channels=("in_app", "email"),
                           key=f"media.remind:{what}:{task.pk}:{status.kind}:{user.pk}")
            sent += 1
    return sent
