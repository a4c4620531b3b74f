"""Generate a province-sized dossier history on PostgreSQL with COPY, then rebuild the rollups set-based.

    python bench/generate_province.py --dossiers 5000000 --database-url postgres://…/tinhso [--load-demo]

The database must be migrated and hold the demo province (``--load-demo`` loads it: administrative units,
demo agencies, catalogue and the indicator registry, no demo dossiers) and no dossiers yet. The dossiers
spread over the 3 years ending today across the demo procedures (weighted like the demo: civil status and
authentication most often, commune-level procedures twice as often) and the agencies that receive them,
on the days people come (working days; online submissions also on days off), with a volume growing ~15 %
a year; applicants at a commune's People's Committee mostly live in that commune. Channels follow each
procedure's online level (full 80 %, partial 35 % online; 4 % by post). 14 % of the results come 1–10
working days after the due day, and for a third of those an apology announced a new date that covers the
delay, so about 1 in 10 is late; of the rest about a third are early. Some are asked for a supplement
(at reception or by the handler), refused, stopped or withdrawn. The due moment is the
end of office hours of the limit's last working day after reception (a limit in hours counts 8 per day);
what would happen after now has not happened, so recent dossiers are still submitted, waiting for a
supplement, in progress or waiting for their return.

Written are the fields the engine and the rollups read (moments, state, channel, return method, supplement
count, applicant commune, codes ``<agency>-YYMMDD-XXXX`` in order of submission with the matching code
counter rows (``common.SeriesCounter``), so later receptions continue the day's sequence) and the only events
the recount reads: ``request_supplement`` and ``record_payment``. Documents, fees, payment rows and the other
events are not generated; route steps only with ``steps=True`` (``--steps``), and then for the dossiers still
open: the route of their procedure version with the receiving step done and the step the dossier waits at
active (handling or approval while in progress, return once the result is ready) and ``current_step`` set, so
the desk's queues hold what they would hold. ``agency=`` (``--agency IDENTIFIER`` or ``busiest``) sends every
dossier to one receiving agency, over the procedures it carries out: the officer-queue benchmark puts
1,000,000 there. The indexes and constraints of the two big tables are dropped during the
COPY and built again afterwards. Then ``rollups.rebuild()`` fills the rollups (set-based SQL); the
per-event receiver is never called.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import math
import os
import random
import sys
import tempfile
import time
from bisect import bisect_right
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

YEARS = 3
BATCH = 50_000
EPOCH = datetime.date(1970, 1, 1).toordinal()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.conf.settings.test")
    import django

    django.setup()


class Progress:
    """A plain-text progress bar on stderr."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.started, self.shown = total, label, time.monotonic(), -1.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.5 and done < self.total:
            return
        self.shown = now
        share = done / self.total if self.total else 1.0
        elapsed = now - self.started
        rate = done / elapsed if elapsed else 0.0
        eta = (self.total - done) / rate if rate else 0.0
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {done:>10,}/{self.total:,} {share:6.1%} "
                         f"{rate:>9,.0f}/s  ETA {eta:5.0f} s ")
        sys.stderr.flush()

    def close(self) -> None:
        self.update(self.total)
        sys.stderr.write("\n")


