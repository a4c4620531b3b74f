"""The demo province's register of assigned tasks: a year of directives of the kinds a department of science
and technology receives (infrastructure review, online public services, villages without coverage, the data
centre, commune radio, press briefings…), their tasks driven through the services in the order of time —
done on time, done late, overdue, awaiting confirmation, returned, cancelled, extended — so the pages and
the operations centre show real numbers.

Seeded (the same every time) and idempotent: a second run finds the demo directives and writes nothing.
Nothing here is official: numbers, names and dates are plausible examples.
"""

from __future__ import annotations

import datetime
import heapq
import random
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tinhso.common import workdays
from tinhso.directives import notices, services
from tinhso.directives.models import (
    Directive,
    DirectiveKind,
    DueKind,
    Extension,
    ExtensionState,
    Priority,
    ReportEvery,
    Task,
)
from tinhso.directory.identifiers import province_level1_code
from tinhso.directory.models import Agency, Membership, Role

DEMO_MARK = "(mẫu)"
VALID_FROM = datetime.date(2025, 7, 1)

# (kind, notation, subject, [(task text, lead group, coordinating groups, due: days | None (ongoing), every)])
# Lead groups are the demo directory's department groups ("02" Sở KH&CN…); "xa" is a commune committee.
TEMPLATES = [
    (DirectiveKind.CONCLUSION, "TB-UBND", "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp rà soát hạ tầng công nghệ "
     "thông tin các cơ quan nhà nước", [
         ("Rà soát hạ tầng công nghệ thông tin của các cơ quan, đơn vị; đề xuất giải pháp nâng cấp", "02",
          ["06"], 20, ""),
         ("Cân đối, bố trí kinh phí nâng cấp hạ tầng công nghệ thông tin năm sau", "06", ["02"], 30, ""),
     ]),
    (DirectiveKind.INSTRUCTION, "UBND-KGVX", "Đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình", [
        ("Rà soát, tái cấu trúc quy trình các thủ tục đủ điều kiện cung cấp trực tuyến toàn trình", "03",
         ["02", "10"], 15, ""),
        ("Nâng tỷ lệ hồ sơ nộp trực tuyến tại Trung tâm Phục vụ hành chính công lên trên 60%", "10", ["02"],
         40, ""),
    ]),
    (DirectiveKind.CONCLUSION, "TB-UBND", "Kết luận về xóa thôn, bản chưa có sóng di động băng rộng", [
        ("Phối hợp các doanh nghiệp viễn thông xóa thôn, bản chưa có sóng di động băng rộng", "02", ["xa"],
         60, ""),
        ("Hỗ trợ mặt bằng lắp đặt trạm BTS tại các thôn chưa có sóng", "xa", ["02"], 30, ""),
    ]),
    (DirectiveKind.MINUTES, "BB-UBND", "Biên bản họp về phương án đầu tư Trung tâm dữ liệu tỉnh", [
        ("Báo cáo phương án đầu tư Trung tâm dữ liệu tỉnh", "02", ["06", "04"], 25, ""),
        ("Thẩm định nguồn vốn đầu tư Trung tâm dữ liệu", "06", ["02"], 35, ""),
    ]),
    (DirectiveKind.PLAN, "KH-UBND", "Kế hoạch chuyển đổi đài truyền thanh cấp xã sang ứng dụng công nghệ thông "
     "tin – viễn thông", [
         ("Chuyển đổi đài truyền thanh cấp xã sang ứng dụng công nghệ thông tin – viễn thông", "07", ["02", "xa"],
          None, ReportEvery.QUARTERLY),
         ("Hướng dẫn kỹ thuật cụm thu phát thanh ứng dụng CNTT-VT", "02", ["07"], 20, ""),
     ]),
    (DirectiveKind.DIRECTIVE, "CT-UBND", "Chỉ thị về cung cấp thông tin cho báo chí", [
        ("Tổ chức họp báo định kỳ, cung cấp thông tin cho báo chí hằng tháng", "07", ["01"], None,
         ReportEvery.MONTHLY),
        ("Công bố người phát ngôn và thông tin liên hệ của các sở, ngành", "07", [], 10, ""),
    ]),
    (DirectiveKind.CONCLUSION, "TB-UBND", "Kết luận tại cuộc họp giao ban chuyển đổi số quý", [
        ("Hoàn thành kết nối hệ thống một cửa điện tử với nền tảng chia sẻ dữ liệu của tỉnh", "02", ["10"], 30, ""),
        ("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn tồn", "10", ["03"], 45, ""),
        ("Báo cáo đánh giá an toàn thông tin các hệ thống dùng chung", "02", [], 20, ""),
    ]),
    (DirectiveKind.INSTRUCTION, "UBND-NC", "Tăng cường sử dụng văn bản điện tử, chữ ký số", [
        ("Bảo đảm 100% văn bản đi được ký số, trừ văn bản mật", "01", ["02"], 30, ""),
        ("Cấp chứng thư số cho cán bộ còn thiếu", "02", [], 25, ""),
    ]),
    (DirectiveKind.CONCLUSION, "TB-UBND", "Kết luận về chương trình y tế số và học bạ số", [
        ("Triển khai hồ sơ sức khỏe điện tử tại các trạm y tế xã", "08", ["02"], 60, ""),
        ("Triển khai học bạ số tại các trường phổ thông", "09", ["02"], 60, ""),
    ]),
]
LEADERS = [("Chủ tịch UBND tỉnh", "Nguyễn Văn Minh", "Chủ tịch"),
           ("Phó Chủ tịch UBND tỉnh", "Trần Thị Hà", "Phó Chủ tịch")]


