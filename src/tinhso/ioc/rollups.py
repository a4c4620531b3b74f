"""The rollups the indicators read, kept from dossier events.

Design. ``DossierMonth`` holds, per local month × receiving agency × procedure × field × applicant commune,
counters of what happened that month (received by channel, returned early / on time / late with the sum of
their processing working days, refused, stopped, withdrawn, supplement requests, apologies, electronic
results, payments). Every counter is attributed to the month of the moment that defines it (reception,
return, request…), so a month's row only ever grows: an event adds to it and nothing subtracts later.
``ProcessingDays`` is the histogram of processing working days of the dossiers returned each month (same
key), from which the median is read. ``RunningDossier`` holds one row per dossier whose processing clock
runs, with its due moment; "overdue in progress" depends on *now*, so it is counted at read time from this
small set (work in hand, not history). ``AgencyMonth`` and ``AgencyProcessingDays`` hold the same counters
and histogram per month and receiving agency only — the level the unfiltered overview, the league table and
the trends read: a few thousand rows where the fine table holds hundreds of thousands at province scale.

Maintenance. :func:`on_dossier_event` is connected to ``DossierEvent``'s ``post_save`` by the app config and
runs inside the transaction of the business action that wrote the event: the dossier's new fields are
already saved, the rollup delta is an ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` per table (the
row is created when new; a concurrent first insert of the same key becomes the addition) and the running-set
row an upsert or a delete — all of them sent as one statement on PostgreSQL (``common.statements.run``: a
data-modifying ``WITH``), so a counted transition costs one round trip here. (The services write the event
together with the dossier's update and the audit entry, and send its ``post_save`` as ``save()`` would.)
Why in the transaction rather than by a task: the counters can never disagree with the committed events
(a refused or rolled-back action leaves no trace in either), there is no queue lag on the dashboards, and
no replay bookkeeping is needed. The cost is two row locks per counted transition, held until the action
commits: one on a fine-grained key, one on the agency's row of the month — so transitions of one agency that
change counters take turns at commit; transitions that change no counter (assign, forward, approve) take none.

:func:`rebuild` recomputes both tables from the dossiers (under a table lock on PostgreSQL, so live
actions wait and then apply their deltas on top); :func:`verify` recounts and lists every difference, at
both levels (the agency level against the recount's own sums, not against the fine table).

Both read the dossier table (and its supplement and payment events), never the events' deltas, so verify
is an independent recount. On PostgreSQL they are set-based: one ``INSERT … SELECT … GROUP BY`` per table
(rebuild), or the same recount into temporary tables compared with a ``FULL JOIN`` (verify), so only the
differing keys come back to Python. The working-day calendar enters the SQL as a temporary table of
"working days up to and including this date" (the calendar's own arithmetic, see ``workdays.py``), so
processing days are one subtraction. Elsewhere (SQLite) the portable path walks the dossiers in Python.
"""

# The set-based SQL below is assembled from the models' own table and column names and fixed fragments;
# every value travels as a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction

from tinhso.catalogue.models import OnlineLevel
from tinhso.common import statements
from tinhso.common.statements import Statement
from tinhso.common.workdays import FIRST_YEAR, LAST_YEAR, VIETNAM, current_calendar, working_days_between
from tinhso.dossiers.deadlines import CLOCK_RUNNING_STATES, EARLY, LATE, dossier_finished_at, finished_status
from tinhso.dossiers.models import Dossier, DossierEvent, ReturnMethod, State
from tinhso.ioc import freshness
from tinhso.ioc.models import (
    ROLLUP_COUNTS,
    AgencyMonth,
    AgencyProcessingDays,
    DossierMonth,
    ProcessingDays,
    RunningDossier,
)
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
    if dossier.result_digitised:
        counts["results_digitised"] = 1
    return counts


def event_counts(event: DossierEvent, dossier) -> list[tuple[datetime.date, dict[str, int]]]:
    """The counters one event adds, each with the month it belongs to."""
    action = event.action
    if action == "submit_online":
        return [(month_of(dossier.submitted_at), {"submitted_online": 1})]
    if action in ("receive", "receive_at_counter"):
        counts = {"received": 1, f"received_{dossier.channel}": 1}
        if dossier.digitised:
            counts["digitised"] = 1
        if dossier.procedure_version.online_level == OnlineLevel.FULL:
            counts["received_full_service"] = 1
            if dossier.channel == "online":
                counts["received_full_online"] = 1
        return [(month_of(dossier.received_at), counts)]
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


