"""The rollups the indicators read, kept from dossier events.

Design. ``DossierMonth`` holds, per local month × receiving agency × procedure × field × applicant commune,
counters of what happened that month (received by channel, returned early / on time / late with the sum of
their processing working days, refused, stopped, withdrawn, supplement requests, apologies, electronic
results, payments). Every counter is attributed to the month of the moment that defines it (reception,
return, request…), so a month's row only ever grows: an event adds to it and nothing subtracts later.
``ProcessingDays`` is the histogram of processing working days of the dossiers returned each month (same
key), from which the median is read. ``RunningDossier`` holds one row per dossier whose processing clock
runs, with its due moment; "overdue in progress" depends on *now*, so it is counted at read time from this
small set (work in hand, not history).

Maintenance. :func:`on_dossier_event` is connected to ``DossierEvent``'s ``post_save`` by the app config and
runs inside the transaction of the business action that wrote the event: the dossier's new fields are
already saved, the rollup delta is applied with ``UPDATE … SET n = n + 1`` (an insert, in a savepoint, when
the row does not exist yet; a concurrent insert of the same key is caught and turned into the update).
Why in the transaction rather than by a task: the counters can never disagree with the committed events
(a refused or rolled-back action leaves no trace in either), there is no queue lag on the dashboards, and
no replay bookkeeping is needed. The cost is one short row lock per transition on a fine-grained key, held
until the action commits.

:func:`rebuild` recomputes both tables from the dossiers (under a table lock on PostgreSQL, so live
actions wait and then apply their deltas on top); :func:`verify` recounts and lists every difference.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from tinhso.common.workdays import working_days_between
from tinhso.dossiers.deadlines import CLOCK_RUNNING_STATES, EARLY, LATE, dossier_finished_at, finished_status
from tinhso.dossiers.models import Dossier, DossierEvent, ReturnMethod, State
from tinhso.ioc.models import ROLLUP_COUNTS, DossierMonth, ProcessingDays, RunningDossier
from tinhso.ioc.periods import month_of

# (agency_id, procedure_id, field_id, commune_code)
Key = tuple[int, int, int, str]

FINISH_COUNTER = {State.REFUSED: "refused", State.STOPPED: "stopped", State.WITHDRAWN: "withdrawn"}


def finished_counts(dossier) -> dict[str, int]:
    """What a dossier that has just closed adds, by how it closed (deadlines: standards §3, TT 01/2018)."""
    if dossier.state in FINISH_COUNTER:
        return {FINISH_COUNTER[dossier.state]: 1}
    if dossier.state != State.RETURNED:
        return {}
    counts = {"returned": 1}
    done = dossier_finished_at(dossier)
    if dossier.due_at is not None and done is not None:
        kind = finished_status(dossier.due_at, done).kind
        counts["early" if kind == EARLY else "late" if kind == LATE else "on_time"] = 1
    if dossier.received_at is not None and done is not None:
        counts["processing_days"] = working_days_between(dossier.received_at, done)
    if dossier.return_method == ReturnMethod.ONLINE:
        counts["electronic_results"] = 1
    return counts


def event_counts(event: DossierEvent, dossier) -> list[tuple[datetime.date, dict[str, int]]]:
    """The counters one event adds, each with the month it belongs to."""
    action = event.action
    if action == "submit_online":
        return [(month_of(dossier.submitted_at), {"submitted_online": 1})]
    if action in ("receive", "receive_at_counter"):
        return [(month_of(dossier.received_at), {"received": 1, f"received_{dossier.channel}": 1})]
    if action == "request_supplement":
        return [(month_of(event.at), {"supplement_requests": 1})]
    if action == "issue_apology":
        return [(month_of(dossier.apology_issued_at), {"apologies": 1})]
    if action == "record_payment":
        counts = {"payments": 1}
        if (event.data or {}).get("channel") == "online":
            counts["payments_online"] = 1
        return [(month_of(event.at), counts)]
    if action in ("return_result", "refuse", "stop_processing", "withdraw") and dossier.finished_at:
        counts = finished_counts(dossier)
        return [(month_of(dossier.finished_at), counts)] if counts else []
    return []


def _key(dossier_id: int) -> Key:
    agency, procedure, field_id, commune = Dossier.objects.filter(pk=dossier_id).values_list(
        "receiving_agency_id", "procedure_version__procedure_id", "procedure_version__field_id",
        "applicant_commune__code",
    ).get()
    return agency, procedure, field_id, commune or ""


def _add(month: datetime.date, key: Key, counts: dict[str, int]) -> None:
    """Add ``counts`` to the row (month, key): an F() update, or an insert when the row is new."""
    agency, procedure, field_id, commune = key
    lookup = {"month": month, "agency_id": agency, "procedure_id": procedure, "field_id": field_id,
              "commune_code": commune}
    updates = {name: F(name) + value for name, value in counts.items()}
    if DossierMonth.objects.filter(**lookup).update(**updates):
        return
    try:
        with transaction.atomic():
            DossierMonth.objects.create(**lookup, **counts)
    except IntegrityError:
        # Another transaction created the row between our update and insert: add to it instead.
        DossierMonth.objects.filter(**lookup).update(**updates)


def _add_days(month: datetime.date, key: Key, days: int) -> None:
    """One more returned dossier that took ``days`` working days, in the median's histogram."""
    agency, procedure, field_id, commune = key
    lookup = {"month": month, "agency_id": agency, "procedure_id": procedure, "field_id": field_id,
              "commune_code": commune, "days": days}
    if ProcessingDays.objects.filter(**lookup).update(dossiers=F("dossiers") + 1):
        return
    try:
        with transaction.atomic():
            ProcessingDays.objects.create(**lookup, dossiers=1)
    except IntegrityError:
        ProcessingDays.objects.filter(**lookup).update(dossiers=F("dossiers") + 1)