class _Clock:
    """``timezone.now()`` while the demo is generated: UTC, moved only forward (the audit chain's order)."""

    def __init__(self, moment: datetime.datetime):
        self.moment = moment.astimezone(datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.moment

    def set(self, moment: datetime.datetime) -> None:
        self.moment = max(moment.astimezone(datetime.UTC), self.moment)


def _user(username: str, password: str, first: str, last: str):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, first_name=first, last_name=last,
                                   password=make_password(password), email=f"{username}@example.vn")
    return user


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=workdays.VIETNAM)


def load_demo_directives(province_code: str, password: str, *, today: datetime.date | None = None) -> dict:
    """Load the demo register; returns what was created (an empty dict on a second run)."""
    level1 = province_level1_code(province_code)
    committee = Agency.objects.filter(identifier=f"000.00.00.{level1}").first()
    office = Agency.objects.filter(identifier=f"000.00.01.{level1}").first()
    if committee is None or office is None:
        return {}
    with transaction.atomic():
        services.ensure_office(office)
        officer = _user("vanphong", password, "Đỗ Thị", "Mai")
        khcn = _user("khcn", password, "Bùi Văn", "Khoa")
        chairman = _user("chutich", password, "Nguyễn Văn", "Minh")
        for user, agency, role in ((officer, office, Role.HANDLER), (chairman, committee, Role.APPROVER),
                                   (khcn, Agency.objects.get(identifier=f"000.00.02.{level1}"), Role.HANDLER)):
            Membership.objects.get_or_create(user=user, agency=agency, role=role, defaults={"valid_from": VALID_FROM})
    if Directive.objects.filter(issuer=committee, subject__endswith=DEMO_MARK).exists():
        return {}
    groups = {group: Agency.objects.filter(identifier=f"000.00.{group}.{level1}").first()
              for group in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")}
    communes = list(Agency.objects.filter(parent=committee, kind=Agency.Kind.COMMUNE_PEOPLES_COMMITTEE)
                    .order_by("identifier"))
    today = today or timezone.localdate()
    rng = random.Random(f"tinhso-directives-{province_code}")
    generator = _Generator(rng, committee, officer, chairman, khcn, groups, communes, today)
    return generator.run()


class _Generator:
    def __init__(self, rng, committee, officer, chairman, khcn, groups, communes, today):
        self.rng, self.committee, self.officer, self.chairman, self.khcn = rng, committee, officer, chairman, khcn
        self.groups, self.communes, self.today = groups, communes, today
        self.actions: list[tuple[datetime.datetime, int, object]] = []
        self.counter = 0
        self.summary = {"directives": 0, "tasks": 0, "extensions": 0}

    def _later(self, moment: datetime.datetime, work) -> None:
        """Plan ``work`` at ``moment``; the plan runs in the order of time, also for work planned while it runs."""
        self.counter += 1
        heapq.heappush(self.actions, (moment, self.counter, work))

    def _agency(self, group: str):
        if group == "xa":
            return self.rng.choice(self.communes) if self.communes else self.groups["02"]
        return self.groups.get(group) or self.groups["02"]

    def _acting_for(self, agency):
        if agency == self.groups["02"]:
            return self.khcn
        from tinhso.dossiers.services import AgencyClient

        return AgencyClient(agency=agency, label=f"Cán bộ {agency.short_name or agency.name}"[:150])

    def run(self) -> dict:
        first = self.today - datetime.timedelta(days=365)
        day, numbers = first, {}
        while day <= self.today - datetime.timedelta(days=3):
            if workdays.is_working_day(day) and self.rng.random() < 0.3:
                self._directive(day, numbers)
            day += datetime.timedelta(days=1)
        now = timezone.now()
        clock = _Clock(_at(first, 8))
        with mock.patch.object(timezone, "now", clock), \
                mock.patch.multiple(notices, on_assignment=lambda task: None,
                                    on_completion_reported=lambda task: None, on_returned=lambda task, reason: None,
                                    on_extension_requested=lambda task, ext: None,
                                    on_extension_decided=lambda task, ext: None), \
                transaction.atomic():
            while self.actions:
                moment, _order, work = heapq.heappop(self.actions)
                if moment > now:
                    continue  # not yet happened
                clock.set(moment)
                try:
                    work()
                except services.DirectiveError:
                    continue  # a step an earlier one made moot (a report on a task cancelled meanwhile)
        return self.summary

    def _directive(self, day: datetime.date, numbers: dict) -> None:
        kind, notation, subject, tasks = self.rng.choice(TEMPLATES)
        numbers[day.year] = numbers.get(day.year, 100) + self.rng.randint(1, 9)
        number = f"{numbers[day.year]}/{notation}"
        leader_title, leader_name, position = self.rng.choice(LEADERS)
        items = []
        for text, lead_group, coordinating, days, every in tasks:
            lead = self._agency(lead_group)
            coordination = [a for a in {self._agency(g) for g in coordinating} if a != lead]
            if days is None:
                item = services.TaskInput(text=text, lead_agency=lead, coordinating=coordination,
                                          due_kind=DueKind.ONGOING, report_every=every)
            elif self.rng.random() < 0.5:
                item = services.TaskInput(text=text, lead_agency=lead, coordinating=coordination,
                                          due_kind=DueKind.WORKING_DAYS, due_working_days=days)
            else:
                item = services.TaskInput(text=text, lead_agency=lead, coordinating=coordination,
                                          due_kind=DueKind.DATE,
                                          due_on=day + datetime.timedelta(days=round(days * 1.4)))
            item.priority = self.rng.choice([Priority.NORMAL] * 4 + [Priority.HIGH, Priority.URGENT])
            item.assigned_by_name = f"{leader_title} {leader_name}"
            item.assigned_by = self.chairman if position == "Chủ tịch" else None
            items.append(item)

        def register():
            directive = services.register_directive(
                self.officer, kind=kind, number=number, issued_on=day, issuer=self.committee,
                signer_name=leader_name, signer_position=position, subject=f"{subject} {DEMO_MARK}",
                meeting_on=day - datetime.timedelta(days=self.rng.randint(1, 5))
                if kind in (DirectiveKind.CONCLUSION, DirectiveKind.MINUTES) else None,
                meeting_chair=f"{leader_title} {leader_name}"
                if kind in (DirectiveKind.CONCLUSION, DirectiveKind.MINUTES) else "",
                tasks=items)
            self.summary["directives"] += 1
            for task in directive.tasks.all():
                self.summary["tasks"] += 1
                self._plan_task(task)

        self._later(_at(day, 9), register)

    def _plan_task(self, task: Task) -> None:
        """Schedule what happens to a task after it is assigned (run later, in time order with the others)."""
        rng, start = self.rng, workdays.to_local(task.created_at)
        actor = self._acting_for(task.lead_agency)
        pk = task.pk
        if task.due_at is None:
            for periodic in task.periodic_reports.all():
                if rng.random() < 0.9:
                    when = workdays.to_local(periodic.due_at) - datetime.timedelta(days=rng.randint(0, 4), hours=6)
                    self._later(when, lambda: services.report_progress(
                        actor, pk, text="Báo cáo định kỳ: đã thực hiện theo kế hoạch", expected_version=None))
            return
        due = workdays.to_local(task.due_at)
        span = max((due - start).total_seconds(), 3600 * 24)
        fate = rng.random()
        if rng.random() < 0.75:  # the others stay "assigned" until they report
            self._later(start + datetime.timedelta(seconds=span * 0.3), lambda: services.report_progress(
                actor, pk, text="Đã triển khai, đang tổng hợp kết quả", expected_version=None))
        if fate < 0.08:
            ask = due - datetime.timedelta(days=3)
            new_due = (due + datetime.timedelta(days=rng.randint(10, 30))).date()
            approve = rng.random() < 0.75

            def extend():
                services.request_extension(actor, pk, new_due_on=new_due, expected_version=None,
                                           reason="Cần thêm thời gian tổng hợp số liệu các xã")
                self.summary["extensions"] += 1

            decider = self.chairman if task.assigned_by_id else self.officer

            def decide():
                pending = Extension.objects.filter(task_id=pk, state=ExtensionState.PENDING).first()
                if pending is not None:
                    services.decide_extension(decider, pending, approve=approve, expected_version=None,
                                              note="" if approve else "Đề nghị tập trung hoàn thành đúng hạn")

            self._later(ask, extend)
            self._later(ask + datetime.timedelta(days=1), decide)
            if approve:
                due = workdays.add_working_days(new_due, 0)
                span = max((due - start).total_seconds(), span)
        if fate < 0.03:
            self._later(start + datetime.timedelta(seconds=span * 0.5), lambda: services.cancel_task(
                self.officer, pk, reason="Nhiệm vụ được gộp vào kế hoạch chung của tỉnh", expected_version=None))
            return
        if fate < 0.14:
            return  # overdue and open, or still running
        late = rng.random() < 0.15
        finished = due + datetime.timedelta(days=rng.randint(2, 12)) if late else \
            start + datetime.timedelta(seconds=span * rng.uniform(0.55, 0.97))
        self._later(finished, lambda: services.report_completion(
            actor, pk, text="Đã hoàn thành nhiệm vụ", evidence=f"Báo cáo số {rng.randint(10, 300)}/BC",
            expected_version=None))
        if rng.random() < 0.08:
            self._later(finished + datetime.timedelta(days=2), lambda: services.return_task(
                self.officer, pk, reason="Báo cáo chưa có số liệu của các xã", expected_version=None))
            finished += datetime.timedelta(days=7)
            self._later(finished, lambda: services.report_completion(
                actor, pk, text="Đã bổ sung số liệu các xã", evidence="Báo cáo bổ sung", expected_version=None))
        if finished.date() > self.today - datetime.timedelta(days=20) and rng.random() < 0.5:
            return  # reported lately, awaiting the office's confirmation
        waits = rng.randint(1, 4)
        self._later(finished + datetime.timedelta(days=waits), lambda: services.confirm_done(
            self.officer, pk, expected_version=None))
