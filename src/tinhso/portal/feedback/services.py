"""Every change to ratings and complaints: one function per business action, each in one transaction
that locks the row, checks who acts and in which state, writes, appends a ``ComplaintEvent`` (complaints)
and an audit-chain entry. A refused action writes nothing.

Errors are the engine's error values (``tinhso.dossiers.errors``): a Vietnamese message, an English one,
the field concerned and the HTTP status a view answers with.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.common.audit import record, snapshot
from tinhso.common.workdays import add_working_days
from tinhso.directory.models import Agency, Role
from tinhso.dossiers.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.services import holds_role
from tinhso.portal.feedback.models import (
    OPEN_STATES,
    SCORE_FIELDS,
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    ComplaintKind,
    ComplaintState,
    Rating,
    Verdict,
)
from tinhso.portal.feedback.notices import notify_citizen

# Handling deadline of a complaint, in working days from its arrival at the responsible agency.
# Default 10 working days, after NĐ 20/2008/NĐ-CP on receiving and handling feedback and proposals on
# administrative regulations (as amended) — *unconfirmed*: provinces set their own rules, so the value is
# configurable through the ``TINHSO_COMPLAINT_HANDLING_WORKING_DAYS`` setting.
DEFAULT_HANDLING_WORKING_DAYS = 10

# A rating may be changed by its author for this many calendar days after it was first given; afterwards
# it is final, so that indicators for a closed period do not move.
RATING_EDIT_DAYS = 7

# The roles that may answer, refuse or transfer a complaint addressed to their agency (or a unit below it).
# Operations-centre viewers and platform administrators see every complaint but answer none.
HANDLING_ROLES = (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER, Role.AGENCY_ADMIN)

CODE_PREFIX = "PAKN"


def handling_working_days() -> int:
    return int(getattr(settings, "TINHSO_COMPLAINT_HANDLING_WORKING_DAYS", DEFAULT_HANDLING_WORKING_DAYS))


def handling_due(start: datetime.datetime) -> datetime.datetime:
    """The answer is due at the close of office hours on the N-th working day after ``start``."""
    return add_working_days(start, handling_working_days())


def _label(user) -> str:
    if user is None or getattr(user, "pk", None) is None:
        return "hệ thống"
    return (user.get_full_name() or user.get_username())[:255]


def _text(value: str | None, field: str, message: str, message_en: str, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, message_en, field=field)
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(f"Tối đa {max_length} ký tự.", f"At most {max_length} characters.", field=field)
    return text


# -- ratings ----------------------------------------------------------------------------------------------

def rating_editable(rating: Rating, at: datetime.datetime | None = None) -> bool:
    """Whether the author may still change ``rating`` (within ``RATING_EDIT_DAYS`` of giving it)."""
    return (at or timezone.now()) <= rating.created_at + datetime.timedelta(days=RATING_EDIT_DAYS)


def _score(scores: dict, name: str) -> int:
    value = scores.get(name)
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise InvalidInput("Vui lòng chọn mức đánh giá từ 1 đến 5.", "Choose a score from 1 to 5.", field=name)
    return value


def rate_dossier(*, dossier: Dossier | int, user, scores: dict, comment: str = "") -> Rating:
    """The applicant rates a returned dossier, or changes their rating within ``RATING_EDIT_DAYS``.

    Only the dossier's own applicant account may rate it (anyone else gets NotFound, as if the dossier did
    not exist), only once the result was returned, and one rating per dossier.
    """
    values = {name: _score(scores, name) for name in SCORE_FIELDS}
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise InvalidInput("Ý kiến góp ý tối đa 2000 ký tự.", "At most 2000 characters.", field="comment")
    with transaction.atomic():
        pk = dossier.pk if isinstance(dossier, Dossier) else dossier
        dossier = Dossier.objects.select_for_update().filter(pk=pk).first()
        if dossier is None or user is None or dossier.applicant_user_id != getattr(user, "pk", None):
            raise NotFound()
        if dossier.state != State.RETURNED:
            raise InvalidTransition("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả.",
                                    "A dossier can be rated only after its result was returned.")
        now = timezone.now()
        rating = Rating.objects.filter(dossier=dossier).first()
        if rating is None:
            rating = Rating.objects.create(dossier=dossier, user=user, agency_id=dossier.receiving_agency_id,
                                           comment=comment, created_at=now, updated_at=now, **values)
            record("action", rating, summary=f"Đánh giá hồ sơ {dossier.code}: {rating.overall_score}/5",
                   after=snapshot(rating), actor=user)
            return rating
        if not rating_editable(rating, now):
            raise InvalidTransition(
                f"Hồ sơ đã được đánh giá; chỉ sửa được trong {RATING_EDIT_DAYS} ngày kể từ khi đánh giá.",
                f"This dossier was already rated; a rating can be changed for {RATING_EDIT_DAYS} days only.")
        before = snapshot(rating)
        for name, value in values.items():
            setattr(rating, name, value)
        rating.comment = comment
        rating.updated_at = now
        rating.save()
        record("action", rating, summary=f"Sửa đánh giá hồ sơ {dossier.code}: {rating.overall_score}/5",
               before=before, after=snapshot(rating), actor=user)
        return rating


# -- complaints -------------------------------------------------------------------------------------------

def allocate_complaint_code(at: datetime.datetime) -> str:
    """``PAKN-YYMMDD-XXXX``: the province-wide sequence of the Vietnamese day, from a locked counter row,
    so codes are consecutive and a rolled-back filing leaves no gap. Past 9999 the number widens."""
    day = timezone.localdate(at)
    counter, _ = ComplaintCounter.objects.select_for_update().get_or_create(day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{CODE_PREFIX}-{day:%y%m%d}-{counter.last:04d}"


def _event(complaint: Complaint, actor, action: str, from_state: str, note: str = "") -> None:
    ComplaintEvent.objects.create(
        complaint=complaint, at=timezone.now(), actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor), action=action, from_state=from_state, to_state=complaint.state,
        agency_id=complaint.agency_id, note=note,
    )


def _audit(complaint: Complaint, actor, summary: str, before: dict | None) -> None:
    record("action", complaint, summary=f"{complaint.code}: {summary}", before=before,
           after=snapshot(complaint), actor=actor)


def file_complaint(
    *, user, kind: str, subject: str, content: str, name: str, phone: str = "", email: str = "",
    dossier: Dossier | None = None, agency: Agency | None = None,
) -> Complaint:
    """A citizen files feedback or a proposal. It goes to the agency chosen or, when none is, to the
    receiving agency of the dossier it concerns (which must be the citizen's own)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Vui lòng đăng nhập để gửi phản ánh, kiến nghị.",
                               "Sign in to file feedback or a proposal.")
    if kind not in ComplaintKind.values:
        raise InvalidInput("Vui lòng chọn phản ánh hoặc kiến nghị.", "Choose feedback or proposal.", field="kind")
    subject = _text(subject, "subject", "Vui lòng nhập tiêu đề.", "A subject is required.", 255)
    content = _text(content, "content", "Vui lòng nhập nội dung phản ánh, kiến nghị.", "Content is required.",
                    10000)
    name = _text(name, "name", "Vui lòng nhập họ tên người gửi.", "Your name is required.", 255)
    if dossier is not None and dossier.applicant_user_id != user.pk:
        raise InvalidInput("Chỉ chọn được hồ sơ của chính bạn.", "Choose one of your own dossiers.",
                           field="dossier")
    if agency is None and dossier is not None:
        agency = dossier.receiving_agency
    if agency is None:
        raise InvalidInput("Vui lòng chọn cơ quan nhận phản ánh, kiến nghị hoặc hồ sơ liên quan.",
                           "Choose the agency concerned or the dossier it is about.", field="agency")
    if not agency.is_active_on(timezone.localdate()):
        raise InvalidInput("Cơ quan đã chọn không còn hoạt động.", "The agency chosen no longer exists.",
                           field="agency")
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            code=allocate_complaint_code(now), kind=kind, subject=subject, content=content, user=user,
            name=name, phone=(phone or "").strip(), email=(email or "").strip(), dossier=dossier, agency=agency,
            state=ComplaintState.SUBMITTED, submitted_at=now, routed_at=now, due_at=handling_due(now),
        )
        _event(complaint, user, "file", "", note=f"Gửi đến {agency.name}")
        _audit(complaint, user, "gửi phản ánh, kiến nghị", None)
    return complaint


