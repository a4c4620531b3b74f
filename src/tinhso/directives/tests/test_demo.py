"""The demo register: a year of directives with tasks in every state, extensions, overdue ones, numbers for the
operations centre, a consistent audit chain, and nothing duplicated by a second run."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from tinhso.common import audit
from tinhso.directives.demo import load_demo_directives
from tinhso.directives.models import Directive, Extension, Task, TaskState
from tinhso.directory.demo import load_demo_directory
from tinhso.geo.services import load_units

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 25, 3, 0, tzinfo=datetime.UTC)


def test_a_year_of_demo_directives_covers_every_state_and_loads_once(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    code = settings.TINHSO_PROVINCE_CODE
    load_units()
    load_demo_directory(code, "mat-khau-thu")
    summary = load_demo_directives(code, "mat-khau-thu")
    assert summary["directives"] >= 25 and summary["tasks"] >= 60
    states = set(Task.objects.values_list("state", flat=True))
    assert states == set(TaskState.values)
    assert Task.objects.filter(state=TaskState.DONE, done_on_time=False).exists()
    assert Task.objects.filter(state__in=(TaskState.ASSIGNED, TaskState.IN_PROGRESS), due_at__lt=NOW).exists()
    assert Extension.objects.filter(state="approved").exists()
    assert Task.objects.exclude(due_at=F("original_due_at")).exists()
    assert audit.verify().ok
    assert load_demo_directives(code, "mat-khau-thu") == {}
    assert Directive.objects.count() == summary["directives"]