def _key_of(dossier) -> Key:
    """The rollup key of ``dossier``: from the instance when its version and commune are loaded (the
    services load them with the row lock), otherwise in one query."""
    version_field = Dossier._meta.get_field("procedure_version")
    commune_field = Dossier._meta.get_field("applicant_commune")
    if version_field.is_cached(dossier) and (dossier.applicant_commune_id is None
                                             or commune_field.is_cached(dossier)):
        version = dossier.procedure_version
        commune = dossier.applicant_commune.code if dossier.applicant_commune_id else ""
        return dossier.receiving_agency_id, version.procedure_id, version.field_id, commune
    return _key(dossier.pk)


def _key(dossier_id: int) -> Key:
    agency, procedure, field_id, commune = Dossier.objects.filter(pk=dossier_id).values_list(
        "receiving_agency_id", "procedure_version__procedure_id", "procedure_version__field_id",
        "applicant_commune__code",
    ).get()
    return agency, procedure, field_id, commune or ""


def _upsert(model, key: dict, counts: dict[str, int]) -> Statement:
    """Add ``counts`` to the row ``key`` of ``model``, creating it (its other counters at their database
    default, 0) when new: one ``INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`` on the table's
    unique key (PostgreSQL and SQLite both have it), so a concurrent first insert of the same key turns into the
    addition with no savepoint and no retry."""
    added = tuple(sorted(counts))  # one text per set of counts, whatever their order
    text_key = (model, tuple(key), added, connection.vendor)
    sql = _UPSERT_TEXTS.get(text_key)
    if sql is None:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = [*key, *added]
        sets = ", ".join(f"{quote(n)} = {table}.{quote(n)} + excluded.{quote(n)}" for n in added)
        sql = _UPSERT_TEXTS[text_key] = (
            f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES ({', '.join(['%s'] * len(names))}) "
            f"ON CONFLICT ({', '.join(quote(n) for n in key)}) DO UPDATE SET {sets}")
    return Statement(sql, [*key.values(), *(counts[name] for name in added)])


# The upserts' texts, built once per table, key and counts added (a few dozen in all).
_UPSERT_TEXTS: dict[tuple, str] = {}


def _add(month: datetime.date, key: Key, counts: dict[str, int]) -> list[Statement]:
    """Add ``counts`` to the row (month, key) and to the agency's row of the month."""
    agency, procedure, field_id, commune = key
    return [
        _upsert(DossierMonth, {"month": month, "agency_id": agency, "procedure_id": procedure, "field_id": field_id,
                               "commune_code": commune}, counts),
        _upsert(AgencyMonth, {"month": month, "agency_id": agency}, counts),
    ]


def _add_days(month: datetime.date, key: Key, days: int) -> list[Statement]:
    """One more returned dossier that took ``days`` working days, in the median's histograms."""
    agency, procedure, field_id, commune = key
    return [
        _upsert(ProcessingDays, {"month": month, "agency_id": agency, "procedure_id": procedure,
                                 "field_id": field_id, "commune_code": commune, "days": days}, {"dossiers": 1}),
        _upsert(AgencyProcessingDays, {"month": month, "agency_id": agency, "days": days}, {"dossiers": 1}),
    ]


def _sync_running(dossier, key: Key | None, new: bool) -> list[Statement]:
    """Keep the dossier's row in the running set exactly when its clock runs, with its due moment: one
    upsert, or one delete (none for a dossier created by this event, which has no row yet)."""
    quote = connection.ops.quote_name
    table = quote(RunningDossier._meta.db_table)
    if dossier.state in CLOCK_RUNNING_STATES and dossier.due_at is not None:
        key = key or _key(dossier.pk)
        columns = ["agency_id", "procedure_id", "field_id", "commune_code", "due_at"]
        due = connection.ops.adapt_datetimefield_value(dossier.due_at)
        return [Statement(
            f"INSERT INTO {table} (dossier_id, {', '.join(columns)}) VALUES (%s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (dossier_id) DO UPDATE SET "
            f"{', '.join(f'{column} = excluded.{column}' for column in columns)}",
            [dossier.pk, *key, due])]
    if new:
        return []
    return [Statement(f"DELETE FROM {table} WHERE dossier_id = %s", [dossier.pk])]


