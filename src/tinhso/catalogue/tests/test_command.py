import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tinhso.catalogue.models import ProcedureVersion, Status
from tinhso.catalogue.tests.factories import ProcedureVersionFactory

pytestmark = pytest.mark.django_db


def test_export_then_import_through_the_command(tmp_path, capsys):
    version = ProcedureVersionFactory()
    path = tmp_path / "danh-muc.xlsx"
    call_command("catalogue", "export", str(path))
    assert "Đã xuất 1 thủ tục" in capsys.readouterr().out
    call_command("catalogue", "import", str(path), "--publish")
    assert "1 không đổi" in capsys.readouterr().out
    assert ProcedureVersion.objects.get() == version


def test_a_bad_file_fails_the_command_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="Nhập không thành công"):
        call_command("catalogue", "import", str(path))
    assert "Excel" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Không tìm thấy"):
        call_command("catalogue", "import", str(tmp_path / "khong-co.xlsx"))


def test_a_dry_run_reports_what_would_change_without_writing(tmp_path, capsys):
    ProcedureVersionFactory(procedure__code="1.000100")
    path = tmp_path / "danh-muc.xlsx"
    call_command("catalogue", "export", str(path))
    workbook = load_workbook(path)
    workbook["Thủ tục"]["B2"] = "Tên đã sửa"
    workbook.save(path)
    capsys.readouterr()
    call_command("catalogue", "import", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "1 phiên bản mới" in out
    assert "Chạy thử" in out
    assert not ProcedureVersion.objects.filter(status=Status.DRAFT).exists()
