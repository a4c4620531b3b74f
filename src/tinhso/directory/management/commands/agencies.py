"""``tinhso agencies import FILE`` / ``tinhso agencies export FILE``: the agency directory as XLSX or CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tinhso.common import tabular
from tinhso.directory.selectors import agency_directory
from tinhso.directory.services import FORMATS, export_agencies, import_agencies


class Command(BaseCommand):
    help = "Nhập/xuất danh bạ cơ quan, đơn vị từ/ra tệp XLSX hoặc CSV (cùng một bố cục cột)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="Nhập cơ quan từ tệp; có lỗi thì không ghi gì.")
        importing.add_argument("file", type=Path)
        importing.add_argument("--format", choices=FORMATS, help="Mặc định theo phần mở rộng của tệp.")
        importing.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi.")
        exporting = actions.add_parser("export", help="Xuất cơ quan ra tệp.")
        exporting.add_argument("file", type=Path)
        exporting.add_argument("--format", choices=FORMATS, help="Mặc định theo phần mở rộng của tệp.")
        exporting.add_argument("--identifier-prefix", help="Chỉ các cơ quan có mã bắt đầu như vậy.")
        exporting.add_argument("--active-on", help="Chỉ các cơ quan hoạt động vào ngày này (dd/mm/yyyy hoặc ISO).")

    def handle(self, *args, action, file, format, **options):
        format = format or file.suffix.lstrip(".").lower()
        if format not in FORMATS:
            raise CommandError(f"Định dạng phải là một trong {', '.join(FORMATS)} (ghi --format).")
        if action == "import":
            self._import(file, format, options["dry_run"])
        else:
            self._export(file, format, options["identifier_prefix"], options["active_on"])

    def _import(self, file: Path, format: str, dry_run: bool) -> None:
        if not file.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        report = import_agencies(file, format, dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("Nhập không thành công; sửa các dòng trên rồi nhập lại.")

    def _export(self, file: Path, format: str, prefix: str | None, active_on: str | None) -> None:
        try:  # the one date reader: dd/mm/yyyy or ISO, never month first
            on = tabular.parse_date(active_on) if active_on else None
        except ValueError as exc:
            raise CommandError(f"Ngày {active_on!r} không hợp lệ (dd/mm/yyyy hoặc YYYY-MM-DD).") from exc
        agencies = agency_directory(identifier_prefix=prefix, active_on=on)
        file.write_bytes(export_agencies(agencies, format))
        self.stdout.write(f"Đã xuất {agencies.count()} cơ quan ra {file}.")
