"""``tinhso exchange …``: the data-sharing gateway and the national-portal adapter from the command line."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.common.tabular import parse_date, parse_datetime


def _moment(text: str, *, end: bool = False) -> datetime.datetime:
    """``dd/mm/yyyy`` (a whole day: its start, or with ``end`` the next day's start) or a date-time."""
    try:
        if ":" in text:
            return parse_datetime(text)
        day = parse_date(text)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if end:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class Command(BaseCommand):
    help = "Cổng kết nối, chia sẻ dữ liệu (X-Road REST), nhật ký trao đổi và đồng bộ cổng dịch vụ công quốc gia."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("services", help="Các dịch vụ cung cấp, trạng thái và số quyền truy cập.")
        member = sub.add_parser("member-add", help="Đăng ký thành viên hoặc phân hệ.")
        member.add_argument("identifier", help="INSTANCE/MEMBERCLASS/MEMBERCODE[/SUBSYSTEM]")
        member.add_argument("name")
        member.add_argument("--agency", default="", help="Mã định danh cơ quan làm phạm vi dữ liệu.")
        member.add_argument("--address", default="", help="Địa chỉ gốc cổng kết nối của thành viên.")
        certificate = sub.add_parser("certificate-add", help="Đăng ký chứng thư TLS máy khách cho thành viên.")
        certificate.add_argument("identifier")
        certificate.add_argument("file", type=Path)
        authority = sub.add_parser("ca-add", help="Tin cậy một tổ chức cấp chứng thư.")
        authority.add_argument("name")
        authority.add_argument("file", type=Path)
        authority.add_argument("--crl-url", default="")
        authority.add_argument("--crl", type=Path, help="Tệp danh sách thu hồi (CRL) hiện hành.")
        crl = sub.add_parser("crl-refresh", help="Tải lại danh sách thu hồi của các tổ chức cấp chứng thư.")
        crl.add_argument("--file", type=Path, help="Nạp CRL từ tệp thay vì tải về.")
        crl.add_argument("--authority", default="", help="Tên tổ chức cấp chứng thư (với --file).")
        for name, text in (("grant", "Cấp quyền gọi dịch vụ."), ("revoke", "Thu hồi quyền gọi dịch vụ.")):
            right = sub.add_parser(name, help=text)
            right.add_argument("client")
            right.add_argument("service")
            right.add_argument("--method", default="*")
            right.add_argument("--path", default="/**")
            if name == "grant":
                right.add_argument("--note", default="")
        calling = sub.add_parser("call", help="Gọi dịch vụ của thành viên khác và in câu trả lời.")
        calling.add_argument("service", help="INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE")
        calling.add_argument("path", nargs="?", default="")
        calling.add_argument("--method", default="GET")
        calling.add_argument("--query", action="append", default=[], help="tên=giá trị (lặp lại được)")
        calling.add_argument("--data", help="Tệp nội dung gửi đi, hoặc - để đọc từ đầu vào chuẩn.")
        calling.add_argument("--content-type", default="")
        sub.add_parser("seal", help="Nối chuỗi và niêm phong (dấu thời gian) nhật ký trao đổi ngay.")
        verify = sub.add_parser("verify-log", help="Kiểm tra nhật ký trao đổi; chỉ ra bản ghi bị sửa hoặc xoá.")
        verify.add_argument("--no-timestamps", action="store_true", help="Không kiểm tra chữ ký dấu thời gian.")
        search = sub.add_parser("log", help="Tìm trong nhật ký trao đổi.")
        search.add_argument("--client", default="")
        search.add_argument("--service", default="")
        search.add_argument("--from", dest="since", default="", help="dd/mm/yyyy [HH:MM]")
        search.add_argument("--to", dest="until", default="", help="dd/mm/yyyy [HH:MM] (hết ngày đó)")
        search.add_argument("--request-id", default="")
        search.add_argument("--limit", type=int, default=50)
        export = sub.add_parser("export-log", help="Trích xuất nhật ký một kỳ kèm dấu niêm phong cho kiểm toán.")
        export.add_argument("--from", dest="since", required=True, help="dd/mm/yyyy")
        export.add_argument("--to", dest="until", required=True, help="dd/mm/yyyy (hết ngày đó)")
        export.add_argument("--output", "-o", type=Path, required=True)
        check = sub.add_parser("verify-export", help="Kiểm tra một tệp trích xuất nhật ký.")
        check.add_argument("file", type=Path)
        deliver = sub.add_parser("deliver", help="Gửi ngay các thay đổi trạng thái hồ sơ tới cổng quốc gia.")
        deliver.add_argument("--batch", type=int, default=None)
        retry = sub.add_parser("retry", help="Gửi lại các thay đổi trong danh sách gửi lỗi.")
        retry.add_argument("--dossier", default="", help="Chỉ hồ sơ có mã này.")
        pull = sub.add_parser("pull-catalogue", help="Lấy danh mục thủ tục từ cơ sở dữ liệu quốc gia.")
        pull.add_argument("--publish", action="store_true", help="Công bố ngay phiên bản có đủ quy trình.")

    def handle(self, *args, action: str, **options):
        getattr(self, "do_" + action.replace("-", "_"))(**options)

    def _fail(self, error):
        raise CommandError(getattr(error, "message", str(error)))

    # -- registers ---------------------------------------------------------------------------------------

    def do_services(self, **options):
        from tinhso.exchange.conf import own_subsystem
        from tinhso.exchange.selectors import services_with_rights

        self.stdout.write(f"Phân hệ: {own_subsystem()}")
        for service in services_with_rights():
            state = "đang cung cấp" if service.enabled else f"tạm dừng ({service.disabled_notice})"
            if not service.available:
                state = "không còn trong phiên bản này"
            self.stdout.write(f"  {service.code:<20} {service.title} — {state}, {service.rights} quyền truy cập")

    def do_member_add(self, identifier, name, agency, address, **options):
        from tinhso.directory.models import Agency
        from tinhso.exchange import services

        scope = None
        if agency:
            scope = Agency.objects.filter(identifier=agency.upper()).first()
            if scope is None:
                raise CommandError(f"Không có cơ quan mã {agency}.")
        try:
            member = services.register_member(identifier, name, agency=scope, address=address)
        except services.ExchangeError as error:
            self._fail(error)
        self.stdout.write(f"Đã đăng ký {member}.")

    def do_certificate_add(self, identifier, file, **options):
        from tinhso.exchange import services

        member = services.find_member(identifier)
        if member is None:
            raise CommandError(f"Chưa đăng ký thành viên {identifier}.")
        try:
            certificate = services.add_certificate(member, file.read_bytes())
        except (OSError, services.ExchangeError) as error:
            self._fail(error)
        self.stdout.write(f"Đã đăng ký chứng thư {certificate.subject} (SHA-256 {certificate.fingerprint}).")

    def do_ca_add(self, name, file, crl_url, crl, **options):
        from tinhso.exchange import services

        try:
            authority = services.add_authority(name, file.read_bytes(), crl_url=crl_url)
            if crl is not None:
                services.store_crl(authority, crl.read_bytes())
        except (OSError, services.ExchangeError) as error:
            self._fail(error)
        self.stdout.write(f"Đã tin cậy {authority.name}.")

    def do_crl_refresh(self, file, authority, **options):
        from tinhso.exchange import services
        from tinhso.exchange.models import CertificateAuthority

        if file is not None:
            target = CertificateAuthority.objects.filter(name=authority).first() if authority else None
            if target is None:
                raise CommandError("Cần --authority <tên> đúng tên tổ chức cấp chứng thư khi nạp CRL từ tệp.")
            try:
                services.store_crl(target, file.read_bytes())
            except (OSError, services.ExchangeError) as error:
                self._fail(error)
            self.stdout.write(f"Đã nạp CRL cho {target.name}.")
            return
        failed = False
        for item, error in services.refresh_all_crls():
            self.stdout.write(f"{item.name}: {error or 'đã cập nhật'}")
            failed = failed or bool(error)
        if failed:
            raise CommandError("Có danh sách thu hồi chưa tải được.")

    def do_grant(self, client, service, method, path, note, **options):
        from tinhso.exchange import services

        try:
            right = services.grant_access(client, service, method=method, path=path, note=note)
        except services.ExchangeError as error:
            self._fail(error)
        self.stdout.write(f"Đã cấp quyền: {right}.")

    def do_revoke(self, client, service, method, path, **options):
        from tinhso.exchange import services
        from tinhso.exchange.models import AccessRight

        member = services.find_member(client)
        right = AccessRight.objects.filter(client=member, service__code=service, method=method.upper(),
                                           path=path).first() if member else None
        if right is None:
            raise CommandError("Không có quyền này.")
        services.revoke_access(right)
        self.stdout.write("Đã thu hồi quyền.")

    # -- calls --------------------------------------------------------------------------------------------

    def do_call(self, service, path, method, query, data, content_type, **options):
        from tinhso.exchange.client import CallFailed, call

        body = b""
        if data == "-":
            body = sys.stdin.buffer.read()
        elif data:
            body = Path(data).read_bytes()
        pairs = [item.split("=", 1) for item in query]
        try:
            answer = call(service, path, method=method, query=[(p[0], p[1] if len(p) > 1 else "") for p in pairs],
                          body=body, content_type=content_type)
        except CallFailed as error:
            raise CommandError(f"{error.type}: {error.message}") from None
        self.stderr.write(f"HTTP {answer.status}  X-Road-Id {answer.message_id}")
        self.stdout.write(answer.body.decode(errors="replace"))
        if not answer.ok:
            raise CommandError(f"Dịch vụ trả lời HTTP {answer.status}.")

    # -- the message log ------------------------------------------------------------------------------------

    def do_seal(self, **options):
        from tinhso.exchange import seals

        run = seals.seal(settle=0)
        self.stdout.write(f"Đã nối chuỗi {run.chained} bản ghi thành {run.batches} lô; đã đóng dấu thời gian "
                          f"{run.stamped} lô; {run.waiting} lô chờ dấu thời gian.")
        if run.error:
            self.stderr.write(f"Máy chủ dấu thời gian: {run.error}")
        for message in seals.alerts():
            self.stderr.write(self.style.ERROR(message))

    def do_verify_log(self, no_timestamps, **options):
        from tinhso.exchange import seals

        result = seals.verify(check_timestamps=not no_timestamps)
        summary = (f"{result.records} bản ghi đã nối chuỗi, {result.seals} lô niêm phong "
                   f"({result.timestamps} dấu thời gian hợp lệ, {result.waiting_seals} lô chờ), "
                   f"{result.unchained} bản ghi chờ nối chuỗi")
        for message in seals.alerts():
            self.stderr.write(self.style.WARNING(message))
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem.what)
            raise CommandError(f"Nhật ký trao đổi không nguyên vẹn: {len(result.problems)} sai khác ({summary}).")
        self.stdout.write(self.style.SUCCESS(f"Nhật ký trao đổi nguyên vẹn: {summary}."))

    def do_log(self, client, service, since, until, request_id, limit, **options):
        from tinhso.exchange.selectors import LogFilters, search_log

        filters = LogFilters(client=client, service=service, request_id=request_id,
                             since=_moment(since) if since else None,
                             until=_moment(until, end=True) if until else None)
        for record in search_log(filters)[:limit]:
            self.stdout.write(json.dumps({
                "at": timezone.localtime(record.at).isoformat(), "direction": record.direction, "kind": record.kind,
                "x_road_id": record.message_id, "request_id": record.request_id, "client": record.client,
                "service": record.service, "method": record.method, "path": record.path, "status": record.status,
                "error": record.error_type, "size": record.body_size, "position": record.position,
                "sealed": bool(record.seal_id and record.seal.token),
            }, ensure_ascii=False))

    def do_export_log(self, since, until, output, **options):
        from tinhso.exchange.audit_export import export_period

        start, end = _moment(since), _moment(until, end=True)
        if end <= start:
            raise CommandError("Ngày kết thúc phải sau ngày bắt đầu.")
        output.write_bytes(export_period(start, end))
        self.stdout.write(f"Đã ghi {output}.")

    def do_verify_export(self, file, **options):
        from tinhso.exchange.audit_export import verify_export

        try:
            result = verify_export(file.read_bytes())
        except (OSError, KeyError, ValueError) as error:
            raise CommandError(f"Không đọc được tệp trích xuất: {error}") from None
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem.what)
            raise CommandError(f"Tệp trích xuất không nguyên vẹn: {len(result.problems)} sai khác.")
        self.stdout.write(self.style.SUCCESS(
            f"Tệp trích xuất nguyên vẹn: {result.records} bản ghi, {result.seals} lô, {result.timestamps} dấu thời "
            "gian hợp lệ."))

    # -- the national portal -------------------------------------------------------------------------------

    def do_deliver(self, batch, **options):
        from tinhso.exchange import outbox

        report = outbox.deliver(batch=batch)
        self.stdout.write(f"Đã đồng bộ {report.delivered} thay đổi ({report.duplicates} cổng đã có), "
                          f"{report.retrying} chờ gửi lại, {report.dead} chuyển sang danh sách gửi lỗi.")
        if report.error:
            raise CommandError(report.error)

    def do_retry(self, dossier, **options):
        from tinhso.exchange import outbox
        from tinhso.exchange.models import OutboxEntry, OutboxStatus

        entries = OutboxEntry.objects.filter(status=OutboxStatus.DEAD)
        if dossier:
            entries = entries.filter(dossier_code=dossier)
        count = outbox.retry(list(entries))
        self.stdout.write(f"Đã đưa {count} thay đổi vào hàng đợi gửi lại.")

    def do_pull_catalogue(self, publish, **options):
        from tinhso.exchange import catalogue_pull

        sync = catalogue_pull.pull(publish=publish)
        for line in sync.report:
            if line["outcome"] == "refused":
                self.stdout.write(f"{line['code']}: không nhận — {'; '.join(line['errors'])}")
            elif line["outcome"] == "versioned":
                self.stdout.write(f"{line['code']}: phiên bản mới ({', '.join(line['changes'])})")
            elif line["outcome"] == "created":
                self.stdout.write(f"{line['code']}: thủ tục mới")
        self.stdout.write(catalogue_pull.summary(sync))
        if not sync.ok:
            raise CommandError(sync.error)
