"""Reads of the operations centre: who sees what, indicator values against targets, breakdowns, the
league table, the QĐ 766 scorecard and the dossier lists behind the numbers.

Computed indicators read only the rollups (``DossierMonth``; ``RunningDossier`` for what is overdue now),
or, for ratings, complaints and the publication of procedures, their app's selectors through the formula's
reader (one aggregate query per value, one grouped query per breakdown); the dossier table is read only to
list the dossiers behind a number, one page at a time.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.catalogue.models import Field, Procedure
from tinhso.common.workdays import VIETNAM
from tinhso.directory.models import PROVINCE_WIDE_ROLES, Agency, Role
from tinhso.directory.selectors import _with_descendants, held_roles, visible_agencies
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.services import AgencyClient
from tinhso.geo.models import Commune
from tinhso.ioc.indicators import FORMULAS, ReadQuery
from tinhso.ioc.models import (
    QD766_GROUPS,
    ROLLUP_COUNTS,
    AgencyMonth,
    AgencyProcessingDays,
    Direction,
    DossierMonth,
    Group,
    Indicator,
    ProcessingDays,
    ReportedValue,
    ReportStatus,
    RunningDossier,
    ScoreWeight,
    Source,
    Target,
)
from tinhso.ioc.periods import YEAR, Period

# -- scope --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a user may see in the operations centre: the whole province, or a set of agencies."""

    whole_province: bool
    agency_ids: frozenset[int] = frozenset()

    def filter(self, queryset: QuerySet, field_name: str = "agency_id") -> QuerySet:
        if self.whole_province:
            return queryset
        return queryset.filter(**{f"{field_name}__in": sorted(self.agency_ids)})

    def allows(self, agency_id: int | None) -> bool:
        return self.whole_province or agency_id in self.agency_ids


def ioc_scope(user) -> Scope | None:
    """Operations-centre viewers, platform administrators and superusers see the whole province; a leader
    (approver) sees the agencies under their leadership — a leader of the provincial People's Committee
    therefore the whole province; an agency's machine client (API token, exchange member) the agency and the
    units below it; anyone else nothing (``None``: the views answer 403)."""
    if isinstance(user, AgencyClient):
        ids = frozenset(_with_descendants({user.agency.pk}))
        return Scope(True) if len(ids) == Agency.objects.count() else Scope(False, ids)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Scope(True)
    roles = {role for _agency, role in held_roles(user)}
    if roles & PROVINCE_WIDE_ROLES:
        return Scope(True)
    if Role.APPROVER not in roles:
        return None
    ids = frozenset(visible_agencies(user).values_list("pk", flat=True))
    if len(ids) == Agency.objects.count():
        return Scope(True)
    return Scope(False, ids)


# -- filters and totals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Optional narrowing of the one-stop numbers: one agency, field, procedure or commune."""

    agency: int | None = None
    field: int | None = None
    procedure: int | None = None
    commune: str | None = None

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.agency:
            queryset = queryset.filter(agency_id=self.agency)
        if self.field:
            queryset = queryset.filter(field_id=self.field)
        if self.procedure:
            queryset = queryset.filter(procedure_id=self.procedure)
        if self.commune:
            queryset = queryset.filter(commune_code=self.commune)
        return queryset

    @property
    def fine(self) -> bool:
        """Whether the filters need the fine rollups (field, procedure or commune) rather than the agency's."""
        return bool(self.field or self.procedure or self.commune)

    def query(self) -> dict[str, str]:
        pairs = {"co-quan": self.agency, "linh-vuc": self.field, "thu-tuc": self.procedure, "xa": self.commune}
        return {name: str(value) for name, value in pairs.items() if value}


SUMS = {name: Sum(name) for name in ROLLUP_COUNTS}


AGENCY_LEVEL = {"agency", "month"}


def _needs_fine_rows(filters: Filters, dimension: str | None) -> bool:
    """Whether the filters or the grouping ``dimension`` need procedure, field or commune (the fine rollups)."""
    return filters.fine or (dimension is not None and dimension not in AGENCY_LEVEL)


