"""Indices published by central bodies (DTI, PAR Index, PCI) are imported by the platform's administrators from
the template or CSV, count at once with their publication as source, and are never reported by an agency."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import officer
from tinhso.ioc import selectors, services
from tinhso.ioc.indicators import PUBLISHED, seed_registry
from tinhso.ioc.models import Indicator, ReportedValue, ReportStatus, Source, ValueSource
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db
PUBLICATION = "Bộ Khoa học và Công nghệ công bố DTI 2024 ngày 21/10/2025"


@pytest.fixture
def agency(clock):
    seed_registry()
    return AgencyFactory()


def workbook(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(services.TEMPLATE_HEADERS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def value_of(code: str, period: str = "2025"):
    return next(a for a in selectors.overview(selectors.Scope(True), Period.parse(period))
                if a.indicator.code == code).value


def test_the_published_indices_are_registered_as_imported(agency):
    assert set(Indicator.objects.filter(source=Source.IMPORTED).values_list("code", flat=True)) == PUBLISHED
    # …and an agency cannot report them, by form, file or API (all go through enter_value).
    with pytest.raises(services.ReportError) as refused:
        services.enter_value(agency=agency, indicator_code="dti-diem", period="2025", value="0.5",
                             user=officer(Role.HANDLER, agency))
    assert refused.value.field == "indicator" and "công bố chính thức" in refused.value.message


def test_an_import_counts_at_once_with_its_publication(agency):
    admin = officer(Role.PLATFORM_ADMIN, agency)
    result = services.import_published(
        workbook(["dti-diem", "", "", "2025", 0.5531, "Tăng 3 bậc"], ["dti-xep-hang", "", "", 2025, 15, None],
                 ["par-index", "", "", "2025", None, None]),
        name="dti.xlsx", agency=agency, publication=PUBLICATION, user=admin)
    assert not result.errors and len(result.saved) == 2
    score = ReportedValue.objects.get(indicator__code="dti-diem")
    assert (score.status, score.source, score.entered_by) == (ReportStatus.APPROVED, ValueSource.IMPORT, admin)
    assert score.note == f"{PUBLICATION}. Tăng 3 bậc" and score.approved_at is not None
    assert value_of("dti-diem") == Decimal("0.5531") and value_of("dti-xep-hang") == 15
    assert AuditEntry.objects.filter(object_type="ioc.reportedvalue", object_id=str(score.pk),
                                     summary__contains=PUBLICATION).exists()
    # A corrected publication replaces the value.
    services.import_published(workbook(["dti-diem", "", "", "2025", 0.56, ""]), name="dti.xlsx", agency=agency,
                              publication=PUBLICATION + " (đính chính)", user=admin)
    assert value_of("dti-diem") == Decimal("0.56") and ReportedValue.objects.count() == 2


def test_csv_with_semicolons_and_a_bad_line_saves_nothing(agency):
    admin = officer(Role.PLATFORM_ADMIN, agency)
    good = "Mã chỉ số;Tên;Đơn vị;Kỳ;Giá trị;Ghi chú\npci-minh-bach;;;2025;6,91;\n".encode()
    assert len(services.import_published(good, name="pci.csv", agency=agency, publication=PUBLICATION,
                                         user=admin).saved) == 1
    assert value_of("pci-minh-bach") == Decimal("6.91")
    bad = ("Mã chỉ số,Tên,Đơn vị,Kỳ,Giá trị,Ghi chú\npar-index,,,2025,88.1,\n"
           "giay-phep-bts,,,2025,12,\ndti-diem,,,2025-13,0.5,\n").encode()
    result = services.import_published(bad, name="x.csv", agency=agency, publication=PUBLICATION, user=admin)
    assert [line.split(":")[0] for line in result.errors] == ["Dòng 3", "Dòng 4"]
    assert "do cơ quan báo cáo" in result.errors[0]
    assert not ReportedValue.objects.filter(indicator__code="par-index").exists()


def test_who_may_import_and_what_is_required(agency):
    admin = officer(Role.PLATFORM_ADMIN, agency)
    content = workbook(["dti-diem", "", "", "2025", 0.5, ""])
    with pytest.raises(services.ReportError) as refused:
        services.import_published(content, name="a.xlsx", agency=agency, publication="  ", user=admin)
    assert refused.value.field == "publication"
    with pytest.raises(services.ReportError) as refused:
        services.import_published(content, name="a.xlsx", agency=agency, publication=PUBLICATION,
                                  user=officer(Role.APPROVER, agency))
    assert refused.value.status == 403
    with pytest.raises(services.ReportError) as refused:
        services.import_published(b"not a workbook", name="a.xlsx", agency=agency, publication=PUBLICATION,
                                  user=admin)
    assert refused.value.field == "file"
    assert not ReportedValue.objects.exists()


def test_the_page_offers_the_import_to_administrators_only(client, agency):
    leader = officer(Role.APPROVER, agency)
    client.force_login(leader)
    page = client.get("/dieu-hanh/so-lieu/")
    assert "Nhập số liệu công bố chính thức" not in page.text
    # The agency's own form lists only the indicators it reports.
    assert 'value="dti-diem"' not in page.text and 'value="giay-phep-bts"' in page.text
    upload = SimpleUploadedFile("dti.xlsx", workbook(["dti-diem", "", "", "2025", 0.5, ""]))
    response = client.post("/dieu-hanh/so-lieu/nhap-cong-bo/", {"agency": agency.pk, "publication": PUBLICATION,
                                                                "file": upload})
    assert response.status_code == 403 and not ReportedValue.objects.exists()

    admin = officer(Role.PLATFORM_ADMIN, agency)
    client.force_login(admin)
    page = client.get("/dieu-hanh/so-lieu/")
    assert "Nhập số liệu công bố chính thức" in page.text and 'for="publication"' in page.text
    template = load_workbook(io.BytesIO(client.get("/dieu-hanh/so-lieu/mau.xlsx?ky=2025&nguon=imported").content))
    codes = {row[0] for row in template.active.iter_rows(min_row=2, values_only=True)}
    assert codes == PUBLISHED
    upload = SimpleUploadedFile("dti.xlsx", workbook(["dti-diem", "", "", "2025", 0.5, ""]))
    response = client.post("/dieu-hanh/so-lieu/nhap-cong-bo/", {"agency": agency.pk, "publication": PUBLICATION,
                                                                "file": upload}, follow=True)
    assert "Đã nhập 1 số liệu công bố" in response.text
    assert value_of("dti-diem") == Decimal("0.5")
    text = SimpleUploadedFile("dti.txt", b"dti-diem")
    response = client.post("/dieu-hanh/so-lieu/nhap-cong-bo/", {"agency": agency.pk, "publication": PUBLICATION,
                                                                "file": text}, follow=True)
    assert "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)" in response.text


def test_the_command_imports_and_names_what_is_wrong(agency, tmp_path, capsys):
    path = tmp_path / "par.csv"
    path.write_text("Mã chỉ số,Tên,Đơn vị,Kỳ,Giá trị,Ghi chú\npar-index,,,2025,89.04,\n", encoding="utf-8")
    call_command("ioc", "import", str(path), "--agency", agency.identifier, "--publication", "QĐ công bố PAR 2025")
    assert "Đã nhập 1 số liệu công bố" in capsys.readouterr().out
    stored = ReportedValue.objects.get(indicator__code="par-index")
    assert stored.value == Decimal("89.04") and "(dòng lệnh)" in stored.entered_label and stored.entered_by is None
    with pytest.raises(CommandError, match="Không có cơ quan"):
        call_command("ioc", "import", str(path), "--agency", "000.00.00.X99", "--publication", "x")
    path.write_text("Mã chỉ số,Tên,Đơn vị,Kỳ,Giá trị,Ghi chú\nkhong-co,,,2025,1,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 dòng lỗi"):
        call_command("ioc", "import", str(path), "--agency", agency.identifier, "--publication", "x")
    assert "Không có chỉ số mã “khong-co”" in capsys.readouterr().err
