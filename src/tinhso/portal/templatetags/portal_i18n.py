"""Template filters that show the engine's Vietnamese labels in the visitor's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, ngettext

from tinhso.dossiers import deadlines

register = template.Library()


@register.filter
def deadline_text(status) -> str:
    """A deadline status's label (``DeadlineStatus.label``), with the days late counted in words."""
    if status is None:
        return ""
    if status.kind == deadlines.LATE and status.working_days_late:
        return ngettext("Hoàn thành trễ hạn %(days)d ngày làm việc", "Hoàn thành trễ hạn %(days)d ngày làm việc",
                        status.working_days_late) % {"days": status.working_days_late}
    return gettext(status.label)
