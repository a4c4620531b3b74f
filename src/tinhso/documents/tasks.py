"""Background work of the document registers, run by the task queue (``tinhso worker``): packages and status
messages to other deployments, at least once, retried with backoff until the transport accepts them."""

from __future__ import annotations

from django_tasks import task


def _again(task_function, attempt: int, *args) -> bool:
    from tinhso.documents.delivery import MAX_ATTEMPTS, backoff
    from tinhso.exchange.tasks import when

    if attempt >= MAX_ATTEMPTS:
        return False
    later = when(backoff(attempt).total_seconds())
    if later is None:
        return False  # the immediate backend runs tasks inline: the caller sees the failure instead
    task_function.using(run_after=later).enqueue(*args, attempt + 1)
    return True


@task()
def send_package(recipient_id: int, business_type: int, attempt: int = 1) -> dict:
    """Send one document package (or its revoke/update) to one remote recipient."""
    from tinhso.documents.delivery import DeliveryFailed, send_remote

    try:
        send_remote(recipient_id, business_type)
    except DeliveryFailed as failure:
        retried = not failure.final and _again(send_package, attempt, recipient_id, business_type)
        return {"sent": False, "error": str(failure), "retrying": retried}
    return {"sent": True}


@task()
def send_status_package(organ_id: str, package: str, key: str, attempt: int = 1) -> dict:
    """Send one status message back to the sender of an incoming document."""
    from tinhso.documents.delivery import DeliveryFailed, _transport

    try:
        _transport[0].deliver(organ_id, package.encode("utf-8"), key=key)
    except DeliveryFailed as failure:
        retried = not failure.final and _again(send_status_package, attempt, organ_id, package, key)
        return {"sent": False, "error": str(failure), "retrying": retried}
    return {"sent": True}


@task()
def verify_archive_fixity() -> dict:
    """Re-verify the SHA-256 of every record in the electronic archive (schedule it, e.g. nightly)."""
    from tinhso.documents.archive import verify_fixity

    return verify_fixity()


@task()
def archive_dossier_result(dossier_id: int) -> dict:
    """Move a returned dossier's result files into the electronic archive (queued in the return's transaction)."""
    from tinhso.documents.archive import archive_dossier_result as archive_result

    kept = archive_result(dossier_id)
    return {"archived": kept.pk if kept is not None else None}
