"""The demo dossiers: every state, mostly on time, a consistent audit chain, and no duplicates."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from tinhso.catalogue.demo import load_demo_catalogue
from tinhso.common import audit
from tinhso.directory.demo import load_demo_directory
from tinhso.dossiers import deadlines
from tinhso.dossiers.demo import load_demo_dossiers
from tinhso.dossiers.models import ApplicantKind, Channel, Dossier, DossierEvent, State
from tinhso.geo.services import load_units

pytestmark = pytest.mark.django_db

DAYS = 30


@pytest.fixture
def demo_province():
    code = settings.TINHSO_PROVINCE_CODE
    load_units()
    load_demo_directory(code, "mat-khau-thu")
    load_demo_catalogue(code)
    return code


# The month ends at a fixed moment, so that the dates it covers are the same on every run.
MONTH_END = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)
QUARTER_END = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)


def test_a_month_of_demo_dossiers_covers_every_state(demo_province, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MONTH_END)
    before = timezone.now()
    created = load_demo_dossiers(demo_province, days=DAYS)

    dossiers = list(Dossier.objects.all())
    assert created == len(dossiers) > 50
    assert {d.state for d in dossiers} == set(State.values)
    assert {d.channel for d in dossiers} >= {Channel.ONLINE, Channel.COUNTER}
    assert any(d.applicant_kind == ApplicantKind.ORGANISATION for d in dossiers)
    people = [d for d in dossiers if d.applicant_kind == ApplicantKind.PERSON]
    assert all(len(d.applicant_id_number) == 12 and d.applicant_id_number.startswith("040") for d in people)
    assert all(d.applicant_phone.startswith("09") and len(d.applicant_phone) == 10 for d in dossiers)

    # Everything happened in the simulated month, and the clock went back to the real one afterwards.
    assert all(d.submitted_at <= before for d in dossiers)
    assert min(d.submitted_at for d in dossiers) < before - datetime.timedelta(days=DAYS - 5)
    assert timezone.now() >= before

    actions = set(DossierEvent.objects.values_list("action", flat=True))
    assert {"submit_online", "receive", "receive_at_counter", "assign", "forward", "approve", "return_result",
            "request_supplement", "provide_supplement", "refuse", "stop_processing", "withdraw",
            "record_payment"} <= actions
    # A supplement that arrives after reception restarts the clock (NĐ 61/2018 Art. 19).
    restarted = Dossier.objects.filter(supplement_count__gt=0, clock_started_at__gt=F("received_at"))
    assert restarted.exists()

    assert audit.verify().ok


def test_a_quarter_of_demo_dossiers_is_mostly_on_time_with_realistic_lateness(demo_province, monkeypatch):
    """Lateness is judged over a quarter: in one month only a handful of results are late, and those that
    finish within the month are mostly the ones late by hours (the longer delays end after it)."""
    monkeypatch.setattr(timezone, "now", lambda: QUARTER_END)
    load_demo_dossiers(demo_province, days=90, per_day=4)
    finished = [deadlines.dossier_status(d) for d in Dossier.objects.all() if deadlines.dossier_finished_at(d)]
    kinds = [status.kind for status in finished]
    assert {deadlines.EARLY, deadlines.ON_TIME, deadlines.LATE} <= set(kinds)
    on_time = sum(kind != deadlines.LATE for kind in kinds) / len(kinds)
    assert 0.75 <= on_time <= 0.97, on_time
    # Late by up to 10 working days (or by a few hours on a limit in working hours).
    assert all(s.working_days_late <= 12 for s in finished if s.kind == deadlines.LATE)
    assert any(s.working_days_late >= 2 for s in finished if s.kind == deadlines.LATE)

    # Apologies are issued once and move the due date.
    apologised = Dossier.objects.filter(apology_issued_at__isnull=False)
    assert apologised.exists()
    for dossier in apologised:
        assert dossier.original_due_at < dossier.due_at
        assert dossier.events.filter(action="issue_apology").count() == 1


def test_loading_again_adds_nothing(demo_province):
    assert load_demo_dossiers(demo_province, days=5, per_day=4) > 0
    counts = (Dossier.objects.count(), DossierEvent.objects.count(), audit.AuditEntry.objects.count())
    assert load_demo_dossiers(demo_province, days=5, per_day=4) == 0
    assert (Dossier.objects.count(), DossierEvent.objects.count(), audit.AuditEntry.objects.count()) == counts
