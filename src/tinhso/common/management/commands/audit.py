"""`tinhso audit verify`: walk the audit chain and name the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from tinhso.common import audit


class Command(BaseCommand):
    help = "Nhật ký kiểm toán: `verify` kiểm tra toàn bộ chuỗi băm."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Kiểm tra chuỗi băm và chỉ ra mắt xích hỏng đầu tiên.")

    def handle(self, *args, action: str, **options):
        if action == "verify":
            result = audit.verify()
            if not result.ok:
                raise CommandError(
                    f"Chuỗi kiểm toán hỏng tại bản ghi #{result.broken_at}: {result.reason} "
                    f"({result.checked} bản ghi hợp lệ trước đó)."
                )
            self.stdout.write(self.style.SUCCESS(f"Chuỗi kiểm toán nguyên vẹn: {result.checked} bản ghi."))
