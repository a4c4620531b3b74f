"""``tinhso geo``: load the unit lists, import villages from CSV, resolve an old address, demo villages."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.geo import selectors, services
from tinhso.geo.village_file import COLUMNS, VillageFileInvalid


class Command(BaseCommand):
    help = "Đơn vị hành chính: nạp danh mục, nhập thôn/tổ dân phố từ CSV, tra địa chỉ cũ, tạo thôn mẫu."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, title="việc cần làm")
        actions.add_parser(
            "load", help="Nạp (hoặc cập nhật) 34 tỉnh, 3.321 xã/phường/đặc khu và đơn vị cũ trước 1/7/2025.",
        )
        villages = actions.add_parser(
            "import-villages",
            help=(
                f"Nhập thôn, bản, tổ dân phố từ tệp CSV UTF-8 có tiêu đề {','.join(COLUMNS)}; "
                "có lỗi thì không ghi gì."
            ),
        )
        villages.add_argument("file", help="Đường dẫn tệp CSV, hoặc - để đọc từ đầu vào chuẩn.")
        legacy = actions.add_parser(
            "resolve-legacy", help="Tra địa chỉ theo đơn vị cũ sang tỉnh, xã hiện nay.",
        )
        legacy.add_argument("--province", required=True, help="Tỉnh cũ: tên hoặc mã, ví dụ “Hà Giang”.")
        legacy.add_argument("--district", help="Huyện cũ: tên hoặc mã.")
        legacy.add_argument("--ward", help="Xã, phường, thị trấn cũ: tên hoặc mã.")
        boundaries = actions.add_parser(
            "import-boundaries",
            help="Nhập ranh giới xã, phường từ tệp GeoJSON (FeatureCollection; mã xã ở properties.ma_xa); có lỗi "
                 "thì không ghi gì.",
        )
        boundaries.add_argument("file", help="Đường dẫn tệp .geojson.")
        boundaries.add_argument("--source", required=True, help="Nguồn của ranh giới (cơ quan, văn bản, năm).")
        boundaries.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi.")
        demo = actions.add_parser(
            "demo-villages", help="Tạo thôn, tổ dân phố mẫu (cố định, chạy lại không đổi).",
        )
        demo.add_argument(
            "--province", default=settings.TINHSO_PROVINCE_CODE, help="Mã tỉnh (mặc định: tỉnh phục vụ).",
        )
        demo.add_argument("--per-commune", type=int, default=4, help="Số thôn mỗi xã (1–50, mặc định 4).")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _import_boundaries(self, file: str, source: str, dry_run: bool = False, **options) -> None:
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {file}: {error.strerror}.") from error
        report = services.import_commune_boundaries(content, source=source, dry_run=dry_run)
        if not report.ok:
            for line in report.lines():
                self.stderr.write(line)
            raise CommandError(report.summary(), returncode=2)
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _load(self, **options) -> None:
        counts = services.load_units()
        self.stdout.write(self.style.SUCCESS(
            f"Đã nạp {counts['provinces']} tỉnh, {counts['communes']} xã/phường/đặc khu; đơn vị cũ: "
            f"{counts['legacy_provinces']} tỉnh, {counts['legacy_districts']} huyện, "
            f"{counts['legacy_wards']} xã. "
            f"Thêm {counts['created']}, cập nhật {counts['updated']}."
        ))

    def _import_villages(self, file: str, **options) -> None:
        try:
            content = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {file}: {error.strerror}") from error
        try:
            result = services.import_villages(content)
        except VillageFileInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"Tệp có {len(invalid.problems)} lỗi; không có gì được ghi vào cơ sở dữ liệu."
            ) from invalid
        self.stdout.write(self.style.SUCCESS(f"Đã nhập thôn, tổ dân phố: {result}."))

    def _resolve_legacy(self, province: str, district: str | None, ward: str | None, **options) -> None:
        try:
            resolution = selectors.resolve_legacy(province, district, ward)
        except selectors.UnitLookupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(resolution.note)
        self.stdout.write(f"Tỉnh hiện nay: {resolution.province.full_name} (mã {resolution.province.code})")
        if resolution.commune:
            self.stdout.write(
                f"Xã/phường hiện nay: {resolution.commune.name} (mã {resolution.commune.code}); "
                f"{resolution.method_label.lower()}"
            )
        for commune in resolution.also_into:
            self.stdout.write(f"Một phần nhập vào: {commune.name} (mã {commune.code})")

    def _demo_villages(self, province: str, per_commune: int, **options) -> None:
        try:
            result = services.generate_demo_villages(province, per_commune=per_commune)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Thôn, tổ dân phố mẫu: {result}."))
