"""`tinhso documents edxml read FILE`: check any edXML package (QCVN 102:2016) without the database.

Prints one JSON object (kind, from, to, document_id, code_number, code_notation, promulgation_date,
subject, business_doc_type, attachments; for a status message status_code and response_for) and exits 0; a
package that cannot be accepted gets one line naming the problem and the element on standard error, exit
status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Văn bản điện tử: edxml read FILE (đọc, kiểm tra gói edXML, không dùng cơ sở dữ liệu)."
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="area", required=True)
        edxml_parser = sub.add_parser("edxml", help="Gói edXML theo QCVN 102:2016/BTTTT.")
        actions = edxml_parser.add_subparsers(dest="action", required=True)
        reader = actions.add_parser("read", help="In nội dung gói dưới dạng JSON; gói lỗi: thông báo, mã thoát 2.")
        reader.add_argument("file", type=Path)

    def handle(self, *args, area: str, action: str, file: Path, **options):
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