def can_handle(user, complaint: Complaint) -> bool:
    """Whether ``user`` may answer, refuse or transfer ``complaint`` (a handling role at its agency)."""
    return holds_role(user, HANDLING_ROLES, complaint.agency)


def _lock(complaint: Complaint | int, actor, states, action_vi: str) -> Complaint:
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    locked = Complaint.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound("Không tìm thấy phản ánh, kiến nghị.", "Feedback not found.")
    if not can_handle(actor, locked):
        raise PermissionDenied("Bạn không có quyền xử lý phản ánh, kiến nghị này.",
                               "You may not handle this feedback.")
    if locked.state not in states:
        raise InvalidTransition(
            f"Không thể {action_vi} khi phản ánh, kiến nghị đang ở trạng thái “{locked.get_state_display()}”.",
            f"Cannot {action_vi} in state {locked.state}.")
    return locked


def take_complaint(complaint: Complaint | int, *, actor) -> Complaint:
    """An officer of the responsible agency takes the complaint to handle it."""
    with transaction.atomic():
        complaint = _lock(complaint, actor, [ComplaintState.SUBMITTED], "tiếp nhận xử lý")
        before = snapshot(complaint)
        complaint.state = ComplaintState.HANDLING
        complaint.handler = actor
        complaint.save()
        _event(complaint, actor, "take", ComplaintState.SUBMITTED)
        _audit(complaint, actor, "tiếp nhận xử lý", before)
    return complaint


