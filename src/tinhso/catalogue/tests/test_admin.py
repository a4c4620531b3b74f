import io

import pytest
from openpyxl import load_workbook

from tinhso.catalogue.models import ProcedureVersion, Status
from tinhso.catalogue.tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory
from tinhso.directory.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(superuser=True))
    return client


def test_admin_pages_open(admin_client):
    version = ProcedureVersionFactory()
    for url in [
        "/admin/catalogue/field/", "/admin/catalogue/procedure/", "/admin/catalogue/procedureversion/",
        f"/admin/catalogue/procedure/{version.procedure_id}/change/",
        f"/admin/catalogue/procedureversion/{version.pk}/change/", "/admin/catalogue/procedureversion/add/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_the_publish_action_publishes_drafts(admin_client):
    draft = ProcedureVersionFactory(published=False)
    response = admin_client.post(
        "/admin/catalogue/procedureversion/",
        {"action": "publish_drafts", "_selected_action": [draft.pk]}, follow=True,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def _form(procedure, field, steps):
    data = {
        "procedure": procedure.pk, "name": "Thủ tục mới", "field": field.pk, "level": "province",
        "time_limit": 3, "time_unit": "working_days", "result": "Giấy phép", "online_level": "full",
        "legal_basis": "", "online_limit_reason": "", "eform_schema": "null",
    }
    for prefix in ("documents", "fees"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"steps-TOTAL_FORMS": len(steps), "steps-INITIAL_FORMS": 0})
    for index, (role, share) in enumerate(steps):
        data.update({f"steps-{index}-order": index + 1, f"steps-{index}-role": role, f"steps-{index}-share": share})
    return data


def test_the_route_is_checked_when_a_draft_is_saved_in_the_admin(admin_client):
    procedure, field = ProcedureFactory(), FieldFactory()
    response = admin_client.post(
        "/admin/catalogue/procedureversion/add/", _form(procedure, field, [("receive", 0), ("handle", 1)]),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Quy trình phải kết thúc bằng bước trả kết quả." in content
    assert "Tổng thời gian các bước (1 ngày làm việc) phải bằng thời hạn giải quyết (3 ngày làm việc)." in content
    assert not ProcedureVersion.objects.exists()

    good = [("receive", 0), ("handle", 2), ("approve", 1), ("return", 0)]
    response = admin_client.post("/admin/catalogue/procedureversion/add/", _form(procedure, field, good))
    assert response.status_code == 302
    assert ProcedureVersion.objects.get().steps.count() == 4


def test_a_second_draft_is_refused_with_a_message_not_an_error_page(admin_client):
    draft = ProcedureVersionFactory(published=False)
    good = [("receive", 0), ("handle", 2), ("approve", 1), ("return", 0)]
    response = admin_client.post(
        "/admin/catalogue/procedureversion/add/", _form(draft.procedure, draft.field, good),
    )
    assert response.status_code == 200
    assert "đã có một bản nháp" in response.content.decode()
    assert ProcedureVersion.objects.count() == 1


def test_a_published_version_is_shown_read_only(admin_client):
    version = ProcedureVersionFactory()
    content = admin_client.get(f"/admin/catalogue/procedureversion/{version.pk}/change/").content.decode()
    assert 'name="name"' not in content
    assert 'name="steps-TOTAL_FORMS"' not in content or 'name="steps-0-share"' not in content


def test_the_admin_finds_procedures_typed_without_diacritics(admin_client):
    birth = ProcedureVersionFactory(name="Đăng ký khai sinh")
    ProcedureVersionFactory(name="Cấp giấy phép xây dựng")

    for url in ("/admin/catalogue/procedureversion/", "/admin/catalogue/procedure/"):
        page = admin_client.get(url, {"q": "dang ky khai sinh"})
        assert page.status_code == 200
        found = list(page.context["cl"].result_list)
        assert found == [birth if "version" in url else birth.procedure], url


def _upload(workbook, name="danh-muc.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, workbook.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_the_admin_imports_the_catalogue_with_a_dry_run_and_the_row_report(admin_client):
    from tinhso.catalogue.tests.factories import AgencyFactory
    from tinhso.catalogue.tests.test_excel import _birth_registration, _workbook

    listing = admin_client.get("/admin/catalogue/procedure/").content.decode()
    assert 'href="/admin/catalogue/procedure/nhap/"' in listing
    assert 'href="/admin/catalogue/procedure/xuat/"' in listing

    workbook = _birth_registration(AgencyFactory().identifier)
    tried = admin_client.post("/admin/catalogue/procedure/nhap/", {"file": _upload(workbook), "dry_run": "on"})
    assert tried.status_code == 200
    assert "Chạy thử: chưa ghi gì" in tried.content.decode()
    assert not ProcedureVersion.objects.exists()

    workbook.seek(0)
    done = admin_client.post("/admin/catalogue/procedure/nhap/", {"file": _upload(workbook)})
    assert done.status_code == 200
    assert "1 tạo mới" in done.content.decode()
    assert ProcedureVersion.objects.get().procedure.code == "1.001193"

    bad = _workbook(procedures=[["1.000894", "Đăng ký kết hôn", "HT", None, "Cấp huyện", None, 3, None, None,
                                 "Giấy chứng nhận kết hôn", "Toàn trình", None, None]])
    refused = admin_client.post("/admin/catalogue/procedure/nhap/", {"file": _upload(bad)})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "<td>Thủ tục</td><td>2</td><td><code>Cấp thực hiện</code></td>" in page
    assert ProcedureVersion.objects.count() == 1

    not_a_workbook = admin_client.post("/admin/catalogue/procedure/nhap/",
                                       {"file": _upload(io.BytesIO(b"PK\x03\x04 rubbish"))})
    assert not_a_workbook.status_code == 400
    assert "Excel" in not_a_workbook.content.decode()


def test_the_admin_exports_the_catalogue_in_the_import_layout(admin_client):
    version = ProcedureVersionFactory(name="Đăng ký khai sinh")

    whole = admin_client.get("/admin/catalogue/procedure/xuat/")
    chosen = admin_client.post("/admin/catalogue/procedureversion/",
                               {"action": "export_workbook", "_selected_action": [version.pk]})

    for response in (whole, chosen):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="danh-muc-thu-tuc-')
        sheet = load_workbook(io.BytesIO(response.content))["Thủ tục"]
        assert [cell.value for cell in sheet[2]][:2] == [version.procedure.code, "Đăng ký khai sinh"]