def _sync_running(dossier, key: Key | None) -> None:
    """Keep the dossier's row in the running set exactly when its clock runs, with its due moment."""
    if dossier.state in CLOCK_RUNNING_STATES and dossier.due_at is not None:
        key = key or _key(dossier.pk)
        values = {"agency_id": key[0], "procedure_id": key[1], "field_id": key[2], "commune_code": key[3],
                  "due_at": dossier.due_at}
        if not RunningDossier.objects.filter(dossier_id=dossier.pk).update(**values):
            RunningDossier.objects.create(dossier_id=dossier.pk, **values)
    else:
        RunningDossier.objects.filter(dossier_id=dossier.pk).delete()


def on_dossier_event(sender, instance: DossierEvent, created: bool, raw: bool = False, **kwargs) -> None:
    """Apply one event's delta to the rollups, in the event's transaction."""
    if raw or not created:
        return
    dossier = instance.dossier
    deltas = event_counts(instance, dossier)
    key = _key(dossier.pk) if deltas or dossier.state in CLOCK_RUNNING_STATES else None
    for month, counts in deltas:
        _add(month, key, counts)
        if counts.get("returned"):
            _add_days(month, key, counts.get("processing_days", 0))
    _sync_running(dossier, key)


# -- recount, rebuild, verify ----------------------------------------------------------------------------

DOSSIER_COLUMNS = (
    "pk", "receiving_agency_id", "procedure_version__procedure_id", "procedure_version__field_id",
    "applicant_commune__code", "channel", "state", "submitted_at", "received_at", "result_ready_at",
    "finished_at", "due_at", "apology_issued_at", "return_method",
)
EVENT_COLUMNS = (
    "dossier__receiving_agency_id", "dossier__procedure_version__procedure_id",
    "dossier__procedure_version__field_id", "dossier__applicant_commune__code", "action", "at", "data",
)


def recount() -> dict[tuple[datetime.date, Key], Counter]:
    """Every rollup row computed straight from the dossiers and their supplement and payment events.

    The median's histogram rides along under the counter names ``days:<n>`` (see :func:`split_days`).
    """
    totals: dict[tuple[datetime.date, Key], Counter] = defaultdict(Counter)
    for row in Dossier.objects.order_by().values_list(*DOSSIER_COLUMNS).iterator(chunk_size=5000):
        d = SimpleNamespace(**dict(zip(
            ("pk", "agency", "procedure", "field", "commune", "channel", "state", "submitted_at", "received_at",
             "result_ready_at", "finished_at", "due_at", "apology_issued_at", "return_method"), row, strict=True)))
        key = (d.agency, d.procedure, d.field, d.commune or "")
        if d.channel == "online":
            totals[(month_of(d.submitted_at), key)]["submitted_online"] += 1
        if d.received_at is not None:
            bucket = totals[(month_of(d.received_at), key)]
            bucket["received"] += 1
            bucket[f"received_{d.channel}"] += 1
        if d.apology_issued_at is not None:
            totals[(month_of(d.apology_issued_at), key)]["apologies"] += 1
        if d.finished_at is not None:
            counts = finished_counts(d)
            bucket = totals[(month_of(d.finished_at), key)]
            bucket.update(counts)
            if counts.get("returned"):
                bucket[f"days:{counts.get('processing_days', 0)}"] += 1
    events = DossierEvent.objects.filter(action__in=["request_supplement", "record_payment"]).order_by()
    for agency, procedure, field_id, commune, action, at, data in events.values_list(*EVENT_COLUMNS).iterator(
            chunk_size=5000):
        bucket = totals[(month_of(at), (agency, procedure, field_id, commune or ""))]
        if action == "request_supplement":
            bucket["supplement_requests"] += 1
        else:
            bucket["payments"] += 1
            if (data or {}).get("channel") == "online":
                bucket["payments_online"] += 1
    return {key: +counts for key, counts in totals.items() if +counts}


def recount_running() -> dict[int, tuple]:
    """The running set computed straight from the dossiers: dossier id → (key…, due moment)."""
    rows = (
        Dossier.objects.filter(state__in=CLOCK_RUNNING_STATES, due_at__isnull=False).order_by()
        .values_list(*DOSSIER_COLUMNS[:5], "due_at")
    )
    return {pk: (agency, procedure, field_id, commune or "", due) for pk, agency, procedure, field_id, commune, due
            in rows.iterator(chunk_size=5000)}


