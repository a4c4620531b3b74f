"""Operator scope: an operator's people and tokens see only their own operator's records, through the pages,
the map layers, the exports and the API; the department sees every operator; everyone else sees nothing. A
record outside the scope answers like one that does not exist."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.directory.models import Role
from tinhso.directory.selectors import visible
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.dossiers.tests.factories import api_token, officer
from tinhso.telecom.models import OperatorMembership, OperatorToken
from tinhso.telecom.selectors import visible_operators
from tinhso.telecom.tests.factories import (
    OperatorFactory,
    department_office,
    operator_person,
    station_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    department, clerk, _, _ = department_office()
    viettel, vnpt = OperatorFactory(code="viettel"), OperatorFactory(code="vnpt")
    mine = station_at(viettel, code="VT-0001")
    theirs = station_at(vnpt, north=500, code="VNPT-0001")
    return {"department": department, "clerk": clerk, "viettel": viettel, "vnpt": vnpt, "mine": mine,
            "theirs": theirs, "person": operator_person(viettel)}


def test_the_scope_kind_resolves_department_operator_and_nobody(registry):
    assert set(visible_operators(registry["clerk"])) == {registry["viettel"], registry["vnpt"]}
    assert list(visible_operators(registry["person"])) == [registry["viettel"]]
    assert not visible_operators(UserFactory()).exists()
    assert not visible_operators(UserFactory(inactive=True)).exists()
    assert set(visible("operators", UserFactory(superuser=True))) == {registry["viettel"], registry["vnpt"]}
    viewer = officer(Role.OPERATIONS_VIEWER, AgencyFactory())
    assert visible_operators(viewer).count() == 2
    # An expired membership sees nothing.
    expired = UserFactory()
    OperatorMembership.objects.create(user=expired, operator=registry["vnpt"], valid_from="2024-01-01",
                                      valid_to="2024-12-31")
    assert not visible_operators(expired).exists()
    with pytest.raises(LookupError):
        visible("nothing-registered", registry["clerk"])


def test_an_operator_never_sees_another_operators_stations_in_pages_layers_or_exports(client, registry):
    client.force_login(registry["person"])
    listing = client.get("/vien-thong/tram/").content.decode()
    assert "VT-0001" in listing and "VNPT-0001" not in listing
    assert client.get(f"/vien-thong/tram/{registry['theirs'].pk}/").status_code == 404
    assert client.get(f"/vien-thong/tram/{registry['mine'].pk}/").status_code == 200
    layer = json.loads(client.get("/vien-thong/ban-do/tram.geojson").content)
    assert [f["properties"]["id"] for f in layer["features"]] == [registry["mine"].pk]
    geojson = json.loads(client.get("/vien-thong/tram/?xuat=geojson").content)
    assert [f["properties"]["code"] for f in geojson["features"]] == ["VT-0001"]
    csv = client.get("/vien-thong/tram/?xuat=csv").content.decode("utf-8-sig")
    assert "VT-0001" in csv and "VNPT-0001" not in csv
    # Asking for the other operator by filter gives nothing either.
    assert "VNPT-0001" not in client.get("/vien-thong/tram/?doanh-nghiep=vnpt").content.decode()
    # Reporting the other operator's station down is refused as if it did not exist.
    assert client.post(f"/vien-thong/tram/{registry['theirs'].pk}/su-co/", {"cause": "power"}).status_code == 404


def test_the_department_sees_every_operator_and_others_are_refused(client, registry):
    client.force_login(registry["clerk"])
    listing = client.get("/vien-thong/tram/").content.decode()
    assert "VT-0001" in listing and "VNPT-0001" in listing
    client.force_login(UserFactory())
    assert client.get("/vien-thong/tram/").status_code == 403
    client.logout()
    assert client.get("/vien-thong/tram/").status_code == 302


def test_an_operator_token_sees_only_its_operator_through_the_api(client, registry):
    _, raw = OperatorToken.issue(registry["viettel"], "Hệ thống OSS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = client.get("/api/telecom/stations", **auth).json()
    assert [s["code"] for s in body["items"]] == ["VT-0001"]
    assert client.get(f"/api/telecom/stations/{registry['theirs'].pk}", **auth).status_code == 404
    assert client.post(f"/api/telecom/stations/{registry['theirs'].pk}/outages", {"cause": "power"},
                       content_type="application/json", **auth).status_code == 404
    down = client.post(f"/api/telecom/stations/{registry['mine'].pk}/outages", {"cause": "power"},
                       content_type="application/json", **auth)
    assert down.status_code == 201
    exported = client.get("/api/telecom/stations/export?format=geojson", **auth).json()
    assert [f["properties"]["code"] for f in exported["features"]] == ["VT-0001"]
    assert [o["code"] for o in client.get("/api/telecom/operators", **auth).json()["items"]] == ["viettel"]
    # A revoked token is refused.
    OperatorToken.objects.update(revoked_at="2026-01-01T00:00:00+07:00")
    assert client.get("/api/telecom/stations", **auth).status_code == 401


def test_the_departments_agency_token_sees_every_operator(client, registry):
    _, raw = api_token(registry["department"])
    body = client.get("/api/telecom/stations", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert {s["code"] for s in body["items"]} == {"VT-0001", "VNPT-0001"}
    _, other = api_token(AgencyFactory())
    assert client.get("/api/telecom/stations", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403


def test_the_station_list_and_api_keep_their_query_count_as_stations_grow(client, registry):
    client.force_login(registry["clerk"])
    client.get("/vien-thong/tram/")
    with CaptureQueriesContext(connection) as few:
        client.get("/vien-thong/tram/")
    for i in range(20):
        station_at(registry["vnpt"], north=1000 + i * 300, code=f"VNPT-{i + 10:04d}")
    with CaptureQueriesContext(connection) as many:
        client.get("/vien-thong/tram/")
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as api_few:
        client.get("/api/telecom/stations?page_size=5")
    with CaptureQueriesContext(connection) as api_many:
        client.get("/api/telecom/stations?page_size=20")
    assert len(api_many) == len(api_few)
