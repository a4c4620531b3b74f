"""Background work of the gateway, run by the task queue (``tinhso db_worker``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task


def when(seconds: float) -> datetime.datetime | None:
    """A moment ``seconds`` from now for ``run_after``, or None where the queue runs tasks at once."""
    from django_tasks import default_task_backend

    if not getattr(default_task_backend, "supports_defer", False):
        return None
    return timezone.now() + datetime.timedelta(seconds=seconds)


@task()
def seal_message_log() -> dict:
    """Chain the message log's new records and close them in sealed batches."""
    from tinhso.exchange import seals

    result = seals.chain()
    return {"chained": result.chained, "batches": result.batches}


@task()
def deliver_status_changes() -> dict:
    """Send the dossier status changes due to the national public-service portal."""
    from tinhso.exchange import outbox

    report = outbox.deliver()
    return {"delivered": report.delivered, "retrying": report.retrying, "dead": report.dead,
            "requests": report.requests, "error": report.error}
