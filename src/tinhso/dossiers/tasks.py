"""Background work of the one-stop engine (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from tinhso.dossiers.notices import send_notice


@task()
def send_applicant_notice(event_id: int) -> dict:
    """Notify the applicant of one dossier event (enqueued after the transition commits)."""
    return send_notice(event_id)
