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
    """Chain the message log's new records, close them in batches and timestamp the batches; while the
    timestamp authority does not answer, try again every ``EXCHANGE_SEAL_INTERVAL_SECONDS``."""
    from django.conf import settings

    from tinhso.exchange import seals

    run = seals.seal()
    if run.waiting or seals.status().unchained:
        later = when(settings.TINHSO_EXCHANGE_SEAL_INTERVAL)
        if later is not None:
            seal_message_log.using(run_after=later).enqueue()
    return {"chained": run.chained, "batches": run.batches, "stamped": run.stamped, "waiting": run.waiting,
            "error": run.error}


@task()
def deliver_status_changes() -> dict:
    """Send the dossier status changes due to the national public-service portal."""
    from tinhso.exchange import outbox

    report = outbox.deliver()
    return {"delivered": report.delivered, "retrying": report.retrying, "dead": report.dead,
            "requests": report.requests, "error": report.error}


@task()
def pull_national_catalogue(publish: bool = False, user_id: int | None = None) -> dict:
    """Take the procedure catalogue from the national database (asked from the exchange page)."""
    from django.contrib.auth import get_user_model

    from tinhso.exchange import catalogue_pull

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    sync = catalogue_pull.pull(publish=publish, by=user)
    return {"sync": sync.pk, "ok": sync.ok, "summary": catalogue_pull.summary(sync)}