def _running_row_unchanged(event: DossierEvent, dossier) -> bool:
    """Whether the transition leaves the dossier's running-set row as it was: its clock ran before and runs
    after, and its due moment is the one it had when the services locked it (the key — agency, procedure,
    commune — does not change in a transition)."""
    if event.from_state not in CLOCK_RUNNING_STATES or dossier.state not in CLOCK_RUNNING_STATES:
        return False
    return hasattr(dossier, "due_at_when_locked") and dossier.due_at_when_locked == dossier.due_at


def on_dossier_event(sender, instance: DossierEvent, created: bool, raw: bool = False, **kwargs) -> None:
    """Apply one event's delta to the rollups, in the event's transaction: every table's change in one
    statement on PostgreSQL (``statements.run``)."""
    if raw or not created:
        return
    dossier = instance.dossier
    deltas = event_counts(instance, dossier)
    if not deltas and _running_row_unchanged(instance, dossier):
        return
    key = _key_of(dossier) if deltas or dossier.state in CLOCK_RUNNING_STATES else None
    by_month: dict[datetime.date, Counter] = defaultdict(Counter)
    for month, counts in deltas:  # one row is written once per statement: the months' counts are merged
        by_month[month].update(counts)
    writes: list[Statement] = []
    for month, counts in by_month.items():
        writes += _add(month, key, dict(counts))
        if counts.get("returned"):
            writes += _add_days(month, key, counts.get("processing_days", 0))
    writes += _sync_running(dossier, key, new=not instance.from_state)
    statements.run(writes, later=True)  # with the other followers of the event, when gathered


# -- recount, rebuild, verify ----------------------------------------------------------------------------

DOSSIER_COLUMNS = (
    "pk", "receiving_agency_id", "procedure_version__procedure_id", "procedure_version__field_id",
    "applicant_commune__code", "channel", "state", "submitted_at", "received_at", "result_ready_at",
    "finished_at", "due_at", "apology_issued_at", "return_method", "digitised", "result_digitised",
    "procedure_version__online_level",
)
EVENT_COLUMNS = (
    "dossier__receiving_agency_id", "dossier__procedure_version__procedure_id",
    "dossier__procedure_version__field_id", "dossier__applicant_commune__code", "action", "at", "data",
)


def recount() -> dict[tuple[datetime.date, Key], Counter]:
    """Every rollup row computed straight from the dossiers and their supplement and payment events.

    The median's histogram rides along under the counter names ``days:<n>`` (see :func:`split_days`).
    Set-based on PostgreSQL; the same numbers by the portable Python walk elsewhere.
    """
    if _set_based():
        with transaction.atomic():
            _recount_into_temp_tables()
            return _read_recount()
    return recount_portable()


def recount_portable() -> dict[tuple[datetime.date, Key], Counter]:
    """:func:`recount` by walking the dossiers and events in Python (any database)."""
    totals: dict[tuple[datetime.date, Key], Counter] = defaultdict(Counter)
    for row in Dossier.objects.order_by().values_list(*DOSSIER_COLUMNS).iterator(chunk_size=5000):
        d = SimpleNamespace(**dict(zip(
            ("pk", "agency", "procedure", "field", "commune", "channel", "state", "submitted_at", "received_at",
             "result_ready_at", "finished_at", "due_at", "apology_issued_at", "return_method", "digitised",
             "result_digitised", "online_level"), row, strict=True)))
        key = (d.agency, d.procedure, d.field, d.commune or "")
        if d.channel == "online":
            totals[(month_of(d.submitted_at), key)]["submitted_online"] += 1
        if d.received_at is not None:
            bucket = totals[(month_of(d.received_at), key)]
            bucket["received"] += 1
            bucket[f"received_{d.channel}"] += 1
            bucket["digitised"] += int(d.digitised)
            if d.online_level == OnlineLevel.FULL:
                bucket["received_full_service"] += 1
                bucket["received_full_online"] += int(d.channel == "online")
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
    if _set_based():
        with connection.cursor() as cursor:
            cursor.execute(running_sql(), [list(CLOCK_RUNNING_STATES)])
            return {pk: (agency, procedure, field_id, commune, due)
                    for pk, agency, procedure, field_id, commune, due in cursor.fetchall()}
    return recount_running_portable()


def recount_running_portable() -> dict[int, tuple]:
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


AgencyKey = tuple[datetime.date, int]


def by_agency(rows: dict[tuple[datetime.date, Key], Counter]) -> dict[AgencyKey, Counter]:
    """Fine rows (counters and ``days:<n>`` entries) summed per month and receiving agency."""
    found: dict[AgencyKey, Counter] = defaultdict(Counter)
    for (month, key), counts in rows.items():
        found[(month, key[0])].update(counts)
    return {key: +counts for key, counts in found.items() if +counts}


