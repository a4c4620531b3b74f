"""Indicator values from the rollups on a small known set, and plan against actual."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, staff_for
from tinhso.ioc import selectors
from tinhso.ioc.indicators import load_demo_ioc, seed_registry
from tinhso.ioc.models import Direction, Indicator, Plan, ReportedValue, Target
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db
WHOLE = selectors.Scope(True)


def value(assessments, code):
    return next(a for a in assessments if a.indicator.code == code)


def test_on_time_rate_online_share_and_overdue_on_a_known_set(clock):
    seed_registry()
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    actors = staff_for(agency)
    for _ in range(3):
        dossier_in_state(State.RETURNED, version=version, actors=actors)  # on time
    late = dossier_in_state(State.IN_PROGRESS, version=version, actors=actors)
    running = dossier_in_state(State.RECEIVED, version=version, actors=actors)
    clock.set(2026, 3, 16, 9)  # past both due moments
    late = services.approve(late, actor=actors[Role.APPROVER], expected_version=late.version)
    services.return_result(late, actor=actors[Role.RETURNER], expected_version=late.version, method="desk")
    results = selectors.overview(WHOLE, Period.parse("2026-03"))
    assert value(results, "ty-le-dung-han").value == Decimal("75.00")
    assert value(results, "ho-so-tre-han").value == 1
    assert value(results, "ho-so-tiep-nhan").value == 5
    assert value(results, "ty-le-truc-tuyen").value == Decimal("100.00")
    assert value(results, "ho-so-qua-han").value == 1
    assert value(results, "hai-long-giai-quyet-tthc").status == selectors.NO_DATA
    assert [d.pk for d in selectors.dossier_list(WHOLE, "late", Period.parse("2026-03"))] == [late.pk]
    assert [d.pk for d in selectors.dossier_list(WHOLE, "overdue", Period.parse("2026"))] == [running.pk]
    league = selectors.league_table(WHOLE, Period.parse("2026"))
    assert league[0].agency_id == agency.pk and league[0].values["on_time_rate"] == Decimal("75.00")


def test_plan_against_actual_statuses():
    indicator = Indicator(code="x", name="x", unit="thuê bao", direction=Direction.HIGHER, additive=False)
    year = Period(2026)
    mid = datetime.date(2026, 7, 2)
    assert selectors.assess(indicator, Decimal(100), Decimal(90), year, today=mid)[0] == selectors.MET
    assert selectors.assess(indicator, Decimal(80), Decimal(90), year, today=datetime.date(2027, 1, 5))[0] == \
        selectors.NOT_MET
    # a level halfway through the year, on the line from last year's 60: projected 60 + 20/0.5 = 100 ≥ 90
    assert selectors.assess(indicator, Decimal(80), Decimal(90), year, baseline=Decimal(60), today=mid)[0] == \
        selectors.ON_TRACK
    assert selectors.assess(indicator, Decimal(62), Decimal(90), year, baseline=Decimal(60), today=mid)[0] == \
        selectors.AT_RISK
    counted = Indicator(code="y", name="y", unit="trạm", direction=Direction.HIGHER, additive=True)
    assert selectors.assess(counted, Decimal(100), Decimal(300), year, elapsed=0.5)[0] == selectors.AT_RISK
    assert selectors.assess(counted, Decimal(160), Decimal(300), year, elapsed=0.5)[0] == selectors.ON_TRACK
    lower = Indicator(code="z", name="z", unit="hạng", direction=Direction.LOWER)
    status, achieved, _ = selectors.assess(lower, Decimal(18), Decimal(15), year, today=datetime.date(2027, 1, 5))
    assert status == selectors.NOT_MET and achieved == Decimal("83.33")


def test_demo_seed_is_idempotent_and_quarters_add_up(clock):
    from tinhso.directory.identifiers import province_level1_code

    AgencyFactory(identifier=f"000.00.02.{province_level1_code('40')}")
    load_demo_ioc("40")
    counts = Indicator.objects.count(), Plan.objects.count(), Target.objects.count(), ReportedValue.objects.count()
    load_demo_ioc("40")
    assert counts == (Indicator.objects.count(), Plan.objects.count(), Target.objects.count(),
                      ReportedValue.objects.count())
    revenue = value(selectors.overview(WHOLE, Period(2026)), "doanh-thu-vien-thong")
    assert revenue.value == Decimal("3741")  # three quarters reported
    assert revenue.status == selectors.AT_RISK  # 3741 ÷ ¾ = 4988 < 5200
    assert value(selectors.overview(WHOLE, Period(2025)), "diem-dich-vu-vien-thong").status == selectors.MET


def test_median_reads_the_histogram():
    assert selectors.median({}) is None
    assert selectors.median({3: 1}) == Decimal("3.00")
    assert selectors.median({1: 2, 5: 1}) == Decimal("1.00")
    assert selectors.median({1: 1, 2: 1, 8: 1, 9: 1}) == Decimal("5.00")


def test_period_parsing_and_parts():
    assert Period.parse("2026-q2").parts("month")[0].key == "2026-04"
    assert Period.parse("2026-03").within("quarter").key == "2026-Q1"
    assert Period.parse("2026-01").previous().key == "2025-12"
    with pytest.raises(ValueError):
        Period.parse("2026-13")


def test_satisfaction_reads_the_feedback_ratings(clock):
    from tinhso.portal.feedback.models import Rating

    seed_registry()
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    for score in (5, 4, 2):
        dossier = dossier_in_state(State.RETURNED, version=version)
        Rating.objects.create(dossier=dossier, agency=agency, overall_score=score, access_score=score,
                              procedure_score=score, officer_score=score, result_score=score,
                              created_at=clock())
    results = selectors.overview(WHOLE, Period.parse("2026-03"))
    assert value(results, "hai-long-giai-quyet-tthc").value == Decimal("66.67")
    assert value(results, "diem-danh-gia-tb").value == Decimal("3.67")
    assert value(results, "phan-anh-dung-han").status == selectors.NO_DATA  # no complaint yet
    other = selectors.Scope(False, frozenset({AgencyFactory().pk}))
    assert value(selectors.overview(other, Period.parse("2026-03")), "hai-long-giai-quyet-tthc").value is None


def test_report_notes_belong_to_the_period_shown(clock):
    from tinhso.directory.identifiers import province_level1_code
    from tinhso.ioc import reports

    AgencyFactory(identifier=f"000.00.02.{province_level1_code('40')}")
    load_demo_ioc("40")
    notes = reports.supervision_report(WHOLE, Period(2026)).notes
    points = Indicator.objects.get(code="diem-dich-vu-vien-thong").pk
    cable = Indicator.objects.get(code="ty-le-ngam-hoa-cap").pk
    assert points not in notes  # the 2025 note ("Vượt chỉ tiêu…") is not the 2026 value's
    assert notes[cable].startswith("Chậm do vướng")
