import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Agency
from tinhso.directory.services import COLUMNS, export_agencies, import_agencies
from tinhso.directory.tests.factories import AgencyFactory, CommuneFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

HEADER = list(COLUMNS)


def row(**values) -> dict:
    return values


def xlsx(rows: list[dict], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(name) for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[dict], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def units():
    province = ProvinceFactory()
    return {"province": province, "commune": CommuneFactory(code="16681", name="Phường Thành Vinh")}


def nghe_an_rows() -> list[dict]:
    """A department listed before the People's Committee it belongs to, and a commune desk."""
    return [
        row(identifier="000.00.12.H41", name="Sở Tư pháp", short_name="STP",
            parent_identifier="000.00.00.H41", level="province", kind="department", province_code="40",
            email="stp@nghean.gov.vn", valid_from="2008-04-01"),
        row(identifier="000.00.00.h41", name="Ủy ban nhân dân tỉnh Nghệ An", level="province",
            kind="peoples_committee", province_code="40", phone="0238 3840418", website="https://nghean.gov.vn"),
        row(identifier="H41.16681", name="UBND phường Thành Vinh", parent_identifier="000.00.00.H41",
            level="Cấp xã", kind="Ủy ban nhân dân xã, phường, đặc khu", commune_code="16681",
            valid_from="01/07/2025"),
    ]


def test_importing_an_xlsx_file_creates_the_tree_whatever_the_row_order(units):
    report = import_agencies(xlsx(nghe_an_rows()), "xlsx")
    assert report.ok, report.lines()
    assert sorted(report.created) == ["000.00.00.H41", "000.00.12.H41", "H41.16681"]
    justice = Agency.objects.get(identifier="000.00.12.H41")
    assert justice.parent.identifier == "000.00.00.H41"
    assert justice.province == units["province"]
    assert justice.valid_from == datetime.date(2008, 4, 1)
    ward = Agency.objects.get(identifier="H41.16681")
    assert (ward.level, ward.kind) == (Agency.Level.COMMUNE, Agency.Kind.COMMUNE_PEOPLES_COMMITTEE)
    assert ward.commune == units["commune"]
    assert ward.province == units["province"]  # follows from the commune
    assert ward.valid_from == datetime.date(2025, 7, 1)


def test_importing_a_csv_file_creates_the_same_agencies(units):
    report = import_agencies(csv_file(nghe_an_rows()), "csv")
    assert report.ok, report.lines()
    assert Agency.objects.count() == 3
    assert Agency.objects.get(identifier="000.00.00.H41").phone == "0238 3840418"


def test_a_semicolon_separated_csv_is_read_too(units):
    content = csv_file(nghe_an_rows()).decode("utf-8-sig").replace(",", ";").encode()
    assert import_agencies(content, "csv").ok


def test_a_bad_file_is_reported_row_by_row_and_nothing_is_written(units):
    audit_entries = AuditEntry.objects.count()
    rows = [
        *nghe_an_rows(),
        row(identifier="000.00.00.Z41", name="Mã sai", level="province", kind="department",
            province_code="40"),
        row(identifier="000.00.13.H41", name="Cấp trên không có", parent_identifier="000.00.99.H41",
            level="province", kind="department", province_code="40"),
        row(identifier="000.00.14.H41", name="Tỉnh không có", level="province", kind="department",
            province_code="99"),
        row(identifier="000.00.12.H41", name="Trùng mã", level="province", kind="department",
            province_code="40"),
        row(identifier="000.00.15.H41", name="Ngày sai", level="province", kind="department",
            province_code="40", valid_from="31/02/2025"),
        row(identifier="000.00.16.H41", name="Cấp sai", level="huyện", kind="bộ", province_code="40"),
        row(identifier="000.00.17.H41", name="Xã không có", level="commune", kind="commune_one_stop",
            commune_code="00001"),
    ]
    report = import_agencies(xlsx(rows), "xlsx")
    assert not report.ok
    found = {(error.row, error.column) for error in report.errors}
    assert found == {
        (5, "identifier"),
        (6, "parent_identifier"),
        (7, "province_code"),
        (8, "identifier"),
        (9, "valid_from"),
        (10, "level"),
        (10, "kind"),
        (11, "commune_code"),
    }
    messages = {(error.row, error.column): error.message for error in report.errors}
    assert "A đến Y" in messages[(5, "identifier")]
    assert "000.00.99.H41" in messages[(6, "parent_identifier")]
    assert "trùng với dòng 2" in messages[(8, "identifier")]
    assert "31/02/2025" in messages[(9, "valid_from")]
    assert "không có thay đổi nào được ghi" in report.summary()
    assert str(report.errors[0]).startswith("Dòng 5, cột identifier:")
    assert Agency.objects.count() == 0
    assert AuditEntry.objects.count() == audit_entries


def test_a_hierarchy_loop_in_the_file_is_refused(units):
    rows = [
        row(identifier="H41.1", name="A", parent_identifier="H41.2", level="province", kind="other",
            province_code="40"),
        row(identifier="H41.2", name="B", parent_identifier="H41.1", level="province", kind="other",
            province_code="40"),
    ]
    report = import_agencies(csv_file(rows), "csv")
    assert {(e.row, e.column) for e in report.errors} == {(2, "parent_identifier"), (3, "parent_identifier")}
    assert not Agency.objects.exists()


def test_a_loop_through_agencies_already_in_the_directory_is_refused(units):
    top = AgencyFactory(identifier="H41.1")
    AgencyFactory(identifier="H41.2", parent=top)
    rows = [row(identifier="H41.1", name="A", parent_identifier="H41.2", level="province", kind="other",
                province_code="40")]
    report = import_agencies(csv_file(rows), "csv")
    assert [e.column for e in report.errors] == ["parent_identifier"]
    assert Agency.objects.get(identifier="H41.1").parent is None


def test_a_file_with_unknown_or_missing_columns_is_refused(units):
    report = import_agencies(csv_file([row(identifier="H41.1")], header=["identifier", "parrent"]), "csv")
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(1, "parrent"), (1, "name"), (1, "level"), (1, "kind")}


