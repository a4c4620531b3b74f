"""The session store reads its row through a prebuilt statement and behaves as Django's database store."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.common.sessions import SessionStore
from tinhso.directory.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_platform_uses_this_store():
    assert settings.SESSION_ENGINE == "tinhso.common.sessions"


def test_a_saved_session_is_read_back_with_one_statement():
    store = SessionStore()
    store["colour"] = "xanh"
    store.create()
    again = SessionStore(store.session_key)
    with CaptureQueriesContext(connection) as seen:
        assert again["colour"] == "xanh"
    assert len(seen.captured_queries) == 1


def test_an_expired_or_unknown_session_is_empty_and_its_key_forgotten():
    store = SessionStore()
    store["colour"] = "xanh"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert "colour" not in expired and expired.session_key is None
    unknown = SessionStore("khongtontai12345678901234567890a")
    assert unknown.load() == {} and unknown.session_key is None


def test_a_signed_in_officer_stays_signed_in_and_a_deactivated_one_is_signed_out(client):
    user = UserFactory(username="canbo.phien")
    client.force_login(user)
    assert client.get("/").wsgi_request.user == user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not client.get("/").wsgi_request.user.is_authenticated
