import io

import openpyxl
import pytest
from django.urls import reverse

from tinhso.directory.models import Agency
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(superuser=True))
    return client


def test_the_agency_list_offers_import_and_filters(admin_client):
    AgencyFactory(province_committee=True)
    AgencyFactory(dissolved=True)
    page = admin_client.get(reverse("admin:directory_agency_changelist"), {"active": "no", "q": "Sở"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "Nhập từ tệp" in content
    assert page.context["cl"].result_count == 1


def test_the_agency_form_renders(admin_client):
    agency = AgencyFactory()
    assert admin_client.get(reverse("admin:directory_agency_change", args=[agency.pk])).status_code == 200
    assert admin_client.get(reverse("admin:directory_agency_add")).status_code == 200


def test_uploading_a_file_in_the_admin_shows_the_row_report(admin_client):
    ProvinceFactory()
    content = (
        "identifier,name,level,kind,province_code\r\n"
        "000.00.00.H41,Ủy ban nhân dân tỉnh Nghệ An,province,peoples_committee,40\r\n"
        "000.00.00.Z41,Mã sai,province,department,40\r\n"
    ).encode()
    url = reverse("admin:directory_agency_import")
    upload = io.BytesIO(content)
    upload.name = "co-quan.csv"
    page = admin_client.post(url, {"file": upload})
    assert page.status_code == 200
    assert page.context["report"].errors[0].row == 3
    assert "A đến Y" in page.content.decode()
    assert not Agency.objects.exists()

    upload = io.BytesIO(content.rsplit(b"\r\n", 2)[0] + b"\r\n")
    upload.name = "co-quan.csv"
    page = admin_client.post(url, {"file": upload})
    assert page.context["report"].created == ["000.00.00.H41"]
    assert Agency.objects.count() == 1


def test_the_import_page_is_for_those_who_may_add_agencies(client):
    client.force_login(UserFactory(staff=True))
    assert client.get(reverse("admin:directory_agency_import")).status_code == 403


def test_the_export_action_downloads_the_selected_agencies(admin_client):
    chosen = AgencyFactory(identifier="000.00.02.H41")
    AgencyFactory(identifier="000.00.03.H41")
    response = admin_client.post(
        reverse("admin:directory_agency_changelist"),
        {"action": "export_xlsx", "_selected_action": [chosen.pk]},
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["000.00.02.H41"]


def test_a_users_page_lists_their_memberships(admin_client):
    membership = MembershipFactory()
    page = admin_client.get(reverse("admin:auth_user_change", args=[membership.user.pk]))
    assert page.status_code == 200
    assert "cơ quan và vai trò" in page.content.decode().lower()
    assert membership.agency.name in page.content.decode()


def test_memberships_have_their_own_admin(admin_client):
    MembershipFactory()
    assert admin_client.get(reverse("admin:directory_membership_changelist")).status_code == 200


def _listed(admin_client, url_name: str, q: str) -> list:
    page = admin_client.get(reverse(url_name), {"q": q})
    assert page.status_code == 200
    return list(page.context["cl"].result_list)


def test_the_admin_finds_agencies_and_staff_typed_without_diacritics(admin_client):
    justice = AgencyFactory(name="Sở Tư pháp tỉnh Nghệ An")
    AgencyFactory(name="Sở Xây dựng")
    officer = UserFactory(first_name="Thị Hường", last_name="Nguyễn")
    membership = MembershipFactory(user=officer, agency=justice)
    UserFactory(first_name="Văn An", last_name="Trần")

    assert _listed(admin_client, "admin:directory_agency_changelist", "so tu phap") == [justice]
    assert _listed(admin_client, "admin:directory_agency_changelist", "Sở Tư pháp") == [justice]
    assert _listed(admin_client, "admin:auth_user_changelist", "nguyen thi huong") == [officer]
    assert _listed(admin_client, "admin:directory_membership_changelist", "thi huong") == [membership]
    assert _listed(admin_client, "admin:directory_membership_changelist", "tu phap nghe an") == [membership]
