"""The administrator's corrections to the working-day calendar: the schedules the government publishes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from tinhso.common.audit import track
from tinhso.common.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarDay,
    DayKind,
    invalidate_calendar,
    override_refusal,
)


class CalendarOverride(models.Model):
    """One date whose status differs from what the weekend and the public holidays give.

    A day off (a swapped day, a holiday the package lacks) or a working day (a make-up Saturday, or a
    correction of a provisional package date). It wins over the ``holidays`` package for its date.
    """

    date = models.DateField("ngày", unique=True)
    kind = models.CharField("loại", max_length=4, choices=DayKind.choices)
    reason = models.CharField("lý do", max_length=200,
                              help_text="Ví dụ: Nghỉ hoán đổi, làm bù thứ Bảy 22/08/2026.")
    source_document = models.CharField("văn bản", max_length=200, blank=True,
                                       help_text="Văn bản quyết định, ví dụ: Công văn 9859/VPCP-KGVX.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người tạo", editable=False,
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "ngày điều chỉnh lịch làm việc"
        verbose_name_plural = "ngày điều chỉnh lịch làm việc"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.get_kind_display()}: {self.reason}"

    def clean(self) -> None:
        if self.date and not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            raise ValidationError({"date": f"Lịch làm việc chỉ tính từ năm {FIRST_YEAR} đến {LAST_YEAR} "
                                           "(outside the working-day calendar)."})
        if self.date and self.kind in DayKind.values:
            refusal = override_refusal(self.date, self.kind)
            if refusal:
                raise ValidationError({"kind": refusal})

    def as_calendar_day(self) -> CalendarDay:
        return CalendarDay(self.date, DayKind(self.kind), self.reason, self.source_document)


@transaction.atomic
def save_override(override: CalendarOverride, by=None) -> CalendarOverride:
    """Record an administrator's override, validated first (the date in the calendar's range, a weekend day
    not declared "off" nor a weekday a make-up day, see ``workdays.override_refusal``): a refused one
    raises ``ValidationError`` and writes nothing."""
    override.full_clean()
    if override.pk is None and by is not None:
        override.created_by = by
    override.save()
    return override


def _calendar_changed(sender, **kwargs) -> None:
    invalidate_calendar()
    # Again after commit: a rebuild inside the transaction may have run before the change was final.
    transaction.on_commit(invalidate_calendar)


post_save.connect(_calendar_changed, sender=CalendarOverride, dispatch_uid="calendar-override-saved")
post_delete.connect(_calendar_changed, sender=CalendarOverride, dispatch_uid="calendar-override-deleted")
track(CalendarOverride, exclude=("updated_at",))
