"""`tinhso ioc seed|rebuild|verify|import`: the indicator registry, the rollups of the operations centre, and
the import of published indices (DTI, PAR Index, PCI) from the template's XLSX or CSV."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.ioc import rollups
from tinhso.ioc.indicators import load_demo_ioc, seed_registry


class Command(BaseCommand):
    help = ("Trung tâm điều hành: `seed` nạp danh mục chỉ số, `rebuild` tính lại bảng tổng hợp, `verify` đối chiếu, "
            "`alerts` xét quy tắc cảnh báo, `briefing` gửi bản tin điều hành.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed", help="Nạp (cập nhật) danh mục chỉ số; --demo thêm kế hoạch, chỉ tiêu, số liệu mẫu.")
        seed.add_argument("--demo", action="store_true")
        sub.add_parser("rebuild", help="Tính lại toàn bộ bảng tổng hợp từ hồ sơ.")
        verify = sub.add_parser("verify", help="Đếm lại từ hồ sơ và so với bảng tổng hợp; mã thoát 1 nếu lệch.")
        verify.add_argument("--limit", type=int, default=50)
        imported = sub.add_parser("import", help="Nhập số liệu công bố chính thức (DTI, PAR Index, PCI) từ tệp "
                                                 ".xlsx theo mẫu hoặc .csv cùng các cột.")
        imported.add_argument("file", type=Path)
        imported.add_argument("--agency", required=True, help="Mã định danh cơ quan quản lý số liệu.")
        imported.add_argument("--publication", required=True, help="Văn bản, nguồn công bố.")
        imported.add_argument("--by", default="",
                              help="Người nhập (ghi vào nhật ký); mặc định là tài khoản hệ điều hành.")
        evaluate = sub.add_parser("alerts", help="Xét các quy tắc cảnh báo theo chỉ số và phát sinh cảnh báo.")
        evaluate.add_argument("--every", type=int, default=0, metavar="GIÂY",
                              help="Chạy liên tục, cách nhau số giây này.")
        briefing = sub.add_parser("briefing", help="Gửi bản tin điều hành hằng ngày cho lãnh đạo (từ giờ đã đặt).")
        briefing.add_argument("--every", type=int, default=0, metavar="GIÂY",
                              help="Chạy liên tục, cách nhau số giây này.")
        briefing.add_argument("--now", action="store_true", help="Gửi ngay, không chờ đến giờ đã đặt.")

    def handle(self, *args, action: str, **options):
        if action == "seed":
            if options["demo"]:
                created = load_demo_ioc(settings.TINHSO_PROVINCE_CODE)
                self.stdout.write(f"Đã nạp danh mục chỉ số và dữ liệu mẫu ({created} số liệu mới).")
            else:
                created = seed_registry()
                self.stdout.write(f"Đã nạp danh mục chỉ số ({created} chỉ số mới).")
        elif action == "import":
            self._import(options)
        elif action in ("alerts", "briefing"):
            self._room(action, options)
        elif action == "rebuild":
            result = rollups.rebuild()
            self.stdout.write(f"Đã tính lại: {result.rows} dòng tổng hợp, {result.running} hồ sơ đang tính thời hạn.")
        else:
            result = rollups.verify(limit=options["limit"])
            if not result.ok:
                for line in result.differences:
                    self.stderr.write(line)
                raise CommandError(f"Bảng tổng hợp lệch với số đếm lại ({len(result.differences)} khác biệt).",
                                   returncode=1)
            self.stdout.write(self.style.SUCCESS(
                f"Khớp: {result.rows} dòng tổng hợp, {result.running} hồ sơ đang tính thời hạn."))

    def _room(self, action: str, options) -> None:
        """The operations room's periodic work: once, or every ``--every`` seconds until stopped."""
        import time

        from tinhso.ioc import alerts, briefing

        while True:
            if action == "alerts":
                result = alerts.evaluate()
                self.stdout.write(f"Đã xét quy tắc cảnh báo: {len(result.raised)} cảnh báo mới.")
            else:
                sent = briefing.send_briefings(force=options["now"])
                self.stdout.write(f"Đã gửi {sent} bản tin điều hành.")
            if not options["every"]:
                return
            try:
                time.sleep(options["every"])
            except KeyboardInterrupt:  # Ctrl+C or the demo stopping it: a clean stop between two rounds
                return

    def _import(self, options) -> None:
        import getpass

        from tinhso.directory.models import Agency
        from tinhso.ioc import services

        agency = Agency.objects.filter(identifier=options["agency"].strip()).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã định danh “{options['agency']}”.")
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {path}: {error.strerror}.") from error
        label = options["by"] or f"{getpass.getuser()} (dòng lệnh)"
        try:
            result = services.import_published(content, name=path.name, agency=agency,
                                               publication=options["publication"], label=label)
        except services.ReportError as error:
            raise CommandError(error.message) from error
        if result.errors:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(f"Không nhập số liệu nào: {len(result.errors)} dòng lỗi.")
        self.stdout.write(self.style.SUCCESS(f"Đã nhập {len(result.saved)} số liệu công bố cho {agency.name}."))