def stored_by_agency() -> dict[AgencyKey, Counter]:
    """The stored agency-level rollups, the histogram folded in as ``days:<n>`` counters."""
    found: dict[AgencyKey, Counter] = defaultdict(Counter)
    for row in AgencyMonth.objects.order_by().values("month", "agency_id", *ROLLUP_COUNTS).iterator(chunk_size=5000):
        found[(row["month"], row["agency_id"])].update(+Counter({name: row[name] for name in ROLLUP_COUNTS}))
    histogram = AgencyProcessingDays.objects.order_by().values_list("month", "agency_id", "days", "dossiers")
    for month, agency, days, dossiers in histogram.iterator(chunk_size=5000):
        if dossiers:
            found[(month, agency)][f"days:{days}"] += dossiers
    return {key: counts for key, counts in found.items() if counts}


# -- the set-based recount (PostgreSQL) -------------------------------------------------------------------

def _set_based() -> bool:
    return connection.vendor == "postgresql"


def _zone(name: str) -> str:
    if not all(ch.isalnum() or ch in "/_+-" for ch in name):
        raise ValueError(f"unexpected time zone name {name!r}")
    return name


def _month(column: str) -> str:
    """SQL for :func:`~tinhso.ioc.periods.month_of`: the first day of the local month."""
    return f"date_trunc('month', {column} AT TIME ZONE '{_zone(settings.TIME_ZONE)}')::date"


def _vn_date(column: str) -> str:
    """SQL for the Vietnamese day of a moment (the calendar's day, see ``workdays.to_local``)."""
    return f"({column} AT TIME ZONE '{_zone(VIETNAM.key)}')::date"


def _sql_names() -> dict[str, str]:
    from tinhso.catalogue.models import ProcedureVersion
    from tinhso.geo.models import Commune

    return {"dossier": Dossier._meta.db_table, "version": ProcedureVersion._meta.db_table,
            "commune": Commune._meta.db_table, "event": DossierEvent._meta.db_table}


# One row per dossier with its rollup key, the moment its handling finished (returned dossiers) and its
# processing working days: working days up to the day of ``done`` minus those up to the day of reception
# (``working_days_between``), from the calendar table.
DOSSIERS_SQL = """
SELECT d.id, d.receiving_agency_id AS agency_id, v.procedure_id, v.field_id,
       COALESCE(c.code, '') AS commune_code, d.channel, d.state, d.submitted_at, d.received_at,
       d.finished_at, d.due_at, d.apology_issued_at, d.return_method, d.digitised, d.result_digitised,
       v.online_level, x.done,
       CASE WHEN d.received_at IS NOT NULL AND x.done IS NOT NULL
            THEN GREATEST(COALESCE(w_done.up_to, 0) - COALESCE(w_received.up_to, 0), 0) ELSE 0 END AS days
FROM {dossier} d
JOIN {version} v ON v.id = d.procedure_version_id
LEFT JOIN {commune} c ON c.id = d.applicant_commune_id
CROSS JOIN LATERAL (SELECT CASE WHEN d.state = 'returned' THEN COALESCE(d.result_ready_at, d.finished_at) END
                    AS done) x
LEFT JOIN ioc_workday w_done ON w_done.day = {done_day}
LEFT JOIN ioc_workday w_received ON w_received.day = {received_day}
"""

# What each dossier and each supplement or payment event adds, one row per (month, counter group): the
# submission (s), reception (r), apology (a), closing (f), supplement request (q) and payment (p).
FACTS_SQL = """
SELECT {fact_month} AS month, k.agency_id, k.procedure_id, k.field_id, k.commune_code, f.kind, k.channel,
       k.state, k.done, k.due_at, k.days, k.return_method, FALSE AS online, k.digitised, k.result_digitised,
       k.online_level
FROM ({dossiers}) k
CROSS JOIN LATERAL (VALUES ('s', k.submitted_at), ('r', k.received_at), ('a', k.apology_issued_at),
                           ('f', k.finished_at)) f(kind, at)
WHERE f.at IS NOT NULL AND (f.kind <> 's' OR k.channel = 'online')
  AND (f.kind <> 'f' OR k.state IN ('returned', 'refused', 'stopped', 'withdrawn'))
UNION ALL
SELECT {event_month}, d.receiving_agency_id, v.procedure_id, v.field_id, COALESCE(c.code, ''),
       CASE WHEN e.action = 'request_supplement' THEN 'q' ELSE 'p' END, NULL, NULL, NULL, NULL, 0, NULL,
       COALESCE(e.data ->> 'channel' = 'online', FALSE), FALSE, FALSE, NULL
FROM {event} e
JOIN {dossier} d ON d.id = e.dossier_id
JOIN {version} v ON v.id = d.procedure_version_id
LEFT JOIN {commune} c ON c.id = d.applicant_commune_id
WHERE e.action IN ('request_supplement', 'record_payment')
"""

