"""The registries from and to spreadsheets: all rows checked first, errors by row and column with nothing
written, an export that imports back unchanged; and the command."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.media.imports import export_registry, import_registry
from tinhso.media.models import PressAgency, Spokesperson, WebsiteLicence
from tinhso.media.tests.factories import agency_with_officer

pytestmark = pytest.mark.django_db


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_spokespeople_import_all_or_nothing_with_errors_by_row():
    health, _nurse = agency_with_officer("Sở Y tế", identifier="000.00.08.H41")
    bad = csv("agency,role,name,position,valid_from",
              "000.00.08.H41,Người phát ngôn,Trần Thị Lan,Phó Giám đốc,01/07/2025",
              "000.00.99.H41,spokesperson,Lê Văn A,Giám đốc,2025-07-01",
              "000.00.08.H41,authorised,Lê Văn B,Chánh Văn phòng,31/02/2025")
    report = import_registry("spokespeople", bad, format="csv")
    assert not report.ok and Spokesperson.objects.count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, "agency"), (4, "valid_from")]
    good = csv("agency,role,name,position,valid_from,phone",
               "000.00.08.H41,Người phát ngôn,Trần Thị Lan,Phó Giám đốc,01/07/2025,0238 3844 000")
    report = import_registry("spokespeople", good, format="csv")
    assert report.ok and report.created == ["000.00.08.H41 / Trần Thị Lan / 2025-07-01"]
    person = Spokesperson.objects.get()
    assert (person.agency, person.role, person.valid_from) == (health, "spokesperson", datetime.date(2025, 7, 1))


def test_licences_export_and_import_back_unchanged(tmp_path):
    rows = csv("licence_number,kind,domain,holder_name,holder_tax_code,issued_on,expires_on,state",
               "01/2025/GP-TTĐT,general_website,tintuc.example,Công ty A,2901234567,01/03/2025,01/03/2030,in_force",
               "02/2025/GP-TTĐT,Mạng xã hội,mxh.example,Công ty B,2907654321,15/04/2025,14/04/2027,revoked")
    assert import_registry("licences", rows, format="csv").ok
    assert WebsiteLicence.objects.get(domain="mxh.example").kind == "social_network"
    exported = export_registry("licences", "xlsx")
    path = tmp_path / "giay-phep.xlsx"
    path.write_bytes(exported)
    again = import_registry("licences", path)
    assert again.ok and len(again.unchanged) == 2 and not again.created and not again.updated
    dry = import_registry("licences", csv("licence_number,kind,domain,holder_name,holder_tax_code,issued_on,"
                                          "expires_on", "03/2025/GP-TTĐT,general_website,c.example,C,2900000001,"
                                          "01/01/2025,01/01/2026"), format="csv", dry_run=True)
    assert dry.ok and dry.created and WebsiteLicence.objects.count() == 2


def test_the_command_imports_press_agencies_and_refuses_a_bad_file(tmp_path, capsys):
    good = tmp_path / "bao.csv"
    good.write_bytes(csv("name,kind,level,licence_number", "Báo Nghệ An,newspaper,local,123/GP-BTTTT"))
    call_command("media", "import", "press", str(good))
    assert PressAgency.objects.get().licence_number == "123/GP-BTTTT"
    bad = tmp_path / "sai.csv"
    bad.write_bytes(csv("name,kind,level,colour", "Báo X,báo giấy,local,red"))
    with pytest.raises(CommandError):
        call_command("media", "import", "press", str(bad))
    assert "colour" in capsys.readouterr().out and PressAgency.objects.count() == 1
    out = tmp_path / "bao.xlsx"
    call_command("media", "export", "press", str(out))
    assert out.read_bytes()[:2] == b"PK"
