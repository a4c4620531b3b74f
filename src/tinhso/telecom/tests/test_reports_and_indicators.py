"""Operators' periodic reports under the four-eyes rule, and the operations centre's telecom indicators
computed from the registry: the reported codes taken over, each number drilling down to its records."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tinhso.common.indicators import ReadQuery
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import officer
from tinhso.ioc.indicators import FORMULAS, seed_registry
from tinhso.ioc.models import Indicator, Source
from tinhso.telecom import services
from tinhso.telecom.models import OperatorReport, ReportStatus, ServicePoint
from tinhso.telecom.tests.factories import (
    OperatorFactory,
    department_office,
    operator_person,
    station_at,
    village_at,
)

pytestmark = pytest.mark.django_db

FIGURES = {"phone_subscribers": 1_000_000, "mobile_broadband_subscribers": 800_000,
           "fixed_broadband_subscribers": 200_000, "revenue_million_vnd": "350000,5", "stations": 1200}


def test_the_person_who_entered_a_report_cannot_approve_it_and_another_leader_can():
    _, clerk, leader, other_leader = department_office()
    operator = OperatorFactory()
    report = services.enter_report(operator=operator, period="2026-Q1", values=FIGURES, user=leader)
    assert report.status == ReportStatus.SUBMITTED and report.revenue_million_vnd == Decimal("350000.5")
    with pytest.raises(services.TelecomError) as refused:
        services.approve_report(report, user=leader)
    assert refused.value.status == 403
    with pytest.raises(services.TelecomError):
        services.approve_report(report, user=clerk)  # not a leader
    with pytest.raises(services.TelecomError):
        services.approve_report(report, user=operator_person(operator))
    approved = services.approve_report(report, user=other_leader)
    assert approved.status == ReportStatus.APPROVED and approved.approved_by == other_leader


def test_a_returned_report_says_why_and_entering_it_again_sends_it_back():
    _, _, leader, _ = department_office()
    operator = OperatorFactory()
    person = operator_person(operator)
    report = services.enter_report(operator=operator, period="2026-03", values=FIGURES, user=person)
    with pytest.raises(services.TelecomError):
        services.reject_report(report, user=leader, note=" ")
    services.reject_report(report, user=leader, note="Doanh thu chưa gồm dịch vụ cố định.")
    report.refresh_from_db()
    assert report.status == ReportStatus.REJECTED and "cố định" in report.review_note
    again = services.enter_report(operator=operator, period="2026-03", values=FIGURES, user=person)
    assert again.pk == report.pk and again.status == ReportStatus.SUBMITTED and again.review_note == ""


@pytest.mark.parametrize(("values", "field"), [
    ({**FIGURES, "phone_subscribers": -1}, "phone_subscribers"),
    ({**FIGURES, "stations": "mười"}, "stations"),
    ({**FIGURES, "mobile_broadband_subscribers": 2_000_000}, "mobile_broadband_subscribers"),
])
def test_bad_figures_are_refused_with_the_field(values, field):
    with pytest.raises(services.TelecomError) as refused:
        services.enter_report(operator=OperatorFactory(), period="2026-01", values=values)
    assert refused.value.field == field
    assert not OperatorReport.objects.exists()


def query(start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1), agency_ids=None, commune=None):
    return ReadQuery(start, end, agency_ids, datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC), commune=commune)


def read(code, q=None):
    from tinhso.common.indicators import registered

    indicator = next(i for i in registered() if i.code == code)
    return indicator.reader.read(q or query())


def test_the_reported_telecom_codes_are_computed_from_the_registry():
    seed_registry()
    for code in ("thon-ban-bang-rong-di-dong", "xa-cap-quang", "xa-4g", "giay-phep-bts", "diem-dich-vu-vien-thong",
                 "ty-le-ngam-hoa-cap", "thue-bao-dien-thoai", "thue-bao-bang-rong-di-dong",
                 "thue-bao-bang-rong-co-dinh", "doanh-thu-vien-thong", "tram-bts-dung-chung", "tram-mat-lien-lac"):
        indicator = Indicator.objects.get(code=code)
        assert indicator.source == Source.COMPUTED, code
        assert indicator.formula in FORMULAS, code


def test_the_indicators_count_the_registry_and_only_approved_reports():
    office, _, leader, other = department_office()
    viettel, vnpt = OperatorFactory(code="viettel"), OperatorFactory(code="vnpt")
    shared = station_at(viettel, technologies=("4G",), approved_on=datetime.date(2026, 3, 2))
    shared.tenants.add(vnpt)
    services.save_station(shared, tenants=[vnpt])
    down = station_at(vnpt, north=5_000, approved_on=datetime.date(2025, 12, 30))
    services.report_down(down, cause="power")
    village_at(north=300)
    village_at(north=50_000)
    services.recompute_coverage()
    ServicePoint.objects.create(code="BĐ-1", kind="post_office", name="Bưu cục Vinh")
    ServicePoint.objects.create(code="BĐ-2", kind="kiosk", name="Ki-ốt đã đóng", closed_on=datetime.date(2026, 5, 1))
    january = services.enter_report(operator=viettel, period="2026-01", values=FIGURES, user=leader)
    services.approve_report(january, user=other)
    services.enter_report(operator=vnpt, period="2026-01", values=FIGURES, user=leader)  # not approved
    assert read("thon-ban-bang-rong-di-dong") == 1
    assert read("ty-le-thon-ban-bang-rong") == Decimal("50.00")
    assert read("giay-phep-bts") == 1
    assert read("tram-bts-dung-chung") == 1
    assert read("tram-mat-lien-lac") == 1
    assert read("diem-dich-vu-vien-thong") == 1
    assert read("thue-bao-dien-thoai") == 1_000_000
    assert read("doanh-thu-vien-thong") == Decimal("350.001")
    # Under another agency's scope (not the registry's, no commune) nothing is seen.
    stranger = AgencyFactory()
    assert read("giay-phep-bts", query(agency_ids=(stranger.pk,))) == 0
    assert read("giay-phep-bts", query(agency_ids=(office.pk,))) == 1


def test_every_telecom_number_drills_down_to_its_records(client):
    department_office()
    operator = OperatorFactory(code="viettel")
    station = station_at(operator, approved_on=datetime.date(2026, 2, 1))
    seed_registry()
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get("/dieu-hanh/chi-so/giay-phep-bts/?ky=2026").content.decode()
    assert "/vien-thong/tram/?duyet-tu=2026-01-01&amp;duyet-den=2027-01-01" in page
    by_operator = client.get("/dieu-hanh/chi-so/giay-phep-bts/?ky=2026&theo=operator").content.decode()
    assert "Doanh nghiệp viettel" in by_operator and "doanh-nghiep=viettel" in by_operator
    listing = client.get("/vien-thong/tram/?duyet-tu=2026-01-01&duyet-den=2027-01-01").content.decode()
    assert station.code in listing