_RETURNED = "kind = 'f' AND state = 'returned'"
MONTH_COUNTERS = {
    "submitted_online": "count(*) FILTER (WHERE kind = 's')",
    "received": "count(*) FILTER (WHERE kind = 'r')",
    "received_online": "count(*) FILTER (WHERE kind = 'r' AND channel = 'online')",
    "received_counter": "count(*) FILTER (WHERE kind = 'r' AND channel = 'counter')",
    "received_post": "count(*) FILTER (WHERE kind = 'r' AND channel = 'post')",
    "returned": f"count(*) FILTER (WHERE {_RETURNED})",
    "early": f"count(*) FILTER (WHERE {_RETURNED} AND done <= due_at AND {{done_day}} < {{due_day}})",
    "on_time": f"count(*) FILTER (WHERE {_RETURNED} AND done <= due_at AND {{done_day}} >= {{due_day}})",
    "late": f"count(*) FILTER (WHERE {_RETURNED} AND done > due_at)",
    "processing_days": f"COALESCE(sum(days) FILTER (WHERE {_RETURNED}), 0)",
    "refused": "count(*) FILTER (WHERE kind = 'f' AND state = 'refused')",
    "stopped": "count(*) FILTER (WHERE kind = 'f' AND state = 'stopped')",
    "withdrawn": "count(*) FILTER (WHERE kind = 'f' AND state = 'withdrawn')",
    "supplement_requests": "count(*) FILTER (WHERE kind = 'q')",
    "apologies": "count(*) FILTER (WHERE kind = 'a')",
    "electronic_results": f"count(*) FILTER (WHERE {_RETURNED} AND return_method = 'online')",
    "payments": "count(*) FILTER (WHERE kind = 'p')",
    "payments_online": "count(*) FILTER (WHERE kind = 'p' AND online)",
    "digitised": "count(*) FILTER (WHERE kind = 'r' AND digitised)",
    "results_digitised": f"count(*) FILTER (WHERE {_RETURNED} AND result_digitised)",
    "received_full_service": "count(*) FILTER (WHERE kind = 'r' AND online_level = 'full')",
    "received_full_online": "count(*) FILTER (WHERE kind = 'r' AND online_level = 'full' AND channel = 'online')",
}
assert tuple(MONTH_COUNTERS) == ROLLUP_COUNTS
KEY_COLUMNS = "month, agency_id, procedure_id, field_id, commune_code"


def _dossiers_sql() -> str:
    return DOSSIERS_SQL.format(**_sql_names(), done_day=_vn_date("x.done"), received_day=_vn_date("d.received_at"))


def month_sql() -> str:
    """SELECT of every ``DossierMonth`` row (key columns, then ``ROLLUP_COUNTS``) from the dossier table."""
    facts = FACTS_SQL.format(**_sql_names(), dossiers=_dossiers_sql(), fact_month=_month("f.at"),
                             event_month=_month("e.at"))
    counters = ",\n       ".join(
        f"{expression.format(done_day=_vn_date('done'), due_day=_vn_date('due_at'))} AS {name}"
        for name, expression in MONTH_COUNTERS.items())
    return f"SELECT {KEY_COLUMNS},\n       {counters}\nFROM ({facts}) facts\nGROUP BY {KEY_COLUMNS}"


def days_sql() -> str:
    """SELECT of every ``ProcessingDays`` row (key columns, days, dossiers) from the dossier table."""
    return (f"SELECT {_month('k.finished_at')} AS month, k.agency_id, k.procedure_id, k.field_id, k.commune_code, "
            f"k.days, count(*) AS dossiers\nFROM ({_dossiers_sql()}) k\n"
            f"WHERE k.state = 'returned' AND k.finished_at IS NOT NULL\nGROUP BY 1, 2, 3, 4, 5, 6")


RUNNING_SQL_TEMPLATE = """
SELECT d.id AS dossier_id, d.receiving_agency_id AS agency_id, v.procedure_id, v.field_id,
       COALESCE(c.code, '') AS commune_code, d.due_at
FROM {dossier} d
JOIN {version} v ON v.id = d.procedure_version_id
LEFT JOIN {commune} c ON c.id = d.applicant_commune_id
WHERE d.state = ANY(%s) AND d.due_at IS NOT NULL
"""


