"""Background work of the press and information module (the task queue; run by ``tinhso worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def check_websites() -> dict:
    """Check every licensed website in force (``media.monitoring``)."""
    from tinhso.media.monitoring import check_all

    return check_all()


@task()
def notify_expiring_licences() -> int:
    from tinhso.media.services import notify_expiring_licences as run

    return run()