def answer_complaint(complaint: Complaint | int, *, actor, answer: str) -> Complaint:
    """The responsible agency answers; whether it did so on time is fixed now, for the indicators."""
    answer = _text(answer, "answer", "Vui lòng nhập nội dung trả lời.", "An answer is required.", 10000)
    with transaction.atomic():
        complaint = _lock(complaint, actor, OPEN_STATES, "trả lời")
        before = snapshot(complaint)
        from_state = complaint.state
        now = timezone.now()
        complaint.state = ComplaintState.ANSWERED
        complaint.answer = answer
        complaint.answered_by = actor
        complaint.answered_at = now
        complaint.answered_on_time = now <= complaint.due_at
        complaint.handler = complaint.handler or actor
        complaint.save()
        _event(complaint, actor, "answer", from_state,
               note="Trả lời đúng hạn" if complaint.answered_on_time else "Trả lời quá hạn")
        _audit(complaint, actor, "trả lời", before)
        notify_citizen(complaint, "answer")
    return complaint


def refuse_complaint(complaint: Complaint | int, *, actor, reason: str) -> Complaint:
    """The agency declines a complaint outside its competence, saying why (and where to turn)."""
    reason = _text(reason, "reason", "Vui lòng nêu lý do không thuộc thẩm quyền.", "A reason is required.",
                   4000)
    with transaction.atomic():
        complaint = _lock(complaint, actor, OPEN_STATES, "từ chối")
        before = snapshot(complaint)
        from_state = complaint.state
        complaint.state = ComplaintState.REFUSED
        complaint.refusal_reason = reason
        complaint.refused_at = timezone.now()
        complaint.save()
        _event(complaint, actor, "refuse", from_state, note=reason)
        _audit(complaint, actor, "từ chối (không thuộc thẩm quyền)", before)
        notify_citizen(complaint, "refuse")
    return complaint


def transfer_complaint(complaint: Complaint | int, *, actor, agency: Agency | None, note: str = "") -> Complaint:
    """Pass the complaint to the competent agency: it arrives there as new and its handling deadline runs
    from the transfer (the new agency's own time to answer)."""
    if agency is None:
        raise InvalidInput("Vui lòng chọn cơ quan chuyển đến.", "Choose the agency to transfer to.", field="agency")
    if not agency.is_active_on(timezone.localdate()):
        raise InvalidInput("Cơ quan đã chọn không còn hoạt động.", "The agency chosen no longer exists.",
                           field="agency")
    with transaction.atomic():
        complaint = _lock(complaint, actor, OPEN_STATES, "chuyển cơ quan")
        if agency.pk == complaint.agency_id:
            raise InvalidInput("Phản ánh, kiến nghị đang ở chính cơ quan này.",
                               "The complaint is already at this agency.", field="agency")
        before = snapshot(complaint)
        from_state = complaint.state
        previous = complaint.agency.name
        now = timezone.now()
        complaint.agency = agency
        complaint.state = ComplaintState.SUBMITTED
        complaint.handler = None
        complaint.routed_at = now
        complaint.due_at = handling_due(now)
        complaint.save()
        text = f"Chuyển từ {previous} đến {agency.name}"
        _event(complaint, actor, "transfer", from_state, note=f"{text}. {note.strip()}" if note.strip() else text)
        _audit(complaint, actor, text, before)
        notify_citizen(complaint, "transfer")
    return complaint


def give_verdict(complaint: Complaint | int, *, user, verdict: str, comment: str = "") -> Complaint:
    """The citizen says whether the answer satisfies them; that closes the complaint."""
    if verdict not in Verdict.values:
        raise InvalidInput("Vui lòng chọn hài lòng hoặc không hài lòng.", "Choose satisfied or not.",
                           field="verdict")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise InvalidInput("Ý kiến tối đa 2000 ký tự.", "At most 2000 characters.", field="comment")
    with transaction.atomic():
        pk = complaint.pk if isinstance(complaint, Complaint) else complaint
        complaint = Complaint.objects.select_for_update().filter(pk=pk).first()
        if complaint is None or user is None or complaint.user_id != getattr(user, "pk", None):
            raise NotFound("Không tìm thấy phản ánh, kiến nghị.", "Feedback not found.")
        if complaint.state != ComplaintState.ANSWERED:
            raise InvalidTransition("Chỉ đánh giá được câu trả lời sau khi cơ quan đã trả lời và một lần.",
                                    "The answer can be judged once, after it was given.")
        before = snapshot(complaint)
        complaint.verdict = verdict
        complaint.verdict_comment = comment
        complaint.verdict_at = timezone.now()
        complaint.state = ComplaintState.CLOSED
        complaint.save()
        _event(complaint, user, "verdict", ComplaintState.ANSWERED,
               note=Verdict(verdict).label + (f": {comment}" if comment else ""))
        _audit(complaint, user, f"người gửi đánh giá: {Verdict(verdict).label}", before)
    return complaint