class Plan:
    """What the generator draws from: procedures, agencies, communes and the working-day calendar."""

    def __init__(self, province_code: str, first: datetime.date, last: datetime.date, agency: str | None = None):
        from django.conf import settings

        from tinhso.catalogue.models import OnlineLevel, ProcedureVersion, Status, TimeUnit
        from tinhso.common.workdays import configured_office_hours, current_calendar
        from tinhso.directory.models import Agency
        from tinhso.dossiers.demo import FIELD_WEIGHTS
        from tinhso.geo.models import Commune

        agencies = {a.pk: a for a in Agency.objects.filter(province__code=province_code)}
        self.identifier = {pk: a.identifier for pk, a in agencies.items()}
        # A commune's People's Committee mostly serves the people of its own commune.
        self.home_commune = {pk: a.commune_id for pk, a in agencies.items() if a.commune_id}
        versions = list(ProcedureVersion.objects.filter(status=Status.PUBLISHED, agencies__in=list(agencies))
                        .distinct().select_related("field").prefetch_related("agencies", "fees")
                        .order_by("procedure__code"))
        if not versions:
            raise SystemExit("No published demo procedures: load the demo province first (--load-demo).")
        only = _chosen_agency(agency, versions, agencies) if agency else None
        self.agency = only
        self.routes = _routes([v.pk for v in versions])
        self.versions = []
        for v in versions:
            receiving = sorted(a.pk for a in v.agencies.all() if a.pk in agencies)
            if only is not None:
                receiving = [only] if only in receiving else []
            if not receiving:
                continue
            days = v.time_limit if v.time_unit != TimeUnit.WORKING_HOURS else max(1, math.ceil(v.time_limit / 8))
            online = {OnlineLevel.FULL: 0.8, OnlineLevel.PARTIAL: 0.35}.get(v.online_level, 0.0)
            weight = FIELD_WEIGHTS.get(v.field.code, 1) * (2 if v.level == "commune" else 1)
            self.versions.append((v.pk, receiving, days, online, bool(list(v.fees.all())), weight))
        self.version_cum = list(itertools.accumulate(v[5] for v in self.versions))
        communes = list(Commune.objects.filter(province__code=province_code).order_by("code")
                        .values_list("pk", flat=True))
        self.communes = communes
        # Some communes are much busier than others (towns, wards): a Zipf-like weight.
        self.commune_cum = list(itertools.accumulate(1 / (i + 1) ** 0.6 for i in range(len(communes))))
        self.tz_offset = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).astimezone(
            ZoneInfo(settings.TIME_ZONE)).utcoffset()
        calendar = current_calendar()
        self.sessions = [(s.hour * 3600 + s.minute * 60, e.hour * 3600 + e.minute * 60)
                         for s, e in configured_office_hours().sessions]
        self.closing = self.sessions[-1][1]
        # Day numbers are days since 1970-01-01 (local). Working-day arrays over the range and a margin.
        self.first = first.toordinal() - EPOCH
        self.last = last.toordinal() - EPOCH
        start, end = self.first - 5, self.last + 400
        self.base = start
        self.is_working = []
        self.working: list[int] = []
        self.up_to: list[int] = []
        for n in range(start, end):
            day = datetime.date.fromordinal(n + EPOCH)
            working = calendar.is_working_day(day)
            self.is_working.append(working)
            if working:
                self.working.append(n)
            self.up_to.append(len(self.working))
        self.day_text = {n: datetime.date.fromordinal(n + EPOCH).isoformat() for n in range(start, end)}
        self.yymmdd = {n: datetime.date.fromordinal(n + EPOCH).strftime("%y%m%d") for n in range(start, end)}
        offset = int(self.tz_offset.total_seconds())
        sign = "+" if offset >= 0 else "-"
        self.zone_text = f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"

    def add_working_days(self, day: int, count: int) -> int:
        """The ``count``-th working day after ``day`` (``count`` ≥ 1)."""
        return self.working[self.up_to[day - self.base] + count - 1]

    def text(self, moment: int) -> str:
        """A local moment (seconds since 1970-01-01 local) as COPY text."""
        day, second = divmod(moment, 86400)
        return f"{self.day_text[day]} {second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}{self.zone_text}"


def _chosen_agency(agency: str, versions, agencies) -> int:
    """The pk of the agency named by identifier, or of the one carrying out most procedures (``busiest``)."""
    if agency != "busiest":
        match = [pk for pk, a in agencies.items() if a.identifier == agency.upper()]
        if not match:
            raise SystemExit(f"No agency {agency} in the province.")
        return match[0]
    carried = Counter(a.pk for v in versions for a in v.agencies.all() if a.pk in agencies)
    return carried.most_common(1)[0][0]


def _routes(version_ids: list[int]) -> dict[int, list[tuple[int, str, int | None, str, int]]]:
    """Each version's route as the engine copies it at reception: (order, role, agency, partner, share),
    a receiving step first."""
    from tinhso.catalogue.models import RouteStep

    routes: dict[int, list] = {pk: [] for pk in version_ids}
    for step in RouteStep.objects.filter(version_id__in=version_ids).order_by("version_id", "order", "id"):
        routes[step.version_id].append((step.order, step.role, step.agency_id, step.partner, step.share))
    for route in routes.values():
        if not route or route[0][1] != "receive":
            route.insert(0, (0, "receive", None, "", 0))
    return routes


