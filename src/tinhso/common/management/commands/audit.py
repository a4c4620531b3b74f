"""`tinhso audit`: verify the chain, seal it, export and check the checkpoints an auditor keeps."""

from __future__ import annotations

import datetime
import json
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from tinhso.common import audit


class Command(BaseCommand):
    help = ("Nhật ký kiểm toán: `verify` kiểm tra các luồng và niêm phong; `seal` niêm phong; "
            "`checkpoint export|verify` bản niêm phong kiểm toán viên lưu giữ.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="Kiểm tra chuỗi và niêm phong; chỉ ra mắt xích hỏng đầu tiên.")
        check.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                           help="Bản niêm phong lưu bên ngoài (JSON đã xuất, hoặc tệp nhật ký có dòng "
                                "AUDIT-SEAL); lặp lại được.")
        check.add_argument("--max-unsealed-age", type=float, default=None, metavar="MINUTES",
                           help="Báo lỗi khi có bản ghi cũ hơn chừng ấy phút mà chưa được niêm phong "
                                "(mặc định: 10 lần AUDIT_SEAL_INTERVAL, ít nhất 15 phút; 0: không kiểm tra).")
        seal = sub.add_parser("seal", help="Niêm phong đầu các luồng (kèm dấu thời gian khi có TSA_URL).")
        seal.add_argument("--every", type=float, default=None, metavar="SECONDS",
                          help="Chạy liên tục, niêm phong sau mỗi chừng ấy giây (mặc định một lần rồi thoát; "
                               "`--every 0`: theo AUDIT_SEAL_INTERVAL).")
        seal.add_argument("--force", action="store_true", help="Niêm phong cả khi không có bản ghi mới.")
        checkpoint = sub.add_parser("checkpoint", help="Bản niêm phong để kiểm toán viên lưu giữ.")
        what = checkpoint.add_subparsers(dest="checkpoint_action", required=True)
        export = what.add_parser("export", help="Xuất niêm phong mới nhất (JSON).")
        export.add_argument("--output", "-o", default="-", help="Tệp ghi ra (mặc định: màn hình).")
        kept = what.add_parser("verify", help="Đối chiếu cơ sở dữ liệu với các bản niêm phong đã lưu.")
        kept.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, action: str, **options):
        if action == "verify":
            self._verify(options["checkpoint"], options["max_unsealed_age"])
        elif action == "seal":
            self._seal(options["every"], options["force"])
        elif options["checkpoint_action"] == "export":
            self._export(options["output"])
        else:
            self._verify(options["files"], None)

    # -- verify -------------------------------------------------------------------------------------------
    def _verify(self, files: list[str], max_age: float | None) -> None:
        checkpoints = []
        for name in files:
            try:
                checkpoints += audit.read_checkpoints(Path(name).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"Không đọc được bản niêm phong {name}: {error}") from None
        if files and not checkpoints:
            raise CommandError("Các tệp đã cho không có bản niêm phong nào (no checkpoint found).")
        if max_age is None:
            max_age = max(10 * settings.TINHSO_AUDIT_SEAL_INTERVAL / 60, 15.0)
        grace = datetime.timedelta(minutes=max_age) if max_age > 0 else None
        result = audit.verify(checkpoints, unsealed_grace=grace)
        if not result.ok:
            first = result.first
            lines = [f"Chuỗi kiểm toán hỏng — mắt xích hỏng đầu tiên: {first.describe()}"]
            lines += [f"  - {p.describe()}" for p in result.problems if p is not first][:20]
            lines.append(f"({result.checked} bản ghi hợp lệ.)")
            raise CommandError("\n".join(lines))
        self.stdout.write(self.style.SUCCESS(
            f"Chuỗi kiểm toán nguyên vẹn: {result.checked} bản ghi trong {audit.STREAMS} luồng, "
            f"{result.seals} niêm phong."))
        last = result.last_seal
        if last is not None:
            stamp = (f"dấu thời gian {timezone.localtime(last.timestamp_time):%d/%m/%Y %H:%M:%S}"
                     if last.timestamp_time else "chưa có dấu thời gian")
            self.stdout.write(f"Niêm phong mới nhất #{last.number} lúc "
                              f"{timezone.localtime(last.sealed_at):%d/%m/%Y %H:%M:%S} ({stamp}), "
                              f"{last.entries} bản ghi.")
        if result.unsealed:
            self.stdout.write(f"{result.unsealed} bản ghi mới hơn niêm phong mới nhất (sẽ được niêm phong).")
        if result.checkpoints:
            self.stdout.write(f"Khớp với {result.checkpoints} bản niêm phong lưu bên ngoài.")

    # -- seal -----------------------------------------------------------------------------------------------
    def _seal(self, every: float | None, force: bool) -> None:
        if every is None:
            self._seal_once(force, quiet=False)
            return
        interval = every or settings.TINHSO_AUDIT_SEAL_INTERVAL
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"Niêm phong nhật ký kiểm toán mỗi {interval:g} giây (Ctrl+C để dừng).")
        while not stop.is_set():
            try:
                self._seal_once(force, quiet=True)
            except Exception as error:  # a database restart must not end the sealer
                self.stderr.write(f"Niêm phong thất bại: {error}")
            finally:
                connections.close_all()
            stop.wait(interval)

    def _seal_once(self, force: bool, quiet: bool) -> None:
        stamped = audit.stamp_pending()
        made = audit.seal(force=force)
        if made is not None:
            note = ("có dấu thời gian" if made.timestamp_token
                    else f"chưa có dấu thời gian: {made.timestamp_error}" if made.timestamp_error
                    else "không cấu hình TSA")
            self.stdout.write(f"Niêm phong #{made.number}: {made.entries} bản ghi ({note}).")
        elif not quiet:
            self.stdout.write("Không có bản ghi mới từ lần niêm phong trước.")
        if stamped:
            self.stdout.write(f"Đã lấy dấu thời gian cho {stamped} niêm phong trước đó.")

    # -- checkpoint export ----------------------------------------------------------------------------------
    def _export(self, output: str) -> None:
        checkpoint = audit.export_checkpoint()
        if checkpoint is None:
            raise CommandError("Chưa có niêm phong nào: chạy `tinhso audit seal` trước.")
        text = json.dumps(checkpoint, ensure_ascii=False, indent=2) + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"Đã xuất niêm phong #{checkpoint['number']} ra {output}.")