def running_sql() -> str:
    """SELECT of the running set (dossier id, key columns, due moment); one parameter: the states."""
    return RUNNING_SQL_TEMPLATE.format(**_sql_names())


def _workday_table(cursor) -> None:
    """The temporary table ``ioc_workday(day, up_to)``: how many working days there are from the start of
    the calendar up to and including ``day`` (the arrays behind ``WorkdayCalendar.working_days_between``)."""
    calendar = current_calendar()
    cursor.execute("DROP TABLE IF EXISTS ioc_workday")
    cursor.execute("CREATE TEMPORARY TABLE ioc_workday (day date PRIMARY KEY, up_to integer NOT NULL) "
                   "ON COMMIT DROP")
    day, last = datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)
    rows, up_to = [], 0
    while day <= last:
        up_to += calendar.is_working_day(day)
        rows.append(f"{day.isoformat()}\t{up_to}\n")
        day += datetime.timedelta(days=1)
    with cursor.cursor.copy("COPY ioc_workday (day, up_to) FROM STDIN") as copy:
        copy.write("".join(rows))
    cursor.execute("ANALYZE ioc_workday")


def _recount_into_temp_tables() -> None:
    """The recount into ``ioc_recount_month``, ``ioc_recount_days`` and ``ioc_recount_running``
    (temporary, dropped at commit)."""
    with connection.cursor() as cursor:
        _workday_table(cursor)
        for name, select, params in (("ioc_recount_month", month_sql(), []), ("ioc_recount_days", days_sql(), []),
                                     ("ioc_recount_running", running_sql(), [list(CLOCK_RUNNING_STATES)])):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS {select}", params)
            cursor.execute(f"ANALYZE {name}")


def _read_recount(where: str = "") -> dict[tuple[datetime.date, Key], Counter]:
    """The recount tables as :func:`recount_portable` returns them (``where`` narrows the keys)."""
    return _read_rows("ioc_recount_month", "ioc_recount_days", where)


def _read_stored(where: str = "") -> dict[tuple[datetime.date, Key], Counter]:
    return _read_rows(DossierMonth._meta.db_table, ProcessingDays._meta.db_table, where)


def _read_rows(month_table: str, days_table: str, where: str) -> dict[tuple[datetime.date, Key], Counter]:
    found: dict[tuple[datetime.date, Key], Counter] = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.month, t.agency_id, t.procedure_id, t.field_id, t.commune_code, "
                       f"{', '.join('t.' + n for n in ROLLUP_COUNTS)} FROM {month_table} t {where}")
        for month, agency, procedure, field_id, commune, *values in cursor.fetchall():
            found[(month, (agency, procedure, field_id, commune))].update(
                +Counter(dict(zip(ROLLUP_COUNTS, values, strict=True))))
        cursor.execute(f"SELECT t.month, t.agency_id, t.procedure_id, t.field_id, t.commune_code, t.days, t.dossiers "
                       f"FROM {days_table} t {where}")
        for month, agency, procedure, field_id, commune, days, dossiers in cursor.fetchall():
            if dossiers:
                found[(month, (agency, procedure, field_id, commune))][f"days:{days}"] += dossiers
    return {key: counts for key, counts in found.items() if counts}


_SAME_KEY = " AND ".join(f"r.{c} = s.{c}" for c in KEY_COLUMNS.split(", "))
_EITHER_KEY = ", ".join(f"COALESCE(r.{c}, s.{c}) AS {c}" for c in KEY_COLUMNS.split(", "))


