"""``tinhso catalogue import FILE.xlsx`` / ``tinhso catalogue export FILE.xlsx``: the procedure catalogue
as one workbook (layout in ``tinhso.catalogue.excel``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tinhso.catalogue.excel import export_catalogue, import_catalogue
from tinhso.catalogue.selectors import versions_for_export


class Command(BaseCommand):
    help = "Nhập/xuất danh mục thủ tục hành chính từ/ra sổ tính Excel (.xlsx)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="Nhập thủ tục từ sổ tính; có lỗi thì không ghi gì.")
        importing.add_argument("file", type=Path)
        importing.add_argument("--publish", action="store_true", help="Công bố ngay các phiên bản nhập vào.")
        importing.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi.")
        exporting = actions.add_parser("export", help="Xuất thủ tục ra sổ tính.")
        exporting.add_argument("file", type=Path)
        exporting.add_argument("--code", action="append", help="Chỉ thủ tục này (lặp lại được).")
        exporting.add_argument("--drafts", action="store_true", help="Xuất các bản nháp thay vì bản đang áp dụng.")

    def handle(self, *args, action, file, **options):
        if action == "import":
            if not file.is_file():
                raise CommandError(f"Không tìm thấy tệp {file}.")
            with file.open("rb") as stream:
                report = import_catalogue(stream, publish=options["publish"], dry_run=options["dry_run"])
            for line in report.lines():
                self.stdout.write(line)
            if not report.ok:
                raise CommandError("Nhập không thành công; sửa các dòng trên rồi nhập lại.")
            return
        versions = versions_for_export(options["code"], drafts=options["drafts"])
        file.write_bytes(export_catalogue(versions))
        self.stdout.write(f"Đã xuất {len(versions)} thủ tục ra {file}.")
