"""The one spreadsheet import/export: cells read the same way in every import (dates day first, numbers with
a decimal comma or point, choices by code or label), files judged by content and size, exports that import
back unchanged and never carry a formula."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.common import tabular
from tinhso.common.tabular import ImportFileError


@pytest.mark.parametrize(("typed", "expected"), [
    ("05/02/2027", datetime.date(2027, 2, 5)),
    ("13/02/2027", datetime.date(2027, 2, 13)),
    ("5/2/2027", datetime.date(2027, 2, 5)),
    ("05-02-2027", datetime.date(2027, 2, 5)),
    ("05.02.2027", datetime.date(2027, 2, 5)),
    ("2027-02-05", datetime.date(2027, 2, 5)),
    (datetime.datetime(2027, 2, 5, 0, 0), datetime.date(2027, 2, 5)),
])
def test_dates_are_read_day_first_or_iso(typed, expected):
    assert tabular.parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["02/30/2027", "31/02/2027", "2027/02/05", "05/02/27", "hôm nay", ""])
def test_impossible_or_unreadable_dates_are_refused_with_a_vietnamese_message(typed):
    with pytest.raises(ValueError, match=r"(dd/mm/yyyy|không có trong lịch)"):
        tabular.parse_date(typed)


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_a_date_written_as_vietnamese_write_it_reads_back(day):
    assert tabular.parse_date(f"{day:%d/%m/%Y}") == day
    assert tabular.parse_date(day.isoformat()) == day


def test_date_times_are_read_in_the_province_time_zone():
    moment = tabular.parse_datetime("05/02/2027 14:30")
    assert moment.isoformat() == "2027-02-05T14:30:00+07:00"
    assert tabular.parse_datetime("2027-02-05T14:30:00+00:00").isoformat() == "2027-02-05T14:30:00+00:00"
    with pytest.raises(ValueError, match="HH:MM"):
        tabular.parse_datetime("05/02/2027 2h30")


@pytest.mark.parametrize(("typed", "expected"), [
    ("18,5", Decimal("18.5")), ("18.5", Decimal("18.5")), ("1.234,5", Decimal("1234.5")),
    ("1,234.5", Decimal("1234.5")), (" 42 ", Decimal("42")), (3, Decimal("3")), (2.5, Decimal("2.5")),
])
def test_numbers_take_a_decimal_comma_or_point(typed, expected):
    assert tabular.parse_decimal(typed) == expected


def test_numbers_are_bounded_by_what_their_column_holds():
    with pytest.raises(ValueError, match="quá lớn"):
        tabular.parse_decimal("99999999999999999999", max_digits=14, decimal_places=2)
    with pytest.raises(ValueError, match="chữ số sau dấu thập phân"):
        tabular.parse_decimal("1,234", max_digits=14, decimal_places=2)
    with pytest.raises(ValueError, match="một số"):
        tabular.parse_decimal("1e30")
    with pytest.raises(ValueError, match="một số"):
        tabular.parse_decimal("NaN")
    with pytest.raises(ValueError, match="nhỏ hơn"):
        tabular.parse_decimal("-1", minimum=Decimal(0))
    assert tabular.parse_int("1.000") == 1000 and tabular.parse_int("12.0") == 12
    with pytest.raises(ValueError, match="số nguyên"):
        tabular.parse_int("12,5")


def test_choices_match_code_or_label_without_diacritics():
    choices = [("online", "Trực tuyến"), ("counter", "Trực tiếp")]
    assert tabular.parse_choice("truc tuyen", choices) == "online"
    assert tabular.parse_choice("COUNTER", choices) == "counter"
    with pytest.raises(ValueError, match="online \\(Trực tuyến\\)"):
        tabular.parse_choice("bưu chính", choices)
    assert tabular.parse_bool("Có") is True and tabular.parse_bool("") is False
    with pytest.raises(ValueError):
        tabular.parse_bool("có lẽ")


def test_text_is_bounded_and_free_of_control_characters():
    assert tabular.parse_text("  Thôn 1 ", max_length=10) == "Thôn 1"
    with pytest.raises(ValueError, match="Dài quá 3"):
        tabular.parse_text("abcd", max_length=3)
    with pytest.raises(ValueError, match="điều khiển"):
        tabular.parse_text("a\x1bb", max_length=10)
    with pytest.raises(ValueError, match="để trống"):
        tabular.parse_text(" ", max_length=10, required=True)


def test_csv_with_bom_semicolons_or_tabs_reads_the_same():
    for separator in (",", ";", "\t"):
        content = f"code{separator}name\r\n01{separator}Thôn Một\r\n\r\n".encode("utf-8-sig")
        table = tabular.read_table(content, "csv")
        assert table.header == ["code", "name"] and table.rows == [(2, {"code": "01", "name": "Thôn Một"})]


def test_files_that_are_not_what_they_claim_are_refused():
    with pytest.raises(ImportFileError, match="UTF-8"):
        tabular.read_table("tên\n".encode("utf-16"), "csv")
    with pytest.raises(ImportFileError, match="bảng tính hợp lệ"):
        tabular.read_table(b"%PDF-1.7 not a workbook", "xlsx")
    with pytest.raises(ImportFileError, match=r"\.xlsx"):
        tabular.read_table(b"", "ods")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 10 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (tabular.MAX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ImportFileError, match="cấu trúc bất thường"):
        tabular.read_table(buffer.getvalue(), "xlsx")


def test_an_export_imports_back_unchanged_and_carries_no_formula():
    rows = [["=HYPERLINK(\"x\")", datetime.date(2027, 2, 5), Decimal("18.5"), "007"]]
    columns = ["name", "day", "value", "code"]
    for format in ("xlsx", "csv"):
        content = tabular.write_table(format, columns, rows, guide={"name": "Tên"})
        table = tabular.read_table(content, format)
        (_number, cells), = table.rows
        assert cells["name"] == "=HYPERLINK(\"x\")"
        assert tabular.parse_date(cells["day"]) == datetime.date(2027, 2, 5)
        assert tabular.parse_decimal(cells["value"]) == Decimal("18.5") and cells["code"] == "007"
    sheet = openpyxl.load_workbook(io.BytesIO(tabular.write_xlsx(columns, rows))).active
    assert sheet["A2"].data_type == "s" and sheet["B2"].number_format == "dd/mm/yyyy"
    assert "05/02/2027" in tabular.write_csv(columns, rows).decode("utf-8-sig")