def _verify_set_based(limit: int) -> VerifyResult:
    """:func:`verify` on PostgreSQL: recount into temporary tables, find the differing keys with FULL JOINs,
    and compare only those keys' counters in Python."""
    with transaction.atomic():
        _recount_into_temp_tables()
        month_table, days_table = DossierMonth._meta.db_table, ProcessingDays._meta.db_table
        differs = " OR ".join(f"COALESCE(r.{n}, 0) <> COALESCE(s.{n}, 0)" for n in ROLLUP_COUNTS)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ioc_recount_month")
            rows = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM ioc_recount_running")
            running = cursor.fetchone()[0]
            cursor.execute("DROP TABLE IF EXISTS ioc_verify_keys")
            cursor.execute(
                f"CREATE TEMPORARY TABLE ioc_verify_keys ON COMMIT DROP AS "
                f"SELECT {_EITHER_KEY} FROM ioc_recount_month r FULL JOIN {month_table} s ON {_SAME_KEY} "
                f"WHERE {differs} "
                f"UNION SELECT {_EITHER_KEY} FROM ioc_recount_days r FULL JOIN {days_table} s "
                f"ON {_SAME_KEY} AND r.days = s.days WHERE COALESCE(r.dossiers, 0) <> COALESCE(s.dossiers, 0)")
            where = ("WHERE EXISTS (SELECT 1 FROM ioc_verify_keys k WHERE "
                     + " AND ".join(f"k.{c} = t.{c}" for c in KEY_COLUMNS.split(", ")) + ")")
            expected, actual = _read_recount(where), _read_stored(where)
            columns = ("agency_id", "procedure_id", "field_id", "commune_code", "due_at")
            cursor.execute(
                f"SELECT COALESCE(r.dossier_id, s.dossier_id), {', '.join('r.' + c for c in columns)}, "
                f"{', '.join('s.' + c for c in columns)} FROM ioc_recount_running r "
                f"FULL JOIN {RunningDossier._meta.db_table} s ON r.dossier_id = s.dossier_id "
                f"WHERE r.dossier_id IS NULL OR s.dossier_id IS NULL OR "
                f"({', '.join('r.' + c for c in columns)}) IS DISTINCT FROM ({', '.join('s.' + c for c in columns)})")
            expected_running, actual_running = {}, {}
            for pk, *values in cursor.fetchall():
                if values[0] is not None:
                    expected_running[pk] = tuple(values[:5])
                if values[5] is not None:
                    actual_running[pk] = tuple(values[5:])
            # The agency level is small (months × agencies): the recount's sums come back whole.
            expected_agency: dict[AgencyKey, Counter] = defaultdict(Counter)
            cursor.execute(f"SELECT month, agency_id, {', '.join(f'sum({n})' for n in ROLLUP_COUNTS)} "
                           f"FROM ioc_recount_month GROUP BY 1, 2")
            for month, agency, *values in cursor.fetchall():
                expected_agency[(month, agency)].update(+Counter(dict(zip(ROLLUP_COUNTS, values, strict=True))))
            cursor.execute("SELECT month, agency_id, days, sum(dossiers) FROM ioc_recount_days GROUP BY 1, 2, 3")
            for month, agency, days, dossiers in cursor.fetchall():
                if dossiers:
                    expected_agency[(month, agency)][f"days:{days}"] += dossiers
        actual_agency = stored_by_agency()
    return VerifyResult(rows, running, _differences(expected, actual, expected_running, actual_running, limit,
                                                    dict(expected_agency), actual_agency))


def _lock_tables() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in (DossierMonth, ProcessingDays, AgencyMonth,
                                                          AgencyProcessingDays, RunningDossier))
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


@dataclass
class RebuildResult:
    rows: int
    running: int
    histogram: int = 0


def rebuild() -> RebuildResult:
    """Throw the rollups away and recompute them from the dossiers (the wall's data version moves)."""
    result = _rebuild_set_based() if _set_based() else _rebuild_portable()
    freshness.changed()
    return result


def _rebuild_portable() -> RebuildResult:
    with transaction.atomic():
        _lock_tables()
        for model in (DossierMonth, ProcessingDays, AgencyMonth, AgencyProcessingDays, RunningDossier):
            model.objects.all().delete()
        rows, histogram = [], []
        recounted = recount_portable()
        for (month, key), counts in recounted.items():
            plain, days = split_days(counts)
            where = {"month": month, "agency_id": key[0], "procedure_id": key[1], "field_id": key[2],
                     "commune_code": key[3]}
            rows.append(DossierMonth(**where, **plain))
            histogram += [ProcessingDays(**where, days=n, dossiers=count) for n, count in days.items()]
        DossierMonth.objects.bulk_create(rows, batch_size=2000)
        ProcessingDays.objects.bulk_create(histogram, batch_size=2000)
        agency_rows, agency_histogram = [], []
        for (month, agency), counts in by_agency(recounted).items():
            plain, days = split_days(counts)
            agency_rows.append(AgencyMonth(month=month, agency_id=agency, **plain))
            agency_histogram += [AgencyProcessingDays(month=month, agency_id=agency, days=n, dossiers=count)
                                 for n, count in days.items()]
        AgencyMonth.objects.bulk_create(agency_rows, batch_size=2000)
        AgencyProcessingDays.objects.bulk_create(agency_histogram, batch_size=2000)
        running = [
            RunningDossier(dossier_id=pk, agency_id=v[0], procedure_id=v[1], field_id=v[2], commune_code=v[3],
                           due_at=v[4])
            for pk, v in recount_running_portable().items()
        ]
        RunningDossier.objects.bulk_create(running, batch_size=2000)
    return RebuildResult(len(rows), len(running), len(histogram))


