"""A year of demo dossiers for the demo province, in every state, with realistic lateness.

Every dossier is brought where it ends up through :mod:`tinhso.dossiers.services`, as officers would
(submit, receive, assign, ask for a supplement, forward, approve, apologise, return, refuse, stop,
withdraw, record a payment), so its events, steps, due moments and audit-chain entries are the ones the
engine itself writes.

**The simulated clock.** The services read ``django.utils.timezone.now()`` at call time. While the data
is generated, :func:`simulated_clock` replaces ``timezone.now`` with a clock that the generator sets to
the moment of each action, and runs the dossiers' stories interleaved in time order (one heap of next
actions), so the clock only moves forward and the audit chain is in the order of time. Model defaults
bound at import (``default=timezone.now``) do not see the patch; the services pass explicit moments
for dossiers and events, and the clock also stands in for the default of ``Payment.paid_at``.
Applicants' notices are not queued for these past actions (nobody should get an e-mail about a
simulated year). Actions that would fall after the real present are not taken, so the most recent
dossiers are still waiting for reception, a supplement, handling, approval or their return.

Lateness: about nine dossiers in ten finish on time (about a third of them early), the rest late by 1–10
working days; some late ones are announced by an apology with a new date (form 04, once); some are
asked for a supplement at the desk or within 3 working days by the handler (the clock restarts when it
arrives); a few are refused, stopped or withdrawn.

Officers: the demo logins are used where they hold the role (``xuly`` and ``lanhdao`` at Sở Tư pháp);
elsewhere one receiver, one handler and one leader per agency are created (``tiepnhan.<identifier>``,
``xuly.<identifier>``, ``lanhdao.<identifier>``), with the demo password when one is given.
"""

from __future__ import annotations

import contextlib
import datetime
import heapq
import itertools
import random
from collections.abc import Iterator
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tinhso.catalogue.models import OnlineLevel, ProcedureVersion, Status, StepRole, TimeUnit
from tinhso.common.workdays import VIETNAM, configured_office_hours, current_calendar, to_local
from tinhso.directory.models import Agency, Membership, Role
from tinhso.dossiers import notices, services
from tinhso.dossiers.models import (
    ApplicantKind,
    Channel,
    DocumentKind,
    Dossier,
    Payment,
    PaymentChannel,
    ReturnMethod,
    State,
)
from tinhso.geo.naming import fold

# The smallest file the upload check accepts as a PDF: the demo's scanned papers and results.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

