"""The admin: villages are edited there (and audited); units from the code lists are read-only."""

import pytest
from django.urls import reverse

from tinhso.common.audit import AuditEntry
from tinhso.geo.models import Village
from tinhso.geo.tests.factories import CommuneFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune():
    return CommuneFactory(code="16681", name="Xã Hưng Nguyên")


def _village_form(commune, **values) -> dict:
    return {"commune": commune.pk, "name": "Thôn Mới", "kind": "thon", "code": "", "latitude": "",
            "longitude": ""} | values


def test_an_officer_adds_a_village_and_the_change_is_audited(admin_client, commune):
    response = admin_client.post(reverse("admin:geo_village_add"), _village_form(commune, code="07"))
    assert response.status_code == 302
    village = Village.objects.get(name="Thôn Mới")
    assert village.code == "07"
    assert AuditEntry.objects.filter(object_type="geo.village", object_id=str(village.pk), action="create").exists()


def test_the_admin_refuses_a_duplicate_name_and_half_coordinates_in_vietnamese(admin_client, commune):
    VillageFactory(commune=commune, name="Thôn Mới")
    response = admin_client.post(reverse("admin:geo_village_add"), _village_form(commune, latitude="18.7"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Xã này đã có thôn, bản hoặc tổ dân phố cùng tên." in page
    assert "Cần nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai." in page
    assert Village.objects.count() == 1


def test_the_admin_finds_communes_without_accents(admin_client, commune):
    response = admin_client.get(reverse("admin:geo_commune_changelist"), {"q": "hung nguyen"})
    assert "Xã Hưng Nguyên" in response.content.decode()


@pytest.mark.parametrize("model", ["province", "commune", "legacyprovince", "legacydistrict", "legacyward"])
def test_units_from_the_code_lists_can_be_viewed_but_not_added(admin_client, commune, model):
    assert admin_client.get(reverse(f"admin:geo_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:geo_{model}_add")).status_code == 403


def test_villages_are_found_by_their_commune_typed_without_diacritics(admin_client, commune):
    village = VillageFactory(commune=commune, name="Xóm Đông")
    VillageFactory(commune=CommuneFactory(code="16682", name="Xã Nam Đàn"), name="Xóm Tây")

    page = admin_client.get(reverse("admin:geo_village_changelist"), {"q": "hung nguyen"})

    assert list(page.context["cl"].result_list) == [village]
