"""The QĐ 766 publicity indicator: procedure versions published in the catalogue by their effective date.

Hand-made versions in March 2026 cover every case of the definition: on time (the day before, and late in
the evening of the effective day), late (just after local midnight — still the effective day in UTC — and a
week after), without an effective date, outside the period, a draft past its effective date and one not
yet due, and agency scope.
"""

from __future__ import annotations

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from openpyxl import load_workbook

from tinhso.catalogue import selectors as catalogue
from tinhso.catalogue import services as catalogue_services
from tinhso.catalogue.demo import DECISIONS, PROCEDURES, load_demo_catalogue
from tinhso.catalogue.tests.factories import FieldFactory, ProcedureVersionFactory
from tinhso.directory.demo import load_demo_directory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, CommuneFactory, ProvinceFactory
from tinhso.dossiers.tests.factories import officer
from tinhso.ioc import selectors
from tinhso.ioc.indicators import FORMULAS, seed_registry
from tinhso.ioc.models import Group, Indicator
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db
WHOLE = selectors.Scope(True)
MARCH = Period.parse("2026-03")
CODE = "tthc-cong-khai-dung-han"


def rate(scope, period=MARCH, **filters):
    return next(a.value for a in selectors.overview(scope, period, indicators=[Indicator.objects.get(code=CODE)],
                                                    filters=selectors.Filters(**filters)))


def version(clock, effective, published=None, *, agencies=(), field=None):
    """A version effective on ``effective`` (a date or None), published at the local moment ``published``
    (a tuple for ``clock.set``; None: left a draft)."""
    draft = ProcedureVersionFactory(published=False, effective_from=effective, agencies=list(agencies),
                                    decision_number="12/QĐ-UBND" if effective else "",
                                    **({"field": field} if field else {}))
    if published is not None:
        clock.set(*published)
        catalogue_services.publish(draft)
        draft.refresh_from_db()
    return draft


@pytest.fixture
def march(clock):
    """Versions of agencies A and B (``both`` of the two) taking effect in March 2026, seen on 25 March."""
    seed_registry()
    a, b = AgencyFactory(name="Sở Công khai A"), AgencyFactory(name="Sở Công khai B")
    f1, f2 = FieldFactory(name="Lĩnh vực công bố Một"), FieldFactory(name="Lĩnh vực công bố Hai")
    tenth = datetime.date(2026, 3, 10)
    made = {
        "day_before": version(clock, tenth, (2026, 3, 9, 10), agencies=[a], field=f1),
        "late_evening": version(clock, tenth, (2026, 3, 10, 23, 30), agencies=[a], field=f1),
        # 00:30 on 11 March in Vietnam is 17:30 on 10 March in UTC: late by the local day
        "after_midnight": version(clock, tenth, (2026, 3, 11, 0, 30), agencies=[b], field=f2),
        "week_late": version(clock, datetime.date(2026, 3, 12), (2026, 3, 20, 9), agencies=[a, b], field=f2),
        "no_date": version(clock, None, (2026, 3, 20, 9), agencies=[a], field=f1),
        "april": version(clock, datetime.date(2026, 4, 2), (2026, 4, 5, 9), agencies=[a], field=f1),
        "overdue_draft": version(clock, datetime.date(2026, 3, 5), agencies=[b], field=f2),
        "draft_not_due": version(clock, datetime.date(2026, 3, 30), agencies=[a], field=f1),
        "no_agency": version(clock, tenth, (2026, 3, 1, 9), field=f1),
    }
    clock.set(2026, 3, 25, 9)
    return {"a": a, "b": b, "f1": f1, "f2": f2, **made}


def test_the_rate_follows_its_definition(march):
    # counted: day_before, late_evening, no_agency (on time); after_midnight, week_late, overdue_draft (late)
    assert catalogue.publication_counts(MARCH.start, MARCH.end, today=datetime.date(2026, 3, 25)) == {
        "versions": 6, "on_time": 3}
    assert rate(WHOLE) == Decimal("50.00")
    # April: only the version effective on 2 April, published on the 5th
    assert rate(WHOLE, Period.parse("2026-04")) == Decimal("0.00")
    # Nothing took effect in February: no value rather than 0
    assert rate(WHOLE, Period.parse("2026-02")) is None
    # Once 30 March has passed, the draft due that day counts as late too: 3 of 7
    assert catalogue.publication_counts(MARCH.start, MARCH.end, today=datetime.date(2026, 3, 31)) == {
        "versions": 7, "on_time": 3}


def test_agency_scope_counts_a_version_of_two_agencies_once_for_each(march):
    m = march
    scope_a = selectors.Scope(False, frozenset({m["a"].pk}))
    # A: day_before, late_evening (on time), week_late (late)
    assert rate(scope_a) == Decimal("66.67")
    # B: after_midnight, week_late, overdue_draft — all late
    assert rate(WHOLE, agency=m["b"].pk) == Decimal("0.00")
    both = selectors.Scope(False, frozenset({m["a"].pk, m["b"].pk}))
    assert catalogue.publication_counts(MARCH.start, MARCH.end, sorted(both.agency_ids),
                                        today=datetime.date(2026, 3, 25)) == {"versions": 5, "on_time": 2}
    rows = selectors.reader_breakdown(WHOLE, MARCH, "agency", formula="publication_on_time_rate")
    assert [(r.label, r["versions"], r["on_time"], r.value) for r in rows] == [
        ("Sở Công khai A", 3, 2, Decimal("66.67")), ("Sở Công khai B", 3, 0, Decimal("0.00")),
        ("Chưa gắn cơ quan thực hiện", 1, 1, Decimal("100.00"))]
    scoped = selectors.reader_breakdown(scope_a, MARCH, "agency", formula="publication_on_time_rate")
    assert [(r.key, r["versions"], r["on_time"]) for r in scoped] == [(m["a"].pk, 3, 2)]


