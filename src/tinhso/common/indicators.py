"""Indicators a module computes from its own records, registered for the operations centre.

The operations centre (``ioc``) sits above every module and never learns a module's tables: a module
describes each number it can compute as a :class:`ModuleIndicator` whose :class:`Reader` answers
"how many, in this period, for these agencies" with one aggregate query (``counts``) and the same grouped
by a dimension (``counts_by``), turns counts into the value (``value``), and says where the records behind
a number are listed (``records``). The module registers them in its ``indicators.py`` (imported by the
operations centre at start-up)::

    from tinhso.common.indicators import ModuleIndicator, Reader, register

    register(ModuleIndicator(code="nhiem-vu-dung-han", formula="directives.done_on_time_rate", ...))

The operations centre seeds the registry from them (``tinhso ioc seed``, and after every ``migrate``),
shows them with their targets, breakdowns and trends, and links each number to the module's records. An
indicator whose code an agency used to report by hand (``replaces`` the reported one) becomes computed; the
values reported before stay as history.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# The dimensions a reader may break its counts down by (besides the agency, which every reader carries).
DIMENSIONS = ("field", "procedure", "commune", "operator", "month")


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` with two decimals; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class ReadQuery:
    """What a reader is asked: the period as local dates ``[start, end)``, the agencies in view (None: all),
    the moment counts are taken at, and the one-stop filters (field, procedure primary keys; commune code)."""

    start: datetime.date
    end: datetime.date
    agency_ids: tuple[int, ...] | None
    at: datetime.datetime
    field: int | None = None
    procedure: int | None = None
    commune: str | None = None

    @property
    def since(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=VIETNAM)

    @property
    def until(self) -> datetime.datetime:
        return datetime.datetime.combine(self.end, datetime.time(), tzinfo=VIETNAM)

    @property
    def filters(self) -> dict:
        pairs = {"field": self.field, "procedure": self.procedure, "commune": self.commune}
        return {name: value for name, value in pairs.items() if value}


@dataclass(frozen=True)
class Reader:
    """A computed indicator read from a module's records.

    ``counts`` gives the counts behind the value (one query) and ``counts_by`` the same counts grouped by a
    dimension (one query, key → counts); ``value`` turns counts into the indicator's value, for the total
    and for every row of a breakdown alike, so that the rows and the total agree. ``dimensions`` are the
    filters and breakdowns the records carry besides the agency: a filter on any other makes the value
    None (the page says the indicator does not break down that way). ``columns`` are the counts the
    breakdown table shows; ``unknown`` labels the row of records without a key in that dimension; ``note``
    says how a field, procedure or commune filter narrows the records. ``records(query, dimension, key)``,
    when given, is the address of the module's page listing the records behind the counts of ``query``
    (narrowed to the row ``key`` of ``dimension`` when those are given): every number drills down to them.
    ``labels(dimension, keys)`` names the rows of a dimension the operations centre cannot name itself
    (``operator``, or a module's own keys); agencies, fields, procedures, communes and months it names.
    """

    counts: Callable[[ReadQuery], Mapping]
    counts_by: Callable[[ReadQuery, str], dict]
    value: Callable[[Mapping], Decimal | None]
    dimensions: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    unknown: str = _("Không rõ")
    note: str = ""
    records: Callable[[ReadQuery, str | None, object], str] | None = None
    labels: Callable[[str, list], dict] | None = None

    def supports(self, query: ReadQuery) -> bool:
        return all(name in self.dimensions for name in query.filters)

    def read(self, query: ReadQuery) -> Decimal | None:
        return self.value(self.counts(query)) if self.supports(query) else None

    @property
    def breakdowns(self) -> tuple[str, ...]:
        return ("agency", *self.dimensions)


@dataclass(frozen=True)
class ModuleIndicator:
    """One number a module computes, as the operations centre registers it.

    ``formula`` is ``"<app>.<name>"`` (at most 40 characters), unique across the platform; ``group`` a value
    of ``ioc.models.Group``; ``direction`` ``"higher"`` or ``"lower"`` (which way is better). ``live`` marks
    a count taken at the moment asked (open tasks overdue now, stations down now): it has no previous
    period to compare with. ``replaces`` is set when the indicator takes over one agencies used to report by
    hand (its code is then the reported indicator's own code).
    """

    code: str
    formula: str
    name: str
    name_en: str
    unit: str
    direction: str
    group: str
    reader: Reader
    definition: str
    legal_source: str = ""
    additive: bool = False
    decimals: int = 2
    live: bool = False
    replaces: bool = False


_REGISTRY: dict[str, ModuleIndicator] = {}


def register(*indicators: ModuleIndicator) -> None:
    """Register a module's indicators (idempotent for the same definition; a clash of codes is an error)."""
    for indicator in indicators:
        if "." not in indicator.formula or len(indicator.formula) > 40:
            raise ValueError(f"formula {indicator.formula!r}: expected '<app>.<name>', at most 40 characters")
        known = _REGISTRY.get(indicator.code)
        if known is not None and known.formula != indicator.formula:
            raise ValueError(f"indicator {indicator.code!r} is already registered by {known.formula!r}")
        if any(other.formula == indicator.formula and other.code != indicator.code for other in _REGISTRY.values()):
            raise ValueError(f"formula {indicator.formula!r} is already registered")
        unknown = set(indicator.reader.dimensions) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"indicator {indicator.code!r}: unknown dimensions {sorted(unknown)}")
        _REGISTRY[indicator.code] = indicator


def registered() -> list[ModuleIndicator]:
    """Every module indicator, in the order registered."""
    return list(_REGISTRY.values())


def by_formula(formula: str) -> ModuleIndicator | None:
    return next((i for i in _REGISTRY.values() if i.formula == formula), None)