def split_days(counts: Counter) -> tuple[Counter, dict[int, int]]:
    """Separate the monthly counters from the histogram entries (``days:<n>`` → dossiers)."""
    plain = Counter({k: v for k, v in counts.items() if not k.startswith("days:")})
    days = {int(k.removeprefix("days:")): v for k, v in counts.items() if k.startswith("days:")}
    return plain, days


def stored() -> dict[tuple[datetime.date, Key], Counter]:
    """The stored rollup rows, the histogram folded in as ``days:<n>`` counters."""
    found: dict[tuple[datetime.date, Key], Counter] = defaultdict(Counter)
    for row in DossierMonth.objects.order_by().values("month", "agency_id", "procedure_id", "field_id",
                                                       "commune_code", *ROLLUP_COUNTS).iterator(chunk_size=5000):
        key = (row["month"], (row["agency_id"], row["procedure_id"], row["field_id"], row["commune_code"]))
        found[key].update(+Counter({name: row[name] for name in ROLLUP_COUNTS}))
    histogram = ProcessingDays.objects.order_by().values_list("month", "agency_id", "procedure_id", "field_id",
                                                              "commune_code", "days", "dossiers")
    for month, agency, procedure, field_id, commune, days, dossiers in histogram.iterator(chunk_size=5000):
        if dossiers:
            found[(month, (agency, procedure, field_id, commune))][f"days:{days}"] += dossiers
    return {key: counts for key, counts in found.items() if counts}


def stored_running() -> dict[int, tuple]:
    return {pk: (agency, procedure, field_id, commune, due) for pk, agency, procedure, field_id, commune, due in
            RunningDossier.objects.order_by().values_list("dossier_id", "agency_id", "procedure_id", "field_id",
                                                          "commune_code", "due_at").iterator(chunk_size=5000)}


def _lock_tables() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in (DossierMonth, ProcessingDays, RunningDossier))
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


@dataclass
class RebuildResult:
    rows: int
    running: int
    histogram: int = 0


def rebuild() -> RebuildResult:
    """Throw the rollups away and recompute them from the dossiers."""
    with transaction.atomic():
        _lock_tables()
        DossierMonth.objects.all().delete()
        ProcessingDays.objects.all().delete()
        RunningDossier.objects.all().delete()
        rows, histogram = [], []
        for (month, key), counts in recount().items():
            plain, days = split_days(counts)
            where = {"month": month, "agency_id": key[0], "procedure_id": key[1], "field_id": key[2],
                     "commune_code": key[3]}
            rows.append(DossierMonth(**where, **plain))
            histogram += [ProcessingDays(**where, days=n, dossiers=count) for n, count in days.items()]
        DossierMonth.objects.bulk_create(rows, batch_size=2000)
        ProcessingDays.objects.bulk_create(histogram, batch_size=2000)
        running = [
            RunningDossier(dossier_id=pk, agency_id=v[0], procedure_id=v[1], field_id=v[2], commune_code=v[3],
                           due_at=v[4])
            for pk, v in recount_running().items()
        ]
        RunningDossier.objects.bulk_create(running, batch_size=2000)
    return RebuildResult(len(rows), len(running), len(histogram))


@dataclass
class VerifyResult:
    rows: int
    running: int
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _describe(key) -> str:
    month, (agency, procedure, field_id, commune) = key
    return f"{month:%Y-%m} cơ quan={agency} thủ tục={procedure} lĩnh vực={field_id} xã={commune or '—'}"


def verify(limit: int = 50) -> VerifyResult:
    """Compare the rollups with a full recount; every differing counter is listed (up to ``limit``)."""
    with transaction.atomic():
        expected, actual = recount(), stored()
        expected_running, actual_running = recount_running(), stored_running()
    differences: list[str] = []
    for key in sorted(set(expected) | set(actual), key=lambda k: (k[0], k[1])):
        want, have = expected.get(key, Counter()), actual.get(key, Counter())
        for name in sorted(set(want) | set(have)):
            if want[name] != have[name]:
                differences.append(f"{_describe(key)}: {name} lưu {have[name]}, đếm lại {want[name]}")
    for pk in sorted(set(expected_running) | set(actual_running)):
        want, have = expected_running.get(pk), actual_running.get(pk)
        if want != have:
            differences.append(
                f"hồ sơ {pk} đang tính thời hạn: lưu {_running_text(have)}, đếm lại {_running_text(want)}")
    total = len(differences)
    if total > limit:
        differences = [*differences[:limit], f"… và {total - limit} khác biệt nữa"]
    return VerifyResult(len(expected), len(expected_running), differences)


def _running_text(value: Iterable | None) -> str:
    if value is None:
        return "không có"
    agency, procedure, _field, _commune, due = value
    return f"cơ quan={agency} thủ tục={procedure} hạn={due.isoformat()}"