def test_a_file_that_is_not_a_workbook_is_reported(units):
    report = import_agencies(b"this is not a zip file", "xlsx")
    assert not report.ok
    assert "Không đọc được tệp Excel" in report.errors[0].message


def test_re_importing_the_same_file_changes_nothing(units):
    content = xlsx(nghe_an_rows())
    assert import_agencies(content, "xlsx").ok
    audit_entries = AuditEntry.objects.count()
    again = import_agencies(content, "xlsx")
    assert again.ok
    assert (again.created, again.updated) == ([], [])
    assert len(again.unchanged) == 3
    assert Agency.objects.count() == 3
    assert AuditEntry.objects.count() == audit_entries


def test_re_importing_updates_agencies_by_identifier(units):
    assert import_agencies(xlsx(nghe_an_rows()), "xlsx").ok
    rows = nghe_an_rows()
    rows[0]["name"] = "Sở Tư pháp tỉnh Nghệ An"
    report = import_agencies(xlsx(rows), "xlsx")
    assert report.updated == ["000.00.12.H41"]
    assert Agency.objects.get(identifier="000.00.12.H41").name == "Sở Tư pháp tỉnh Nghệ An"


def test_a_column_left_out_leaves_that_field_alone(units):
    AgencyFactory(identifier="000.00.12.H41", name="Sở Tư pháp", email="stp@nghean.gov.vn")
    header = ["identifier", "name", "level", "kind"]
    report = import_agencies(
        csv_file([row(identifier="000.00.12.H41", name="Sở Tư pháp", level="province", kind="department")],
                 header=header),
        "csv",
    )
    assert report.ok, report.lines()
    assert Agency.objects.get(identifier="000.00.12.H41").email == "stp@nghean.gov.vn"


def test_a_successor_may_come_later_in_the_file(units):
    rows = [
        row(identifier="000.00.11.H41", name="Sở Thông tin và Truyền thông", level="province",
            kind="department", province_code="40", valid_to="2025-02-28",
            succeeded_by_identifier="000.00.02.H41"),
        row(identifier="000.00.02.H41", name="Sở Khoa học và Công nghệ", level="province", kind="department",
            province_code="40", valid_from="2025-03-01"),
    ]
    report = import_agencies(xlsx(rows), "xlsx")
    assert report.ok, report.lines()
    assert sorted(report.created) == ["000.00.02.H41", "000.00.11.H41"]
    dissolved = Agency.objects.get(identifier="000.00.11.H41")
    assert dissolved.succeeded_by.identifier == "000.00.02.H41"
    assert sorted(import_agencies(xlsx(rows), "xlsx").unchanged) == ["000.00.02.H41", "000.00.11.H41"]


