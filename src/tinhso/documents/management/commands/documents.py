"""`tinhso documents edxml read FILE`: check any edXML package (QCVN 102:2016) without the database;
`tinhso documents fixity [--enqueue] [--every SECONDS]`: re-verify the SHA-256 of every archive record.

Prints one JSON object (kind, from, to, document_id, code_number, code_notation, promulgation_date,
subject, business_doc_type, attachments; for a status message status_code and response_for) and exits 0; a
package that cannot be accepted gets one line naming the problem and the element on standard error, exit
status 2.

``fixity`` recomputes the digests now (``--enqueue``: as a task for ``tinhso worker``; ``--every SECONDS``: again
and again, as a long-running service); a mismatch is on the audit chain and logged as an error, and a single
run that finds one exits with status 1 so that a scheduler reports it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Văn bản điện tử: edxml read FILE (đọc, kiểm tra gói edXML, không dùng cơ sở dữ liệu); fixity (kiểm tra "
            "toàn vẹn kho lưu trữ điện tử).")
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="area", required=True)
        edxml_parser = sub.add_parser("edxml", help="Gói edXML theo QCVN 102:2016/BTTTT.")
        actions = edxml_parser.add_subparsers(dest="action", required=True)
        reader = actions.add_parser("read", help="In nội dung gói dưới dạng JSON; gói lỗi: thông báo, mã thoát 2.")
        reader.add_argument("file", type=Path)
        fixity = sub.add_parser("fixity", help="Kiểm tra lại SHA-256 của mọi hồ sơ trong kho lưu trữ điện tử.")
        fixity.add_argument("--enqueue", action="store_true", help="Đưa vào hàng đợi tác vụ thay vì chạy ngay.")
        fixity.add_argument("--every", type=float, default=None, metavar="SECONDS",
                            help="Lặp lại sau mỗi khoảng thời gian (chạy như một dịch vụ).")

    def handle(self, *args, area: str, **options):
        if area == "fixity":
            while True:
                mismatched = self._fixity(options["enqueue"])
                if not options["every"]:
                    if mismatched:
                        raise CommandError(f"Có {mismatched} hồ sơ sai lệch toàn vẹn (đã ghi nhật ký kiểm toán).",
                                           returncode=1)
                    return
                time.sleep(max(options["every"], 1.0))
        self._read(options["file"])

    def _fixity(self, enqueue: bool) -> int:
        if enqueue:
            from tinhso.documents.tasks import verify_archive_fixity

            verify_archive_fixity.enqueue()
            self.stdout.write("Đã đưa việc kiểm tra toàn vẹn kho lưu trữ vào hàng đợi.")
            return 0
        from tinhso.documents.archive import verify_fixity

        result = verify_fixity()
        self.stdout.write(f"Đã kiểm tra {result['checked']} hồ sơ lưu trữ, {result['mismatched']} hồ sơ sai lệch.")
        return result["mismatched"]

    def _read(self, file: Path) -> None:
        from tinhso.documents import edxml

        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {file}: {error.strerror}.", returncode=2) from None
        try:
            package = edxml.read(data)
        except edxml.EdxmlError as error:
            raise CommandError(f"{error.message} [{error.element}]", returncode=2) from None
        self.stdout.write(json.dumps(edxml.summary(package), ensure_ascii=False))