def _rebuild_set_based() -> RebuildResult:
    """:func:`rebuild` on PostgreSQL: one INSERT … SELECT … GROUP BY per table."""
    month_table, days_table = DossierMonth._meta.db_table, ProcessingDays._meta.db_table
    running_table = RunningDossier._meta.db_table
    agency_table, agency_days_table = AgencyMonth._meta.db_table, AgencyProcessingDays._meta.db_table
    with transaction.atomic():
        _lock_tables()
        with connection.cursor() as cursor:
            for table in (month_table, days_table, agency_table, agency_days_table, running_table):
                cursor.execute(f"DELETE FROM {table}")
            _workday_table(cursor)
            cursor.execute(f"INSERT INTO {month_table} ({KEY_COLUMNS}, {', '.join(ROLLUP_COUNTS)}) {month_sql()}")
            rows = cursor.rowcount
            cursor.execute(f"INSERT INTO {days_table} ({KEY_COLUMNS}, days, dossiers) {days_sql()}")
            histogram = cursor.rowcount
            # The agency level is the sum of the fine rows just written.
            cursor.execute(f"INSERT INTO {agency_table} (month, agency_id, {', '.join(ROLLUP_COUNTS)}) "
                           f"SELECT month, agency_id, {', '.join(f'sum({n})' for n in ROLLUP_COUNTS)} "
                           f"FROM {month_table} GROUP BY 1, 2")
            cursor.execute(f"INSERT INTO {agency_days_table} (month, agency_id, days, dossiers) "
                           f"SELECT month, agency_id, days, sum(dossiers) FROM {days_table} GROUP BY 1, 2, 3")
            cursor.execute(f"INSERT INTO {running_table} (dossier_id, agency_id, procedure_id, field_id, "
                           f"commune_code, due_at) {running_sql()}", [list(CLOCK_RUNNING_STATES)])
            running = cursor.rowcount
    return RebuildResult(rows, running, histogram)


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
    if _set_based():
        return _verify_set_based(limit)
    with transaction.atomic():
        expected, actual = recount_portable(), stored()
        expected_running, actual_running = recount_running_portable(), stored_running()
        actual_agency = stored_by_agency()
    return VerifyResult(len(expected), len(expected_running),
                        _differences(expected, actual, expected_running, actual_running, limit,
                                     by_agency(expected), actual_agency))


def _differences(expected, actual, expected_running, actual_running, limit: int, expected_agency=None,
                 actual_agency=None) -> list[str]:
    differences: list[str] = []
    for key in sorted(set(expected) | set(actual), key=lambda k: (k[0], k[1])):
        want, have = expected.get(key, Counter()), actual.get(key, Counter())
        for name in sorted(set(want) | set(have)):
            if want[name] != have[name]:
                differences.append(f"{_describe(key)}: {name} lưu {have[name]}, đếm lại {want[name]}")
    expected_agency, actual_agency = expected_agency or {}, actual_agency or {}
    for month, agency in sorted(set(expected_agency) | set(actual_agency)):
        want, have = expected_agency.get((month, agency), Counter()), actual_agency.get((month, agency), Counter())
        for name in sorted(set(want) | set(have)):
            if want[name] != have[name]:
                differences.append(f"{month:%Y-%m} cơ quan={agency} (tổng hợp theo cơ quan): {name} lưu {have[name]}, "
                                   f"đếm lại {want[name]}")
    for pk in sorted(set(expected_running) | set(actual_running)):
        want, have = expected_running.get(pk), actual_running.get(pk)
        if want != have:
            differences.append(
                f"hồ sơ {pk} đang tính thời hạn: lưu {_running_text(have)}, đếm lại {_running_text(want)}")
    total = len(differences)
    if total > limit:
        differences = [*differences[:limit], f"… và {total - limit} khác biệt nữa"]
    return differences


def _running_text(value: Iterable | None) -> str:
    if value is None:
        return "không có"
    agency, procedure, _field, _commune, due = value
    return f"cơ quan={agency} thủ tục={procedure} hạn={due.isoformat()}"
