"""`tinhso directives`: the register's daily work.

    tinhso directives remind            reminders before, on and after the due moment; the weekly digest of
                                        overdue tasks; periodic reports laid out ahead (run daily, e.g. 07:00)
    tinhso directives remind --every 3600   the same, again every hour until stopped
    tinhso directives office <identifier>   make the agency keep the register (the People's Committee office)
    tinhso directives rollups --verify|--rebuild   check the monthly counts against the tasks / rewrite them
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Sổ theo dõi nhiệm vụ được giao: nhắc hạn, tổng hợp nhiệm vụ quá hạn hằng tuần, cơ quan theo dõi."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        remind = commands.add_parser("remind", help="Gửi nhắc hạn và bản tổng hợp nhiệm vụ quá hạn hằng tuần.")
        remind.add_argument("--every", type=float, default=None, metavar="SECONDS",
                            help="Chạy lặp lại sau mỗi SECONDS giây.")
        counts = commands.add_parser("rollups", help="Kiểm tra hoặc tính lại số nhiệm vụ theo tháng.")
        counts.add_argument("--rebuild", action="store_true", help="Tính lại từ các nhiệm vụ.")
        counts.add_argument("--verify", action="store_true", help="So với các nhiệm vụ (mặc định).")
        office = commands.add_parser("office", help="Đặt cơ quan theo dõi nhiệm vụ (Văn phòng UBND).")
        office.add_argument("identifier", help="Mã định danh cơ quan, ví dụ 000.00.01.H41")

    def handle(self, *args, **options):
        if options["command"] == "office":
            self._office(options["identifier"])
            return
        if options["command"] == "rollups":
            self._rollups(rebuild=options["rebuild"])
            return
        while True:
            self._remind()
            if not options["every"]:
                return
            time.sleep(max(options["every"], 1.0))

    def _remind(self) -> None:
        from tinhso.directives import notices, services

        laid_out = services.extend_periodic_reports()
        reminders = notices.send_reminders()
        digests = notices.send_overdue_digests()
        self.stdout.write(f"Nhắc hạn: {reminders}; bản tổng hợp quá hạn: {digests}; kỳ báo cáo mới: {laid_out}.")

    def _rollups(self, *, rebuild: bool) -> None:
        from tinhso.directives import rollups

        if rebuild:
            self.stdout.write(f"Đã tính lại {rollups.rebuild()} dòng số nhiệm vụ theo tháng.")
            return
        differences = rollups.verify()
        for line in differences:
            self.stdout.write(line)
        if differences:
            raise CommandError(f"{len(differences)} dòng khác với các nhiệm vụ (differences found).")
        self.stdout.write("Số nhiệm vụ theo tháng khớp với các nhiệm vụ.")

    def _office(self, identifier: str) -> None:
        from tinhso.directives import services
        from tinhso.directory.identifiers import normalise_identifier
        from tinhso.directory.models import Agency

        agency = Agency.objects.filter(identifier=normalise_identifier(identifier)).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã {identifier} (no such agency).")
        services.ensure_office(agency)
        self.stdout.write(f"{agency.name} theo dõi nhiệm vụ được giao.")
