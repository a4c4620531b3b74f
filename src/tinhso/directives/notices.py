"""What the register tells people, through the platform's one notice service (``common.notices``): e-mail and
the in-app list.

- the lead agency's staff: on assignment, when a completion report is returned, when an extension is decided,
  N working days before the due moment (``TINHSO_DIRECTIVES_REMINDER_DAYS``, 7, 3 and 1 by default —
  standards §11), on the due moment, and when it has passed;
- the leader who assigned the task and the office: when an extension is asked for or completion reported;
- the lead agencies' leaders and the office: a weekly digest of the overdue tasks.

Reminders and digests are sent by ``tinhso directives remind`` (daily); each is once-only (a notice key), so
running it twice, or on two machines, sends nothing twice.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.common import workdays
from tinhso.common.notices import EMAIL, IN_APP, NoticeContent, in_language_of, notify, period_key, send_digest
from tinhso.directives.models import OPEN_STATES, DirectivesOffice, Task, TaskState
from tinhso.directory.models import Membership, Role

CHANNELS = (IN_APP, EMAIL)
KIND = "directives"


def _link(task: Task) -> str:
    return reverse("directives:task", args=[task.pk])


def _members(agency_ids, roles=None):
    memberships = Membership.objects.active_on(timezone.localdate()).filter(agency_id__in=list(agency_ids))
    if roles:
        memberships = memberships.filter(role__in=roles)
    return get_user_model().objects.filter(
        pk__in=memberships.values("user_id"), is_active=True).order_by("pk")


def lead_staff(task: Task):
    return _members([task.lead_agency_id])


def office_staff():
    return _members(DirectivesOffice.objects.values_list("agency_id", flat=True))


def _due_text(task: Task) -> str:
    if task.due_at is None:
        return _("thường xuyên")
    return f"{workdays.to_local(task.due_at):%H:%M %d/%m/%Y}"


def _send(people, task: Task, kind: str, compose, key: str | None = None) -> int:
    sent = 0
    for person in people:
        with in_language_of(person):
            subject, text = compose()
        notice = notify(person, subject=subject, text=text, link=_link(task), concerns=task, channels=CHANNELS,
                        kind=f"{KIND}.{kind}", agency_id=task.lead_agency_id,
                        key=f"{key}:u{person.pk}" if key else None)
        sent += notice is not None
    return sent


def _title(task: Task) -> str:
    return f"{task.directive.number} ({task.position}): {task.text[:120]}"


def on_assignment(task: Task) -> None:
    _send(lead_staff(task), task, "assigned", lambda: (
        _("Nhiệm vụ mới được giao: %(title)s") % {"title": _title(task)},
        _("Cơ quan chủ trì: %(agency)s. Hạn hoàn thành: %(due)s. Lãnh đạo giao: %(leader)s.") % {
            "agency": task.lead_agency.name, "due": _due_text(task), "leader": task.assigned_by_name}))


def on_completion_reported(task: Task) -> None:
    people = list(office_staff())
    _send(people, task, "reported", lambda: (
        _("Báo cáo hoàn thành nhiệm vụ: %(title)s") % {"title": _title(task)},
        _("%(agency)s đã báo cáo hoàn thành; đề nghị Văn phòng xem xét, xác nhận.") % {
            "agency": task.lead_agency.name}))


def on_returned(task: Task, reason: str) -> None:
    _send(lead_staff(task), task, "returned", lambda: (
        _("Báo cáo hoàn thành bị trả lại: %(title)s") % {"title": _title(task)},
        _("Lý do: %(reason)s") % {"reason": reason}))


def on_extension_requested(task: Task, extension) -> None:
    people = list(office_staff())
    if task.assigned_by_id and task.assigned_by.is_active and task.assigned_by not in people:
        people.append(task.assigned_by)
    _send(people, task, "extension_requested", lambda: (
        _("Đề nghị gia hạn nhiệm vụ: %(title)s") % {"title": _title(task)},
        _("%(agency)s đề nghị gia hạn đến ngày %(date)s. Lý do: %(reason)s") % {
            "agency": task.lead_agency.name, "date": f"{extension.requested_due_on:%d/%m/%Y}",
            "reason": extension.reason}))


def on_extension_decided(task: Task, extension) -> None:
    approved = extension.state == "approved"
    _send(lead_staff(task), task, "extension_decided", lambda: (
        (_("Đồng ý gia hạn nhiệm vụ: %(title)s") if approved else _("Không đồng ý gia hạn nhiệm vụ: %(title)s"))
        % {"title": _title(task)},
        _("Hạn hiện hành: %(due)s. %(note)s") % {"due": _due_text(task), "note": extension.decision_note}))


# -- reminders and digests (tinhso directives remind) -------------------------------------------------------


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Remind the lead agency N working days before the due moment, on the due day, and once it has passed.

    Each reminder's key names the task, its due moment and the step, so a step is sent once per due moment
    (an approved extension brings the reminders back for the new date)."""
    now = now or timezone.now()
    days = sorted(set(_reminder_days()), reverse=True)
    horizon = workdays.add_working_days(now, max(days or [0]))
    sent = 0
    tasks = (Task.objects.filter(state__in=(TaskState.ASSIGNED, TaskState.IN_PROGRESS), due_at__isnull=False,
                                 due_at__lte=horizon)
             .select_related("directive", "lead_agency").order_by("due_at"))
    for task in tasks:
        left = workdays.working_days_between(now, task.due_at) if task.due_at >= now else -1
        if left < 0:
            step, compose = "overdue", _overdue_text(task)
        elif left == 0:
            step, compose = "due", _due_today_text(task)
        else:
            reached = [d for d in days if left <= d]
            if not reached:
                continue
            step, compose = f"before{min(reached)}", _before_text(task, left)
        key = f"directives:remind:{task.pk}:{task.due_at:%Y%m%d%H%M}:{step}"
        sent += _send(lead_staff(task), task, f"remind_{step.rstrip('0123456789')}", compose, key=key)
    return sent + _periodic_reminders(now, horizon)