def rollup_rows(scope: Scope, period: Period, filters: Filters = Filters(), dimension: str | None = None
                ) -> QuerySet:
    """The monthly rollup rows of ``period`` within scope and filters, from the agency-level table whenever
    that suffices."""
    model = DossierMonth if _needs_fine_rows(filters, dimension) else AgencyMonth
    rows = model.objects.filter(month__gte=period.start, month__lt=period.end)
    return filters.apply(scope.filter(rows))


def days_rows(scope: Scope, period: Period, filters: Filters = Filters(), dimension: str | None = None
              ) -> QuerySet:
    """The processing-days histogram rows of ``period``, at the agency level when that suffices."""
    model = ProcessingDays if _needs_fine_rows(filters, dimension) else AgencyProcessingDays
    rows = model.objects.filter(month__gte=period.start, month__lt=period.end)
    return filters.apply(scope.filter(rows))


def running_rows(scope: Scope, filters: Filters = Filters()) -> QuerySet[RunningDossier]:
    return filters.apply(scope.filter(RunningDossier.objects.all()))


def median(histogram: dict[int, int]) -> Decimal | None:
    """The median of values given as value → how many times it occurs."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted, seen, found = ((total - 1) // 2, total // 2), 0, []
    for value in sorted(histogram):
        count = histogram[value]
        found += [value for position in wanted if seen <= position < seen + count]
        seen += count
    return _q(Decimal(sum(found)) / len(found))


def totals(scope: Scope, period: Period, filters: Filters = Filters(), at: datetime.datetime | None = None
           ) -> Counter:
    """Every counter summed over the period, plus ``overdue`` (running dossiers past due at ``at``) and
    ``median_processing_days`` (from the histogram)."""
    summed = rollup_rows(scope, period, filters).aggregate(**SUMS)
    counts = Counter({name: value or 0 for name, value in summed.items()})
    counts["overdue"] = running_rows(scope, filters).filter(due_at__lt=at or timezone.now()).count()
    counts["median_processing_days"] = median(dict(
        days_rows(scope, period, filters).values_list("days").annotate(n=Sum("dossiers")).order_by()))
    return counts


# -- plan against actual ---------------------------------------------------------------------------------

MET, ON_TRACK, AT_RISK, NOT_MET, NO_TARGET, NO_DATA = "met", "on_track", "at_risk", "not_met", "no_target", "no_data"
STATUS_LABELS = {
    MET: _("Đạt"), ON_TRACK: _("Đúng tiến độ"), AT_RISK: _("Có nguy cơ không đạt"), NOT_MET: _("Không đạt"),
    NO_TARGET: _("Chưa giao chỉ tiêu"), NO_DATA: _("Chưa có số liệu"),
}


@dataclass
class Assessment:
    indicator: Indicator
    value: Decimal | None
    value_period: Period | None = None
    target: Decimal | None = None
    target_period: Period | None = None
    previous: Decimal | None = None
    achieved: Decimal | None = None  # % of the target achieved
    projected: Decimal | None = None
    status: str = NO_DATA
    note: str = ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def formula(self):
        return FORMULAS.get(self.indicator.formula)


def _q(value: Decimal | None, places: int = 2) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def assess(indicator: Indicator, value: Decimal | None, target: Decimal | None, target_period: Period | None, *,
           elapsed: float | None = None, baseline: Decimal | None = None, today: datetime.date | None = None
           ) -> tuple[str, Decimal | None, Decimal | None]:
    """Status, % achieved and projected end-of-period value of ``value`` against ``target``.

    Met when the value already reaches the target (in the indicator's direction). Otherwise, once the
    target's period is over, not met; while it runs, the value is projected linearly to the period's end —
    a count in proportion to the elapsed share, a level along the line from ``baseline`` (the previous
    period's value) — and the indicator is on track when the projection reaches the target, at risk if not.
    """
    if value is None:
        return NO_DATA, None, None
    if target is None:
        return NO_TARGET, None, None
    higher = indicator.direction == Direction.HIGHER
    if higher:
        achieved = value * 100 / target if target else Decimal(100)
    else:
        achieved = target * 100 / value if value else Decimal(100)
    met = value >= target if higher else value <= target
    if met:
        return MET, _q(achieved), None
    if elapsed is None:
        elapsed = target_period.elapsed_fraction(today) if target_period else 1.0
    if elapsed >= 1:
        return NOT_MET, _q(achieved), None
    if elapsed <= 0:
        return ON_TRACK, _q(achieved), None
    share = Decimal(str(elapsed))
    if indicator.additive:
        projected = value / share
    elif baseline is not None:
        projected = baseline + (value - baseline) / share
    else:
        projected = value
    on_track = projected >= target if higher else projected <= target
    return (ON_TRACK if on_track else AT_RISK), _q(achieved), _q(projected)


def _target_map(indicators, keys: set[str]) -> dict[tuple[int, str], Decimal]:
    """(indicator id, period) → target, the most recent plan winning."""
    found: dict[tuple[int, str], Decimal] = {}
    rows = Target.objects.filter(indicator__in=indicators, period__in=keys).order_by("plan__issued_on", "pk")
    for indicator_id, period, value in rows.values_list("indicator_id", "period", "value"):
        found[(indicator_id, period)] = value
    return found


def _reported_map(scope: Scope, indicators, keys: set[str]) -> dict[tuple[int, str], list[Decimal]]:
    values: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    rows = scope.filter(ReportedValue.objects.filter(indicator__in=indicators, period__in=keys,
                                                     status=ReportStatus.APPROVED))
    for indicator_id, period, value in rows.values_list("indicator_id", "period", "value"):
        values[(indicator_id, period)].append(value)
    return values


def _combine(indicator: Indicator, values: list[Decimal]) -> Decimal:
    total = sum(values, Decimal(0))
    return total if indicator.additive else total / len(values)


def _reported(indicator: Indicator, period: Period, values) -> tuple[Decimal | None, Period | None, float | None]:
    """The reported value for ``period`` at the indicator's granularity: the containing period's value
    when the period is finer; the sum of its parts (additive) or the latest part otherwise. Also returns
    the share of parts covered, which is what a projection of a sum can lean on."""
    kind = indicator.granularity
    if not period.coarser_or_equal(kind):
        own = period.within(kind)
        found = values.get((indicator.pk, own.key))
        return (_combine(indicator, found), own, None) if found else (None, None, None)
    parts = period.parts(kind)
    present = [(part, values[(indicator.pk, part.key)]) for part in parts if (indicator.pk, part.key) in values]
    if not present:
        return None, None, None
    if indicator.additive and len(parts) > 1:
        total = sum((_combine(indicator, v) for _, v in present), Decimal(0))
        return total, period, len(present) / len(parts)
    part, found = present[-1]
    return _combine(indicator, found), part, None


def _keys_around(period: Period) -> set[str]:
    """Every period key a value or target for ``period`` (and the one before it) may be stored under."""
    keys = set()
    for p in (period, period.previous()):
        for kind in ("month", "quarter", "year"):
            keys.add(p.within(kind).key)
            keys |= {part.key for part in p.parts(kind)} if p.coarser_or_equal(kind) else set()
    return keys


def reader_query(scope: Scope, period: Period, filters: Filters = Filters(),
                 at: datetime.datetime | None = None) -> ReadQuery:
    """What a reader-based indicator is asked for under this scope and these filters: the one agency
    filtered on (the views have checked it is in scope), else the scope's agencies (None: all)."""
    if filters.agency:
        agency_ids = (filters.agency,)
    else:
        agency_ids = None if scope.whole_province else tuple(sorted(scope.agency_ids))
    return ReadQuery(period.start, period.end, agency_ids, at or timezone.now(), field=filters.field,
                     procedure=filters.procedure, commune=filters.commune)


def _read(formula, scope: Scope, period: Period, filters: Filters, at) -> Decimal | None:
    """A value read outside the rollups (ratings, complaints, the catalogue), under every filter its records
    carry; None under a filter they do not (a procedure version has no commune)."""
    return formula.reader.read(reader_query(scope, period, filters, at))


def reader_unsupported_filters(formula, filters: Filters) -> list[str]:
    """The labels of the filters set that the reader's records do not carry: the value is then None by
    design, not for lack of data, and the page says so."""
    wanted = {"field": filters.field, "procedure": filters.procedure, "commune": filters.commune}
    return [DIMENSION_LABELS[name] for name, value in wanted.items()
            if value and name not in formula.reader.dimensions]


def overview(scope: Scope, period: Period, *, indicators: list[Indicator] | None = None,
             filters: Filters = Filters(), at: datetime.datetime | None = None,
             today: datetime.date | None = None) -> list[Assessment]:
    """Every active indicator's value in ``period`` with its target, % achieved, status and previous value."""
    indicators = indicators if indicators is not None else list(Indicator.objects.filter(active=True))
    current = totals(scope, period, filters, at)
    previous_period = period.previous()
    before = rollup_rows(scope, previous_period, filters).aggregate(**SUMS)
    before = Counter({name: value or 0 for name, value in before.items()})
    keys = _keys_around(period)
    targets = _target_map(indicators, keys)
    reported = _reported_map(scope, [i for i in indicators if i.source != Source.COMPUTED], keys)
    results = []
    for indicator in indicators:
        baseline = None
        elapsed = None
        if indicator.source == Source.COMPUTED:
            formula = FORMULAS.get(indicator.formula, FORMULAS["no_data"])
            if formula.reader is not None:
                value, previous = _read(formula, scope, period, filters, at), None
            else:
                value = formula.compute(current)
                previous = None if formula.live else formula.compute(before)
            value_period = period
        else:
            value, value_period, elapsed = _reported(indicator, period, reported)
            previous = _reported(indicator, previous_period, reported)[0]
            baseline = previous if value_period is not None and value_period.kind == YEAR else None
        target_period = value_period or period
        target = targets.get((indicator.pk, target_period.key))
        if target is None and not indicator.additive:
            year = target_period.within(YEAR)
            target, target_period = targets.get((indicator.pk, year.key)), year
        if indicator.source == Source.COMPUTED and indicator.additive and target is None:
            target_period = period
        status, achieved, projected = assess(indicator, value, target, target_period, elapsed=elapsed,
                                             baseline=baseline, today=today)
        results.append(Assessment(indicator, value, value_period, target, target_period if target is not None
                                  else None, previous, achieved, projected, status))
    return results


def monthly_trends(scope: Scope, year: Period, indicators: list[Indicator], filters: Filters = Filters()
                   ) -> dict[str, dict]:
    """Month-by-month values of the computed rollup indicators over ``year``, in one query: the cards' trend."""
    months = year.parts("month")
    by_month = {row.pop("month"): Counter({k: v or 0 for k, v in row.items()})
                for row in rollup_rows(scope, year, filters).values("month").annotate(**SUMS).order_by()}
    trends = {}
    for indicator in indicators:
        formula = FORMULAS.get(indicator.formula)
        if indicator.source != Source.COMPUTED or formula is None or not formula.from_rollups or formula.live \
                or indicator.formula == "median_processing_days":
            continue
        values = [formula.compute(by_month[m.start]) if m.start in by_month else None for m in months]
        trends[indicator.code] = {"labels": [f"{m.number:02d}" for m in months],
                                  "values": [None if v is None else float(v) for v in values]}
    return trends


# -- breakdowns and the league table ----------------------------------------------------------------------

DIMENSION_FIELDS = {
    "agency": ("agency_id", "agency__name"),
    "field": ("field_id", "field__name"),
    "procedure": ("procedure_id", "procedure__code"),
    "month": ("month", None),
    "commune": ("commune_code", None),
}
DIMENSION_LABELS = {"agency": _("Cơ quan"), "field": _("Lĩnh vực"), "procedure": _("Thủ tục"), "month": _("Tháng"),
                    "commune": _("Xã, phường"), "operator": _("Doanh nghiệp")}


@dataclass
class BreakdownRow:
    key: object
    label: str
    counts: Counter = field(default_factory=Counter)
    value: Decimal | None = None

    def __getitem__(self, name):
        """A counter by name (0 when the row has none). The row's own attributes are not counters: a
        template resolves ``row.label`` by trying ``row["label"]`` first, which must fail, not answer 0."""
        if name in self.__dataclass_fields__:
            raise KeyError(name)
        return self.counts.get(name, 0)


def breakdown(scope: Scope, period: Period, dimension: str, *, filters: Filters = Filters(),
              formula: str = "on_time_rate", at: datetime.datetime | None = None) -> list[BreakdownRow]:
    """The period's counters grouped by one dimension, with ``formula`` computed per row (rollups only)."""
    key_field, _ = DIMENSION_FIELDS[dimension]
    rows: dict[object, BreakdownRow] = {}
    for row in rollup_rows(scope, period, filters, dimension).values(key_field).annotate(**SUMS).order_by(key_field):
        key = row.pop(key_field)
        rows[key] = BreakdownRow(key, "", Counter({k: v or 0 for k, v in row.items()}))
    if dimension != "month":
        live = running_rows(scope, filters).filter(due_at__lt=at or timezone.now())
        for key, overdue in live.values_list(key_field).annotate(n=Count("pk")).order_by():
            rows.setdefault(key, BreakdownRow(key, "")).counts["overdue"] = overdue
    if formula == "median_processing_days":
        histograms: dict[object, dict[int, int]] = defaultdict(dict)
        histogram = days_rows(scope, period, filters, dimension)
        for key, days, count in histogram.values_list(key_field, "days").annotate(n=Sum("dossiers")).order_by():
            histograms[key][days] = count
        for key, found in histograms.items():
            rows.setdefault(key, BreakdownRow(key, "")).counts["median_processing_days"] = median(found)
    _label(rows, dimension)
    compute = FORMULAS[formula].compute
    for row in rows.values():
        row.value = compute(row.counts)
    return sorted(rows.values(), key=lambda r: (r.label, str(r.key)))


def _label(rows: dict[object, BreakdownRow], dimension: str, labels=None) -> None:
    """Name the rows of a breakdown; ``labels`` is a module reader's own naming (for its own dimensions)."""
    keys = [k for k in rows if k not in (None, "")]
    if labels is not None and dimension not in ("agency", "field", "procedure", "commune", "month"):
        names = labels(dimension, keys)
    elif dimension == "agency":
        names = dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif dimension == "field":
        names = dict(Field.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif dimension == "procedure":
        names = {pk: f"{code} — {name}" for pk, code, name in
                 Procedure.objects.filter(pk__in=keys).values_list("pk", "code", "current_version__name")}
    elif dimension == "commune":
        names = dict(Commune.objects.filter(code__in=keys).values_list("code", "name"))
    else:
        names = {k: f"{k:%m/%Y}" for k in keys}
    for key, row in rows.items():
        row.label = names.get(key) or (gettext("Không rõ") if key in (None, "") else str(key))


def reader_breakdown(scope: Scope, period: Period, dimension: str, *, formula: str, filters: Filters = Filters(),
                     at: datetime.datetime | None = None) -> list[BreakdownRow]:
    """A reader-based indicator's counts and value grouped by one dimension, in one grouped query; months in
    order, other rows by label. Empty when the reader does not carry the dimension or a filter set."""
    reader = FORMULAS[formula].reader
    query = reader_query(scope, period, filters, at)
    if dimension not in reader.breakdowns or not reader.supports(query):
        return []
    rows = {key: BreakdownRow(key, "", Counter({name: value or 0 for name, value in counts.items()}))
            for key, counts in reader.counts_by(query, dimension).items()}
    _label(rows, dimension, reader.labels)
    for row in rows.values():
        if row.key in (None, ""):
            row.label = reader.unknown
        row.value = reader.value(row.counts)
    if dimension == "month":
        return sorted(rows.values(), key=lambda r: (r.key is None, r.key or datetime.date.min))
    return sorted(rows.values(), key=lambda r: (r.key in (None, ""), r.label, str(r.key)))


LEAGUE_COLUMNS = [
    ("received", pgettext_lazy("count", "Tiếp nhận")), ("returned", _("Đã giải quyết")),
    ("on_time_rate", _("Tỷ lệ đúng hạn (%)")),
    ("late", _("Trễ hạn")), ("overdue", _("Đang quá hạn")), ("avg_processing_days", _("TG giải quyết TB (ngày)")),
    ("online_share", _("Tỷ lệ trực tuyến (%)")), ("apologies", _("Xin lỗi, hẹn lại")),
]


# One number of decimals per column (counts whole, rates and averages with one decimal), so that a column
# reads "100,0 · 93,1 · 98,5", never "100 · 93,1 · 98,51".
LEAGUE_DECIMALS = {"on_time_rate": 1, "online_share": 1, "avg_processing_days": 1}


@dataclass
class LeagueRow:
    rank: int
    agency_id: int
    agency: str
    values: dict[str, Decimal | None]


def league_table(scope: Scope, period: Period, at: datetime.datetime | None = None) -> list[LeagueRow]:
    """Agencies ranked by on-time rate (then by fewer overdue, more settled), with their other rates."""
    rows = breakdown(scope, period, "agency", at=at)
    table = []
    for row in rows:
        values = {code: FORMULAS[code].compute(row.counts) for code, _ in LEAGUE_COLUMNS}
        table.append((row, values))
    table.sort(key=lambda item: (
        -(item[1]["on_time_rate"] if item[1]["on_time_rate"] is not None else Decimal(-1)),
        item[1]["overdue"], -item[1]["returned"], item[0].label))
    return [LeagueRow(rank, row.key, row.label, values) for rank, (row, values) in enumerate(table, start=1)]


# -- the QĐ 766 scorecard --------------------------------------------------------------------------------


@dataclass
class ScoreLine:
    assessment: Assessment
    weight: ScoreWeight | None
    points: Decimal | None


@dataclass
class ScoreGroup:
    group: str
    label: str
    max_points: int
    lines: list[ScoreLine]

    @property
    def weighted_points(self) -> Decimal:
        return sum((line.weight.points for line in self.lines if line.weight), Decimal(0))

    @property
    def points(self) -> Decimal | None:
        scored = [line.points for line in self.lines if line.points is not None]
        return sum(scored, Decimal(0)) if scored else None


def scorecard(scope: Scope, period: Period, at: datetime.datetime | None = None) -> list[ScoreGroup]:
    """The five QĐ 766 groups with their maximum points. A rate earns points only where an administrator
    has set a weight (``ScoreWeight``): points = weight × rate ÷ 100; otherwise the rate is shown alone."""
    indicators = list(Indicator.objects.filter(active=True, group__in=list(QD766_GROUPS)).select_related(
        "score_weight"))
    by_id = {a.indicator.pk: a for a in overview(scope, period, indicators=indicators, at=at)}
    groups = []
    for group, max_points in QD766_GROUPS.items():
        lines = []
        for indicator in (i for i in indicators if i.group == group):
            weight = getattr(indicator, "score_weight", None)
            assessment = by_id[indicator.pk]
            points = None
            if weight is not None and assessment.value is not None and indicator.unit == "%":
                rate = assessment.value if indicator.direction == Direction.HIGHER else 100 - assessment.value
                points = _q(weight.points * max(min(rate, Decimal(100)), Decimal(0)) / 100)
            lines.append(ScoreLine(assessment, weight, points))
        groups.append(ScoreGroup(group, Group(group).label, max_points, lines))
    return groups


# -- the dossiers behind a number ----------------------------------------------------------------------------

DOSSIER_LISTS = {
    "received": _("Hồ sơ tiếp nhận trong kỳ"),
    "returned": _("Hồ sơ đã trả kết quả trong kỳ"),
    "late": _("Hồ sơ giải quyết trễ hạn trong kỳ"),
    "overdue": _("Hồ sơ đang giải quyết quá hạn"),
    "apologies": _("Hồ sơ đã xin lỗi, hẹn lại ngày trả"),
}


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=VIETNAM)


# The columns a drill-down list sorts by (``?sap-xep=<key>``, ``-<key>`` for the other way); "tre" is how late
# a dossier is: the time from its due moment to its result (late) or to now (overdue).
DOSSIER_SORTS = {
    "ma": ("code",), "co-quan": ("receiving_agency__name",), "thu-tuc": ("procedure_version__name",),
    "trang-thai": ("state",), "han": ("due_at",), "tre": ("lateness",),
}
# Most overdue first where a list is about lateness; the others as they always were.
DEFAULT_SORTS = {"late": "-tre", "overdue": "-tre"}


def dossier_sort(kind: str, requested: str | None) -> str:
    """The sort a list uses: the one asked for when it is known (and "tre" only where lateness is defined),
    else the list's default ("" for its own order)."""
    key = (requested or "").strip()
    if key.lstrip("-") in DOSSIER_SORTS and (key.lstrip("-") != "tre" or kind in DEFAULT_SORTS):
        return key
    return DEFAULT_SORTS.get(kind, "")


def dossier_list(scope: Scope, kind: str, period: Period, filters: Filters = Filters(),
                 at: datetime.datetime | None = None, sort: str | None = None) -> QuerySet[Dossier]:
    """The dossiers a number counts (the same definitions as the rollups), for one page of a drill-down, in
    the order ``sort`` names (see ``dossier_sort``; late and overdue lists put the most overdue first)."""
    start, end = _local_midnight(period.start), _local_midnight(period.end)
    dossiers = scope.filter(Dossier.objects.all(), "receiving_agency_id")
    if filters.agency:
        dossiers = dossiers.filter(receiving_agency_id=filters.agency)
    if filters.field:
        dossiers = dossiers.filter(procedure_version__field_id=filters.field)
    if filters.procedure:
        dossiers = dossiers.filter(procedure_version__procedure_id=filters.procedure)
    if filters.commune:
        dossiers = dossiers.filter(applicant_commune__code=filters.commune)
    if kind == "received":
        dossiers = dossiers.filter(received_at__gte=start, received_at__lt=end).order_by("-received_at", "-pk")
    elif kind in ("returned", "late"):
        dossiers = dossiers.filter(state=State.RETURNED, finished_at__gte=start, finished_at__lt=end)
        if kind == "late":
            dossiers = dossiers.filter(Q(result_ready_at__gt=F("due_at"))
                                       | Q(result_ready_at__isnull=True, finished_at__gt=F("due_at")))
        dossiers = dossiers.order_by("-finished_at", "-pk")
    elif kind == "overdue":
        running = RunningDossier.objects.filter(due_at__lt=at or timezone.now()).values("dossier_id")
        dossiers = dossiers.filter(pk__in=running).order_by("due_at", "pk")
    elif kind == "apologies":
        dossiers = dossiers.filter(apology_issued_at__gte=start, apology_issued_at__lt=end).order_by(
            "-apology_issued_at", "-pk")
    else:
        raise KeyError(kind)
    sort = dossier_sort(kind, sort)
    if sort:
        if sort.lstrip("-") == "tre":
            if kind == "late":  # the result came (or the dossier closed) this long after the due moment
                dossiers = dossiers.annotate(lateness=ExpressionWrapper(
                    Coalesce("result_ready_at", "finished_at") - F("due_at"), output_field=DurationField()))
            else:  # still running: the earlier the due moment, the longer overdue
                sort = "-due_at" if sort == "tre" else "due_at"
        descending = sort.startswith("-")
        columns = DOSSIER_SORTS.get(sort.lstrip("-"), (sort.lstrip("-"),))
        dossiers = dossiers.order_by(*[f"-{c}" if descending else c for c in columns],
                                     "-pk" if descending else "pk")
    return dossiers.select_related("receiving_agency", "procedure_version", "procedure_version__field")


def late_by_agency(scope: Scope, period: Period, at: datetime.datetime | None = None) -> list[BreakdownRow]:
    """Agencies with late (finished) or overdue (running) dossiers in the period, worst first."""
    rows = [row for row in breakdown(scope, period, "agency", formula="late", at=at)
            if row["late"] or row["overdue"]]
    return sorted(rows, key=lambda r: (-(r["late"] + r["overdue"]), r.label))


def indicator_by_code(code: str) -> Indicator | None:
    return Indicator.objects.filter(code=code).first()
