"""Monthly counts of the tasks by lead agency, the month of their due moment and their outcome, kept with the
tasks so that the operations centre's numbers never scan the task table (ARCHITECTURE: indicators read
rollups maintained with the records, and a rebuild proves they agree).

A task counts in one row: (lead agency, the month its approved due moment falls in, ``open`` / ``on_time`` /
``late``); a cancelled task or one without a due moment counts nowhere. The services move a task's count in
the transaction that changes it (assignment, confirmation, cancellation, an approved extension) with one
upsert per row (``INSERT … ON CONFLICT DO UPDATE``, on PostgreSQL and SQLite alike), so concurrent actions
never lose a count. ``tinhso directives rollups --verify`` recomputes them from the tasks and names any
difference; ``--rebuild`` rewrites them.
"""

from __future__ import annotations

import datetime

from django.db import connection, models, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from tinhso.common.workdays import to_local

OPEN, ON_TIME, LATE = "open", "on_time", "late"


class TaskMonth(models.Model):
    """How many tasks of a lead agency fall due in a month, by outcome."""

    lead_agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("tháng đến hạn")
    bucket = models.CharField("kết quả", max_length=10)
    tasks = models.IntegerField("số nhiệm vụ", default=0)

    class Meta:
        app_label = "directives"
        verbose_name = "số nhiệm vụ theo tháng"
        verbose_name_plural = "số nhiệm vụ theo tháng"
        constraints = [models.UniqueConstraint(fields=["lead_agency", "month", "bucket"],
                                               name="directives_taskmonth_key")]
        indexes = [models.Index(fields=["month", "bucket"], name="directives_taskmonth_month")]

    def __str__(self) -> str:
        return f"{self.lead_agency_id} {self.month:%Y-%m} {self.bucket}: {self.tasks}"


def month_of(moment: datetime.datetime | datetime.date) -> datetime.date:
    return to_local(moment).date().replace(day=1)


def key_of(task) -> tuple[int, datetime.date, str] | None:
    """The row a task counts in, or None."""
    from tinhso.directives.models import OPEN_STATES, TaskState

    if task.due_at is None or task.state == TaskState.CANCELLED:
        return None
    bucket = OPEN if task.state in OPEN_STATES else ON_TIME if task.done_on_time else LATE
    return task.lead_agency_id, month_of(task.due_at), bucket


def _add(key: tuple[int, datetime.date, str], delta: int) -> None:
    table = connection.ops.quote_name(TaskMonth._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (lead_agency_id, month, bucket, tasks) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (lead_agency_id, month, bucket) DO UPDATE SET tasks = {table}.tasks + %s",
            [key[0], key[1], key[2], delta, delta])


def move(before, after) -> None:
    """Move one task's count from the row ``before`` to the row ``after`` (either may be None)."""
    if before == after:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rollups.move must run in the transaction that changes the task")
    if before is not None:
        _add(before, -1)
    if after is not None:
        _add(after, 1)


def computed() -> dict[tuple, int]:
    """The rows as the tasks give them now (one grouped query over the task table)."""
    from tinhso.common.workdays import VIETNAM
    from tinhso.directives.models import OPEN_STATES, Task, TaskState

    rows = (Task.objects.exclude(state=TaskState.CANCELLED).filter(due_at__isnull=False)
            .annotate(month=TruncMonth("due_at", output_field=models.DateField(), tzinfo=VIETNAM))
            .values("lead_agency_id", "month", "state", "done_on_time").annotate(n=Count("pk")).order_by())
    found: dict[tuple, int] = {}
    for row in rows:
        bucket = OPEN if row["state"] in OPEN_STATES else ON_TIME if row["done_on_time"] else LATE
        key = (row["lead_agency_id"], row["month"], bucket)
        found[key] = found.get(key, 0) + row["n"]
    return found


def stored() -> dict[tuple, int]:
    return {(r.lead_agency_id, r.month, r.bucket): r.tasks for r in TaskMonth.objects.exclude(tasks=0)}


def verify() -> list[str]:
    """The differences between the stored rows and the tasks (empty when they agree)."""
    expected, actual = computed(), stored()
    return [f"{key[0]} {key[1]:%Y-%m} {key[2]}: {actual.get(key, 0)} ≠ {expected.get(key, 0)}"
            for key in sorted(set(expected) | set(actual), key=str) if expected.get(key, 0) != actual.get(key, 0)]


@transaction.atomic
def rebuild() -> int:
    """Rewrite every row from the tasks; returns the number of rows."""
    rows = computed()
    TaskMonth.objects.all().delete()
    TaskMonth.objects.bulk_create([TaskMonth(lead_agency_id=agency, month=month, bucket=bucket, tasks=n)
                                   for (agency, month, bucket), n in rows.items()], batch_size=5000)
    return len(rows)


def sums(months: models.QuerySet, by: str | None = None):
    """Sum the rows by bucket (and by ``by``: ``lead_agency_id`` or ``month``)."""
    fields = ["bucket"] if by is None else [by, "bucket"]
    return months.values(*fields).annotate(n=Sum("tasks")).order_by()
