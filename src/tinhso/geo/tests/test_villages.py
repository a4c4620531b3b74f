"""Importing villages (thôn, bản, tổ dân phố) from CSV: all or nothing, row-by-row report, idempotent."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from tinhso.common.audit import AuditEntry
from tinhso.geo.models import Village
from tinhso.geo.services import import_villages
from tinhso.geo.tests.factories import CommuneFactory, VillageFactory
from tinhso.geo.village_file import VillageFileInvalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def communes():
    return CommuneFactory(code="16681", name="Xã Hưng Nguyên"), CommuneFactory(ward=True, code="16669")


GOOD_FILE = (
    "commune_code,name,kind,code,latitude,longitude\n"
    "16681,Thôn 1,thôn,01,18.6796,105.6813\n"
    "16681,Bản Huồi Pục,Bản,,,\n"
    "16669,Tổ dân phố 3,to dan pho,TDP3,18.70,105.69\n"
)


def _problems(content) -> list[tuple[int, str]]:
    with pytest.raises(VillageFileInvalid) as error:
        import_villages(content)
    return [(p.row, p.column) for p in error.value.problems]


def test_a_valid_file_creates_its_villages(communes):
    result = import_villages(GOOD_FILE.encode())
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    first = Village.objects.get(commune__code="16681", name="Thôn 1")
    assert (first.kind, first.code, first.latitude, first.longitude) == (
        Village.Kind.HAMLET, "01", Decimal("18.679600"), Decimal("105.681300"),
    )
    highland = Village.objects.get(name="Bản Huồi Pục")
    assert (highland.kind, highland.code, highland.latitude) == (Village.Kind.HIGHLAND_HAMLET, "", None)
    assert Village.objects.get(name="Tổ dân phố 3").kind == Village.Kind.RESIDENTIAL_GROUP


def test_a_bad_file_is_reported_row_by_row_and_nothing_is_written(communes):
    content = (
        "commune_code,name,kind,code,latitude,longitude\n"
        "16681,Thôn 1,thôn,01,18.6796,105.6813\n"  # fine, but not written: the file fails as a whole
        "99999,Thôn 2,thôn,,,\n"
        "16681,Thôn 3,xóm,,,\n"
        "16681,Thôn 4,thôn,,45.1,105.6\n"
        "16681,Thôn 5,thôn,,18.7,\n"
        "16681,,thôn,,,\n"
        "16681,Thôn 1,thôn,,,\n"
        "16681,Thôn 8,thôn,01,abc,105.6\n"
    )
    with pytest.raises(VillageFileInvalid) as error:
        import_villages(content.encode())
    problems = error.value.problems
    assert [(p.row, p.column) for p in problems] == [
        (3, "commune_code"), (4, "kind"), (5, "latitude"), (6, "longitude"), (7, "name"), (8, "name"),
        (9, "code"), (9, "latitude"),
    ]
    assert str(problems[0]) == (
        "Dòng 3, cột commune_code: Không có xã/phường/đặc khu mã 99999 trong danh mục 2025."
    )
    assert str(problems[1]) == (
        "Dòng 4, cột kind: Loại “xóm” không hợp lệ: dùng “thôn”, “bản” hoặc “tổ dân phố”."
    )
    assert "ngoài lãnh thổ Việt Nam" in problems[2].message
    assert "Trùng tên với dòng 2" in problems[5].message
    assert not Village.objects.exists()
    assert not AuditEntry.objects.filter(object_type="geo.village").exists()


def test_importing_the_same_file_twice_changes_nothing(communes):
    import_villages(GOOD_FILE)
    entries = AuditEntry.objects.count()
    again = import_villages(GOOD_FILE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Village.objects.count() == 3
    assert AuditEntry.objects.count() == entries


def test_importing_again_updates_the_villages_already_stored(communes):
    import_villages(GOOD_FILE)
    changed = GOOD_FILE.replace("18.6796,105.6813", "18.6800,105.6900")
    changed = changed.replace("Bản Huồi Pục,Bản", "Bản Huồi Pục,thôn")
    result = import_villages(changed)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert Village.objects.get(name="Thôn 1").longitude == Decimal("105.69")
    assert Village.objects.get(name="Bản Huồi Pục").kind == Village.Kind.HAMLET


def test_a_village_is_renamed_through_its_code(communes):
    import_villages(GOOD_FILE)
    import_villages("commune_code,name,kind,code\n16681,Thôn Đông,thôn,01\n")
    renamed = Village.objects.get(commune__code="16681", code="01")
    assert renamed.name == "Thôn Đông"
    assert renamed.latitude == Decimal("18.6796")  # no coordinate columns: the stored ones stay


def test_a_code_held_by_another_village_is_refused(communes):
    import_villages(GOOD_FILE)
    content = "commune_code,name,kind,code\n16681,Bản Huồi Pục,bản,01\n"
    assert _problems(content) == [(2, "code")]


def test_a_name_spelled_differently_updates_the_same_village(communes):
    VillageFactory(commune=communes[0], name="Thôn Hoà Bình")
    result = import_villages("commune_code,name,kind\n16681,Thôn Hòa Bình,thôn\n")
    assert (result.created, result.updated) == (0, 1)
    assert list(Village.objects.values_list("name", flat=True)) == ["Thôn Hòa Bình"]


def test_a_header_with_missing_or_unknown_columns_is_refused_on_row_1(communes):
    assert _problems("commune_code,ten,kind\n16681,Thôn 1,thôn\n") == [(1, "ten"), (1, "name")]


def test_a_file_not_in_utf8_is_refused_with_the_line_of_the_first_bad_byte(communes):
    content = "commune_code,name,kind\n16681,Thôn 1,thôn\n".encode("cp1258")
    assert _problems(content) == [(2, "")]


def test_an_empty_file_is_refused(communes):
    assert _problems(b"") == [(1, "")]
    assert _problems(b"commune_code,name,kind\n") == [(2, "")]


def test_a_spreadsheets_semicolons_decimal_commas_and_byte_order_mark_are_accepted(communes):
    content = "\ufeffcommune_code;name;kind;latitude;longitude\n16681;Thôn 9;thôn;18,6796;105,6813\n"
    import_villages(content.encode())
    assert Village.objects.get(name="Thôn 9").latitude == Decimal("18.6796")


def test_each_imported_village_is_on_the_audit_chain(communes):
    import_villages(GOOD_FILE)
    assert AuditEntry.objects.filter(object_type="geo.village", action="create").count() == 3
    import_villages(GOOD_FILE.replace("Thôn 1,thôn,01,18.6796", "Thôn 1,thôn,01,18.6797"))
    update = AuditEntry.objects.get(object_type="geo.village", action="update")
    assert (update.before["latitude"], update.after["latitude"]) == ("18.679600", "18.679700")


def test_the_database_refuses_coordinates_outside_vietnam_or_half_given(communes):
    with pytest.raises(IntegrityError):
        VillageFactory(commune=communes[0], latitude=Decimal("50"), longitude=Decimal("105"))


def test_the_database_refuses_a_latitude_without_longitude(communes):
    with pytest.raises(IntegrityError):
        VillageFactory(commune=communes[0], latitude=Decimal("18.7"))


def test_the_import_command_lists_the_problems_and_writes_nothing(communes, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text("commune_code,name,kind\n16681,Thôn 1,xóm\n16681,Thôn 2,thôn\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="1 lỗi"):
        call_command("geo", "import-villages", str(path), stderr=err)
    assert err.getvalue().startswith("Dòng 2, cột kind:")
    assert not Village.objects.exists()


def test_the_import_command_reports_what_it_did(communes, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text(GOOD_FILE, encoding="utf-8")
    out = StringIO()
    call_command("geo", "import-villages", str(path), stdout=out)
    assert "thêm 3, cập nhật 0, không đổi 0" in out.getvalue()