def test_codes_typed_as_numbers_in_a_spreadsheet_are_understood(units):
    commune = CommuneFactory(code="00004", name="Phường Ba Đình")
    rows = [row(identifier="H41.4", name="UBND phường", level="commune", kind="commune_peoples_committee",
                province_code=40, commune_code=4, valid_from=datetime.datetime(2025, 7, 1))]
    report = import_agencies(xlsx(rows), "xlsx")
    assert report.ok, report.lines()
    agency = Agency.objects.get(identifier="H41.4")
    assert agency.commune == commune
    assert agency.valid_from == datetime.date(2025, 7, 1)


def test_an_invalid_email_is_reported_on_its_cell(units):
    rows = [row(identifier="H41.1", name="A", level="province", kind="other", province_code="40",
                email="khong-hop-le")]
    report = import_agencies(csv_file(rows), "csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "email")]


def test_a_dry_run_reports_without_writing(units):
    report = import_agencies(xlsx(nghe_an_rows()), "xlsx", dry_run=True)
    assert report.ok
    assert len(report.created) == 3
    assert "Chạy thử" in report.summary()
    assert not Agency.objects.exists()


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(units, format):
    committee = AgencyFactory(province_committee=True, phone="+84 238 3840418", website="https://nghean.gov.vn")
    science = AgencyFactory(identifier="000.00.02.H41", name="Sở Khoa học và Công nghệ", parent=committee,
                            valid_from=datetime.date(2025, 3, 1))
    AgencyFactory(identifier="000.00.11.H41", name="=Sở Thông tin và Truyền thông", short_name="Sở TT&TT",
                  parent=committee, dissolved=True, succeeded_by=science, address="16 Trường Thi, Vinh")
    AgencyFactory(identifier="H41.16681", commune_level=True, commune=units["commune"], parent=committee)
    before = list(Agency.objects.order_by("identifier").values())

    content = export_agencies(Agency.objects.all(), format)
    report = import_agencies(content, format)

    assert report.ok, report.lines()
    assert report.unchanged == ["000.00.00.H41", "000.00.02.H41", "000.00.11.H41", "H41.16681"]
    assert list(Agency.objects.order_by("identifier").values()) == before


def test_the_export_holds_the_documented_columns_in_order(units):
    AgencyFactory(identifier="000.00.11.H41", dissolved=True)
    workbook = openpyxl.load_workbook(io.BytesIO(export_agencies(Agency.objects.all(), "xlsx")))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet["A2"].value == "000.00.11.H41"
    assert sheet["N2"].value.date() == datetime.date(2025, 2, 28)
    assert workbook.sheetnames == ["co_quan", "huong_dan"]

    text = export_agencies(Agency.objects.all(), "csv").decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADER)


def test_a_formula_is_never_exported_as_a_formula(units):
    AgencyFactory(name="=HYPERLINK(\"http://example.com\")")
    sheet = openpyxl.load_workbook(io.BytesIO(export_agencies(Agency.objects.all(), "xlsx"))).worksheets[0]
    assert sheet["B2"].data_type == "s"
    assert "'=HYPERLINK" in export_agencies(Agency.objects.all(), "csv").decode("utf-8-sig")


def test_the_command_imports_a_file_and_prints_the_report(units, tmp_path, capsys):
    path = tmp_path / "co-quan.xlsx"
    path.write_bytes(xlsx(nghe_an_rows()))
    call_command("agencies", "import", str(path))
    assert "3 tạo mới" in capsys.readouterr().out
    assert Agency.objects.count() == 3


def test_the_command_fails_on_a_bad_file_and_prints_every_error(units, tmp_path, capsys):
    path = tmp_path / "co-quan.csv"
    path.write_bytes(csv_file([row(identifier="000.00.00.Z41", name="X", level="province", kind="other")]))
    with pytest.raises(CommandError):
        call_command("agencies", "import", str(path))
    assert "Dòng 2, cột identifier" in capsys.readouterr().out
    assert not Agency.objects.exists()


def test_the_command_exports_to_the_format_of_the_file_name(units, tmp_path, capsys):
    AgencyFactory(province_committee=True)
    path = tmp_path / "co-quan.csv"
    call_command("agencies", "export", str(path))
    assert "Đã xuất 1 cơ quan" in capsys.readouterr().out
    assert "000.00.00.H41" in path.read_text(encoding="utf-8-sig")


def test_the_export_command_reads_the_day_first(units, tmp_path, capsys):
    AgencyFactory(province_committee=True)
    path = tmp_path / "co-quan.csv"
    call_command("agencies", "export", str(path), "--active-on", "13/02/2027")
    assert "Đã xuất 1 cơ quan" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("agencies", "export", str(path), "--active-on", "02/13/2027")
