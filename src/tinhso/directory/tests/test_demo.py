import datetime

import pytest
from django.contrib.auth import authenticate, get_user_model

from tinhso.common.audit import AuditEntry
from tinhso.directory.demo import load_demo_directory
from tinhso.directory.models import Agency, Membership, Role
from tinhso.directory.selectors import visible_agencies
from tinhso.directory.tests.factories import CommuneFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nghe_an():
    province = ProvinceFactory()
    for n in range(14):
        CommuneFactory(code=f"{16600 + n:05d}", name=f"Xã Demo {n}", province=province)
    return province


def test_the_demo_builds_the_provinces_agency_tree_under_its_level_one_code(nghe_an):
    load_demo_directory("40", "demo-password")
    committee = Agency.objects.get(identifier="000.00.00.H41")
    assert committee.name == "Ủy ban nhân dân tỉnh Nghệ An"
    assert committee.kind == Agency.Kind.PEOPLES_COMMITTEE
    assert Agency.objects.filter(parent=committee, kind=Agency.Kind.DEPARTMENT).count() == 10
    assert Agency.objects.filter(kind=Agency.Kind.COMMUNE_PEOPLES_COMMITTEE).count() == 12
    assert Agency.objects.filter(kind=Agency.Kind.COMMUNE_ONE_STOP).count() == 12
    assert all(a.identifier.endswith(".H41") for a in Agency.objects.all())
    desk = Agency.objects.filter(kind=Agency.Kind.COMMUNE_ONE_STOP).first()
    assert desk.commune is not None
    assert desk.parent.commune == desk.commune
    for agency in Agency.objects.all():
        agency.full_clean()


def test_the_demo_keeps_the_dissolved_department_with_its_successor(nghe_an):
    load_demo_directory("40", "demo-password")
    information = Agency.objects.get(name="Sở Thông tin và Truyền thông")
    assert information.valid_to == datetime.date(2025, 2, 28)
    assert information.succeeded_by.name == "Sở Khoa học và Công nghệ"
    assert not information.is_active_on()


def test_the_demo_gives_one_login_per_role(nghe_an):
    logins = load_demo_directory("40", "demo-password")
    assert [username for _, username, _ in logins] == [
        "tiepnhan", "xuly", "lanhdao", "trakq", "quantricq", "dieuhanh", "quantri",
    ]
    assert {label for label, _, _ in logins} == {str(role.label) for role in Role}
    for _, username, agency_name in logins:
        user = authenticate(username=username, password="demo-password")
        assert user is not None
        assert Membership.objects.filter(user=user, agency__name=agency_name).exists()
    admin = get_user_model().objects.get(username="quantri")
    assert admin.is_staff and admin.is_superuser
    assert admin.get_full_name() == "Đặng Minh Tuấn"
    handler = get_user_model().objects.get(username="xuly")
    assert not handler.is_staff
    assert set(visible_agencies(handler)) == {Agency.objects.get(name="Sở Tư pháp")}


def test_loading_the_demo_twice_duplicates_nothing(nghe_an):
    first = load_demo_directory("40", "demo-password")
    counts = (Agency.objects.count(), Membership.objects.count(), get_user_model().objects.count())
    audit_entries = AuditEntry.objects.count()
    assert load_demo_directory("40", "demo-password") == first
    assert (Agency.objects.count(), Membership.objects.count(), get_user_model().objects.count()) == counts
    assert AuditEntry.objects.count() == audit_entries


def test_the_demo_loads_the_administrative_units_when_they_are_missing(monkeypatch):
    calls = []

    def load_units():
        calls.append(True)
        province = ProvinceFactory()
        CommuneFactory(province=province)

    monkeypatch.setattr("tinhso.geo.services.load_units", load_units)
    load_demo_directory("40", "demo-password")
    assert calls == [True]
    assert Agency.objects.filter(kind=Agency.Kind.COMMUNE_PEOPLES_COMMITTEE).count() == 1
