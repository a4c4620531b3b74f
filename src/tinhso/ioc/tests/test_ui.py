"""The operations centre's unit picker, its htmx partial updates and the supervision report's layout."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from tinhso.catalogue.tests.factories import ProcedureFactory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer
from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import Indicator

pytestmark = pytest.mark.django_db

SETTLED = "ho-so-da-giai-quyet"


@pytest.fixture
def units(clock):
    """Agency A settled three dossiers and holds one open; agency B settled one. A has a sub-unit."""
    seed_registry()
    a = AgencyFactory(name="Sở Tư pháp")
    b = AgencyFactory(name="Sở Xây dựng")
    a_unit = AgencyFactory(name="Chi cục Thi hành án", parent=a)
    version_a = ProcedureWithRouteFactory(agency=a)
    version_b = ProcedureWithRouteFactory(agency=b)
    for _ in range(3):
        dossier_in_state(State.RETURNED, version=version_a)
    dossier_in_state(State.RECEIVED, version=version_a)
    dossier_in_state(State.RETURNED, version=version_b)
    return {"a": a, "b": b, "a_unit": a_unit, "version_a": version_a, "version_b": version_b}


def _viewer(client):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory(name="Trung tâm điều hành")))


def _settled(response):
    """The value of the settled-dossiers card, as the view computed it."""
    for items in response.context["groups"].values():
        for assessment in items:
            if assessment.indicator.code == SETTLED:
                return assessment.value
    raise AssertionError("no settled-dossiers card")


def _agency_options(html: str) -> list[str]:
    select = re.search(r'<select id="co-quan" name="co-quan">(.*?)</select>', html, re.S)
    assert select, "the agency select is missing"
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select.group(1))


def test_a_scoped_leader_can_pick_only_the_agencies_in_their_scope(client, units):
    a, b = units["a"], units["b"]
    client.force_login(officer(Role.APPROVER, a))
    for url in ("/dieu-hanh/?ky=2026", f"/dieu-hanh/chi-so/{SETTLED}/?ky=2026", "/dieu-hanh/xep-hang/?ky=2026"):
        html = client.get(url).content.decode()
        assert sorted(_agency_options(html)) == ["Chi cục Thi hành án", "Sở Tư pháp"], url
        assert '<label for="co-quan">Cơ quan</label>' in html
    assert client.get(f"/dieu-hanh/?ky=2026&co-quan={b.pk}").status_code == 403
    assert client.get(f"/dieu-hanh/xep-hang/?ky=2026&co-quan={b.pk}").status_code == 403


def test_the_whole_province_picks_every_agency_of_the_province_by_name_and_its_communes(client, units):
    elsewhere = ProvinceFactory(code="01", name="Hà Nội", codename="ha_noi", phone_code=24)
    CommuneFactory(name="Phường Hoàn Kiếm", province=elsewhere)
    CommuneFactory(name="Xã Yên Thành")
    CommuneFactory(name="Phường Vinh Phú")
    AgencyFactory(name="Bộ Nội vụ", central=True)
    _viewer(client)
    html = client.get("/dieu-hanh/?ky=2026").content.decode()
    options = _agency_options(html)
    assert {"Sở Tư pháp", "Sở Xây dựng", "Chi cục Thi hành án", "Trung tâm điều hành"} <= set(options)
    assert "Bộ Nội vụ" not in options
    assert options == sorted(options)
    communes = re.search(r'<select id="xa" name="xa">(.*?)</select>', html, re.S).group(1)
    assert "Xã Yên Thành" in communes and "Phường Vinh Phú" in communes and "Hoàn Kiếm" not in communes
    for label in ("Kỳ báo cáo", "Cơ quan", "Xã, phường", "Lĩnh vực", "Thủ tục"):
        assert f">{label}</label>" in html, label


def test_choosing_an_agency_narrows_the_numbers_and_shows_a_removable_chip(client, units):
    a, b = units["a"], units["b"]
    _viewer(client)
    assert _settled(client.get("/dieu-hanh/?ky=2026")) == 4
    chosen = client.get(f"/dieu-hanh/?ky=2026&co-quan={a.pk}")
    assert _settled(chosen) == 3
    assert _settled(client.get(f"/dieu-hanh/?ky=2026&co-quan={b.pk}")) == 1
    html = chosen.content.decode()
    assert f'<option value="{a.pk}" selected>Sở Tư pháp</option>' in html
    assert "Cơ quan: Sở Tư pháp" in html and 'href="?ky=2026"' in html
    # The unit stays in the drill-down links and through the period picker's hidden state.
    assert f"/dieu-hanh/chi-so/{SETTLED}/?ky=2026&amp;co-quan={a.pk}" in html

    indicator = client.get(f"/dieu-hanh/chi-so/{SETTLED}/?ky=2026&co-quan={b.pk}")
    assert indicator.context["a"].value == 1
    assert [row["label"] for row in indicator.context["rows"]] == ["Sở Xây dựng"]
    assert '<input type="hidden" name="theo" value="agency">' in indicator.content.decode()

    league = client.get(f"/dieu-hanh/xep-hang/?ky=2026&co-quan={b.pk}")
    rows = [item["row"] for item in league.context["rows"]]
    assert [(row.agency, row.rank) for row in rows] == [("Sở Xây dựng", 2)]
    assert "Cơ quan: Sở Xây dựng" in league.content.decode()


def test_the_field_lists_its_procedures_and_removing_it_removes_the_procedure(client, units):
    version_a = units["version_a"]
    field, procedure = version_a.field, version_a.procedure
    other = ProcedureFactory()
    _viewer(client)
    html = client.get("/dieu-hanh/?ky=2026").content.decode()
    assert "Chọn lĩnh vực để xem danh sách thủ tục." in html and procedure.code not in html
    response = client.get(f"/dieu-hanh/?ky=2026&linh-vuc={field.pk}&thu-tuc={procedure.pk}")
    html = response.content.decode()
    procedures = re.search(r'<select id="thu-tuc" name="thu-tuc"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert f'<option value="{procedure.pk}" selected>{procedure.code} — {version_a.name}</option>' in procedures
    assert other.code not in procedures
    assert _settled(response) == 3
    chips = {chip["kind"]: chip["query"] for chip in response.context["chips"]}
    assert chips == {"Lĩnh vực": "ky=2026", "Thủ tục": f"ky=2026&linh-vuc={field.pk}"}
    assert 'data-clears="thu-tuc"' in html


def test_an_htmx_request_gets_only_the_part_that_changes(client, units):
    a = units["a"]
    _viewer(client)
    for url in ("/dieu-hanh/?ky=2026-Q1", f"/dieu-hanh/chi-so/{SETTLED}/?ky=2026-Q1",
                "/dieu-hanh/xep-hang/?ky=2026-Q1"):
        full = client.get(f"{url}&co-quan={a.pk}")
        html = full.content.decode()
        assert "<html" in html and 'id="ioc-page"' in html and 'id="ioc-status"' in html, url
        assert "HX-Request" in full["Vary"]
        part = client.get(f"{url}&co-quan={a.pk}", headers={"HX-Request": "true"})
        fragment = part.content.decode()
        assert part.status_code == 200 and "HX-Request" in part["Vary"], url
        assert "<html" not in fragment and "site-header" not in fragment and 'id="ioc-page"' not in fragment
        assert "<script src=" not in fragment and 'id="ioc-status"' not in fragment
        assert fragment.lstrip().startswith("<title>") and "Quý I/2026" in fragment
        assert 'hx-target="#ioc-page"' in fragment and 'hx-push-url="true"' in fragment
        assert "Đã cập nhật số liệu: Quý I/2026, cơ quan Sở Tư pháp." in fragment
        # A history restore after a cache miss needs the whole page again.
        restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
        assert "<html" in restore.content.decode()


def test_pages_without_units_keep_the_plain_period_form(client, units):
    a = units["a"]
    _viewer(client)
    html = client.get(f"/dieu-hanh/bo-chi-so-766/?ky=2026&co-quan={a.pk}").content.decode()
    assert '<select id="ky" name="ky">' in html and 'id="co-quan"' not in html and "hx-get" not in html
    # The tabs lead back to the overview with the unit still chosen.
    assert f'href="/dieu-hanh/?ky=2026&amp;co-quan={a.pk}"' in html
    listing = client.get(f"/dieu-hanh/ho-so/returned/?ky=2026&co-quan={a.pk}").content.decode()
    assert "3 hồ sơ" in listing and f"?ky=2026&amp;co-quan={a.pk}&amp;xuat=xlsx" in listing


def test_xlsx_exports_still_honour_the_chosen_unit(client, units):
    a, b = units["a"], units["b"]
    _viewer(client)
    name = Indicator.objects.get(code=SETTLED).name

    def sheet(url):
        response = client.get(url)
        assert response.status_code == 200, url
        return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=3, values_only=True))

    overview = {row[0]: row[2] for row in sheet(f"/dieu-hanh/?ky=2026&co-quan={a.pk}&xuat=xlsx")}
    assert overview[name] == 3
    overview = {row[0]: row[2] for row in sheet(f"/dieu-hanh/?ky=2026&co-quan={b.pk}&xuat=xlsx")}
    assert overview[name] == 1
    rows = sheet(f"/dieu-hanh/chi-so/{SETTLED}/?ky=2026&co-quan={a.pk}&theo=agency&xuat=xlsx")
    assert [(row[0], row[2]) for row in rows] == [("Sở Tư pháp", 3)]
    league = sheet(f"/dieu-hanh/xep-hang/?ky=2026&co-quan={b.pk}&xuat=xlsx")
    assert [(row[0], row[1]) for row in league] == [(2, "Sở Xây dựng")]


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(content)
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    from pypdf import PdfReader

    return "\f".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_supervision_report_reads_as_an_administrative_report(client, units, tmp_path):
    _viewer(client)
    response = client.get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content, tmp_path)
    flat = " ".join(text.split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
                     "I. Kết quả thực hiện chỉ tiêu", "II. Hồ sơ trễ hạn theo cơ quan", "III. Nhiệm vụ còn lại",
                     "Nghệ An, ngày", "Tỷ lệ hồ sơ giải quyết đúng hạn"):
        assert expected in flat, expected
    # pdftotext ends every page with a form feed, pypdf's pages are joined with one.
    pages = text.split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2, "the indicator table spans more than one page"
    for number, page in enumerate(pages, start=1):
        assert f"Trang {number}/{len(pages)}" in " ".join(page.split()), number
    # The table's header row is repeated at the top of the next page, and statuses are written out in words.
    # (Read in physical layout: the plain reading order of a page may put its footer before a table row.)
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    laid_out = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, text=True, check=True).stdout
    lines = [line for line in laid_out.splitlines() if line.strip()]
    header = next(n for n, line in enumerate(lines) if "Chỉ số" in line and "Đánh giá" in line)
    footer = next(n for n, line in enumerate(lines) if "Trang 2/" in line)
    assert header < footer and header <= 2
    assert "Chưa có số liệu" in flat


def test_a_scoped_leaders_report_is_issued_by_their_topmost_agency(client, units, tmp_path):
    client.force_login(officer(Role.APPROVER, units["a"]))
    text = " ".join(_pdf_text(client.get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=pdf").content, tmp_path).split())
    assert "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN" in text and "SỞ TƯ PHÁP" in text
    assert "CHI CỤC THI HÀNH ÁN" not in text and "TRUNG TÂM GIÁM SÁT, ĐIỀU HÀNH" not in text
