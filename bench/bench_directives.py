"""The task register at a province's scale: 200,000 tasks over 3 years.

- **directives-overview**: the operations centre's task numbers for the current year (the counts behind the
  on-time and completion rates — due, done on time, done late, overdue and open — and the live count of open
  overdue tasks), as the overview asks them through the registered readers, which read the monthly counts
  (``directives.rollups``) and the tasks of the current month only: median of 20 warm runs; it must
  stay at or under 20 ms. Baseline: the naive aggregation over the task table (every task of the table read,
  its deadline status computed in Python with ``common.deadlines``, the same counts summed), in the same run;
  the bench fails unless both give the same numbers.
- The office's register (GET /chi-dao/, first page of 50 with its count) is timed too (median of 10), shown
  in the line's note.

On a throwaway SQLite database (``BENCH_DATABASE_URL`` to use another).
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import tempfile
import time

DATABASE = os.path.join(tempfile.mkdtemp(prefix="tinhso-bench-directives-"), "bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DATABASE}")
os.environ["ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

import harness  # noqa: E402

TASKS, DIRECTIVES, AGENCIES, YEARS = 200_000, 4_000, 40, 3


def load() -> tuple:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tinhso.common.workdays import VIETNAM
    from tinhso.directives.models import Directive, DirectivesOffice, Task
    from tinhso.directory.models import Agency, Membership, Role

    call_command("migrate", verbosity=0)
    committee = Agency.objects.create(identifier="000.00.00.H41", name="UBND tỉnh", level="province",
                                      kind="peoples_committee")
    office = Agency.objects.create(identifier="000.00.01.H41", name="Văn phòng UBND tỉnh", level="province",
                                   kind="department", parent=committee)
    DirectivesOffice.objects.create(agency=office)
    agencies = [Agency.objects.create(identifier=f"000.00.{n + 2:02d}.H41", name=f"Sở {n}", level="province",
                                      kind="department", parent=committee) for n in range(AGENCIES)]
    user = get_user_model().objects.create(username="vanphong")
    Membership.objects.create(user=user, agency=office, role=Role.HANDLER)
    now = datetime.datetime.now(tz=VIETNAM).replace(microsecond=0)
    first = now - datetime.timedelta(days=365 * YEARS)
    rng = np.random.default_rng(2026)
    issued = [first.date() + datetime.timedelta(days=int(d)) for d in rng.integers(0, 365 * YEARS - 30, DIRECTIVES)]
    Directive.objects.bulk_create([
        Directive(kind="conclusion", number=f"{i}/TB-UBND", issued_on=day, issuer=committee, signer_name="Chủ tịch",
                  subject=f"Kết luận số {i}") for i, day in enumerate(issued)], batch_size=2000)
    directive_ids = list(Directive.objects.order_by("pk").values_list("pk", "issued_on"))
    which = rng.integers(0, DIRECTIVES, TASKS)
    leads = rng.integers(0, AGENCIES, TASKS)
    spans = rng.integers(10, 120, TASKS)
    fate = rng.random(TASKS)
    rows = []
    for i in range(TASKS):
        directive_id, day = directive_ids[which[i]]
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=VIETNAM)
        due = datetime.datetime.combine(day + datetime.timedelta(days=int(spans[i])), datetime.time(17),
                                        tzinfo=VIETNAM)
        task = Task(directive_id=directive_id, position=1, text=f"Nhiệm vụ {i}", lead_agency=agencies[leads[i]],
                    due_kind="date", due_on=due.date(), original_due_at=due, due_at=due, assigned_by_name="Chủ tịch",
                    created_at=start, state="in_progress")
        if fate[i] < 0.02:
            task.state = "cancelled"
        elif (due < now and fate[i] < 0.10) or (due >= now and fate[i] < 0.6):
            task.state = "in_progress"  # open: overdue when its due moment has passed
        else:
            late = fate[i] > 0.88
            task.finished_at = due + datetime.timedelta(days=3) if late else due - datetime.timedelta(days=2)
            if task.finished_at > now:
                task.state = "in_progress"
                task.finished_at = None
            else:
                task.state, task.done_at, task.done_on_time = "done", task.finished_at, not late
        rows.append(task)
    Task.objects.bulk_create(rows, batch_size=5000)
    from tinhso.directives import rollups

    rollups.rebuild()  # the monthly counts the services keep, written at once for the bulk load
    return user, now


def overview_numbers(query) -> dict:
    from tinhso.common.indicators import registered

    readers = {i.code: i.reader for i in registered()}
    counts = readers["nhiem-vu-hoan-thanh-dung-han"].counts(query)
    live = readers["nhiem-vu-qua-han"].counts(query)
    return {**counts, "overdue_now": live["overdue_open"]}


def naive_numbers(query) -> dict:
    """Every task read; its status computed one by one with the platform's deadline functions."""
    from tinhso.common import deadlines
    from tinhso.directives.models import OPEN_STATES, Task

    found = {"due": 0, "done_on_time": 0, "done_late": 0, "overdue_open": 0, "overdue_now": 0}
    moment = min(query.at, query.until)
    for state, due_at, finished_at in Task.objects.values_list("state", "due_at", "finished_at").iterator(10_000):
        if state == "cancelled" or due_at is None:
            continue
        if state in OPEN_STATES and deadlines.running_status(due_at, query.at).kind == deadlines.OVERDUE:
            found["overdue_now"] += 1
        if not query.since <= due_at < query.until:
            continue
        found["due"] += 1
        if state == "done":
            status = deadlines.finished_status(due_at, finished_at)
            found["done_late" if status.kind == deadlines.LATE else "done_on_time"] += 1
        elif state in OPEN_STATES and due_at < moment:
            found["overdue_open"] += 1
    return found


def main() -> int:
    from django.test import Client

    from tinhso.common.indicators import ReadQuery

    started = time.perf_counter()
    user, now = load()
    loaded = time.perf_counter() - started
    year = now.year
    query = ReadQuery(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1), None, now)
    expected = overview_numbers(query)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        overview_numbers(query)
        times.append(time.perf_counter() - started)
    p50 = statistics.median(times) * 1000
    started = time.perf_counter()
    naive = naive_numbers(query)
    baseline = (time.perf_counter() - started) * 1000
    if naive != expected:
        print(f"FAIL: the readers {expected} and the naive aggregation {naive} disagree", file=sys.stderr)
        return 1
    client = Client()
    client.force_login(user)
    first = client.get("/chi-dao/")
    if first.status_code != 200:
        print(f"FAIL: the register answered {first.status_code}", file=sys.stderr)
        return 1
    pages = []
    for _ in range(10):
        started = time.perf_counter()
        client.get("/chi-dao/")
        pages.append(time.perf_counter() - started)
    register_ms = statistics.median(pages) * 1000
    harness.report(
        "directives-overview", p50, "ms", "naive-aggregation", baseline, "ms", higher_is_better=False,
        extra=f"{TASKS:,} tasks over {YEARS} years, {AGENCIES} agencies; the year {year}: {expected}; median of 20; "
              f"the office's register page (50 of {TASKS:,}) median {register_ms:.0f} ms; loaded in {loaded:.0f} s; "
              f"{os.environ['DATABASE_URL'].split(':')[0]}; {harness.machine()}")
    if p50 > 20:
        print("FAIL: the overview numbers must take at most 20 ms (median)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
