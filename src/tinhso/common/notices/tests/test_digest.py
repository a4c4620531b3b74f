"""Digests: one per person per period (the directives' weekly overdue list, the operations room's daily
briefing), composed in the person's language, never twice however many workers send them."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils.translation import get_language

from tinhso.common.notices import NoticeContent, Recipient, digest_key, period_key, send_digest
from tinhso.common.notices.models import Notice
from tinhso.common.workdays import VIETNAM
from tinhso.directory.tests.factories import UserFactory
from tinhso.testing.concurrency import run_together

pytestmark = pytest.mark.django_db


def test_periods_are_named_in_vietnams_time():
    late_sunday = datetime.datetime(2026, 3, 8, 23, 30, tzinfo=VIETNAM)  # 16:30 UTC
    assert period_key("day", late_sunday) == "2026-03-08"
    assert period_key("week", late_sunday) == "2026-W10"
    assert period_key("week", late_sunday + datetime.timedelta(hours=1)) == "2026-W11"
    assert period_key("month", late_sunday) == "2026-03"
    with pytest.raises(ValueError):
        period_key("fortnight", late_sunday)


def test_one_digest_per_person_per_period(committed):
    leader = UserFactory(email="lanhdao@nghean.gov.vn")
    composed = []

    def compose():
        composed.append(get_language())
        return NoticeContent(subject="Nhiệm vụ quá hạn tuần 10", text="3 nhiệm vụ quá hạn.", link="/nhiem-vu/")

    with committed():
        first = send_digest(leader, topic="directives.overdue", period="2026-W10", compose=compose,
                            channels=["email", "in_app"])
        again = send_digest(leader, topic="directives.overdue", period="2026-W10", compose=compose)
        next_week = send_digest(leader, topic="directives.overdue", period="2026-W11", compose=compose)
    assert first is not None and again is None and next_week is not None
    assert composed == ["vi", "vi"]  # not composed again for a period already sent
    assert first.kind == "digest:directives.overdue" and first.key == f"digest:directives.overdue:2026-W10:u{leader.pk}"
    assert len(mail.outbox) == 2


def test_nothing_to_tell_sends_nothing(committed):
    with committed():
        assert send_digest(UserFactory(), topic="room.briefing", period="2026-03-02", compose=lambda: None) is None
    assert not Notice.objects.exists()


def test_a_digest_to_an_address_is_keyed_without_the_address():
    key = digest_key("room.briefing", "2026-03-02", Recipient(email="Binh@Example.vn"))
    assert "binh" not in key.lower() and key == digest_key("room.briefing", "2026-03-02",
                                                            Recipient(email="binh@example.vn"))
    with pytest.raises(ValueError):
        digest_key("room.briefing", "2026-03-02", Recipient())


def test_a_digest_is_composed_in_the_persons_language(committed):
    composed = []

    def compose():
        composed.append(get_language())
        return NoticeContent(subject="Daily briefing", text="…")

    with committed():
        send_digest(Recipient(email="guest@example.org", language="en"), topic="room.briefing",
                    period="2026-03-02", compose=compose)
    assert composed == ["en"]


@pytest.mark.django_db(transaction=True)
def test_several_workers_sending_the_same_digests_send_each_once():
    leaders = [UserFactory(email=f"lanhdao{n}@nghean.gov.vn") for n in range(3)]

    def worker(i):  # six workers at once, two on each leader's digest
        notice = send_digest(leaders[i % 3], topic="room.briefing", period="2026-03-02",
                             compose=lambda: NoticeContent(subject="Bản tin điều hành", text="…"),
                             channels=["in_app"])
        return notice is not None

    results = run_together(worker, 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 3
    assert sorted(Notice.objects.values_list("user_id", flat=True)) == sorted(leader.pk for leader in leaders)
