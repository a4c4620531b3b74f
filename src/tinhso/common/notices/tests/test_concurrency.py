"""A delivery is sent by one worker however many pick up its task at the same moment (a task run twice, the
sweep racing the queue): the claim lets one through, the others skip it."""

from __future__ import annotations

import threading
import time

import pytest

from tinhso.common.notices import Recipient, notify, services
from tinhso.common.notices.models import Delivery
from tinhso.common.notices.sms import SmsBackend
from tinhso.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)

SENT: list[str] = []
LOCK = threading.Lock()


class SlowGateway(SmsBackend):
    """Takes a while to answer, so that every competing worker arrives while the first is still sending."""

    def send(self, phone: str, text: str) -> None:
        time.sleep(0.3)
        with LOCK:
            SENT.append(text)


def test_competing_workers_send_a_delivery_once(settings, monkeypatch):
    settings.TINHSO_SMS_BACKEND = f"{__name__}.SlowGateway"
    SENT.clear()
    monkeypatch.setattr(services, "_enqueue", lambda delivery_id, when=None: None)  # the workers below send
    notice = notify(Recipient(phone="0912345678"), subject="Kết quả đã có", text="", sms="Kết quả đã có.")
    delivery_id = notice.deliveries.get().pk
    results = run_together(lambda i: services.attempt(delivery_id), 6)
    assert results.count("sent") == 1 and results.count("skipped") == 5, results
    assert SENT == ["Ket qua da co."]
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)


def test_a_worker_that_died_while_sending_leaves_the_delivery_to_another_once_its_lease_runs_out(
        settings, monkeypatch):
    import datetime

    from django.utils import timezone

    settings.TINHSO_SMS_BACKEND = "memory"
    monkeypatch.setattr(services, "_enqueue", lambda delivery_id, when=None: None)
    notice = notify(Recipient(phone="0912345678"), subject="x", text="", sms="x")
    delivery = notice.deliveries.get()
    assert services._claim(delivery.pk) is not None  # a worker claims it, then dies
    assert services.attempt(delivery.pk) == "skipped"  # held: nobody else sends it meanwhile
    later = timezone.now() + services.LEASE + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert services.attempt(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == Delivery.Status.SENT
