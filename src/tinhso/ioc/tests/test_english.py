"""The operations centre in English: chosen through the language cookie, the overview, an indicator (by its
English name), the league table and the reported values speak English and so do the errors of reported
values; Vietnamese stays the default, the supervision report stays Vietnamese, and the app's English
catalogue is complete and compiled."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer
from tinhso.ioc import services
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import Indicator, ReportedValue
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db

BTS = "giay-phep-bts"  # reported yearly by agencies



@pytest.fixture
def province(clock):
    seed_registry()
    a, b = AgencyFactory(), AgencyFactory()
    for agency in (a, b):
        version = ProcedureWithRouteFactory(agency=agency)
        dossier_in_state(State.RETURNED, version=version)
        dossier_in_state(State.RECEIVED, version=version)
    return a, b


@pytest.fixture
def viewer(client, province):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    return client


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_overview_speaks_english(viewer):
    body = in_english(viewer).get("/dieu-hanh/?ky=2026").content.decode()
    assert '<html lang="en">' in body
    for text in ("Operations centre — Year 2026", "Overview", "QĐ 766 indicator set", "Agency league table",
                 "Supervision report", "Reporting period", "All agencies", "Download the table (Excel)",
                 "QĐ 766 — Progress and results", "On-time rate", "Target"):
        assert text in body, text
    for text in ("Trung tâm giám sát, điều hành", "Tổng quan", "Tỷ lệ hồ sơ giải quyết đúng hạn", "Kỳ báo cáo",
                 "Số liệu báo cáo"):
        assert text not in body, text


def test_a_bad_period_is_explained_in_english(viewer):
    response = in_english(viewer).get("/dieu-hanh/?ky=2026-13")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Reporting period “2026-13” is invalid" in body and "Back to the overview" in body
    assert "không hợp lệ" not in body


def test_vietnamese_stays_the_default_without_the_cookie(viewer):
    body = viewer.get("/dieu-hanh/?ky=2026").content.decode()
    assert '<html lang="vi">' in body
    assert "Trung tâm giám sát, điều hành — Năm 2026" in body and "Tỷ lệ hồ sơ giải quyết đúng hạn" in body
    assert "Operations centre" not in body and "On-time rate" not in body


def test_an_indicator_page_shows_the_indicator_by_its_english_name(viewer):
    body = in_english(viewer).get("/dieu-hanh/chi-so/ty-le-dung-han/?ky=2026").content.decode()
    for text in ("<title>On-time rate — Digital province</title>", ">On-time rate — Year 2026</h1>",
                 "Definition and method", "Data source", "Computed from platform data", "Higher is better",
                 "By agency", "By field", "Late dossiers", "Overdue dossiers", ">Received<", ">Settled<"):
        assert text in body, text
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" not in body and "Định nghĩa, cách tính" not in body


def test_an_indicator_without_an_english_name_keeps_its_vietnamese_name(viewer):
    Indicator.objects.filter(code="ty-le-dung-han").update(name_en="")
    body = in_english(viewer).get("/dieu-hanh/chi-so/ty-le-dung-han/?ky=2026").content.decode()
    assert ">Tỷ lệ hồ sơ giải quyết đúng hạn — Year 2026</h1>" in body


def test_the_league_table_speaks_english(viewer, province):
    a, b = province
    body = in_english(viewer).get("/dieu-hanh/xep-hang/?ky=2026").content.decode()
    for text in ("Agency league table — Year 2026", "Rank", ">Received<", "On-time rate (%)",
                 "Avg. processing time (days)", "Ranked by on-time rate", a.name, b.name):
        assert text in body, text
    assert "Xếp hạng cơ quan" not in body and "Hạng" not in body
    sheet = load_workbook(io.BytesIO(viewer.get("/dieu-hanh/xep-hang/?ky=2026&xuat=xlsx").content)).active
    assert sheet["A1"].value == "Agency league table — Year 2026"
    assert [cell.value for cell in sheet[2]][:4] == ["Rank", "Agency", "Received", "Settled"]


def test_the_reported_values_page_and_its_errors_speak_english(client, clock):
    seed_registry()
    agency = AgencyFactory()
    client.force_login(officer(Role.HANDLER, agency))
    page = in_english(client).get("/dieu-hanh/so-lieu/").content.decode()
    for text in ("Your agency's reported values", "Enter a value", "Reporting agency",
                 "BTS construction permits issued (trạm, per year)", "Save and send for approval",
                 "Download the Excel template", "Values entered", "All", ">Reported values</a>"):
        assert text in page, text
    assert "Ghi và gửi lãnh đạo duyệt" not in page

    bad_value = client.post("/dieu-hanh/so-lieu/", {"agency": agency.pk, "indicator": BTS, "period": "2026",
                                                    "value": "nhiều"})
    assert bad_value.status_code == 400
    assert "Value “nhiều” is not a number." in bad_value.content.decode()
    bad_period = client.post("/dieu-hanh/so-lieu/", {"agency": agency.pk, "indicator": BTS, "period": "2026-03",
                                                     "value": "1"})
    assert bad_period.status_code == 400
    assert "is reported by year; period “2026-03” does not fit." in bad_period.content.decode()
    assert not ReportedValue.objects.exists()

    saved = client.post("/dieu-hanh/so-lieu/", {"agency": agency.pk, "indicator": BTS, "period": "2026",
                                                "value": "12"}, follow=True)
    assert "The value has been saved and awaits the agency leader&#x27;s approval." in saved.content.decode()


def test_report_errors_follow_the_active_language(clock):
    seed_registry()
    agency = AgencyFactory()
    with translation.override("en"), pytest.raises(services.ReportError) as refused:
        services.enter_value(agency=agency, indicator_code=BTS, period="2026", value="-3")
    assert refused.value.message == "The value must be a non-negative number." and refused.value.field == "value"
    with translation.override("en"), pytest.raises(services.ReportError) as refused:
        services.enter_value(agency=agency, indicator_code="ty-le-dung-han", period="2026", value="3")
    assert refused.value.message.startswith("Indicator “On-time rate” is computed from dossier data")
    with translation.override("vi"), pytest.raises(services.ReportError) as refused:
        services.enter_value(agency=agency, indicator_code=BTS, period="2026", value="-3")
    assert refused.value.message == "Giá trị phải là số không âm."


def test_periods_are_named_in_the_active_language():
    keys = ("2026", "2026-Q2", "2026-03")
    with translation.override("en"):
        assert [Period.parse(key).label for key in keys] == ["Year 2026", "Quarter II 2026", "Month 03/2026"]
    with translation.override("vi"):
        assert [Period.parse(key).label for key in keys] == ["Năm 2026", "Quý II/2026", "Tháng 03/2026"]


def test_the_supervision_report_stays_vietnamese_on_an_english_page(viewer):
    xlsx = in_english(viewer).get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["Ke hoach - thuc hien"]
    assert sheet["A1"].value == "Báo cáo giám sát — kết quả thực hiện so với kế hoạch, Năm 2026"
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in names and "On-time rate" not in names
    page = viewer.get("/dieu-hanh/bao-cao/?ky=2026").content.decode()
    assert "Supervision report — Year 2026" in page and "Download the report (PDF)" in page


def test_numbers_are_written_as_each_language_writes_them():
    from tinhso.ioc.templatetags.ioc_format import num

    with translation.override("vi"):
        assert num(Decimal("4452")) == "4\u00a0452" and num(Decimal("87.875"), 2) == "87,88"
        assert num(Decimal("3985000.50"), 2) == "3\u00a0985\u00a0000,5"
    with translation.override("en"):
        assert num(Decimal("4452")) == "4,452" and num(Decimal("87.875"), 2) == "87.88"
        assert num(Decimal("3985000.50"), 2) == "3,985,000.5"
    assert num(None) == "—"
