"""The in-app notices over the JSON API: the caller's own, paginated, unread count, mark as read."""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.common.notices import notify
from tinhso.directory.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(committed):
    user = UserFactory()
    with committed():
        for n in range(25):
            notify(user, subject=f"Thông báo {n}", text="…", link=f"/ho-so-cua-toi/{n}/", channels=["in_app"])
    return user


def test_a_signed_in_person_lists_their_notices_newest_first(client, person):
    client.force_login(person)
    page = client.get("/api/notices/").json()
    assert page["count"] == 25 and len(page["items"]) == 20
    assert page["items"][0]["subject"] == "Thông báo 24" and page["items"][0]["link"] == "/ho-so-cua-toi/24/"
    assert len(client.get("/api/notices/?page=2").json()["items"]) == 5
    assert client.get("/api/notices/unread-count").json() == {"unread": 25}


def test_marking_read_needs_the_csrf_token_and_touches_only_ones_own(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    first = client.get("/api/notices/").json()["items"][0]
    assert client.post(f"/api/notices/{first['id']}/read").status_code == 403  # no CSRF token
    token = client.get("/thong-bao/").cookies["csrftoken"].value
    response = client.post(f"/api/notices/{first['id']}/read", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.get("/api/notices/unread-count").json() == {"unread": 24}
    assert client.get("/api/notices/?unread=true").json()["count"] == 24
    assert client.post("/api/notices/read-all", headers={"X-CSRFToken": token}).json() == {"marked": 24, "unread": 0}

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.post(f"/api/notices/{first['id']}/read").status_code == 404
    assert stranger.get("/api/notices/").json()["count"] == 0


def test_anonymous_callers_are_refused(client):
    assert client.get("/api/notices/").status_code == 401


def test_the_list_costs_the_same_queries_for_few_or_many(client, committed, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    with committed():
        notify(user, subject="Một", text="…", channels=["in_app"])
    with django_assert_max_num_queries(10) as few:
        client.get("/api/notices/")
    with committed():
        for n in range(30):
            notify(user, subject=f"Số {n}", text="…", channels=["in_app"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/notices/").json()["items"]) == 20
