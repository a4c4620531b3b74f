"""The yearly schedules of days off and make-up working days the government has published (standards §3).

Every deployment gets them as :class:`~tinhso.common.calendar_models.CalendarOverride` rows: migration
``common.0002`` calls :func:`seed_known_schedules`. Each year's weekdays off are all listed, including
those the ``holidays`` package already has, so the calendar is right for these years whatever the
package's version knows; a date both know appears once (the row wins).

Administrators add the next years' schedules in the admin. To ship a schedule with the code instead,
append its entries here and add a data migration that calls :func:`seed_known_schedules` again: seeding
only adds dates not yet in the table, it never changes or removes a row an administrator has edited.
"""

from __future__ import annotations

from datetime import date

from tinhso.common.workdays import CalendarDay, DayKind

OFF, WORK = DayKind.OFF, DayKind.WORK
LABOUR_CODE_HOLIDAYS = "Bộ luật Lao động 2019, Điều 112"
LABOUR_CODE_WEEKEND_HOLIDAY = "Bộ luật Lao động 2019, Điều 111 khoản 3"
TET_2026 = "Công văn 9859/VPCP-KGVX"

KNOWN_SCHEDULES: tuple[CalendarDay, ...] = (
    # 2025: off Wed 30/4 – Sun 4/5, Fri 2/5 swapped with Sat 26/4.
    CalendarDay(date(2025, 4, 26), WORK, "Làm bù cho thứ Sáu 02/05/2025 (nghỉ 30/4 – 4/5/2025)"),
    CalendarDay(date(2025, 4, 30), OFF, "Ngày Chiến thắng (30/4)", LABOUR_CODE_HOLIDAYS),
    CalendarDay(date(2025, 5, 1), OFF, "Ngày Quốc tế Lao động (1/5)", LABOUR_CODE_HOLIDAYS),
    CalendarDay(date(2025, 5, 2), OFF, "Nghỉ hoán đổi, làm bù thứ Bảy 26/04/2025 (nghỉ 30/4 – 4/5/2025)"),
    # 2026
    CalendarDay(date(2026, 1, 1), OFF, "Tết Dương lịch", LABOUR_CODE_HOLIDAYS),
    *(
        CalendarDay(date(2026, 2, day), OFF, "Tết Nguyên đán Bính Ngọ (nghỉ từ 14/02 đến 22/02/2026)",
                    TET_2026)
        for day in range(16, 21)
    ),
    CalendarDay(date(2026, 4, 27), OFF, "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch, Chủ nhật 26/04/2026)",
                LABOUR_CODE_WEEKEND_HOLIDAY),
    CalendarDay(date(2026, 4, 30), OFF, "Ngày Chiến thắng (30/4)", LABOUR_CODE_HOLIDAYS),
    CalendarDay(date(2026, 5, 1), OFF, "Ngày Quốc tế Lao động (1/5)", LABOUR_CODE_HOLIDAYS),
    CalendarDay(date(2026, 8, 22), WORK, "Làm bù cho thứ Hai 31/08/2026 (nghỉ Quốc khánh 29/8 – 2/9/2026)"),
    CalendarDay(date(2026, 8, 31), OFF,
                "Nghỉ hoán đổi, làm bù thứ Bảy 22/08/2026 (nghỉ Quốc khánh 29/8 – 2/9/2026)"),
    CalendarDay(date(2026, 9, 1), OFF, "Quốc khánh (ngày liền kề 2/9)", LABOUR_CODE_HOLIDAYS),
    CalendarDay(date(2026, 9, 2), OFF, "Quốc khánh (2/9)", LABOUR_CODE_HOLIDAYS),
    CalendarDay(date(2026, 11, 24), OFF, "Ngày Văn hóa Việt Nam", "Nghị quyết 80-NQ/TW"),
)


def seed_known_schedules(override_model) -> int:
    """Add the known schedules' dates missing from the table; returns how many rows were added.

    ``override_model`` is the model class, so a migration can pass its historical model.
    """
    existing = set(override_model.objects.values_list("date", flat=True))
    missing = [
        override_model(date=entry.day, kind=entry.kind.value, reason=entry.reason,
                       source_document=entry.source)
        for entry in KNOWN_SCHEDULES if entry.day not in existing
    ]
    override_model.objects.bulk_create(missing)
    return len(missing)
