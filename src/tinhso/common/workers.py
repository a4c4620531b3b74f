"""Background workers that lose no task: a heartbeat per worker, and the tasks of a dead worker run again.

The task queue lives in the database (``django-tasks-db``): a worker claims the next ready task with
``SELECT … FOR UPDATE SKIP LOCKED`` and marks it running, so two workers, on one machine or many, never take the
same task. If a worker dies while running one (killed, its machine lost), the task would stay "running"
forever. Here every worker started by ``tinhso worker`` keeps a :class:`WorkerHeartbeat` row fresh every
``TASK_WORKER_HEARTBEAT_SECONDS`` from a thread of its own; every worker, on the same rhythm, puts back in the
queue each running task whose worker has not beaten for ``TASK_WORKER_STALE_SECONDS`` (locking those task rows
with SKIP LOCKED, so two workers never put one back twice). A task that was running when its worker died runs
once more: a notice is then sent at least once, never lost (an e-mail already handed to the mail server at
the moment of the crash goes out twice).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, models, router, transaction
from django.utils import timezone

logger = logging.getLogger("tinhso.workers")


class WorkerHeartbeat(models.Model):
    """A running task worker and the last moment it was seen alive."""

    worker_id = models.CharField("mã tiến trình", max_length=64, unique=True)
    host = models.CharField("máy", max_length=255)
    pid = models.PositiveIntegerField("số hiệu tiến trình")
    started_at = models.DateTimeField("bắt đầu", default=timezone.now)
    beat_at = models.DateTimeField("lần cuối còn chạy", default=timezone.now, db_index=True)

    class Meta:
        app_label = "common"
        verbose_name = "tiến trình tác vụ nền"
        verbose_name_plural = "tiến trình tác vụ nền"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


def heartbeat_seconds() -> float:
    return float(getattr(settings, "TINHSO_TASK_WORKER_HEARTBEAT_SECONDS", 5))


def stale_seconds() -> float:
    return float(getattr(settings, "TINHSO_TASK_WORKER_STALE_SECONDS", 30))


def beat(worker_id: str) -> None:
    """Record that ``worker_id`` is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "beat_at": timezone.now()},
    )


def requeue_orphans() -> list[str]:
    """Put back in the queue every running task whose worker stopped beating; return their ids."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=timezone.now() - timedelta(seconds=stale_seconds()))
                .values_list("worker_id", flat=True))
    requeued = []
    with transaction.atomic():
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        if connection.features.has_select_for_update_skip_locked:
            running = running.select_for_update(skip_locked=True)
        for task in running:
            owner = task.worker_ids[-1] if task.worker_ids else ""
            if owner in alive:
                continue
            task.status = TaskResultStatus.READY
            task.started_at = None
            task.save(update_fields=["status", "started_at"])
            requeued.append(str(task.id))
            logger.warning("task %s (%s) was running in worker %s, which stopped: queued again", task.id,
                           task.task_path, owner or "?")
    return requeued


class Heart(threading.Thread):
    """Beats for the worker and looks for orphaned tasks, every heartbeat, until stopped."""

    def __init__(self, worker_id: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                beat(self.worker_id)
                requeue_orphans()
            except Exception:
                logger.exception("heartbeat of worker %s failed", self.worker_id)
            self.stopped.wait(heartbeat_seconds())
        connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=heartbeat_seconds() + 5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def enqueue_in_transaction(task, *args, run_after=None) -> None:
    """Queue ``task(*args)`` to run only if the caller's transaction commits (at ``run_after`` where the queue
    can defer). With the database queue its row is written in that very transaction: a rollback leaves no
    task, a commit cannot lose it, and no second transaction (with its own commit) is paid for it. With a
    queue outside the database (the immediate backend of development and tests), or outside a transaction,
    it is queued after the commit; a queue that cannot be reached then never fails the caller (logged)."""
    backend = task.get_backend()
    if run_after is not None and backend.supports_defer:
        task = task.using(run_after=run_after)
    if connection.in_atomic_block and _queue_in(backend, connection.alias):
        _write_task_row(backend, task, args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)


def _write_task_row(backend, task, args: tuple) -> None:
    """The database queue's row for ``task(*args)``, the one its ``enqueue`` would create, written as a
    statement of its own that a :class:`tinhso.common.statements.gathered` block (a dossier transition's)
    sends together with the other writes that follow the transition — no round trip of its own."""
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult

    from tinhso.common import statements

    backend.validate_task(task)
    row = DBTaskResult(id=backend._get_id(), args_kwargs=normalize_json({"args": args, "kwargs": {}}),
                       priority=task.priority, task_path=task.module_path, queue_name=task.queue_name,
                       run_after=task.run_after, backend_name=backend.alias)
    statements.run([statements.insert(row, with_key=True)], later=True)
    task_enqueued.send(type(backend), task_result=row.task_result)


def _queue_in(backend, alias: str) -> bool:
    """Whether ``backend`` keeps its tasks in the database ``alias``."""
    try:
        from django_tasks_db import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover — the database queue is a dependency of the platform
        return False
    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == alias
