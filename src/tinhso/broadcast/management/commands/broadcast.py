"""`tinhso broadcast cap check|link|relay|simulate|broker-files`: the grassroots radio from the command line.

``cap check FILE`` reads a CAP 1.2 message without the database: one JSON object on standard output and exit
status 0, or one line naming the element and the rule on standard error and exit status 2.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Truyền thanh cơ sở: cap check (kiểm tra tệp CAP), link (kết nối MQTT), relay (phát trực tiếp qua " \
           "Icecast), simulate (thiết bị ảo), " \
           "broker-files (mật khẩu và ACL cho Mosquitto)."
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        cap = sub.add_parser("cap", help="Cảnh báo CAP 1.2.")
        cap_sub = cap.add_subparsers(dest="cap_action", required=True)
        check = cap_sub.add_parser("check", help="Kiểm tra một tệp CAP 1.2 (không dùng cơ sở dữ liệu).")
        check.add_argument("file", type=Path)
        link = sub.add_parser("link", help="Nhận nhịp tim, trạng thái, xác nhận của thiết bị qua MQTT; đánh dấu "
                                           "thiết bị mất liên lạc; kết thúc phát khẩn cấp hết hạn.")
        link.add_argument("--once", action="store_true", help="Xử lý những gì đang chờ rồi dừng.")
        simulate = sub.add_parser("simulate", help="Chạy N cụm thu phát ảo với thông tin đăng nhập trong sổ.")
        simulate.add_argument("--devices", type=int, default=10)
        simulate.add_argument("--heartbeat", type=float, default=30.0)
        simulate.add_argument("--flaky", type=float, default=0.02,
                              help="Xác suất mỗi nhịp tim một thiết bị rớt mạng một lúc (mặc định 0,02).")
        simulate.add_argument("--files-url", default="", help="Địa chỉ gốc để tải tệp (ví dụ http://127.0.0.1:8000).")
        sub.add_parser("relay", help="Chuyển tiếp các buổi phát trực tiếp lên máy chủ Icecast (một tiến trình ffmpeg "
                                     "cho mỗi buổi) và đóng dấu thời gian để đo độ trễ.")
        files = sub.add_parser("broker-files", help="Ghi tệp mật khẩu và ACL của Mosquitto từ sổ thiết bị.")
        files.add_argument("folder", type=Path)

    def handle(self, *args, action: str, **options):
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _cap(self, cap_action: str, file: Path, **options) -> None:
        from tinhso.broadcast import cap

        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {file}: {error.strerror}.", returncode=2) from error
        try:
            message = cap.parse(data)
        except cap.CapError as error:
            sys.stderr.write(f"{error}\n")
            sys.stderr.flush()
            raise SystemExit(2) from None
        self.stdout.write(json.dumps(message.summary(), ensure_ascii=False))

    def _broker_files(self, folder: Path, **options) -> None:
        from tinhso.broadcast import link

        address = link.BrokerAddress.parse(settings.BROADCAST_MQTT_URL or "mqtt://127.0.0.1")
        passwords, acl = link.write_broker_files(folder, address.password, link.registry_credentials())
        self.stdout.write(f"{passwords}\n{acl}")

    def _link(self, once: bool = False, **options) -> None:
        from tinhso.broadcast import link, live_sessions, services

        if not settings.BROADCAST_MQTT_URL:
            raise CommandError("Chưa đặt BROADCAST_MQTT_URL.", returncode=2)
        listener = link.Listener(link.BrokerAddress.parse(settings.BROADCAST_MQTT_URL))
        if not listener.wait(10):
            raise CommandError("Không kết nối được máy chủ MQTT.", returncode=2)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        housekeeping = 0.0
        try:
            while not stop.is_set():
                reports = listener.take(timeout=0.2)
                if reports:
                    services.take_reports(reports)
                if time.monotonic() - housekeeping >= 5:
                    housekeeping = time.monotonic()
                    services.mark_offline()
                    services.expire_emergencies()
                    live_sessions.expire_live()
                if once and not reports:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            listener.close()

    def _relay(self, **options) -> None:
        from django.db import connection

        from tinhso.broadcast import live

        ready, reason, _reason_en = live.available()
        if not ready:
            raise CommandError(reason, returncode=2)
        relays = live.Relays()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        self.stdout.write("Đang chuyển tiếp các buổi phát trực tiếp (Ctrl+C để dừng).")
        try:
            beat = 0
            while not stop.wait(0.1):
                try:
                    if beat % 5 == 0:
                        relays.sync()
                    relays.feed()
                except Exception:  # a database that is away for a moment: the relays keep running
                    logging.getLogger("tinhso.broadcast").exception("live relay")
                    connection.close()
                    time.sleep(1)
                beat += 1
        except KeyboardInterrupt:
            pass
        finally:
            relays.close()

    def _simulate(self, devices: int, heartbeat: float, flaky: float, files_url: str, **options) -> None:
        from tinhso.broadcast.models import Device
        from tinhso.broadcast.simulator import Fleet, Unit

        if not settings.BROADCAST_MQTT_URL:
            raise CommandError("Chưa đặt BROADCAST_MQTT_URL.", returncode=2)
        # The display boards first (a province has a few), then the receive-and-play units.
        rows = list(Device.objects.filter(state=Device.State.ACTIVE).order_by("kind", "device_id")
                    .values_list("device_id", "secret")[:devices])
        fleet = Fleet(settings.BROADCAST_MQTT_URL, [Unit(d, s, heartbeat_seconds=heartbeat) for d, s in rows],
                      files_base_url=files_url, flaky=flaky).start()
        self.stdout.write(f"{len(rows)} thiết bị ảo đang chạy (Ctrl+C để dừng).")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            fleet.stop()