FAMILY_NAMES = (
    ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 10 + ["Phạm"] * 7 + ["Hoàng"] * 4 + ["Huỳnh"] + ["Phan"] * 4
    + ["Vũ"] * 2 + ["Võ"] * 3 + ["Đặng"] * 2 + ["Bùi"] * 2 + ["Đỗ"] * 2 + ["Hồ"] * 3 + ["Ngô"] * 2
    + ["Dương", "Lý", "Đinh", "Đào", "Cao", "Thái", "Chu", "Lương"]
)
MALE_MIDDLE = ["Văn", "Văn", "Đình", "Hữu", "Quang", "Minh", "Xuân", "Đức", "Công", "Thanh", "Ngọc", "Trọng"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Kim", "Phương", "Minh", "Hải"]
MALE_GIVEN = ["Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Long",
              "Lâm", "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến",
              "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ"]
FEMALE_GIVEN = ["An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa", "Hương", "Huyền",
                "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo",
                "Thu", "Thủy", "Trang", "Tuyết", "Vân", "Yến"]
STREETS = ["Lê Lợi", "Trần Phú", "Nguyễn Du", "Phan Đình Phùng", "Quang Trung", "Lê Hồng Phong", "Nguyễn Trãi",
           "Hồ Tùng Mậu", "Lê Duẩn", "Trường Chinh", "Mai Hắc Đế", "Phong Định Cảng", "Nguyễn Sỹ Sách"]
BUSINESS_WORDS = ["Thương mại", "Xây dựng", "Dịch vụ", "Vận tải", "Nông sản", "Thực phẩm", "Công nghệ",
                  "Du lịch", "In ấn", "Viễn thông", "Cơ khí", "Dược phẩm"]
BUSINESS_NAMES = ["Hồng Lam", "Sông Lam", "Bắc Trung Bộ", "Phú Thành", "Minh Khang", "An Phát", "Hoàng Mai",
                  "Cửa Lò", "Trường Sơn", "Đại Thành", "Kim Liên", "Nam Đàn", "Thành Vinh", "Hưng Nguyên"]
TRADES = ["Bán lẻ tạp hóa", "Ăn uống, giải khát", "Sửa chữa xe máy", "Bán lẻ vật liệu xây dựng",
          "May mặc", "Cắt tóc, gội đầu", "Bán lẻ nông sản"]
PURPOSES = ["Bổ sung hồ sơ xin việc", "Xuất khẩu lao động", "Du học", "Thành lập doanh nghiệp", "Nhận con nuôi"]
EMAIL_DOMAINS = ["gmail.com", "gmail.com", "yahoo.com.vn", "outlook.com"]

SUPPLEMENT_ITEMS = [
    "Bản sao giấy khai sinh có chứng thực", "Bản chụp căn cước công dân còn hiệu lực",
    "Tờ khai ghi thiếu thông tin nơi cư trú, đề nghị kê khai lại", "Bản vẽ thiết kế có chữ ký của chủ đầu tư",
    "Giấy xác nhận tình trạng hôn nhân", "Văn bản ủy quyền có chứng thực", "Bản sao văn bằng chuyên môn",
]
REFUSAL_REASONS = [
    "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại cơ quan có thẩm quyền.",
    "Người nộp không đủ điều kiện theo quy định của thủ tục.",
    "Hồ sơ đã được giải quyết trước đó; không tiếp nhận trùng.",
]
STOP_REASONS = [
    "Người nộp không bổ sung hồ sơ trong thời hạn đã thông báo.",
    "Có văn bản của cơ quan có thẩm quyền đề nghị tạm dừng do đang có tranh chấp.",
    "Người nộp đề nghị dừng giải quyết bằng văn bản.",
]
APOLOGY_REASONS = [
    "Cần lấy ý kiến của cơ quan phối hợp nhưng chưa nhận được văn bản trả lời.",
    "Phải xác minh thực địa, thời tiết mưa lũ kéo dài nên chưa thực hiện được.",
    "Hệ thống cơ sở dữ liệu chuyên ngành gián đoạn, chưa tra cứu được thông tin.",
]

# Relative volume per procedure field: civil status and certification dominate a commune's desk.
FIELD_WEIGHTS = {"HT": 8, "CT": 8, "DD": 4, "DKKD": 3, "LLTP": 3, "XD": 2, "GD": 2}

# Not a state: a dossier asked for papers that the applicant then supplies (the supplement answered), so that
# even a short period shows one whatever the random draws.
SUPPLEMENTED = "supplemented"
FORCED_FATES = [State.SUBMITTED, State.SUPPLEMENT_REQUESTED, State.RECEIVED, State.IN_PROGRESS,
                State.RESULT_READY, State.REFUSED, State.STOPPED, State.WITHDRAWN, SUPPLEMENTED]

# Default volume: dossiers per working day across the province (a few online on days off too).
DEFAULT_PER_DAY = 5


def _vn(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM)


class SimulatedClock:
    """What ``timezone.now()`` answers while demo dossiers are generated; moved only forward.

    It answers in UTC, as the real ``timezone.now()`` does: the audit chain hashes the moment's ISO form,
    which must equal what the database gives back.
    """

    def __init__(self, moment: datetime.datetime):
        self.moment = moment.astimezone(datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.moment

    def set(self, moment: datetime.datetime) -> None:
        self.moment = max(moment.astimezone(datetime.UTC), self.moment)


@contextlib.contextmanager
def simulated_clock(start: datetime.datetime) -> Iterator[SimulatedClock]:
    """Patch ``django.utils.timezone.now`` (and ``Payment.paid_at``'s default, bound at import) with a
    settable clock, and hold back the applicants' notices, for the duration of the block."""
    clock = SimulatedClock(start)
    paid_at = Payment._meta.get_field("paid_at")
    with mock.patch.object(timezone, "now", clock), \
            mock.patch.object(paid_at, "_get_default", clock), \
            mock.patch.object(notices, "enqueue_applicant_notice", lambda event_id: None):
        yield clock


def load_demo_dossiers(province_code: str, *, days: int = 365, per_day: int | None = None,
                       seed: int = 2026, password: str | None = None) -> int:
    """Generate ``days`` of dossiers ending now at the demo agencies of ``province_code``; return how
    many were created (0 when the agencies already hold dossiers: running it again duplicates nothing).

    ``per_day`` is the mean number of dossiers per working day across the province; ``password`` is
    given to the officers created for the agencies that have no demo login (unusable when None)."""
    agencies = list(Agency.objects.filter(province__code=province_code).order_by("identifier"))
    if not agencies or Dossier.objects.filter(receiving_agency__in=agencies).exists():
        return 0
    versions = list(
        ProcedureVersion.objects.filter(status=Status.PUBLISHED, agencies__in=agencies).distinct()
        .select_related("field").prefetch_related("agencies", "steps", "fees", "documents").order_by("procedure__code")
    )
    if not versions:
        return 0
    generator = _Generator(agencies, versions, random.Random(seed), password)
    return generator.run(days, DEFAULT_PER_DAY if per_day is None else per_day)


class _Generator:
    def __init__(self, agencies, versions, rng: random.Random, password: str | None):
        self.rng = rng
        # One hash for every generated officer: hashing is deliberately slow, and these are demo logins.
        self.password_hash = make_password(password) if password else None
        self.calendar = current_calendar()
        sessions = configured_office_hours().sessions
        self.sessions = [(s.hour * 60 + s.minute, e.hour * 60 + e.minute) for s, e in sessions]
        self.province_agencies = {a.pk for a in agencies}
        self.versions = versions
        self.weights = [FIELD_WEIGHTS.get(v.field.code, 1) * (2 if v.level == "commune" else 1) for v in versions]
        self.officers: dict[tuple[int, str], object] = {}
        self.agency_by_pk = {a.pk: a for a in agencies}
        self.communes = self._communes(agencies)
        self.ids = itertools.count(1)
        self.created = 0

    # -- the actors -----------------------------------------------------------------------------------

    def _communes(self, agencies) -> list[tuple[int, str, list[str]]]:
        from tinhso.geo.models import Village

        communes = {a.commune_id for a in agencies if a.commune_id}
        villages: dict[int, list[str]] = {}
        for commune_id, name in Village.objects.filter(commune_id__in=communes).values_list("commune_id", "name"):
            villages.setdefault(commune_id, []).append(name)
        names = {
            a.commune_id: a.commune.name for a in Agency.objects.filter(pk__in=[a.pk for a in agencies],
                                                                          commune__isnull=False)
            .select_related("commune")
        }
        return [(cid, names[cid], villages.get(cid, [])) for cid in sorted(names)]

    def _prepare_officers(self, start_day: datetime.date) -> None:
        """One receiver, handler and leader at every agency that receives or handles a demo dossier."""
        needed: set[int] = set()
        for version in self.versions:
            needed.update(a.pk for a in version.agencies.all())
            needed.update(s.agency_id for s in version.steps.all() if s.agency_id)
        existing = (
            Membership.objects.filter(agency_id__in=needed, role__in=[Role.RECEIVER, Role.HANDLER, Role.APPROVER],
                                      valid_from__lte=start_day, valid_to__isnull=True, user__is_active=True)
            .select_related("user").order_by("id")
        )
        for membership in existing:
            self.officers.setdefault((membership.agency_id, membership.role), membership.user)
        User = get_user_model()
        prefixes = {Role.RECEIVER: "tiepnhan", Role.HANDLER: "xuly", Role.APPROVER: "lanhdao"}
        agencies = {a.pk: a for a in Agency.objects.filter(pk__in=needed)}
        for agency_id in sorted(needed):
            agency = agencies[agency_id]
            for role, prefix in prefixes.items():
                if (agency_id, role) in self.officers:
                    continue
                family, middle, given, _female = self._person_name()
                user = User(username=f"{prefix}.{agency.identifier}", first_name=f"{family} {middle}",
                            last_name=given)
                if self.password_hash:
                    user.password = self.password_hash
                else:
                    user.set_unusable_password()
                user.save()
                Membership.objects.create(user=user, agency=agency, role=role,
                                          valid_from=agency.valid_from or start_day)
                self.officers[(agency_id, role)] = user

    def officer(self, agency_id: int, role: str):
        return self.officers[(agency_id, role)]

    # -- people -----------------------------------------------------------------------------------------

    def _person_name(self) -> tuple[str, str, str, bool]:
        rng = self.rng
        female = rng.random() < 0.5
        family = rng.choice(FAMILY_NAMES)
        middle = rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
        given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
        return family, middle, given, female

    def _address(self, commune) -> str:
        rng = self.rng
        _commune_id, commune_name, villages = commune
        if villages and rng.random() < 0.7:
            return f"{rng.choice(villages)}, {commune_name}, tỉnh Nghệ An"
        return f"Số {rng.randint(1, 250)} đường {rng.choice(STREETS)}, {commune_name}, tỉnh Nghệ An"

    def applicant(self, version, agency) -> services.Applicant:
        rng = self.rng
        commune = next((c for c in self.communes if c[0] == agency.commune_id), None) or rng.choice(self.communes)
        phone = f"09{rng.randrange(10**8):08d}"
        business = {"DKKD": 0.8, "BC": 0.9, "VT": 0.9, "XB": 0.6, "ATTP": 0.6, "XD": 0.15}.get(version.field.code, 0)
        if version.level == "province" and rng.random() < business:
            name = f"Công ty TNHH {rng.choice(BUSINESS_WORDS)} {rng.choice(BUSINESS_NAMES)}"
            return services.Applicant(
                name=name, kind=ApplicantKind.ORGANISATION, tax_code=f"29{rng.randrange(10**8):08d}",
                phone=phone, email=f"lienhe{next(self.ids)}@{rng.choice(EMAIL_DOMAINS)}",
                address=self._address(commune), commune_id=commune[0],
            )
        family, middle, given, female = self._person_name()
        born = rng.randint(1950, 2006)
        century_sex = (0 if born < 2000 else 2) + (1 if female else 0)
        id_number = f"040{century_sex}{born % 100:02d}{rng.randrange(10**6):06d}"
        email = ""
        if rng.random() < 0.45:
            email = f"{_ascii(given)}.{_ascii(family)}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        return services.Applicant(
            name=f"{family} {middle} {given}", kind=ApplicantKind.PERSON, id_number=id_number, phone=phone,
            email=email, address=self._address(commune), commune_id=commune[0],
        )

    def eform(self, version) -> dict:
        """Entries that satisfy the version's e-form schema, with plausible values for the known fields."""
        schema = version.eform_schema or {}
        rng = self.rng
        data = {}
        for name, definition in (schema.get("properties") or {}).items():
            if name not in schema.get("required", []) and rng.random() < 0.4:
                continue
            data[name] = self._eform_value(name, definition)
        return data

    def _eform_value(self, name: str, definition: dict):
        rng = self.rng
        if "enum" in definition:
            return rng.choice(definition["enum"])
        kind = definition.get("type")
        if kind == "boolean":
            return rng.random() < 0.5
        if kind in ("integer", "number"):
            low = int(definition.get("minimum", 1))
            high = int(definition.get("maximum", max(low, 1) * 10 + 10))
            if name == "von_kinh_doanh":
                return rng.randint(5, 300) * 10_000_000
            if name == "dien_tich_xay_dung":
                return float(rng.randint(40, 200))
            return rng.randint(low, min(high, low + 20))
        if definition.get("format") == "date":
            return (timezone.localdate() - datetime.timedelta(days=rng.randint(1, 50))).isoformat()
        text = {
            "ho_ten": lambda: " ".join(self._person_name()[:3]),
            "noi_sinh": lambda: f"Bệnh viện Sản Nhi Nghệ An, {rng.choice(self.communes)[1]}",
            "ten_ho_kinh_doanh": lambda: f"Hộ kinh doanh {rng.choice(BUSINESS_NAMES)}",
            "nganh_nghe": lambda: rng.choice(TRADES),
            "thua_dat": lambda: f"Thửa số {rng.randint(1, 900)}, tờ bản đồ số {rng.randint(1, 60)}",
            "muc_dich": lambda: rng.choice(PURPOSES),
        }.get(name, lambda: "Không")()
        return text[: int(definition.get("maxLength", 255))]

    # -- time -------------------------------------------------------------------------------------------

    def office_moment(self, day: datetime.date, after: datetime.datetime | None = None
                      ) -> datetime.datetime | None:
        """A random moment in the office hours of ``day`` (a working day), after ``after`` if given."""
        if not self.calendar.is_working_day(day):
            return None
        spans = []
        floor = None if after is None else to_local(after)
        for start, end in self.sessions:
            begin = _vn(day, 0) + datetime.timedelta(minutes=start + 10)
            finish = _vn(day, 0) + datetime.timedelta(minutes=end - 10)
            if floor is not None and floor.date() == day:
                begin = max(begin, floor + datetime.timedelta(minutes=5))
            if finish > begin:
                spans.append((begin, finish))
        if not spans:
            return None
        begin, finish = self.rng.choice(spans)
        seconds = int((finish - begin).total_seconds())
        return begin + datetime.timedelta(seconds=self.rng.randrange(max(seconds, 1)))

    def working_day(self, moment: datetime.datetime | datetime.date, days: int) -> datetime.date:
        """The ``days``-th working day after the day of ``moment`` (0: that day, or the next working one)."""
        return to_local(self.calendar.add_working_days(moment, days)).date()

    def moment_after(self, moment: datetime.datetime, days: int) -> datetime.datetime:
        """An office moment ``days`` working days after ``moment`` (later the same day for 0, if possible)."""
        day = self.working_day(moment, days)
        found = self.office_moment(day, moment)
        while found is None:
            day = self.working_day(day, 1)
            found = self.office_moment(day, moment)
        return found

    def moments_between(self, start: datetime.datetime, end: datetime.datetime, count: int
                        ) -> list[datetime.datetime]:
        """``count`` increasing office moments after ``start`` and no later than ``end``."""
        start, end = to_local(start), to_local(end)
        days = []
        day = start.date()
        while day <= end.date() and len(days) < 400:
            if self.calendar.is_working_day(day):
                days.append(day)
            day += datetime.timedelta(days=1)
        moments = []
        for _ in range(count):
            chosen = self.office_moment(self.rng.choice(days), start) if days else None
            moments.append(chosen if chosen is not None and start < chosen <= end else
                           start + (end - start) * self.rng.uniform(0.2, 0.9))
        return sorted(moments)

    # -- the stories --------------------------------------------------------------------------------------

    def run(self, days: int, per_day: int) -> int:
        now = timezone.now()
        today = timezone.localdate()
        first = today - datetime.timedelta(days=days - 1)
        latest_start = max((a.valid_from for a in self.agency_by_pk.values() if a.valid_from), default=first)
        first = max(first, min(latest_start, today))
        with transaction.atomic():
            self._prepare_officers(first)
        submissions = sorted(self._plan_submissions(first, today, per_day, now), key=lambda item: item[0])
        queue: list[tuple[datetime.datetime, int, Iterator]] = []
        order = itertools.count()
        # The first dossiers of the period each end in a given state (one of each), so that even a short
        # period shows every state: a dossier left waiting since then, or refused, stopped, withdrawn.
        short = [v for v in self.versions if v.time_limit <= 5 or v.time_unit == TimeUnit.WORKING_HOURS] \
            or self.versions
        for index, fate in enumerate(FORCED_FATES[:len(submissions)]):
            moment, version, agency, channel = submissions[index]
            version = self.rng.choice(short)
            agency = sorted(version.agencies.all(), key=lambda a: a.identifier)[0]
            submissions[index] = (moment, version, agency, Channel.ONLINE, fate)
        with simulated_clock(_vn(first, 0)) as clock, transaction.atomic():
            for moment, version, agency, channel, *fate in submissions:
                story = self.story(version, agency, channel, moment, fate[0] if fate else None)
                heapq.heappush(queue, (moment, next(order), story))
            while queue:
                moment, _, story = heapq.heappop(queue)
                if moment > now:
                    continue  # not yet: the dossier waits where it is
                clock.set(moment)
                following = next(story, None)
                if following is not None:
                    heapq.heappush(queue, (max(following, clock.moment + datetime.timedelta(seconds=1)),
                                           next(order), story))
        return self.created

    def _plan_submissions(self, first: datetime.date, today: datetime.date, per_day: int,
                          now: datetime.datetime) -> list:
        rng = self.rng
        plan = []
        day = first
        while day <= today:
            working = self.calendar.is_working_day(day)
            count = rng.randint(max(per_day // 2, 1), per_day + per_day // 2) if working else \
                int(rng.random() < 0.5) * rng.randint(0, max(per_day // 4, 1))
            for version in rng.choices(self.versions, weights=self.weights, k=count):
                agencies = sorted((a for a in version.agencies.all() if a.pk in self.province_agencies),
                                  key=lambda a: a.identifier)
                if not agencies:
                    continue
                agency = rng.choice(agencies)
                channel = self._channel(version, working)
                if channel == Channel.ONLINE:
                    moment = _vn(day, rng.randint(6, 22), rng.randint(0, 59))
                else:
                    moment = self.office_moment(day)
                if moment is not None and moment <= now:
                    plan.append((moment, version, agency, channel))
            day += datetime.timedelta(days=1)
        return plan

    def _channel(self, version, working: bool) -> str:
        if not working:
            return Channel.ONLINE
        roll = self.rng.random()
        online = {OnlineLevel.FULL: 0.8, OnlineLevel.PARTIAL: 0.35}.get(version.online_level, 0.0)
        if roll < online:
            return Channel.ONLINE
        return Channel.POST if roll > 0.96 else Channel.COUNTER

    def story(self, version, agency, channel: str, submitted: datetime.datetime, force: str | None = None
              ) -> Iterator[datetime.datetime]:
        """One dossier from submission to where it ends (``force``: the state it must end in), yielding the
        moment of each next action."""
        rng = self.rng
        receiver = self.officer(agency.pk, Role.RECEIVER)
        applicant, eform = self.applicant(version, agency), self.eform(version)
        fees = sum(fee.amount for fee in version.fees.all())
        if channel == Channel.ONLINE:
            dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant,
                                             eform_data=eform, documents=self.papers(version))
            self.created += 1
            if fees and rng.random() < 0.85:
                yield self.moment_after(submitted, 0) if rng.random() < 0.5 else submitted + datetime.timedelta(
                    minutes=rng.randint(2, 30))
                services.record_payment(dossier, actor=receiver, amount=fees, channel=PaymentChannel.ONLINE,
                                        receipt_number=f"TT{dossier.pk:07d}")
            fate = {State.WITHDRAWN: 0.0, State.REFUSED: 0.03, State.SUPPLEMENT_REQUESTED: 0.07,
                    SUPPLEMENTED: 0.1}.get(force, 0.5 if force else rng.random())
            if force == State.SUBMITTED:
                return
            if fate < 0.02:
                yield self.moment_after(submitted, rng.randint(0, 1))
                services.withdraw(dossier, actor=receiver, expected_version=None,
                                  reason="Người nộp đề nghị rút hồ sơ để điều chỉnh thông tin.")
                return
            yield self.moment_after(submitted, rng.choice([0, 0, 1, 1, 1, 2]))
            if fate < 0.06:
                services.refuse(dossier, actor=receiver, expected_version=None, reasons=rng.choice(REFUSAL_REASONS))
                return
            if fate < 0.14:
                services.request_supplement(dossier, actor=receiver, expected_version=None,
                                            missing=rng.sample(SUPPLEMENT_ITEMS, rng.randint(1, 3)))
                asked = timezone.now()
                if force == State.SUPPLEMENT_REQUESTED:
                    return
                if rng.random() < 0.1 and force != SUPPLEMENTED:
                    yield self.moment_after(asked, rng.randint(5, 15))
                    services.withdraw(dossier, actor=receiver, expected_version=None,
                                      reason="Người nộp không bổ sung được hồ sơ, đề nghị rút.")
                    return
                yield self.moment_after(asked, rng.randint(1, 6))
                services.provide_supplement(dossier, actor=receiver, expected_version=None,
                                            note="Người nộp đã bổ sung đủ giấy tờ.")
                yield self.moment_after(timezone.now(), rng.choice([0, 1]))
            dossier = services.receive(dossier, actor=receiver, expected_version=None)
        else:
            # Most desks scan the papers at reception (QĐ 766 digitisation); some still do not.
            papers = self.papers(version) if rng.random() < 0.7 else []
            dossier = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant,
                                                  actor=receiver, eform_data=eform, channel=channel,
                                                  documents=papers)
            self.created += 1
            if fees and rng.random() < 0.9:
                yield submitted + datetime.timedelta(minutes=rng.randint(1, 10))
                services.record_payment(dossier, actor=receiver, amount=fees,
                                        channel=rng.choice([PaymentChannel.CASH, PaymentChannel.TRANSFER]),
                                        receipt_number=f"BL{dossier.pk:07d}")
        yield from self.handling(dossier, version, agency, channel, force)

    def handling(self, dossier, version, agency, channel: str, force: str | None = None
                 ) -> Iterator[datetime.datetime]:
        """From reception to the result handed over, along the route, at a planned lateness."""
        rng = self.rng
        if force == State.RECEIVED:
            return
        roll = 0.0 if force else rng.random()
        # About 9 in 10 on time (a third of them early), the rest late; a few announce it (form 04).
        outcome = "early" if roll < 0.34 else "on_time" if roll < 0.94 else "late"
        apology = outcome == "late" and rng.random() < 0.3
        fate = {State.STOPPED: 0.07}.get(force, 0.5 if force else rng.random())
        supplement = fate < 0.06
        stop = 0.06 <= fate < 0.085
        refuse = 0.085 <= fate < 0.095 and channel != Channel.ONLINE
        withdraw = 0.095 <= fate < 0.115
        step = dossier.current_step
        if refuse:
            # NĐ 61/2018 Art. 19: a refusal comes within the deadline.
            yield min(self.moment_after(timezone.now(), rng.randint(0, 1)),
                      dossier.due_at - datetime.timedelta(minutes=1))
            services.refuse(dossier, actor=self.officer(step.agency_id, Role.HANDLER), expected_version=None,
                            reasons=rng.choice(REFUSAL_REASONS))
            return
        started = timezone.now()
        if step is not None and step.role == StepRole.HANDLE and (rng.random() < 0.7 or force):
            yield self.moment_after(started, rng.choice([0, 0, 1]))
            services.assign(dossier, actor=self.officer(step.agency_id, Role.APPROVER), expected_version=None,
                            assignee=self.officer(step.agency_id, Role.HANDLER))
            if force == State.IN_PROGRESS:
                return
        if supplement and step is not None and step.role == StepRole.HANDLE:
            # NĐ 61/2018 Art. 19: within 3 working days of the handling body's receipt; the clock restarts.
            yield self.moment_after(started, rng.randint(0, 2))
            services.request_supplement(dossier, actor=self.officer(step.agency_id, Role.HANDLER),
                                        expected_version=None,
                                        missing=rng.sample(SUPPLEMENT_ITEMS, rng.randint(1, 2)))
            asked = timezone.now()
            if rng.random() < 0.15:
                yield self.moment_after(asked, rng.randint(10, 20))
                services.stop_processing(dossier, actor=self.officer(step.agency_id, Role.HANDLER),
                                         expected_version=None, reasons=STOP_REASONS[0])
                return
            yield self.moment_after(asked, rng.randint(2, 8))
            dossier = services.provide_supplement(dossier, actor=self.officer(agency.pk, Role.RECEIVER),
                                                  expected_version=None, note="Đã nhận đủ hồ sơ bổ sung.")
        if withdraw:
            # The applicant's written request at the desk.
            yield self.moment_after(timezone.now(), rng.randint(1, 3))
            services.withdraw(dossier, actor=self.officer(agency.pk, Role.RECEIVER), expected_version=None,
                              reason="Người nộp có đơn đề nghị rút hồ sơ.")
            return
        if stop:
            yield self.moment_after(timezone.now(), rng.randint(1, 4))
            services.stop_processing(dossier, actor=self.officer(step.agency_id, Role.HANDLER),
                                     expected_version=None, reasons=rng.choice(STOP_REASONS[1:]))
            return
        due = dossier.due_at
        target = self.target(timezone.now(), due, outcome, version)
        moves = self._moves(dossier)
        notice = self._apology_moment(dossier, target) if apology and moves else None
        moments = self.moments_between(notice or timezone.now(), target, len(moves))
        if moments:
            moments[-1] = target
        if notice is not None:
            # NĐ 61/2018 Art. 19.9: the new date covers the delay; the result then comes by it.
            yield notice
            extra = self.working_days_between(due, target) + rng.randint(0, 2)
            services.issue_apology(dossier, actor=self.officer(moves[0][1], Role.HANDLER), expected_version=None,
                                   reason=rng.choice(APOLOGY_REASONS),
                                   new_due_at=self.calendar.add_working_days(due, max(extra, 1)))
        for (role, agency_id), moment in zip(moves, moments, strict=True):
            yield moment
            if role == StepRole.APPROVE:
                dossier = services.approve(dossier, actor=self.officer(agency_id, Role.APPROVER),
                                           expected_version=None)
            else:
                current = dossier.current_step
                handler = current.assignee if current is not None and current.assignee_id else \
                    self.officer(agency_id, Role.HANDLER)
                dossier = services.forward(dossier, actor=handler, expected_version=None)
        if dossier.state != State.RESULT_READY or force == State.RESULT_READY:
            return
        yield self.moment_after(timezone.now(), rng.choice([0, 0, 1, 1, 2, 3, 5]))
        method = {
            Channel.ONLINE: rng.choice([ReturnMethod.ONLINE] * 5 + [ReturnMethod.DESK] * 3 + [ReturnMethod.POST]),
            Channel.POST: ReturnMethod.POST,
        }.get(channel, ReturnMethod.DESK if rng.random() < 0.85 else ReturnMethod.POST)
        if method == ReturnMethod.ONLINE or rng.random() < 0.6:
            services.attach_document(dossier, actor=self.officer(agency.pk, Role.RECEIVER),
                                     upload=SimpleUploadedFile("ket-qua.pdf", DEMO_PDF), kind=DocumentKind.RESULT)
        services.return_result(dossier, actor=self.officer(agency.pk, Role.RECEIVER), expected_version=None,
                               method=method)

    def papers(self, version) -> list[services.DocumentUpload]:
        """One scanned file for each required component of the procedure (a minimal valid PDF)."""
        required = [d for d in version.documents.all() if d.required]
        return [services.DocumentUpload(SimpleUploadedFile(f"giay-to-{d.pk}.pdf", DEMO_PDF), d) for d in required]

    def _moves(self, dossier) -> list[tuple[str, int]]:
        """The forward/approve actions left on the route: (role, agency) of each handling or approval step."""
        steps = dossier.steps.filter(state__in=["active", "pending"]).order_by("order", "id")
        return [(s.role, s.agency_id) for s in steps if s.role in (StepRole.HANDLE, StepRole.APPROVE)]

    def working_days_between(self, start, end) -> int:
        return self.calendar.working_days_between(start, end)

    def target(self, start: datetime.datetime, due: datetime.datetime, outcome: str, version
               ) -> datetime.datetime:
        """The moment the result becomes ready for the planned outcome against ``due``."""
        rng = self.rng
        due_day = to_local(due).date()
        if outcome == "late":
            late = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 7, 10])
            return self.moment_after(due, late)
        if outcome == "early":
            span = self.working_days_between(start, due)
            if span >= 2:
                day = self.working_day(start, rng.randint(1, span - 1))
                found = self.office_moment(day, start)
                if found is not None and found < due:
                    return found
        floor = max(to_local(start), _vn(due_day, 0))
        found = self.office_moment(due_day, floor)
        if found is not None and found <= due and found > start:
            return found
        if version.time_unit == TimeUnit.WORKING_HOURS or due <= start:
            return max(start + (due - start) * 0.8, start + datetime.timedelta(minutes=5))
        return due - datetime.timedelta(minutes=rng.randint(5, 60))

    def _apology_moment(self, dossier, before: datetime.datetime) -> datetime.datetime | None:
        """A moment before ``before`` and at least one working day before the due moment (NĐ 61/2018
        Art. 19.9), or None when there is no such time left."""
        now = timezone.now()
        left = self.working_days_between(now, dossier.due_at) if dossier.due_at else 0
        if left < 2:
            return None
        day = self.working_day(now, self.rng.randint(0, left - 1)) if self.calendar.is_working_day(
            to_local(now).date()) else self.working_day(now, self.rng.randint(1, left - 1))
        moment = self.office_moment(day, now)
        if moment is None or moment >= before or self.working_days_between(moment, dossier.due_at) < 1:
            return None
        return moment


def _ascii(text: str) -> str:
    """The name as it goes into an e-mail address: folded like search text (đ → d), without spaces."""
    return fold(text).replace(" ", "")


