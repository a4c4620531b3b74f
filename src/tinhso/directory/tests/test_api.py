import datetime

import pytest

from tinhso.directory.models import Agency
from tinhso.directory.tests.factories import AgencyFactory, CommuneFactory, MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/api/directory/agencies"


@pytest.fixture
def directory():
    committee = AgencyFactory(province_committee=True)
    science = AgencyFactory(
        identifier="000.00.02.H41", name="Sở Khoa học và Công nghệ", short_name="Sở KH&CN", parent=committee,
        valid_from=datetime.date(2025, 3, 1),
    )
    information = AgencyFactory(
        identifier="000.00.11.H41", name="Sở Thông tin và Truyền thông", parent=committee, dissolved=True,
        succeeded_by=science,
    )
    ward = AgencyFactory(
        identifier="000.01.50.H41", name="Ủy ban nhân dân phường Thành Vinh", commune_level=True,
        commune=CommuneFactory(code="16681", name="Phường Thành Vinh"), parent=committee,
    )
    left_to_right = AgencyFactory(identifier="H37.02.02", name="Sở Tư pháp tỉnh Ninh Bình", central=True)
    return {"committee": committee, "science": science, "information": information, "ward": ward,
            "other": left_to_right}


def identifiers(response) -> list[str]:
    return [item["identifier"] for item in response.json()["items"]]


def test_the_list_is_public_paginated_and_ordered_by_identifier(client, directory):
    response = client.get(URL, {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert identifiers(response) == ["000.00.00.H41", "000.00.02.H41"]
    assert identifiers(client.get(URL, {"page_size": 2, "page": 3})) == ["H37.02.02"]


def test_list_items_carry_codes_labels_and_links(client, directory):
    item = next(i for i in client.get(URL).json()["items"] if i["identifier"] == "000.00.11.H41")
    assert item["level_label"] == "Cấp tỉnh"
    assert item["kind_label"] == "Sở, ban, ngành"
    assert item["parent_identifier"] == "000.00.00.H41"
    assert item["succeeded_by_identifier"] == "000.00.02.H41"
    assert item["province_code"] == "40"
    assert item["valid_to"] == "2025-02-28"
    assert item["active"] is False


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "commune"}, ["000.01.50.H41"]),
        ({"kind": "peoples_committee"}, ["000.00.00.H41"]),
        ({"parent": "000.00.00.h41"}, ["000.00.02.H41", "000.00.11.H41", "000.01.50.H41"]),
        ({"identifier_prefix": "h37.02"}, ["H37.02.02"]),
        ({"active_on": "2025-02-28"}, ["000.00.00.H41", "000.00.11.H41", "000.01.50.H41", "H37.02.02"]),
        ({"active_on": "2025-03-01"}, ["000.00.00.H41", "000.00.02.H41", "000.01.50.H41", "H37.02.02"]),
        ({"q": "so khoa hoc"}, ["000.00.02.H41"]),
        ({"q": "Sở"}, ["000.00.02.H41", "000.00.11.H41", "H37.02.02"]),
        ({"q": "KH&CN"}, ["000.00.02.H41"]),
        ({"q": "thanh vinh", "level": "commune"}, ["000.01.50.H41"]),
    ],
)
def test_the_list_filters(client, directory, params, expected):
    assert identifiers(client.get(URL, params)) == expected


def test_an_unknown_level_is_a_client_error(client, directory):
    assert client.get(URL, {"level": "district"}).status_code == 422


def test_the_detail_shows_parent_children_successor_and_the_unit_served(client, directory):
    body = client.get(f"{URL}/000.00.02.H41").json()
    assert body["parent"] == {"identifier": "000.00.00.H41", "name": "Ủy ban nhân dân tỉnh Nghệ An"}
    assert body["predecessors"] == [{"identifier": "000.00.11.H41", "name": "Sở Thông tin và Truyền thông"}]
    assert body["succeeded_by"] is None
    assert body["province"] == {"code": "40", "name": "Nghệ An"}

    committee = client.get(f"{URL}/000.00.00.H41").json()
    assert committee["children"] == ["000.00.02.H41", "000.00.11.H41", "000.01.50.H41"]
    assert committee["parent"] is None

    dissolved = client.get(f"{URL}/000.00.11.h41").json()
    assert dissolved["succeeded_by"]["identifier"] == "000.00.02.H41"

    ward = client.get(f"{URL}/000.01.50.H41").json()
    assert ward["commune"] == {"code": "16681", "name": "Phường Thành Vinh"}


def test_an_unknown_identifier_is_404_with_a_message(client, directory):
    response = client.get(f"{URL}/000.00.99.H41")
    assert response.status_code == 404
    assert "000.00.99.H41" in response.json()["detail"]


def test_no_staff_data_is_published(client, directory):
    membership = MembershipFactory(agency=directory["science"])
    for response in (client.get(URL), client.get(f"{URL}/000.00.02.H41")):
        assert membership.user.username not in response.content.decode()
        assert "membership" not in response.content.decode()


def test_the_list_costs_two_queries_however_many_agencies(client, directory, django_assert_max_num_queries):
    for _ in range(40):
        AgencyFactory(parent=directory["committee"], succeeded_by=directory["science"])
    with django_assert_max_num_queries(2):
        response = client.get(URL, {"page_size": 100})
    assert len(response.json()["items"]) == 45


def test_the_detail_costs_three_queries_whatever_the_family(client, directory, django_assert_max_num_queries):
    for _ in range(20):
        AgencyFactory(parent=directory["committee"], succeeded_by=directory["committee"])
    with django_assert_max_num_queries(3):
        response = client.get(f"{URL}/000.00.00.H41")
    assert len(response.json()["children"]) == 23
    assert Agency.objects.count() == 25
