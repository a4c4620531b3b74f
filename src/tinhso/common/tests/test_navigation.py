"""The header menu is kept per user between pages (each entry's check is a query), worked out again at once
after any change made in the process, and after ``TINHSO_MENU_SECONDS`` for changes made elsewhere."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.common import navigation
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kept_menus(settings):
    settings.TINHSO_MENU_SECONDS = 60
    navigation._kept.clear()


def _fresh(user):
    """The user as the next request loads it (nothing kept on the object)."""
    return get_user_model().objects.get(pk=user.pk)


def _labels(user) -> list[str]:
    return [entry.label for entry in navigation.menu_for(_fresh(user))]


def test_the_menu_is_worked_out_once_and_then_kept_without_a_query():
    user = UserFactory()
    MembershipFactory(user=user, agency=AgencyFactory(), role=Role.RECEIVER)
    first = _labels(user)
    assert "Nhiệm vụ được giao" in first
    again = _fresh(user)
    with CaptureQueriesContext(connection) as captured:
        assert [entry.label for entry in navigation.menu_for(again)] == first
    assert not captured.captured_queries


def test_a_change_in_the_process_shows_at_once_and_each_user_has_their_own():
    officer, other = UserFactory(), UserFactory()
    assert "Nhiệm vụ được giao" not in _labels(officer)
    MembershipFactory(user=officer, agency=AgencyFactory(), role=Role.RECEIVER)
    assert "Nhiệm vụ được giao" in _labels(officer)
    assert "Nhiệm vụ được giao" not in _labels(other)


def test_a_change_made_elsewhere_shows_once_the_menu_expires(monkeypatch):
    user = UserFactory()
    assert "Nhiệm vụ được giao" not in _labels(user)
    changes = navigation._changes[0]
    MembershipFactory(user=user, agency=AgencyFactory(), role=Role.RECEIVER)
    navigation._changes[0] = changes  # as if another process had saved it: this one heard nothing
    assert "Nhiệm vụ được giao" not in _labels(user)
    now = navigation.time.monotonic()
    monkeypatch.setattr(navigation.time, "monotonic", lambda: now + 61)
    assert "Nhiệm vụ được giao" in _labels(user)
