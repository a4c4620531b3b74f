"""Indicators a module computes from its own records (``tinhso.common.indicators``): registered, seeded into
the operations centre, read under scope with targets, broken down by agency and the module's own dimension,
and every number linked to the module's records behind it. A reported indicator a module takes over becomes
computed, its reported values kept."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest

from tinhso.common import indicators as registry
from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import officer
from tinhso.ioc import selectors
from tinhso.ioc.indicators import FORMULAS, seed_registry, sync_module_formulas
from tinhso.ioc.models import Group, Indicator, Source
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db

# The records of a pretend module: (agency id, operator, done on time?) — what its counts read.
RECORDS: list[tuple[int, str, bool]] = []


def _counts(rows) -> dict:
    rows = list(rows)
    return {"due": len(rows), "on_time": sum(1 for _, _, on_time in rows if on_time)}


def _in_view(query: ReadQuery):
    return [r for r in RECORDS if query.agency_ids is None or r[0] in query.agency_ids]


def _counts_by(query: ReadQuery, dimension: str) -> dict:
    position = {"agency": 0, "operator": 1}[dimension]
    keys = {r[position] for r in _in_view(query)}
    return {key: _counts(r for r in _in_view(query) if r[position] == key) for key in keys}


def _records(query: ReadQuery, dimension, key) -> str:
    narrowed = f"&{dimension}={key}" if dimension else ""
    return f"/module/records/?from={query.start:%Y-%m-%d}{narrowed}"


READER = Reader(
    counts=lambda query: _counts(_in_view(query)), counts_by=_counts_by,
    value=lambda c: percent(c["on_time"], c["due"]), dimensions=("operator",),
    columns=(("due", "Đến hạn"), ("on_time", "Đúng hạn")), records=_records,
    labels=lambda dimension, keys: {key: f"Doanh nghiệp {key}" for key in keys},
)


@contextlib.contextmanager
def registered(*indicators):
    saved = dict(registry._REGISTRY)
    saved_formulas = dict(FORMULAS)
    try:
        registry.register(*indicators)
        sync_module_formulas()
        yield
    finally:
        registry._REGISTRY.clear()
        registry._REGISTRY.update(saved)
        FORMULAS.clear()
        FORMULAS.update(saved_formulas)


def rate_indicator(code="nhiem-vu-dung-han", replaces=False):
    return ModuleIndicator(
        code=code, formula="testmodule.done_on_time", name="Tỷ lệ việc xong đúng hạn", name_en="Done on time",
        unit="%", direction="higher", group=Group.DIRECTIVES, reader=READER, replaces=replaces,
        definition="Việc xong đúng hạn ÷ việc đến hạn × 100%.")


def test_a_module_indicator_is_seeded_read_under_scope_and_broken_down():
    a, b = AgencyFactory(), AgencyFactory()
    RECORDS[:] = [(a.pk, "V", True), (a.pk, "V", False), (b.pk, "M", True), (b.pk, "M", True)]
    with registered(rate_indicator()):
        seed_registry()
        indicator = Indicator.objects.get(code="nhiem-vu-dung-han")
        assert (indicator.source, indicator.formula, indicator.group) == (
            Source.COMPUTED, "testmodule.done_on_time", Group.DIRECTIVES)
        year = Period.parse("2026")
        whole = selectors.overview(selectors.Scope(True), year, indicators=[indicator])[0]
        assert whole.value == Decimal("75.00")
        only_a = selectors.overview(selectors.Scope(False, frozenset({a.pk})), year, indicators=[indicator])[0]
        assert only_a.value == Decimal("50.00")
        rows = selectors.reader_breakdown(selectors.Scope(True), year, "operator", formula=indicator.formula)
        assert [(r.label, r.value) for r in rows] == [("Doanh nghiệp M", Decimal("100.00")),
                                                      ("Doanh nghiệp V", Decimal("50.00"))]


def test_every_number_of_a_module_indicator_links_to_the_records_behind_it(client):
    a = AgencyFactory(name="Sở Khoa học và Công nghệ")
    RECORDS[:] = [(a.pk, "V", True)]
    with registered(rate_indicator()):
        seed_registry()
        client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
        page = client.get("/dieu-hanh/chi-so/nhiem-vu-dung-han/?ky=2026").content.decode()
        assert 'href="/module/records/?from=2026-01-01"' in page
        assert f'href="/module/records/?from=2026-01-01&amp;agency={a.pk}"' in page
        by_operator = client.get("/dieu-hanh/chi-so/nhiem-vu-dung-han/?ky=2026&theo=operator").content.decode()
        assert "Doanh nghiệp V" in by_operator and "/module/records/?from=2026-01-01&amp;operator=V" in by_operator


def test_a_reported_indicator_a_module_takes_over_becomes_computed():
    seed_registry()
    assert Indicator.objects.get(code="van-ban-dien-tu").source == Source.REPORTED
    with registered(rate_indicator(code="van-ban-dien-tu", replaces=True)):
        seed_registry()
        taken_over = Indicator.objects.get(code="van-ban-dien-tu")
        assert taken_over.source == Source.COMPUTED and taken_over.formula == "testmodule.done_on_time"


def test_registration_refuses_clashing_or_malformed_formulas():
    with registered(rate_indicator()):
        with pytest.raises(ValueError, match="already registered"):
            registry.register(ModuleIndicator(
                code="khac", formula="testmodule.done_on_time", name="x", name_en="x", unit="%",
                direction="higher", group=Group.DIRECTIVES, reader=READER, definition=""))
        with pytest.raises(ValueError, match=r"<app>\.<name>"):
            registry.register(ModuleIndicator(
                code="khac", formula="noprefix", name="x", name_en="x", unit="%", direction="higher",
                group=Group.DIRECTIVES, reader=READER, definition=""))
