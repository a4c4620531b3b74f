"""The daily briefing of each leader (e-mail and in-app, through ``common.notices``): the headline numbers of
the year so far against target, the alerts raised in the last day and what is overdue now, within the
leader's own scope, short, with links.

``tinhso ioc briefing`` sends it once the local hour reaches ``BRIEFING_HOUR`` (7 by default); run it with
``--every 300`` (or from cron every few minutes): each leader gets one briefing a day however often, and by
however many processes, it runs (:func:`tinhso.common.notices.send_digest`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from tinhso.common.notices import NoticeContent, period_key, send_digest
from tinhso.directory.models import Membership, Role
from tinhso.ioc import alerts, selectors, wall
from tinhso.ioc.periods import YEAR, Period

TOPIC = "ioc.briefing"


def leaders():
    """The people who get a briefing: every active account holding a leader (approver) role today."""
    today = timezone.localdate()
    ids = Membership.objects.filter(role=Role.APPROVER, valid_from__lte=today).exclude(
        valid_to__lt=today).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")


def compose(user, at: datetime.datetime | None = None) -> NoticeContent | None:
    """The briefing's text for ``user``, in the active language; None when they see nothing."""
    scope = selectors.ioc_scope(user)
    if scope is None:
        return None
    at = at or timezone.now()
    period = Period.current(YEAR)
    lines = [gettext("Số liệu %(period)s đến %(at)s:") % {
        "period": period.label, "at": timezone.localtime(at).strftime("%H:%M %d/%m/%Y")}]
    for row in wall.numbers(scope, wall.HEADLINE, period, at):
        unit = "%" if row["unit"] == "%" else f" {row['unit']}"
        target = gettext(", chỉ tiêu %(target)s") % {"target": row["target_text"] + unit} if row["target_text"] else ""
        lines.append(f"- {row['name']}: {row['value_text']}{unit}{target} — {row['status_label']}")
    since = at - datetime.timedelta(days=1)
    new = list(alerts.visible_alerts(scope).filter(raised_at__gte=since).order_by("-raised_at")[:10])
    lines.append("")
    lines.append(gettext("Cảnh báo mới trong 24 giờ qua: %(n)d") % {"n": len(new)})
    lines += [f"- [{a.get_severity_display()}] {a.title}" for a in new]
    overdue = selectors.running_rows(scope).filter(due_at__lt=at).count()
    lines.append("")
    lines.append(gettext("Hồ sơ đang giải quyết quá hạn trong phạm vi của đồng chí: %(n)d") % {"n": overdue})
    lines.append(gettext("Danh sách hồ sơ quá hạn: %(url)s") % {"url": reverse("ioc:dossiers", args=["overdue"])})
    lines.append(gettext("Cảnh báo: %(url)s") % {"url": reverse("ioc:alerts")})
    subject = gettext("Bản tin điều hành ngày %(day)s") % {"day": timezone.localtime(at).strftime("%d/%m/%Y")}
    return NoticeContent(subject=subject, text="\n".join(lines), link=reverse("ioc:overview"))


def send_briefings(at: datetime.datetime | None = None, *, force: bool = False) -> int:
    """Send today's briefing to each leader who has not had it, once the set hour has come (``force``: now).
    Returns how many were sent."""
    at = at or timezone.now()
    if not force and timezone.localtime(at).hour < settings.TINHSO_BRIEFING_HOUR:
        return 0
    day = period_key("day", at)
    sent = 0
    for user in leaders():
        notice = send_digest(user, topic=TOPIC, period=day, compose=lambda user=user: compose(user, at),
                             channels=("in_app", "email"), kind="ioc.briefing")
        sent += notice is not None
    return sent
