"""The satisfaction indicators the operations centre reads (QĐ 766/QĐ-TTg, standards §5), on a small set."""

from __future__ import annotations

import datetime

import pytest

from tinhso.common.workdays import VIETNAM
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import citizen, dossier_in_state, officer
from tinhso.portal.feedback import selectors, services
from tinhso.portal.feedback.models import Verdict

pytestmark = pytest.mark.django_db

MARCH = (datetime.datetime(2026, 3, 1, tzinfo=VIETNAM), datetime.datetime(2026, 4, 1, tzinfo=VIETNAM))
AT = datetime.datetime(2026, 3, 31, 12, 0, tzinfo=VIETNAM)


def _file(user, agency, subject):
    return services.file_complaint(user=user, kind="feedback", subject=subject, content="…", name="Bình",
                                   agency=agency)


@pytest.fixture
def march(clock):
    """Agency A in March 2026: six complaints — on time & satisfied, on time & not satisfied, late,
    refused (out of competence), overdue and unanswered, and one filed late in the month, not yet due."""
    agency, other = AgencyFactory(), AgencyFactory()
    user, handler = citizen(), officer(Role.HANDLER, agency)
    satisfied, unhappy, late, refused, _overdue = (_file(user, agency, s) for s in "abcde")
    _file(user, other, "other agency")
    clock.set(2026, 3, 5, 9, 0)
    services.answer_complaint(satisfied, actor=handler, answer="Đã xử lý.")
    services.give_verdict(satisfied, user=user, verdict=Verdict.SATISFIED)
    services.answer_complaint(unhappy, actor=handler, answer="Đã xử lý.")
    services.give_verdict(unhappy, user=user, verdict=Verdict.NOT_SATISFIED)
    services.refuse_complaint(refused, actor=handler, reason="Không thuộc thẩm quyền.")
    clock.set(2026, 3, 20, 9, 0)
    services.answer_complaint(late, actor=handler, answer="Đã xử lý (muộn).")
    _file(user, agency, "f")  # due 3/4: neither on time nor late yet
    clock.set(2026, 4, 2, 9, 0)
    _file(user, agency, "April")  # outside the period
    return agency, other


def test_counts_per_agency_and_period(march):
    agency, other = march
    counts = selectors.complaint_counts(*MARCH, agency, at=AT)
    assert counts == {"received": 6, "within_competence": 5, "refused": 1, "answered": 3, "decided": 4,
                      "on_time": 2, "late": 2, "not_satisfied": 1, "not_satisfied_or_late": 3}
    assert selectors.complaints_received(*MARCH, agency) == 6
    assert selectors.complaints_received(*MARCH) == 7
    assert selectors.complaint_counts_by_agency(*MARCH, at=AT)[agency.pk] == counts
    assert selectors.complaint_counts_by_agency(*MARCH, at=AT)[other.pk]["received"] == 1


def test_handled_on_time_is_on_time_over_complaints_within_competence(march):
    agency, other = march
    # 2 on time ÷ 4 decided within competence (the refused one and the not-yet-due one left out).
    assert selectors.complaints_on_time_rate(*MARCH, agency, at=AT) == 50.0
    # The other agency never answered its complaint (due 16/3): overdue, so not on time.
    assert selectors.complaints_on_time_rate(*MARCH, other, at=AT) == 0.0
    # Before its due moment it is neither on time nor late: nothing to measure yet.
    early = datetime.datetime(2026, 3, 10, tzinfo=VIETNAM)
    assert selectors.complaints_on_time_rate(*MARCH, other, at=early) is None


def test_satisfaction_subtracts_not_satisfied_or_late_once(march):
    agency, _ = march
    # (4 − [not satisfied, late, overdue]) ÷ 4.
    assert selectors.complaint_satisfaction_rate(*MARCH, agency, at=AT) == 25.0
    assert selectors.complaint_satisfaction_rate(*MARCH, [agency], at=AT) == 25.0


def test_rating_averages_and_the_period(clock):
    owner = citizen()
    first = dossier_in_state(State.RETURNED, user=owner)
    agency = first.receiving_agency
    second = dossier_in_state(State.RETURNED, version=first.procedure_version, agency=agency, user=owner)
    scores = {"overall_score": 5, "access_score": 4, "procedure_score": 4, "officer_score": 5, "result_score": 5}
    services.rate_dossier(dossier=first, user=owner, scores=scores)
    services.rate_dossier(dossier=second, user=owner, scores={**scores, "overall_score": 3, "access_score": 3})
    assert selectors.average_rating(*MARCH, agency) == 4.0
    assert selectors.rating_averages(*MARCH, agency) == {
        "ratings": 2, "overall_score": 4.0, "access_score": 3.5, "procedure_score": 4.0, "officer_score": 5.0,
        "result_score": 5.0}
    assert selectors.rating_satisfied_rate(*MARCH, agency) == 50.0
    assert selectors.average_rating(*MARCH, AgencyFactory()) is None
    assert [r.dossier for r in selectors.ratings_between(*MARCH)] == [first, second]
    april = (MARCH[1], MARCH[1] + datetime.timedelta(days=30))
    assert not selectors.ratings_between(*april).exists()
