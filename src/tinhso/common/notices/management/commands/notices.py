"""`tinhso notices status|sweep|resend|test|recount`: the notice service from the command line."""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tinhso.common.notices import services
from tinhso.common.notices.channels import EMAIL, SMS
from tinhso.common.notices.models import Delivery
from tinhso.common.notices.recipients import Recipient
from tinhso.common.tabular import parse_date
from tinhso.common.workdays import VIETNAM


class Command(BaseCommand):
    help = ("Thông báo: `status` tình hình gửi, `sweep` đưa lại vào hàng đợi lượt gửi bị mất tác vụ, "
            "`resend` gửi lại các lượt không thành công, `test` gửi thử để kiểm tra cấu hình, `recount` tính lại "
            "số lượt gửi theo tháng.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True,
                                        metavar="{status,sweep,resend,test,recount}")
        actions.add_parser("status", help="Số lượt đang chờ, không thành công, đã gửi hôm nay; lượt chờ lâu nhất.")
        sweep = actions.add_parser(
            "sweep", help="Đưa lại vào hàng đợi các lượt gửi đã quá giờ thử mà không có tác vụ (tiến trình tác vụ "
                          "bị dừng giữa chừng). Chạy định kỳ, ví dụ 5 phút một lần.")
        sweep.add_argument("--every", type=int, default=0, metavar="GIÂY",
                           help="Chạy lặp lại sau mỗi chừng ấy giây (dùng như một dịch vụ); mặc định chạy một lần.")
        resend = actions.add_parser(
            "resend", help="Gửi lại các lượt không thành công (sau khi đã sửa máy chủ thư hoặc cổng tin nhắn).")
        resend.add_argument("--since", help="Chỉ các lượt thất bại từ ngày này (dd/mm/yyyy).")
        resend.add_argument("--channel", choices=[EMAIL, SMS], help="Chỉ một kênh.")
        resend.add_argument("--kind", help="Chỉ một loại thông báo, ví dụ dossiers.event.")
        actions.add_parser("recount", help="Tính lại số lượt gửi theo tháng (số liệu trung tâm điều hành) từ các lượt "
                                          "gửi, và cho biết số đã lưu có khớp không.")
        test = actions.add_parser("test", help="Gửi một thông báo thử tới địa chỉ thư và/hoặc số điện thoại.")
        test.add_argument("--email", default="")
        test.add_argument("--phone", default="")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(options)

    def _status(self, options):
        now = timezone.now()
        today = datetime.datetime.combine(timezone.localdate(), datetime.time(), tzinfo=VIETNAM)
        pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
        oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
        failed = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
        sent = Delivery.objects.filter(status=Delivery.Status.SENT, sent_at__gte=today).count()
        self.stdout.write(f"Đang chờ gửi: {pending.count()}")
        if oldest:
            minutes = int((now - oldest).total_seconds() // 60)
            self.stdout.write(f"  chờ lâu nhất: {minutes} phút (tạo lúc {timezone.localtime(oldest):%H:%M %d/%m/%Y})")
        self.stdout.write(f"Không thành công (chờ quản trị viên): {failed}")
        self.stdout.write(f"Đã gửi hôm nay: {sent}")

    def _sweep(self, options):
        while True:
            queued = services.sweep()
            self.stdout.write(f"Đã đưa lại vào hàng đợi {queued} lượt gửi.")
            if not options["every"]:
                return
            time.sleep(options["every"])

    def _resend(self, options):
        failed = Delivery.objects.filter(status=Delivery.Status.FAILED).select_related("notice")
        if options["since"]:
            try:
                since = parse_date(options["since"])
            except ValueError as error:
                raise CommandError(f"--since: {error}") from None
            failed = failed.filter(failed_at__gte=datetime.datetime.combine(since, datetime.time(), tzinfo=VIETNAM))
        if options["channel"]:
            failed = failed.filter(channel=options["channel"])
        if options["kind"]:
            failed = failed.filter(notice__kind=options["kind"])
        queued, refused = services.resend_failed(failed.order_by("failed_at", "pk"), actor=None)
        self.stdout.write(self.style.SUCCESS(f"Đã đưa {queued} lượt gửi vào hàng đợi gửi lại."))
        for reason in refused:
            self.stdout.write(f"  không gửi lại {reason}")

    def _recount(self, options):
        rows, differed = services.recount()
        if differed:
            self.stdout.write(self.style.WARNING(f"Số đã lưu không khớp; đã tính lại {rows} dòng theo tháng."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Số đã lưu khớp với các lượt gửi ({rows} dòng theo tháng)."))

    def _test(self, options):
        if not (options["email"] or options["phone"]):
            raise CommandError("Cần --email hoặc --phone.")
        with transaction.atomic():
            notice = services.notify(
                Recipient(email=options["email"], phone=options["phone"]),
                subject="Thư thử của nền tảng tỉnh số", kind="notices.test",
                text="Đây là thư thử để kiểm tra cấu hình gửi thư của nền tảng tỉnh số. Bạn không cần làm gì.",
                sms="Tin nhắn thử của nền tảng tỉnh số: cấu hình gửi tin nhắn hoạt động.",
            )
        # Tried here and now, so that the administrator sees the outcome (the queued task then finds it done).
        for delivery in notice.deliveries.order_by("pk") if notice else []:
            services.attempt(delivery.pk)
            delivery.refresh_from_db()
            self.stdout.write(f"{delivery.get_channel_display()} tới {delivery.masked_destination}: "
                              f"{delivery.get_status_display()}"
                              + (f" — {delivery.last_error}" if delivery.last_error else ""))
