import io

import pytest
from openpyxl import Workbook, load_workbook

from tinhso.catalogue.excel import COLUMNS, DOCUMENTS, FEES, PROCEDURES, ROUTE, export_catalogue, import_catalogue
from tinhso.catalogue.models import Field, Procedure, ProcedureVersion, Status
from tinhso.catalogue.selectors import current_version, versions_for_export
from tinhso.catalogue.services import content_of
from tinhso.catalogue.tests.factories import AgencyFactory, FieldFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

EFORM = '{"type": "object", "properties": {"ngay_sinh": {"type": "string", "format": "date"}}}'


def _workbook(procedures, documents=(), steps=(), fees=()) -> io.BytesIO:
    book = Workbook()
    book.remove(book.active)
    for name, rows in ((PROCEDURES, procedures), (DOCUMENTS, documents), (ROUTE, steps), (FEES, fees)):
        sheet = book.create_sheet(name)
        sheet.append(COLUMNS[name])
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _birth_registration(agency_identifier: str, *, limit=1, shares=(0, 1, 0), code="1.001193"):
    return _workbook(
        procedures=[[
            code, "Đăng ký khai sinh", "HT", "Hộ tịch", "Cấp xã", agency_identifier, limit, "ngày làm việc",
            "Luật Hộ tịch 2014", "Giấy khai sinh", "Toàn trình", None, EFORM,
        ]],
        documents=[
            [code, "Tờ khai đăng ký khai sinh", 1, 0, "Có", "Không", None],
            [code, "Giấy chứng sinh", 1, 0, "Có", "Có", None],
        ],
        steps=[
            [code, "Tiếp nhận", None, None, shares[0], "Kiểm tra hồ sơ"],
            [code, "Xử lý", None, None, shares[1], None],
            [code, "Trả kết quả", None, None, shares[2], None],
        ],
        fees=[],
    )


def test_a_workbook_creates_fields_procedures_and_children():
    agency = AgencyFactory()
    report = import_catalogue(_birth_registration(agency.identifier), publish=True)
    assert report.ok, report.lines()
    assert report.outcomes["created"] == ["1.001193"]
    version = current_version("1.001193")
    assert version.field.name == "Hộ tịch"
    assert list(version.agencies.all()) == [agency]
    assert [d.reusable for d in version.documents.all()] == [False, True]
    assert version.eform_schema["properties"]["ngay_sinh"]["format"] == "date"


def test_imported_procedures_are_drafts_unless_asked_to_publish():
    report = import_catalogue(_birth_registration(AgencyFactory().identifier))
    assert report.ok, report.lines()
    assert ProcedureVersion.objects.get().status == Status.DRAFT


def test_a_bad_workbook_is_reported_row_by_row_and_nothing_is_written():
    FieldFactory(code="HT", name="Hộ tịch")
    workbook = _workbook(
        procedures=[
            ["1.001193", "Đăng ký khai sinh", "HT", None, "Cấp huyện", "000.99.99.H41", 1, None, None,
             "Giấy khai sinh", "Toàn trình", None, None],
            ["1.000894", "Đăng ký kết hôn", "MOI", "Lĩnh vực mới", "Cấp xã", None, 3, None, None,
             "Giấy chứng nhận kết hôn", "Toàn trình", None, None],
            [1.00422, "Mã bị Excel đổi thành số", "HT", None, "Cấp xã", None, 1, None, None, "X", "Toàn trình",
             None, None],
        ],
        steps=[
            ["1.000894", "Tiếp nhận", None, None, 0, None],
            ["1.000894", "Xử lý", None, None, 1, None],
            ["1.000894", "Trả kết quả", None, None, 0, None],
            ["1.999999", "Tiếp nhận", None, None, 0, None],
        ],
        fees=[["1.000894", "Lệ phí", "nhiều tiền"]],
    )
    report = import_catalogue(workbook, publish=True)
    assert not report.ok
    found = {(error.sheet, error.row, error.column) for error in report.errors}
    assert (PROCEDURES, 2, "Cấp thực hiện") in found
    assert (PROCEDURES, 2, "Cơ quan thực hiện") in found
    assert (PROCEDURES, 4, "Mã thủ tục") in found
    assert (ROUTE, 2, "Thời gian") in found  # the shares add up to 1, the limit is 3
    assert (ROUTE, 5, "Mã thủ tục") in found
    assert (FEES, 2, "Số tiền (đồng)") in found
    messages = [str(error) for error in report.errors]
    assert any("phải bằng thời hạn giải quyết (3 ngày làm việc)" in message for message in messages)
    assert any("dạng văn bản" in message for message in messages)
    assert report.summary().startswith(f"Tệp có {len(report.errors)} lỗi")
    assert not Procedure.objects.exists()
    assert not Field.objects.filter(code="MOI").exists()


def test_a_file_that_is_not_a_workbook_is_reported():
    report = import_catalogue(io.BytesIO(b"not a workbook"))
    assert not report.ok
    assert "Excel" in report.errors[0].message


def test_importing_a_changed_procedure_makes_a_new_version_and_an_unchanged_one_nothing():
    agency = AgencyFactory()
    assert import_catalogue(_birth_registration(agency.identifier), publish=True).ok
    again = import_catalogue(_birth_registration(agency.identifier), publish=True)
    assert again.outcomes["unchanged"] == ["1.001193"]
    changed = import_catalogue(_birth_registration(agency.identifier, limit=2, shares=(0, 2, 0)), publish=True)
    assert changed.outcomes["new_version"] == ["1.001193"], changed.lines()
    assert list(ProcedureVersion.objects.order_by("number").values_list("status", flat=True)) == [
        Status.SUPERSEDED, Status.PUBLISHED,
    ]


def test_export_round_trips_through_import():
    step_agency = AgencyFactory()
    originals = [
        ProcedureVersionFactory(partial=True, agencies=[AgencyFactory()]),
        ProcedureVersionFactory(hours=True, commune=True, eform_schema={
            "type": "object", "required": ["so_tien"],
            "properties": {"so_tien": {"type": "integer", "minimum": 0, "title": "Số tiền"}},
        }),
    ]
    draft = ProcedureVersionFactory(published=False, time_limit=2)
    draft.steps.filter(role="handle").update(agency=step_agency)
    before = {v.procedure.code: content_of(v) for v in [*originals]}
    exported = export_catalogue(versions_for_export())
    sheet = load_workbook(io.BytesIO(exported))[PROCEDURES]
    assert sheet.max_row == 3
    report = import_catalogue(io.BytesIO(exported), publish=True)
    assert report.ok, report.lines()
    assert sorted(report.outcomes["unchanged"]) == sorted(before)
    assert {code: content_of(current_version(code)) for code in before} == before

    draft_export = export_catalogue(versions_for_export(drafts=True))
    draft_report = import_catalogue(io.BytesIO(draft_export))
    assert draft_report.outcomes["unchanged"] == [draft.procedure.code], draft_report.lines()
