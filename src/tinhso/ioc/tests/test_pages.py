"""Pages: scope (viewer, agency leader, handler), drill-down, XLSX exports, reported values, the report."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, api_token, dossier_in_state, officer
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import ReportedValue, ReportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(clock):
    seed_registry()
    a, b = AgencyFactory(), AgencyFactory()
    for agency in (a, b):
        version = ProcedureWithRouteFactory(agency=agency)
        dossier_in_state(State.RETURNED, version=version)
        dossier_in_state(State.RECEIVED, version=version)
    return a, b


def test_viewer_sees_the_province_leader_their_agency_handler_403(client, province):
    a, b = province
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get("/dieu-hanh/?ky=2026")
    assert page.status_code == 200 and "Tỷ lệ hồ sơ giải quyết đúng hạn" in page.content.decode()
    league = client.get("/dieu-hanh/xep-hang/?ky=2026").content.decode()
    assert a.name in league and b.name in league

    client.force_login(officer(Role.APPROVER, a))
    league = client.get("/dieu-hanh/xep-hang/?ky=2026").content.decode()
    assert a.name in league and b.name not in league
    assert client.get(f"/dieu-hanh/chi-so/ty-le-dung-han/?ky=2026&co-quan={b.pk}").status_code == 403

    client.force_login(officer(Role.HANDLER, a))
    assert client.get("/dieu-hanh/").status_code == 403
    assert client.get("/dieu-hanh/?ky=nam-ngoai").status_code == 403


def test_bad_period_is_a_400_not_a_500(client, province):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    assert client.get("/dieu-hanh/?ky=2026-13").status_code == 400


def test_drill_down_reaches_the_dossiers_and_links_only_for_officers_who_see_them(client, province, clock):
    a, _ = province
    clock.set(2026, 3, 30, 9)
    viewer = officer(Role.OPERATIONS_VIEWER, AgencyFactory())
    client.force_login(viewer)
    page = client.get("/dieu-hanh/chi-so/ho-so-qua-han/?ky=2026").content.decode()
    assert "/dieu-hanh/ho-so/overdue/" in page
    listing = client.get(f"/dieu-hanh/ho-so/overdue/?ky=2026&co-quan={a.pk}").content.decode()
    assert "1 hồ sơ" in listing and "/mot-cua/ho-so/" not in listing
    leader = officer(Role.APPROVER, a)
    client.force_login(leader)
    listing = client.get("/dieu-hanh/ho-so/overdue/?ky=2026").content.decode()
    assert "/mot-cua/ho-so/" in listing


def test_tables_export_to_xlsx(client, province):
    a, b = province
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    for url in ("/dieu-hanh/xep-hang/?ky=2026&xuat=xlsx", "/dieu-hanh/?ky=2026&xuat=xlsx",
                "/dieu-hanh/chi-so/ty-le-dung-han/?ky=2026&theo=field&xuat=xlsx",
                "/dieu-hanh/ho-so/returned/?ky=2026&xuat=xlsx", "/dieu-hanh/bo-chi-so-766/?ky=2026&xuat=xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row >= 3, url
    league = load_workbook(io.BytesIO(client.get("/dieu-hanh/xep-hang/?ky=2026&xuat=xlsx").content)).active
    names = {row[1] for row in league.iter_rows(min_row=3, values_only=True)}
    assert {a.name, b.name} <= names


def test_overview_query_count_does_not_grow_with_data(client, province, steady_calendar):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    client.get("/dieu-hanh/?ky=2026")
    with CaptureQueriesContext(connection) as first:
        client.get("/dieu-hanh/?ky=2026")
    version = ProcedureWithRouteFactory(agency=AgencyFactory())
    for _ in range(3):
        dossier_in_state(State.RETURNED, version=version)
    with CaptureQueriesContext(connection) as second:
        client.get("/dieu-hanh/?ky=2026")
    # the rollups (3), targets and reported values (2), four feedback rates and the publicity rate (5),
    # the notice service's four numbers (4), session, user and menu (its notices entry asks once more, the
    # telecom registry's entry once), the header's unread notices (1)
    assert len(second) == len(first) <= 26


def test_reported_value_form_approval_and_xlsx_upload(client, clock):
    seed_registry()
    agency = AgencyFactory()
    clerk, leader = officer(Role.HANDLER, agency), officer(Role.APPROVER, agency)
    client.force_login(clerk)
    response = client.post("/dieu-hanh/so-lieu/", {"agency": agency.pk, "indicator": "giay-phep-bts",
                                                   "period": "2026", "value": "120", "note": "Đến tháng 3"})
    assert response.status_code == 302
    value = ReportedValue.objects.get()
    assert value.status == ReportStatus.SUBMITTED and value.entered_by == clerk and value.source == "form"
    bad = client.post("/dieu-hanh/so-lieu/", {"agency": agency.pk, "indicator": "giay-phep-bts",
                                              "period": "2026-03", "value": "1"})
    assert bad.status_code == 400 and "theo năm" in bad.content.decode()
    assert client.post(f"/dieu-hanh/so-lieu/{value.pk}/duyet/").status_code == 403
    client.force_login(leader)
    client.post(f"/dieu-hanh/so-lieu/{value.pk}/duyet/")
    value.refresh_from_db()
    assert value.status == ReportStatus.APPROVED and value.approved_by == leader and value.approved_at

    client.force_login(clerk)
    template = load_workbook(io.BytesIO(client.get("/dieu-hanh/so-lieu/mau.xlsx?ky=2026").content)).active
    book = Workbook()
    sheet = book.active
    for row in template.iter_rows(values_only=True):
        row = list(row)
        if row[0] == "thue-bao-dien-thoai":
            row[4] = 3985000
        sheet.append(row)
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "so-lieu.xlsx"
    done = client.post("/dieu-hanh/so-lieu/tai-len/", {"agency": agency.pk, "file": upload}, follow=True)
    assert "Đã nhận 1 số liệu" in done.content.decode(), done.content.decode()[-3000:]
    uploaded = ReportedValue.objects.get(indicator__code="thue-bao-dien-thoai")
    assert uploaded.value == 3985000 and uploaded.source == "xlsx" and uploaded.status == ReportStatus.SUBMITTED


def test_api_token_posts_a_value_for_its_agency(client, clock):
    seed_registry()
    token, raw = api_token()
    response = client.post("/api/ioc/reported-values", {"indicator": "giay-phep-bts", "period": "2026", "value": 7},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201, response.content
    saved = ReportedValue.objects.get()
    assert saved.agency == token.agency and saved.source == "api" and saved.entered_label.startswith("API")
    wrong = client.post("/api/ioc/reported-values", {"indicator": "ty-le-dung-han", "period": "2026", "value": 7},
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert wrong.status_code == 422


def test_supervision_report_reads_back_as_pdf_and_xlsx(client, province, tmp_path):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    xlsx = client.get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Ke hoach - thuc hien", "Ho so tre han", "Nhiem vu con lai"]
    names = [row[0] for row in book["Ke hoach - thuc hien"].iter_rows(min_row=3, values_only=True)]
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in names
    pdf = client.get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    else:
        from pypdf import PdfReader

        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "BÁO CÁO GIÁM SÁT" in text and "đúng hạn" in text


def test_menu_shows_the_centre_to_viewers_and_leaders_only(client, province):
    a, _ = province
    for role, shown in ((Role.OPERATIONS_VIEWER, True), (Role.APPROVER, True), (Role.HANDLER, False)):
        client.force_login(officer(role, a))
        page = client.get("/can-bo/").content.decode()
        assert ('href="/dieu-hanh/"' in page) is shown, role


def test_api_lists_the_registry_and_the_values_in_scope(client, province, django_assert_max_num_queries):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    with django_assert_max_num_queries(4):
        listed = client.get("/api/ioc/indicators").json()
    assert listed["count"] > 30 and {"code", "definition", "legal_source"} <= set(listed["items"][0])
    values = {v["code"]: v for v in client.get("/api/ioc/values?ky=2026").json()}
    assert values["ho-so-da-giai-quyet"]["value"] == "2"
    assert client.get("/api/ioc/values?ky=2026-13").status_code == 422
    client.force_login(officer(Role.HANDLER, province[0]))
    assert client.get("/api/ioc/values?ky=2026").status_code == 403


def test_the_late_list_has_a_bounded_number_of_queries(client, province, clock, steady_calendar,
                                                       django_assert_max_num_queries):
    # steady_calendar: on a loaded machine the dossiers below take longer than the calendar's 10-second
    # recheck, which would add its one query to the second page only.
    a, _ = province
    clock.set(2026, 3, 30, 9)
    leader = officer(Role.APPROVER, a)
    client.force_login(leader)
    client.get("/dieu-hanh/ho-so/overdue/?ky=2026")
    with django_assert_max_num_queries(16) as first:
        client.get("/dieu-hanh/ho-so/overdue/?ky=2026")
    version = ProcedureWithRouteFactory(agency=a)
    for _ in range(3):
        dossier_in_state(State.RECEIVED, version=version)
    clock.set(2026, 4, 30, 9)  # the new ones are overdue too
    client.force_login(leader)  # a new session: the old one expired with the jump
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/dieu-hanh/ho-so/overdue/?ky=2026").content.decode()
    assert "4 hồ sơ" in page
