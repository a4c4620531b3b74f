"""`tinhso media monitor|expiring|remind|import|export`: the licensed websites' checks, the expiry notices,
the reminders of tasks due, and the registries (press agencies, spokespeople, licences) from and to XLSX/CSV.

``monitor`` checks every licensed website in force now (``--enqueue``: as a task for ``tinhso worker``;
``--every SECONDS``: again and again, as a long-running service); ``expiring`` notifies the holders of licences
near expiry (once per expiry date), to run daily.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Báo chí, thông tin: monitor (kiểm tra trang có giấy phép), expiring (báo giấy phép sắp hết hạn)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        monitor = sub.add_parser("monitor", help="Kiểm tra các trang thông tin điện tử có giấy phép còn hiệu lực.")
        monitor.add_argument("--enqueue", action="store_true", help="Đưa vào hàng đợi tác vụ thay vì chạy ngay.")
        monitor.add_argument("--every", type=float, default=None, metavar="SECONDS",
                             help="Lặp lại sau mỗi khoảng thời gian (chạy như một dịch vụ).")
        sub.add_parser("expiring", help="Gửi thông báo cho tổ chức có giấy phép sắp hết hạn.")
        sub.add_parser("remind", help="Nhắc cơ quan các việc sắp đến hạn, quá hạn (xác minh, giao ban, câu hỏi).")
        imported = sub.add_parser("import", help="Nhập sổ từ XLSX/CSV; có lỗi thì không ghi gì.")
        imported.add_argument("kind", choices=["press", "spokespeople", "licences"])
        imported.add_argument("file", type=Path)
        imported.add_argument("--dry-run", action="store_true")
        exported = sub.add_parser("export", help="Xuất sổ ra XLSX hoặc CSV (theo đuôi tệp), cùng bố cục với tệp nhập.")
        exported.add_argument("kind", choices=["press", "spokespeople", "licences"])
        exported.add_argument("file", type=Path)

    def handle(self, *args, action: str, **options):
        if action in ("import", "export"):
            from tinhso.common import tabular
            from tinhso.media import imports

            path = options["file"]
            if action == "export":
                path.write_bytes(imports.export_registry(options["kind"], tabular.format_of(path)))
                self.stdout.write(f"Đã xuất {path}.")
                return
            report = imports.import_registry(options["kind"], path, dry_run=options["dry_run"])
            for line in report.lines():
                self.stdout.write(line)
            if not report.ok:
                raise CommandError("Tệp có lỗi; không ghi gì.", returncode=2)
            return
        if action == "remind":
            from tinhso.media.services import remind_due

            self.stdout.write(f"Đã nhắc {remind_due()} việc sắp đến hạn hoặc quá hạn.")
            return
        if action == "expiring":
            from tinhso.media.services import notify_expiring_licences

            self.stdout.write(f"Đã báo {notify_expiring_licences()} giấy phép sắp hết hạn.")
            return
        while True:
            self._monitor(options["enqueue"])
            if not options["every"]:
                return
            time.sleep(max(options["every"], 1.0))

    def _monitor(self, enqueue: bool) -> None:
        if enqueue:
            from tinhso.media.tasks import check_websites

            check_websites.enqueue()
            self.stdout.write("Đã đưa việc kiểm tra vào hàng đợi.")
            return
        from tinhso.media.monitoring import check_all

        result = check_all()
        self.stdout.write(f"Đã kiểm tra {result['checked']} trang, {result['failed']} trang lỗi.")
