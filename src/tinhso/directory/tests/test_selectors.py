import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from tinhso.directory.models import Role
from tinhso.directory.selectors import active_memberships, has_role, visible_agencies
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """UBND tỉnh with two departments; the first has a sub-unit which has its own sub-unit."""
    committee = AgencyFactory(province_committee=True)
    justice = AgencyFactory(name="Sở Tư pháp", parent=committee)
    notary = AgencyFactory(name="Phòng Công chứng số 1", parent=justice)
    notary_desk = AgencyFactory(name="Bộ phận tiếp nhận", parent=notary)
    health = AgencyFactory(name="Sở Y tế", parent=committee)
    return {
        "committee": committee, "justice": justice, "notary": notary, "desk": notary_desk, "health": health,
    }


def test_a_handler_sees_their_agency_and_everything_below_it_but_not_siblings(tree):
    membership = MembershipFactory(agency=tree["justice"])
    seen = set(visible_agencies(membership.user))
    assert seen == {tree["justice"], tree["notary"], tree["desk"]}
    assert tree["health"] not in seen
    assert tree["committee"] not in seen


def test_memberships_in_two_agencies_add_up(tree):
    user = MembershipFactory(agency=tree["notary"]).user
    MembershipFactory(user=user, agency=tree["health"], receiver=True)
    assert set(visible_agencies(user)) == {tree["notary"], tree["desk"], tree["health"]}


@pytest.mark.parametrize("trait", ["operations_viewer", "platform_admin"])
def test_province_wide_roles_see_every_agency(tree, trait):
    membership = MembershipFactory(agency=tree["health"], **{trait: True})
    assert set(visible_agencies(membership.user)) == set(tree.values())


def test_a_superuser_sees_every_agency(tree):
    assert visible_agencies(UserFactory(superuser=True)).count() == len(tree)


def test_an_expired_membership_sees_nothing(tree):
    membership = MembershipFactory(agency=tree["committee"], expired=True)
    assert list(visible_agencies(membership.user)) == []
    assert set(visible_agencies(membership.user, on=datetime.date(2024, 6, 1))) == set(tree.values())


def test_a_membership_not_yet_started_sees_nothing(tree):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    membership = MembershipFactory(agency=tree["justice"], valid_from=tomorrow)
    assert list(visible_agencies(membership.user)) == []


def test_anonymous_and_deactivated_users_see_nothing(tree):
    assert list(visible_agencies(AnonymousUser())) == []
    assert list(visible_agencies(None)) == []
    membership = MembershipFactory(agency=tree["committee"], user=UserFactory(inactive=True))
    assert list(visible_agencies(membership.user)) == []


def test_a_successor_sees_the_records_of_the_agency_it_replaced(tree):
    science = AgencyFactory(name="Sở Khoa học và Công nghệ", parent=tree["committee"])
    information = AgencyFactory(
        name="Sở Thông tin và Truyền thông", parent=tree["committee"], dissolved=True, succeeded_by=science,
    )
    information_centre = AgencyFactory(name="Trung tâm CNTT-TT", parent=information, dissolved=True)
    membership = MembershipFactory(agency=science)
    assert set(visible_agencies(membership.user)) == {science, information, information_centre}


def test_the_scope_costs_one_query_for_the_whole_tree_whatever_its_depth(tree, django_assert_num_queries):
    for n in range(30):
        AgencyFactory(name=f"Phòng {n}", parent=tree["justice"])
    user = MembershipFactory(agency=tree["justice"]).user
    # memberships, the tree below (three levels here) in one recursive query, then the agencies.
    with django_assert_num_queries(3):
        assert len(list(visible_agencies(user))) == 33


def test_a_loop_in_the_tree_ends_the_walk(tree):
    """Units edited into a loop (each the other's parent, or a successor's successor back to itself) neither
    hang the scope nor widen it."""
    from tinhso.directory.models import Agency

    Agency.objects.filter(pk=tree["justice"].pk).update(parent=tree["desk"])
    merged = AgencyFactory(name="Sở Y tế cũ", parent=tree["committee"], succeeded_by=tree["health"])
    Agency.objects.filter(pk=tree["health"].pk).update(succeeded_by=merged)
    user = MembershipFactory(agency=tree["notary"]).user
    MembershipFactory(user=user, agency=tree["health"], receiver=True)
    assert set(visible_agencies(user)) == {tree["justice"], tree["notary"], tree["desk"], tree["health"], merged}


def test_active_memberships_come_with_their_agency_in_one_query(tree, django_assert_num_queries):
    user = MembershipFactory(agency=tree["justice"]).user
    MembershipFactory(user=user, agency=tree["health"], approver=True)
    MembershipFactory(user=user, agency=tree["committee"], expired=True)
    with django_assert_num_queries(1):
        names = [m.agency.name for m in active_memberships(user)]
    assert names == ["Sở Tư pháp", "Sở Y tế"]
    assert list(active_memberships(AnonymousUser())) == []


def test_a_role_held_above_an_agency_covers_its_sub_units(tree):
    user = MembershipFactory(agency=tree["justice"], approver=True).user
    assert has_role(user, Role.APPROVER)
    assert has_role(user, Role.APPROVER, tree["desk"])
    assert not has_role(user, Role.APPROVER, tree["health"])
    assert not has_role(user, Role.APPROVER, tree["committee"])
    assert not has_role(user, Role.RECEIVER, tree["justice"])


def test_an_expired_role_is_not_held(tree):
    user = MembershipFactory(agency=tree["justice"], expired=True).user
    assert not has_role(user, Role.HANDLER, tree["justice"])
    assert has_role(user, Role.HANDLER, tree["justice"], on=datetime.date(2024, 5, 1))


def test_superusers_hold_every_role_and_anonymous_users_none(tree):
    assert has_role(UserFactory(superuser=True), Role.RETURNER, tree["health"])
    assert not has_role(AnonymousUser(), Role.RETURNER)


def test_the_staff_home_lists_the_users_agencies_and_roles(client, tree):
    membership = MembershipFactory(agency=tree["justice"], receiver=True)
    client.force_login(membership.user)
    page = client.get(reverse("staff-home")).content.decode()
    assert "Sở Tư pháp" in page
    assert "Cán bộ tiếp nhận" in page
    assert tree["justice"].identifier in page


@pytest.mark.django_db
def test_held_roles_are_the_memberships_in_force_on_the_day_with_both_ends_counting():
    from tinhso.directory.selectors import held_roles

    user, other = UserFactory(), UserFactory()
    here, there = AgencyFactory(), AgencyFactory()
    day = datetime.date(2026, 3, 10)
    MembershipFactory(user=user, agency=here, role=Role.RECEIVER, valid_from=day, valid_to=day)
    MembershipFactory(user=user, agency=here, role=Role.HANDLER, valid_from=datetime.date(2020, 1, 1), valid_to=None)
    MembershipFactory(user=user, agency=there, role=Role.APPROVER, valid_from=day + datetime.timedelta(days=1))
    MembershipFactory(user=user, agency=there, role=Role.RETURNER, valid_to=day - datetime.timedelta(days=1),
                      valid_from=day - datetime.timedelta(days=30))
    MembershipFactory(user=other, agency=there, role=Role.RECEIVER, valid_from=datetime.date(2020, 1, 1))
    assert held_roles(user, day) == {(here.pk, Role.RECEIVER), (here.pk, Role.HANDLER)}
    later = UserFactory()
    later.pk = user.pk  # a fresh user object: read again
    assert held_roles(later, day + datetime.timedelta(days=1)) == {(here.pk, Role.HANDLER), (there.pk, Role.APPROVER)}