class Generator:
    def __init__(self, plan: Plan, rng: random.Random, now: int, steps: bool = False):
        self.plan, self.rng, self.now = plan, rng, now
        self.with_steps = steps
        self.step_id = itertools.count(1)
        self.steps = 0
        self.counters: Counter[tuple[int, int]] = Counter()
        self.states: Counter[str] = Counter()
        self.events = 0
        names = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
        middle = ["Văn", "Thị", "Đình", "Hữu", "Minh", "Thu", "Ngọc", "Thanh", "Quang", "Hồng"]
        given = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phong",
                 "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến"]
        self.people = [f"{a} {b} {c}" for a in names for b in middle for c in given]
        self.companies = [f"Công ty TNHH {w} {n}" for w in ("Thương mại", "Xây dựng", "Dịch vụ", "Vận tải")
                          for n in ("Hồng Lam", "Sông Lam", "Phú Thành", "Minh Khang", "An Phát", "Trường Sơn")]

    def office_moment(self, day: int) -> int:
        """A moment in office hours of ``day``."""
        start, end = self.rng.choice(self.plan.sessions)
        return day * 86400 + self.rng.randrange(start, end)

    def office_after(self, moment: int, working_days: int) -> int:
        """A moment in office hours ``working_days`` working days after the day of ``moment`` (0: later the
        same day when it is a working day and office hours remain, else the next working day)."""
        day, second = divmod(moment, 86400)
        plan = self.plan
        if working_days == 0:
            if plan.is_working[day - plan.base] and second < plan.closing - 60:
                return moment + self.rng.randrange(1, plan.closing - second)
            working_days = 1
        return self.office_moment(plan.add_working_days(day, working_days))

    def due(self, start: int, days: int) -> int:
        """End of office hours of the ``days``-th working day after the day of ``start``."""
        return self.plan.add_working_days(start // 86400, days) * 86400 + self.plan.closing

    def dossier(self, pk: int, submitted: int, version, agency: int, channel: str, commune: int | None):
        """One dossier's row and its events, as it stands now."""
        rng, now, plan = self.rng, self.now, self.plan
        _pk, _agencies, limit, _online, fees, _w = version
        received = refused_at = withdrawn_at = stopped_at = apology = original_due = None
        result_ready = finished = due = clock = None
        state = "submitted"
        supplements = 0
        before_supplement = ""
        events = []  # (moment, action, from, to, data)
        roll = rng.random()
        if channel == "online":
            if fees and rng.random() < 0.85:
                events.append((submitted + rng.randrange(120, 1800), "record_payment", '{"channel": "online"}'))
            reception = self.office_after(submitted, rng.choice((0, 0, 1, 1, 1, 2)))
            if roll < 0.015:
                withdrawn_at = self.office_after(submitted, rng.randint(0, 1))
            elif roll < 0.045:
                refused_at = reception
            elif roll < 0.12:
                events.append((reception, "request_supplement", "{}"))
                supplements = 1
                provided = self.office_after(reception, rng.randint(1, 6))
                if rng.random() < 0.1:
                    withdrawn_at = self.office_after(reception, rng.randint(5, 15))
                else:
                    received = self.office_after(provided, rng.choice((0, 1)))
            else:
                received = reception
        else:
            received = submitted
            if fees and rng.random() < 0.9:
                method = '{"channel": "cash"}' if rng.random() < 0.6 else '{"channel": "transfer"}'
                events.append((submitted + rng.randrange(60, 600), "record_payment", method))
        if received is not None:
            clock = received
            fate = rng.random()
            if fate < 0.06:  # the handler asks for a supplement; the clock restarts when it arrives
                asked = self.office_after(received, rng.randint(0, 2))
                events.append((asked, "request_supplement", "{}"))
                supplements += 1
                if rng.random() < 0.15:
                    stopped_at = self.office_after(asked, rng.randint(10, 20))
                else:
                    clock = self.office_after(asked, rng.randint(2, 8))
                    if clock > now:
                        before_supplement = "in_progress"
            elif fate < 0.085:
                stopped_at = self.office_after(received, rng.randint(1, 4))
            elif fate < 0.095 and channel != "online":
                refused_at = self.office_after(received, rng.randint(0, 1))
            elif fate < 0.115:
                withdrawn_at = self.office_after(received, rng.randint(1, 3))
            due = self.due(clock, limit)
            if stopped_at is None and refused_at is None and withdrawn_at is None:
                outcome = rng.random()
                start_day = clock // 86400
                if outcome < 0.14:  # late by 1–10 working days, mostly a few
                    late = min(10, 1 + int(rng.expovariate(0.45)))
                    result_ready = self.office_moment(plan.add_working_days(start_day, limit + late))
                    if rng.random() < 0.3:  # announced by an apology with a new date covering the delay
                        apology = due - 86400 - rng.randrange(0, 3600 * 4)
                        apology = max(apology, clock + 60)
                        original_due = due
                        due = self.due(result_ready, rng.randint(0, 2)) if rng.random() < 0.5 else \
                            result_ready // 86400 * 86400 + plan.closing
                elif outcome < 0.14 + 0.86 * 0.34:  # early: a working day before the due day
                    k = rng.randint(0, limit - 1)
                    result_ready = self.office_after(clock, k) if k else self.office_after(clock, 0)
                    if result_ready // 86400 >= due // 86400:
                        result_ready = min(result_ready, due - 60)
                else:  # on the due day, by the end of office hours
                    result_ready = self.office_moment(due // 86400)
                result_ready = max(result_ready, clock + 60)
                finished = self.office_after(result_ready, rng.choice((0, 0, 1, 1, 2, 3, 5)))
        # Where the dossier stands now: what would come later has not happened.
        end_state = None
        if withdrawn_at is not None:
            end_state, end_at = "withdrawn", withdrawn_at
        elif refused_at is not None:
            end_state, end_at = "refused", refused_at
        elif stopped_at is not None:
            end_state, end_at = "stopped", stopped_at
        else:
            end_state, end_at = "returned", finished
        if received is not None and received > now:
            received = None
        if received is None:
            due = original_due = apology = None
            state = "supplement_requested" if supplements and any(
                a == "request_supplement" and m <= now for m, a, _ in events) else "submitted"
            if end_state in ("withdrawn", "refused") and end_at is not None and end_at <= now:
                state = end_state
            result_ready = finished = None
            if state in ("withdrawn", "refused"):
                finished = end_at
        else:
            if apology is not None and apology > now:
                due, apology, original_due = original_due, None, None
            if end_at is not None and end_at <= now:
                state = end_state
                finished = end_at
            elif before_supplement:
                state, result_ready, finished = "supplement_requested", None, None
            elif result_ready is not None and result_ready <= now:
                state, finished = "result_ready", None
            else:
                state = "received" if now - received < 4 * 3600 else "in_progress"
                result_ready = finished = None
            if state != "returned" and state != "result_ready":
                result_ready = None
            if state == "returned" and result_ready is None:
                result_ready = None
        events = [e for e in events if e[0] <= now]
        supplements = sum(1 for e in events if e[1] == "request_supplement")
        return_method = ""
        if state == "returned":
            r = rng.random()
            return_method = ("online" if r < 0.55 else "desk" if r < 0.88 else "post") if channel == "online" \
                else "post" if channel == "post" else ("desk" if r < 0.85 else "post")
        self.states[state] += 1
        last = max(m for m in (submitted, received, result_ready, finished, apology, *(e[0] for e in events))
                   if m is not None)
        return (state, received, due, original_due, apology, result_ready, finished, clock if received else None,
                supplements, before_supplement, return_method, last, events)

    def route_rows(self, pk: int, version_id: int, agency: int, state: str, received: int, due: int | None,
                   ready: int | None) -> tuple[int, str]:
        """The route steps of an open dossier as COPY text, and the id of the step it waits at."""
        route = self.plan.routes[version_id]
        work = [i for i, step in enumerate(route) if step[1] in ("handle", "approve")]
        if state == "result_ready" or not work:
            waiting = next((i for i, step in enumerate(route) if step[1] == "return"), len(route) - 1)
        elif state == "in_progress" and len(work) > 1 and self.rng.random() < 0.3:
            waiting = work[-1]  # at approval
        else:
            waiting = work[0]
        text, current = [], 0
        started = self.plan.text(received)
        due_text = self.plan.text(due) if due is not None else r"\N"
        for i, (order, role, step_agency, partner, share) in enumerate(route):
            step_id = next(self.step_id)
            if i < waiting:
                step_state, begun, finished = "done", started, started
            elif i == waiting:
                step_state, begun, finished = "active", self.plan.text(ready or received), r"\N"
                current = step_id
            else:
                step_state, begun, finished = "pending", r"\N", r"\N"
            text.append(f"{step_id}\t{pk}\t{order}\t{role}\t{step_agency or agency}\t{partner}\t\t{share}\t"
                        f"{step_state}\t{begun}\t{due_text}\t{finished}\n")
            self.steps += 1
        return current, "".join(text)

    def rows(self, first_id: int, count: int, progress: Progress, done_before: int):
        """Yield (dossier COPY text, event COPY text) batches, in order of submission."""
        rng, plan = self.rng, self.plan
        days = list(range(plan.first, plan.last + 1))
        span = max(len(days) - 1, 1)
        weights = [(1.0 if plan.is_working[d - plan.base] else 0.12) * (1 + 0.45 * i / span)
                   for i, d in enumerate(days)]
        per_day = Counter(rng.choices(days, weights=weights, k=count))
        pk = first_id
        event_id = itertools.count(1)
        version_count = len(plan.versions)
        commune_total = plan.commune_cum[-1]
        version_total = plan.version_cum[-1]
        text = plan.text
        lines, event_lines, step_lines, produced = [], [], [], 0
        for day in days:
            n = per_day.get(day, 0)
            if not n:
                continue
            working = plan.is_working[day - plan.base]
            planned = []
            for _ in range(n):
                version = plan.versions[min(bisect_right(plan.version_cum, rng.random() * version_total),
                                            version_count - 1)]
                agency = rng.choice(version[1])
                roll = rng.random()
                channel = "online" if not working or roll < version[3] else "post" if roll > 0.96 else "counter"
                if channel == "online":
                    moment = day * 86400 + rng.randrange(6 * 3600, 22 * 3600)
                else:
                    moment = self.office_moment(day)
                if moment > self.now:  # today: what was submitted so far
                    moment = day * 86400 + rng.randrange(0, max(self.now - day * 86400, 1))
                planned.append((moment, version, agency, channel))
            planned.sort(key=lambda p: p[0])
            for moment, version, agency, channel in planned:
                self.counters[(agency, day)] += 1
                code = f"{plan.identifier[agency]}-{plan.yymmdd[day]}-{self.counters[(agency, day)]:04d}"
                home = plan.home_commune.get(agency)
                where = rng.random()
                if where < 0.03:
                    commune = None
                elif home is not None and where < 0.9:
                    commune = home
                else:
                    commune = plan.communes[
                        min(bisect_right(plan.commune_cum, rng.random() * commune_total), len(plan.communes) - 1)]
                (state, received, due, original_due, apology, ready, finished, clock, supplements, before,
                 method, last, events) = self.dossier(pk, moment, version, agency, channel, commune)
                current_step = r"\N"
                if self.with_steps and received is not None and state in OPEN_STATES:
                    current, step_text = self.route_rows(pk, version[0], agency, state, received, due, ready)
                    step_lines.append(step_text)
                    current_step = str(current)
                # Online filings hold every paper as a file; desks scan about 60 % at reception. Results are
                # held as files when returned online and for about half of the others.
                digitised = received is not None and (channel == "online" or rng.random() < 0.6)
                result_digitised = state == "returned" and (method == "online" or rng.random() < 0.5)
                person = rng.random() < 0.85
                name = rng.choice(self.people) if person else rng.choice(self.companies)
                id_number = f"040{rng.randrange(10**9):09d}" if person else ""
                public_id = rng.getrandbits(128) & ~(0xF000 << 64) | (0x4000 << 64)
                public_id = public_id & ~(0xC << 60) | (0x8 << 60)
                lines.append("\t".join((
                    str(pk), code, f"{public_id:032x}", channel, state, "1", "person" if person else "organisation",
                    name, id_number, "" if person else f"29{rng.randrange(10**8):08d}",
                    f"09{rng.randrange(10**8):08d}", "", "", "{}", text(moment),
                    text(received) if received is not None else r"\N",
                    text(clock) if clock is not None else r"\N",
                    text(due) if due is not None else r"\N",
                    text(original_due) if original_due is not None else r"\N",
                    text(apology) if apology is not None else r"\N",
                    text(ready) if ready is not None else r"\N",
                    text(finished) if finished is not None else r"\N",
                    method, str(supplements), before, text(moment), text(last),
                    str(commune) if commune is not None else r"\N", str(version[0]), str(agency),
                    "t" if digitised else "f", "t" if result_digitised else "f", current_step, method,
                )))
                for at, action, data in events:
                    moved_from, moved_to = ("in_progress", "supplement_requested") if action == "request_supplement" \
                        else (state, state)
                    event_lines.append(f"{next(event_id)}\t{text(at)}\t\t{action}\t{moved_from}\t{moved_to}\t\t{data}\t{pk}")
                    self.events += 1
                pk += 1
                produced += 1
                if len(lines) >= BATCH:
                    yield ("\n".join(lines) + "\n", "\n".join(event_lines) + ("\n" if event_lines else ""),
                           "".join(step_lines))
                    lines, event_lines, step_lines = [], [], []
                    progress.update(done_before + produced)
        if lines or event_lines:
            yield ("\n".join(lines) + "\n", "\n".join(event_lines) + ("\n" if event_lines else ""),
                   "".join(step_lines))
        progress.update(done_before + produced)


DOSSIER_COLUMNS = (
    "id, code, public_id, channel, state, version, applicant_kind, applicant_name, applicant_id_number, "
    "applicant_tax_code, applicant_phone, applicant_email, applicant_address, eform_data, submitted_at, "
    "received_at, clock_started_at, due_at, original_due_at, apology_issued_at, result_ready_at, finished_at, "
    "return_method, supplement_count, state_before_supplement, created_at, updated_at, applicant_commune_id, "
    "procedure_version_id, receiving_agency_id, digitised, result_digitised, current_step_id, "
    "requested_return_method"
)
STEP_COLUMNS = "id, dossier_id, \"order\", role, agency_id, partner, description, share, state, started_at, due_at, " \
    "finished_at"
OPEN_STATES = frozenset({"received", "in_progress", "result_ready", "supplement_requested"})
EVENT_COLUMNS = "id, at, actor_label, action, from_state, to_state, note, data, dossier_id"


def _drop_indexes(cursor, table: str) -> list[str]:
    """Drop every constraint but the primary key and every other index of ``table``; return the SQL that
    recreates them (indexes first, then constraints)."""
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype <> 'p'", [table])
    constraints = cursor.fetchall()
    cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [table])
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints]


