"""`tinhso worker`: the background-task worker, with a heartbeat so that the tasks of a dead worker run again.

The same options as django-tasks-db's `db_worker` (queues, interval, batch, max tasks…); any number of them may
run on one database, on one machine or many (see ``tinhso.common.workers``).
"""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from tinhso.common.workers import Heart


class ReliableWorker(db_worker.Worker):
    """django-tasks-db's worker, with a heart beating beside it while it runs."""

    def run(self) -> None:
        heart = Heart(self.worker_id)
        heart.start()
        try:
            super().run()
        finally:
            heart.stop()


class Command(db_worker.Command):
    help = ("Chạy tiến trình tác vụ nền (gửi thông báo…); chạy được nhiều tiến trình trên một cơ sở dữ liệu, "
            "tác vụ của tiến trình bị dừng đột ngột được chạy lại.")

    def handle(self, *args, **options):
        original = db_worker.Worker
        db_worker.Worker = ReliableWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
