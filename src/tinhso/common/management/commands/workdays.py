"""`tinhso workdays`: due moments, lateness and each year's schedule from the platform's calendar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tinhso.common import workdays


class Command(BaseCommand):
    help = "Lịch ngày làm việc: tính hạn, đếm ngày làm việc, xem lịch nghỉ của một năm (standards §3)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{due,between,list}")

        due = actions.add_parser(
            "due", help="Hạn giải quyết: thời điểm tiếp nhận + số ngày hoặc số giờ làm việc.")
        due.add_argument("--from", dest="received", required=True,
                         help="Thời điểm tiếp nhận, ví dụ \"2026-02-13 10:00\" hoặc \"13/02/2026 10:00\".")
        limit = due.add_mutually_exclusive_group(required=True)
        limit.add_argument("--days", help="Thời hạn tính bằng ngày làm việc (số nguyên, không âm).")
        limit.add_argument("--hours", help="Thời hạn tính bằng giờ làm việc (ví dụ 4 hoặc 1,5).")

        between = actions.add_parser(
            "between", help="Số ngày làm việc thời điểm --to đứng sau thời điểm --from.")
        between.add_argument("--from", dest="start", required=True,
                             help="Thời điểm đầu (ví dụ: hạn giải quyết).")
        between.add_argument("--to", dest="end", required=True,
                             help="Thời điểm sau (ví dụ: ngày trả kết quả).")

        listing = actions.add_parser(
            "list", help="Các ngày thường được nghỉ và ngày làm việc bù của một năm.")
        listing.add_argument("year", help="Năm, ví dụ 2026.")

    def handle(self, *args, action: str, **options):
        try:
            if action == "due":
                self._due(options)
            elif action == "between":
                start = workdays.parse_moment(options["start"], "from")
                end = workdays.parse_moment(options["end"], "to")
                self.stdout.write(str(workdays.working_days_between(start, end)))
            else:
                self._list(workdays.parse_year(options["year"]))
        except workdays.CalendarInputError as exc:
            raise CommandError(exc.message) from None

    def _due(self, options) -> None:
        received = workdays.parse_moment(options["received"], "from")
        if options["days"] is not None:
            due = workdays.add_working_days(received, workdays.parse_days(options["days"]))
        else:
            due = workdays.add_working_hours(received, workdays.parse_hours(options["hours"]))
        self.stdout.write(due.isoformat())

    def _list(self, year: int) -> None:
        schedule = workdays.year_schedule(year)
        off = sum(entry.kind == workdays.DayKind.OFF for entry in schedule)
        self.stdout.write(f"Lịch làm việc năm {year}: {off} ngày thường được nghỉ, "
                          f"{len(schedule) - off} ngày cuối tuần làm việc bù.")
        for entry in schedule:
            source = f" [{entry.source}]" if entry.source else ""
            self.stdout.write(f"{entry.day:%d/%m/%Y} {entry.weekday_name:<8} {entry.kind.label:<16} "
                              f"{entry.reason}{source}")
