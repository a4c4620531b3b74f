import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tinhso.common.audit import AuditEntry, verify
from tinhso.directory.models import Agency, Membership
from tinhso.directory.tests.factories import AgencyFactory, CommuneFactory, MembershipFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


def test_an_agency_cannot_end_before_it_starts():
    agency = AgencyFactory.build(
        province=ProvinceFactory(), valid_from=datetime.date(2025, 3, 1), valid_to=datetime.date(2025, 2, 1),
    )
    with pytest.raises(ValidationError) as caught:
        agency.full_clean()
    assert "valid_to" in caught.value.message_dict


def test_the_database_also_refuses_an_inverted_period():
    agency = AgencyFactory()
    agency.valid_from, agency.valid_to = datetime.date(2025, 3, 1), datetime.date(2025, 2, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        agency.save()


def test_an_agency_cannot_succeed_itself():
    agency = AgencyFactory()
    agency.succeeded_by = agency
    with pytest.raises(ValidationError) as caught:
        agency.full_clean()
    assert "succeeded_by" in caught.value.message_dict


def test_the_hierarchy_cannot_loop():
    top = AgencyFactory()
    middle = AgencyFactory(parent=top)
    bottom = AgencyFactory(parent=middle)
    top.parent = bottom
    with pytest.raises(ValidationError) as caught:
        top.full_clean()
    assert "vòng lặp" in caught.value.message_dict["parent"][0]


def test_a_commune_level_agency_must_serve_a_commune_of_its_province():
    agency = AgencyFactory.build(level=Agency.Level.COMMUNE, province=ProvinceFactory())
    with pytest.raises(ValidationError) as caught:
        agency.full_clean()
    assert "commune" in caught.value.message_dict
    other_province = ProvinceFactory(code="42", name="Hà Tĩnh", codename="ha_tinh", phone_code=239)
    agency.commune = CommuneFactory(province=other_province)
    with pytest.raises(ValidationError) as caught:
        agency.full_clean()
    assert "Xã, phường không thuộc tỉnh" in caught.value.message_dict["commune"][0]


def test_the_province_served_follows_from_the_commune():
    commune = CommuneFactory()
    agency = AgencyFactory.build(level=Agency.Level.COMMUNE, province=None, commune=commune)
    agency.full_clean()
    assert agency.province_id == commune.province_id


def test_a_dissolved_agency_is_active_up_to_and_including_its_last_day():
    dissolved = AgencyFactory(dissolved=True)
    assert dissolved.is_active_on(datetime.date(2025, 2, 28))
    assert not dissolved.is_active_on(datetime.date(2025, 3, 1))
    assert not dissolved.is_active_on(datetime.date(2007, 12, 31))
    assert list(Agency.objects.active_on(datetime.date(2025, 3, 1))) == []
    assert list(Agency.objects.active_on(datetime.date(2025, 2, 28))) == [dissolved]


def test_an_open_ended_agency_is_active_today():
    assert AgencyFactory().is_active_on()


def test_creating_and_updating_an_agency_is_written_to_the_audit_chain():
    agency = AgencyFactory(name="Sở Thông tin và Truyền thông")
    created = AuditEntry.objects.get(object_type="directory.agency", object_id=str(agency.pk))
    assert created.action == "create"
    assert created.after["name"] == "Sở Thông tin và Truyền thông"
    assert "search_text" not in created.after

    agency.valid_to = datetime.date(2025, 2, 28)
    agency.save()
    updated = AuditEntry.objects.filter(object_type="directory.agency", object_id=str(agency.pk)).last()
    assert updated.action == "update"
    assert updated.before["valid_to"] is None
    assert updated.after["valid_to"] == "2025-02-28"
    assert verify().ok


def test_saving_an_unchanged_agency_adds_nothing_to_the_audit_chain():
    agency = AgencyFactory()
    count = AuditEntry.objects.count()
    agency.save()
    assert AuditEntry.objects.count() == count


def test_memberships_are_written_to_the_audit_chain():
    membership = MembershipFactory()
    entry = AuditEntry.objects.get(object_type="directory.membership", object_id=str(membership.pk))
    assert entry.after["role"] == "handler"


def test_a_membership_cannot_end_before_it_starts():
    membership = MembershipFactory.build(
        user=MembershipFactory().user, agency=AgencyFactory(),
        valid_from=datetime.date(2025, 3, 1), valid_to=datetime.date(2025, 2, 1),
    )
    with pytest.raises(ValidationError):
        membership.full_clean()


def test_role_labels_are_vietnamese():
    assert Membership.Role.RECEIVER.label == "Cán bộ tiếp nhận"
    assert Membership.Role.PLATFORM_ADMIN.label == "Quản trị nền tảng"