def _periodic_reminders(now: datetime.datetime, horizon: datetime.datetime) -> int:
    """An ongoing task's periodic report: reminded when due within the first reminder's reach, and once late."""
    from tinhso.directives.models import PeriodicReport

    sent = 0
    owed = (PeriodicReport.objects.filter(submitted_at__isnull=True, due_at__lte=horizon,
                                          task__state__in=(TaskState.ASSIGNED, TaskState.IN_PROGRESS))
            .select_related("task", "task__directive", "task__lead_agency").order_by("due_at"))
    for periodic in owed:
        task, late = periodic.task, periodic.due_at < now
        due = f"{workdays.to_local(periodic.due_at):%H:%M %d/%m/%Y}"

        def compose(task=task, periodic=periodic, late=late, due=due):
            subject = (_("Quá hạn báo cáo định kỳ kỳ %(period)s: %(title)s") if late
                       else _("Sắp đến hạn báo cáo định kỳ kỳ %(period)s: %(title)s"))
            return subject % {"period": periodic.period, "title": _title(task)}, _("Hạn báo cáo: %(due)s.") % {
                "due": due}

        key = f"directives:periodic:{periodic.pk}:{'late' if late else 'soon'}"
        sent += _send(lead_staff(task), task, "remind_periodic", compose, key=key)
    return sent


def _reminder_days() -> tuple[int, ...]:
    from tinhso.directives.services import due_soon_setting

    return due_soon_setting()


def _before_text(task: Task, left: int):
    return lambda: (
        _("Còn %(days)d ngày làm việc đến hạn nhiệm vụ: %(title)s") % {"days": left, "title": _title(task)},
        _("Hạn hoàn thành: %(due)s.") % {"due": _due_text(task)})


def _due_today_text(task: Task):
    return lambda: (_("Hôm nay đến hạn nhiệm vụ: %(title)s") % {"title": _title(task)},
                    _("Hạn hoàn thành: %(due)s.") % {"due": _due_text(task)})


def _overdue_text(task: Task):
    return lambda: (_("Nhiệm vụ đã quá hạn: %(title)s") % {"title": _title(task)},
                    _("Hạn hoàn thành: %(due)s. Đề nghị báo cáo kết quả hoặc lý do chậm.") % {"due": _due_text(task)})


def send_overdue_digests(now: datetime.datetime | None = None) -> int:
    """The weekly digest of overdue tasks: to each lead agency's leaders (its own tasks) and to the office
    (every agency's)."""
    now = now or timezone.now()
    week = period_key("week", now)
    overdue = list(Task.objects.filter(state__in=OPEN_STATES, due_at__lt=now)
                   .select_related("directive", "lead_agency").order_by("lead_agency__name", "due_at"))
    if not overdue:
        return 0
    sent = 0
    by_agency: dict[int, list[Task]] = {}
    for task in overdue:
        by_agency.setdefault(task.lead_agency_id, []).append(task)
    for agency_id, tasks in by_agency.items():
        for leader in _members([agency_id], roles=[Role.APPROVER]):
            sent += _digest(leader, tasks, week) is not None
    for person in office_staff():
        sent += _digest(person, overdue, week) is not None
    return sent


def _digest(person, tasks: list[Task], week: str):
    def compose():
        lines = [f"- {task.lead_agency.short_name or task.lead_agency.name}: {_title(task)} "
                 f"({_('hạn')} {_due_text(task)})" for task in tasks[:50]]
        if len(tasks) > 50:
            lines.append(_("… và %(count)d nhiệm vụ khác.") % {"count": len(tasks) - 50})
        return NoticeContent(
            subject=_("%(count)d nhiệm vụ quá hạn") % {"count": len(tasks)},
            text="\n".join(lines),
            link=reverse("directives:register") + "?han=overdue")

    return send_digest(person, topic="directives-overdue", period=week, compose=compose, channels=CHANNELS,
                       kind=f"{KIND}.overdue_digest")
