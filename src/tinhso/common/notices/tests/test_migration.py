"""The citizens' notices kept by the portal before the notice service existed move to it, unread ones still
unread, each linking to the citizen's page of the dossier it concerns."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tinhso.dossiers.tests.factories import citizen, submitted_dossier

BEFORE = [("notices", "0001_initial"), ("portal", "0002_drafts_and_notifications")]


@pytest.mark.django_db(transaction=True)
def test_the_portals_notices_move_to_the_notice_service():
    from tinhso.common.notices.models import Notice

    user = citizen()
    dossier = submitted_dossier(user=user)
    Notice.objects.all().delete()  # the submission's own notice: only the portal's rows are wanted here
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Old = old.get_model("portal", "Notification")
    at = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)
    Old.objects.create(user_id=user.pk, dossier_id=dossier.pk, subject=f"Hồ sơ {dossier.code}: Đã tiếp nhận",
                       text="Kính gửi …", created_at=at, read_at=None)
    Old.objects.create(user_id=user.pk, dossier_id=None, subject="Phản ánh PAKN-260302-0001 đã được trả lời",
                       text="…", created_at=at, read_at=at)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    about_dossier, answered = Notice.objects.filter(user=user, in_app=True).order_by("subject")
    assert about_dossier.subject == f"Hồ sơ {dossier.code}: Đã tiếp nhận" and about_dossier.read_at is None
    assert about_dossier.concerns == dossier and about_dossier.link == f"/ho-so-cua-toi/{dossier.code}/"
    assert about_dossier.agency_id == dossier.receiving_agency_id and about_dossier.created_at == at
    assert answered.read_at == at and answered.concerns is None and answered.link == ""
    assert "portal_notification" not in connection.introspection.table_names()
