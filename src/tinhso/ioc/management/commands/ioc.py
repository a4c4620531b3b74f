"""`tinhso ioc seed|rebuild|verify`: the indicator registry and the rollups of the operations centre."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.ioc import rollups
from tinhso.ioc.indicators import load_demo_ioc, seed_registry


class Command(BaseCommand):
    help = "Trung tâm điều hành: `seed` nạp danh mục chỉ số, `rebuild` tính lại bảng tổng hợp, `verify` đối chiếu."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed", help="Nạp (cập nhật) danh mục chỉ số; --demo thêm kế hoạch, chỉ tiêu, số liệu mẫu.")
        seed.add_argument("--demo", action="store_true")
        sub.add_parser("rebuild", help="Tính lại toàn bộ bảng tổng hợp từ hồ sơ.")
        verify = sub.add_parser("verify", help="Đếm lại từ hồ sơ và so với bảng tổng hợp; mã thoát 1 nếu lệch.")
        verify.add_argument("--limit", type=int, default=50)

    def handle(self, *args, action: str, **options):
        if action == "seed":
            if options["demo"]:
                created = load_demo_ioc(settings.TINHSO_PROVINCE_CODE)
                self.stdout.write(f"Đã nạp danh mục chỉ số và dữ liệu mẫu ({created} số liệu mới).")
            else:
                created = seed_registry()
                self.stdout.write(f"Đã nạp danh mục chỉ số ({created} chỉ số mới).")
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
