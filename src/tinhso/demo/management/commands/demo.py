"""`tinhso demo load` loads the demo province; `tinhso demo serve` runs it with its task worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tinhso.demo.services import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Tỉnh mẫu: `load` nạp dữ liệu mẫu, `serve` chạy máy chủ web cùng tiến trình tác vụ nền."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Nạp đơn vị hành chính, cơ quan và tài khoản mẫu (chạy lại không nhân đôi).")
        load.add_argument("--password", default=DEMO_PASSWORD)
        load.add_argument("--days", type=int, default=365, help="Số ngày lịch sử hồ sơ mẫu (mặc định 365).")
        serve = sub.add_parser("serve", help="Chạy máy chủ web và tiến trình tác vụ nền.")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", default="8000")
        serve.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, action: str, **options):
        if action == "load":
            summary = load_demo(password=options["password"], dossier_days=options["days"])
            self.stdout.write(
                f"Đã nạp: {summary.units}; {summary.villages} thôn/tổ dân phố mới; "
                f"{len(summary.logins)} tài khoản mẫu; {summary.procedures} thủ tục đang áp dụng; "
                f"{summary.dossiers} hồ sơ mẫu mới."
            )
            return
        # Links in notices, QR codes and e-mails name the address being served unless PUBLIC_BASE_URL says otherwise.
        if not os.environ.get("PUBLIC_BASE_URL"):
            from django.conf import settings

            os.environ["PUBLIC_BASE_URL"] = settings.TINHSO_PUBLIC_BASE_URL = f"http://{options['host']}:{options['port']}"
        # Loading is idempotent, so serving always starts from a complete demo province.
        summary = load_demo(password=options["password"])
        self._serve(options["host"], options["port"], summary.logins, options["password"])

    def _serve(self, host: str, port: str, logins: list[tuple[str, str, str]], password: str) -> None:
        from django.conf import settings

        from tinhso.exchange import demo as exchange_demo

        call_command("collectstatic", interactive=False, verbosity=0)
        # The stand-in national portal and a timestamp authority on loopback, unless real ones are configured.
        simulated, simulators = exchange_demo.start_simulators(settings.DATA_DIR)
        address = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nTỉnh số đang chạy tại {address}"))
        self.stdout.write(f"Đăng nhập cán bộ: {address}dang-nhap/   (mật khẩu mẫu: {password})")
        for role, username, agency in logins:
            self.stdout.write(f"  {role:<32} {username:<12} {agency}")
        self.stdout.write("Doanh nghiệp viễn thông: viettel, vnpt, mobifone; Sở KH&CN (hạ tầng viễn thông): "
                          "vienthong, vt_lanhdao")
        self.stdout.write("Theo dõi nhiệm vụ được giao: vanphong (Văn phòng UBND), chutich (lãnh đạo giao), khcn "
                          "(Sở KH&CN báo cáo)")
        self.stdout.write("Thông tin, báo chí: baochi (Sở VHTTDL), bc_lanhdao (duyệt giấy phép trang tin), "
                          "yte (Sở Y tế xác minh tin sai)")
        for line in exchange_demo.describe(simulated):
            self.stdout.write(line)
        from tinhso.broadcast import demo as broadcast_demo

        radio, broker = broadcast_demo.start_broker(settings.DATA_DIR)
        simulated.update(radio)
        self.stdout.write(broadcast_demo.describe(broker))
        streaming, icecast = broadcast_demo.start_icecast(settings.DATA_DIR)
        simulated.update(streaming)
        self.stdout.write(broadcast_demo.describe_icecast(icecast))
        self.stdout.write("Dừng: Ctrl+C\n")
        env = {**os.environ, **simulated, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                                    "tinhso.conf.settings.dev")}
        manage = [sys.executable, "-m", "tinhso.manage"]
        worker = subprocess.Popen([*manage, "worker", "--interval", "1"], env=env)
        # The audit chain's sealer (every AUDIT_SEAL_INTERVAL seconds), as a deployment runs it.
        sealer = subprocess.Popen([*manage, "audit", "seal", "--every", "0"], env=env, stdout=subprocess.DEVNULL)
        # Deliver what the demo's dossiers recorded for the national portal, and seal the message log.
        deliverer = subprocess.Popen([*manage, "exchange", "deliver"], env=env, stdout=subprocess.DEVNULL)
        log_sealer = subprocess.Popen([*manage, "exchange", "seal"], env=env, stdout=subprocess.DEVNULL)
        # The operations room's alert rules, evaluated every minute.
        room = subprocess.Popen([*manage, "ioc", "alerts", "--every", "60"], env=env, stdout=subprocess.DEVNULL)
        # The grassroots radio: the MQTT link and the simulated receive-and-play units.
        radio_processes = [] if broker is None else [
            subprocess.Popen([*manage, "broadcast", "link"], env=env),
            subprocess.Popen([*manage, "broadcast", "simulate", "--devices", "300", "--heartbeat", "20",
                              "--files-url", f"http://{host}:{port}"], env=env, stdout=subprocess.DEVNULL)]
        if icecast is not None or settings.BROADCAST_ICECAST_URL:
            # Live broadcasts: one ffmpeg per session feeding the Icecast mount, kept by one process.
            radio_processes.append(subprocess.Popen([*manage, "broadcast", "relay"], env=env,
                                                    stdout=subprocess.DEVNULL))
        web = subprocess.Popen([*manage, "runserver", "--noreload", "--skip-checks", f"{host}:{port}"], env=env)

        def stop(signum, frame):  # a service manager's SIGTERM stops the children as Ctrl+C does
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker, sealer, deliverer, log_sealer, room, *radio_processes):
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in (web, worker, sealer, deliverer, log_sealer, room, *radio_processes):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            for server in simulators:
                server.stop()
            if broker is not None:
                broker.stop()
            if icecast is not None:
                icecast.stop()