def generate(count: int, *, seed: int = 2026, years: int = YEARS, rebuild: bool = True,
             quiet: bool = False, agency: str | None = None, steps: bool = False) -> dict:
    """Generate ``count`` dossiers into the configured (PostgreSQL) database; return timings and sizes."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from tinhso.common.counters import SeriesCounter
    from tinhso.dossiers.codes import series_of
    from tinhso.dossiers.models import Dossier, DossierEvent, DossierStep

    if connection.vendor != "postgresql":
        raise SystemExit("The generator writes with PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database.")
    if Dossier.objects.exists():
        raise SystemExit("The database already holds dossiers; the generator starts from an empty dossier table.")
    started = time.monotonic()
    today = timezone.localdate()
    first = today.replace(year=today.year - years) + datetime.timedelta(days=1)
    plan = Plan(settings.TINHSO_PROVINCE_CODE, first, today, agency=agency)
    local_now = timezone.localtime()
    now = (local_now.date().toordinal() - EPOCH) * 86400 + local_now.hour * 3600 + local_now.minute * 60 \
        + local_now.second
    generator = Generator(plan, random.Random(seed), now, steps=steps)
    progress = Progress(count, "dossiers")
    dossier_table, event_table = Dossier._meta.db_table, DossierEvent._meta.db_table
    step_table = DossierStep._meta.db_table
    timings = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        restore = (_drop_indexes(cursor, dossier_table) + _drop_indexes(cursor, event_table)
                   + _drop_indexes(cursor, step_table))
        raw = cursor.cursor
        # One COPY at a time on a connection: the events and steps wait in temporary files.
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool, \
                tempfile.TemporaryFile("w+", encoding="utf-8") as step_spool:
            with raw.copy(f"COPY {dossier_table} ({DOSSIER_COLUMNS}) FROM STDIN") as dossiers:
                for dossier_text, event_text, step_text in generator.rows(1, count, progress, 0):
                    dossiers.write(dossier_text)
                    spool.write(event_text)
                    step_spool.write(step_text)
            progress.close()
            spool.seek(0)
            with raw.copy(f"COPY {event_table} ({EVENT_COLUMNS}) FROM STDIN") as events:
                while chunk := spool.read(1 << 22):
                    events.write(chunk)
            step_spool.seek(0)
            with raw.copy(f"COPY {step_table} ({STEP_COLUMNS}) FROM STDIN") as step_copy:
                while chunk := step_spool.read(1 << 22):
                    step_copy.write(chunk)
        timings["copy_s"] = time.monotonic() - started
        mark = time.monotonic()
        for statement in restore:
            cursor.execute(statement)
        timings["indexes_s"] = time.monotonic() - mark
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{dossier_table}', 'id'), "
                       f"(SELECT COALESCE(max(id), 1) FROM {dossier_table}))")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{event_table}', 'id'), "
                       f"(SELECT COALESCE(max(id), 1) FROM {event_table}))")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{step_table}', 'id'), "
                       f"(SELECT COALESCE(max(id), 1) FROM {step_table}))")
        counter_table = SeriesCounter._meta.db_table
        with raw.copy(f"COPY {counter_table} (series, period, last) FROM STDIN") as copy:
            copy.write("".join(f"{series_of(agency)}\t{plan.day_text[day]}\t{last}\n"
                               for (agency, day), last in generator.counters.items()))
    timings["generate_s"] = time.monotonic() - started
    produced = sum(generator.states.values())
    result = {"dossiers": produced, "events": generator.events, "steps": generator.steps,
              "states": dict(generator.states), "agency": plan.agency, **timings}
    if not quiet:
        print(f"{produced:,} dossiers, {generator.events:,} events in {timings['generate_s']:.1f} s "
              f"(COPY {timings['copy_s']:.1f} s, indexes {timings['indexes_s']:.1f} s)", file=sys.stderr)
    if rebuild:
        from tinhso.ioc import rollups

        mark = time.monotonic()
        built = rollups.rebuild()
        result["rebuild_s"] = time.monotonic() - mark
        result["rollup_rows"], result["running"], result["histogram_rows"] = built.rows, built.running, built.histogram
        if not quiet:
            print(f"rollups rebuilt in {result['rebuild_s']:.1f} s: {built.rows:,} rows, {built.histogram:,} "
                  f"histogram rows, {built.running:,} running dossiers", file=sys.stderr)
    return result


def load_demo_province() -> None:
    """The demo province without demo dossiers: units, villages, agencies, catalogue, indicator registry."""
    from django.conf import settings
    from django.db import transaction

    from tinhso.catalogue.demo import load_demo_catalogue
    from tinhso.demo.services import DEMO_PASSWORD
    from tinhso.directory.demo import load_demo_directory
    from tinhso.geo.services import generate_demo_villages, load_units
    from tinhso.ioc.indicators import load_demo_ioc

    code = settings.TINHSO_PROVINCE_CODE
    load_units()
    with transaction.atomic():
        generate_demo_villages(code)
        load_demo_directory(code, DEMO_PASSWORD)
    load_demo_catalogue(code)
    load_demo_ioc(code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=5_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--years", type=int, default=YEARS)
    parser.add_argument("--load-demo", action="store_true", help="migrate and load the demo province first")
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument("--agency", help="send every dossier to this receiving agency (identifier, or 'busiest')")
    parser.add_argument("--steps", action="store_true", help="write the route steps of the open dossiers")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    if args.load_demo:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        load_demo_province()
    result = generate(args.dossiers, seed=args.seed, years=args.years, rebuild=not args.no_rebuild,
                      agency=args.agency, steps=args.steps)
    print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def busiest_field() -> int:
    """The field with the most rollup rows: the heaviest filtered overview."""
    from django.db.models import Count

    from tinhso.ioc.models import DossierMonth

    return DossierMonth.objects.values("field_id").annotate(n=Count("pk")).order_by("-n")[0]["field_id"]
