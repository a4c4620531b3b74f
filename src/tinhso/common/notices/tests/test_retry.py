"""Each delivery is retried with backoff on the task queue: at once, in order, under the immediate backend the
tests use; at the scheduled moments under the database queue production runs; and failed for good after the
last retry or at the first permanent refusal."""

from __future__ import annotations

import datetime

import pytest
from django_tasks import task_backends

from tinhso.common.notices import Recipient, notify, services
from tinhso.common.notices.models import Delivery
from tinhso.common.notices.tests.conftest import RefusingGateway

pytestmark = pytest.mark.django_db

PERSON = Recipient(phone="0912345678")


def _sms(committed):
    with committed():
        notice = notify(PERSON, subject="Hồ sơ đã tiếp nhận", text="", sms="Hồ sơ đã tiếp nhận.")
    return notice.deliveries.get()


def test_a_gateway_that_fails_twice_then_recovers_sends_once_on_the_third_attempt(committed, flaky):
    flaky.failures = 2
    delivery = _sms(committed)
    delivery.refresh_from_db()
    assert len(flaky.calls) == 3 and len(flaky.delivered) == 1
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Delivery.Status.SENT, 3, "")
    assert [entry.get("error") for entry in delivery.history] == [
        "gateway did not answer within 10 s", "gateway did not answer within 10 s", None]


def test_a_gateway_that_never_recovers_fails_the_delivery_after_the_last_retry(committed, flaky, settings):
    flaky.failures = 100
    delivery = _sms(committed)
    delivery.refresh_from_db()
    assert services.max_attempts() == len(settings.TINHSO_NOTICE_RETRY_DELAYS) + 1 == 6
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 6)
    assert delivery.last_error == "gateway did not answer within 10 s" and not delivery.permanent
    assert delivery.failed_at is not None and len(flaky.calls) == 6 and flaky.delivered == []


def test_a_permanent_refusal_is_not_retried(committed, settings):
    settings.TINHSO_SMS_BACKEND = f"{RefusingGateway.__module__}.RefusingGateway"
    delivery = _sms(committed)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.permanent) == (Delivery.Status.FAILED, 1, True)
    assert "số thuê bao không tồn tại" in delivery.last_error


def test_the_retry_schedule_backs_off_and_is_the_same_every_time(settings):
    settings.TINHSO_NOTICE_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]
    for attempt, base in enumerate([60, 300, 1800, 7200, 21600], start=1):
        for delivery_id in (1, 2, 977, 10**6):
            delay = services.retry_delay(attempt, delivery_id).total_seconds()
            assert base <= delay <= base * 1.1
            assert delay == services.retry_delay(attempt, delivery_id).total_seconds()
    assert services.retry_delay(1, 1) != services.retry_delay(1, 2)  # deliveries failed together spread out


def test_a_failed_attempt_queues_the_next_one_at_its_moment_where_the_queue_can_defer(
        committed, flaky, clock, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    flaky.failures = 1
    delivery = _sms(committed)
    backend = task_backends["default"]
    (first,) = backend.results
    assert first.args == [delivery.pk] and first.task.run_after is None
    with committed():
        assert services.attempt(delivery.pk) == "retry"
    retry = backend.results[-1]
    assert retry.args == [delivery.pk]
    assert retry.task.run_after == clock() + services.retry_delay(1, delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == retry.task.run_after and delivery.status == Delivery.Status.PENDING


def _run_ready_tasks() -> int:
    """What ``tinhso db_worker`` does, one task at a time, until nothing is ready now."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])
    ran = 0
    while (result := DBTaskResult.objects.ready().filter(backend_name="default").get_locked()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def test_on_the_database_queue_each_retry_waits_for_its_moment(committed, flaky, clock, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    flaky.failures = 2
    delivery = _sms(committed)
    assert flaky.calls == []  # queued, not sent: the worker sends
    with committed():
        assert _run_ready_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    first_wait = services.retry_delay(1, delivery.pk)
    assert delivery.next_attempt_at == clock() + first_wait
    clock.advance(seconds=first_wait.total_seconds() - 1)
    with committed():
        assert _run_ready_tasks() == 0  # not yet
    clock.advance(seconds=1)
    with committed():
        assert _run_ready_tasks() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == clock() + services.retry_delay(2, delivery.pk)
    clock.advance(hours=1)
    with committed():
        assert _run_ready_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert len(flaky.delivered) == 1


def test_a_delivery_whose_task_was_lost_is_queued_again_by_the_sweep(committed, flaky, clock, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "_enqueue", lambda delivery_id, when=None: queued.append(delivery_id))
    delivery = _sms(committed)
    assert queued == [delivery.pk]
    queued.clear()
    assert services.sweep() == 0  # just created: its task may still come
    clock.advance(minutes=6)
    assert services.sweep() == 1 and queued == [delivery.pk]
    # A delivery being sent right now (claimed by a worker) is left alone.
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=clock() + datetime.timedelta(minutes=5))
    queued.clear()
    assert services.sweep() == 0