def test_breakdown_by_month_and_field_and_filters(march):
    m = march
    year = Period(2026)
    months = selectors.reader_breakdown(WHOLE, year, "month", formula="publication_on_time_rate")
    assert [(r.key, r["versions"], r["on_time"]) for r in months] == [
        (datetime.date(2026, 3, 1), 6, 3), (datetime.date(2026, 4, 1), 1, 0)]
    assert [r.label for r in months] == ["03/2026", "04/2026"]
    fields = selectors.reader_breakdown(WHOLE, MARCH, "field", formula="publication_on_time_rate")
    assert {r.key: (r["versions"], r["on_time"]) for r in fields} == {m["f1"].pk: (3, 3), m["f2"].pk: (3, 0)}
    assert rate(WHOLE, field=m["f2"].pk) == Decimal("0.00")
    assert rate(WHOLE, procedure=m["day_before"].procedure_id) == Decimal("100.00")
    # a procedure version has no commune: under a commune filter the indicator has no value
    assert rate(WHOLE, commune=CommuneFactory().code) is None
    assert selectors.reader_breakdown(WHOLE, MARCH, "commune", formula="publication_on_time_rate") == []


def test_the_registry_and_its_migration_carry_the_indicator():
    indicator = Indicator.objects.get(code=CODE)  # seeded by the migrations
    assert indicator.group == Group.QD766_PUBLICITY and indicator.unit == "%"
    assert indicator.formula == "publication_on_time_rate" and FORMULAS[indicator.formula].reader is not None
    assert "công thức chấm điểm chính thức chưa được xác nhận" in indicator.definition
    assert "4/18" in indicator.legal_source
    assert indicator.dimensions == ["province", "agency", "field", "procedure"]
    Indicator.objects.filter(code=CODE).delete()
    importlib.import_module("tinhso.ioc.migrations.0006_seed_publicity").seed(apps, None)
    assert Indicator.objects.filter(code=CODE, group=Group.QD766_PUBLICITY).exists()


def test_the_page_breaks_down_by_agency_and_month_and_exports(client, march):
    m = march
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get(f"/dieu-hanh/chi-so/{CODE}/?ky=2026-03").content.decode()
    assert "50" in page and "Thủ tục có hiệu lực trong kỳ" in page and "Công bố đúng hạn" in page
    assert "Sở Công khai A" in page and f"co-quan={m['a'].pk}" in page and "theo=field" in page
    assert "Theo tháng" in page and "Theo xã, phường" not in page
    by_month = client.get(f"/dieu-hanh/chi-so/{CODE}/?ky=2026&theo=month").content.decode()
    assert "03/2026" in by_month and "04/2026" in by_month
    response = client.get(f"/dieu-hanh/chi-so/{CODE}/?ky=2026-03&theo=agency&xuat=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("Cơ quan", "Thủ tục có hiệu lực trong kỳ", "Công bố đúng hạn",
                       "Tỷ lệ thủ tục hành chính được công bố, công khai đúng hạn")
    assert rows[2:] == [("Sở Công khai A", 3, 2, 66.67), ("Sở Công khai B", 3, 0, 0.0),
                        ("Chưa gắn cơ quan thực hiện", 1, 1, 100.0)]
    commune = client.get(f"/dieu-hanh/chi-so/{CODE}/?ky=2026-03&xa={CommuneFactory().code}").content.decode()
    assert "Chỉ số này không phân tích theo xã, phường" in commune


def test_a_scoped_leader_sees_only_their_agencies(client, march):
    m = march
    client.force_login(officer(Role.APPROVER, m["a"]))
    page = client.get(f"/dieu-hanh/chi-so/{CODE}/?ky=2026-03").content.decode()
    assert "Sở Công khai A" in page and "Sở Công khai B" not in page and "Chưa gắn cơ quan" not in page
    assert client.get(f"/dieu-hanh/chi-so/{CODE}/?ky=2026-03&co-quan={m['b'].pk}").status_code == 403


def test_the_demo_province_shows_a_value(clock):
    seed_registry()
    province = ProvinceFactory(code="40")
    CommuneFactory.create_batch(2, province=province)
    load_demo_directory("40", "mat-khau-thu")
    clock.set(2026, 11, 20, 9)
    load_demo_catalogue("40")
    counted = [item for item in PROCEDURES if item.field in DECISIONS]
    on_time = [item for item in counted if DECISIONS[item.field][3] >= 0]
    assert 0 < len(on_time) < len(counted) < len(PROCEDURES)
    expected = (Decimal(len(on_time)) * 100 / len(counted)).quantize(Decimal("0.01"))
    assert rate(WHOLE, Period(2026)) == expected
    load_demo_catalogue("40")  # a second load moves nothing
    assert rate(WHOLE, Period(2026)) == expected
