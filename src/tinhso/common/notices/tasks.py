"""Background work of the notice service (django-tasks): one task tries one delivery once."""

from __future__ import annotations

from django_tasks import task


@task()
def send_delivery(delivery_id: int) -> str:
    """Claim the delivery, hand it to its channel, record the outcome and queue the retry if one is due."""
    from tinhso.common.notices.services import attempt

    return attempt(delivery_id)
