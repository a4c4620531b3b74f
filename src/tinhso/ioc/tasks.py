"""Background work of the operations room (django-tasks): the alert rules evaluated and the daily briefings
sent, for deployments that schedule tasks rather than run ``tinhso ioc alerts|briefing --every``."""

from __future__ import annotations

from django_tasks import task


@task()
def evaluate_alerts() -> int:
    """Evaluate every indicator rule once; returns how many alerts were raised."""
    from tinhso.ioc.alerts import evaluate

    return len(evaluate().raised)


@task()
def send_briefings() -> int:
    """Send the day's briefings once the set hour has come; returns how many were sent."""
    from tinhso.ioc.briefing import send_briefings as send

    return send()
