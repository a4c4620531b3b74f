"""The citizens' in-app notices move from the portal (``portal.Notification``) to the notice service: each row
becomes an in-app ``Notice`` of the same account, subject, text, moment and read state, concerning the same
dossier and linking to the citizen's page of it. The portal's table is dropped by its next migration."""

from django.db import migrations

BATCH = 2000


def forward(apps, schema_editor):
    Old = apps.get_model("portal", "Notification")
    Notice = apps.get_model("notices", "Notice")
    ContentType = apps.get_model("contenttypes", "ContentType")
    dossier_type = None
    batch = []
    rows = Old.objects.order_by("pk").values_list("user_id", "dossier_id", "dossier__code", "dossier__receiving_agency_id",
                                                  "subject", "text", "created_at", "read_at")
    for user_id, dossier_id, code, agency_id, subject, text, created_at, read_at in rows.iterator(chunk_size=BATCH):
        if dossier_id is not None and dossier_type is None:
            dossier_type, _ = ContentType.objects.get_or_create(app_label="dossiers", model="dossier")
        batch.append(Notice(
            user_id=user_id, kind="dossiers.event" if dossier_id else "", subject=subject, text=text,
            link=f"/ho-so-cua-toi/{code}/" if code else "", concerns_type=dossier_type if dossier_id else None,
            concerns_id=str(dossier_id) if dossier_id else "", agency_id=agency_id, in_app=True,
            created_at=created_at, read_at=read_at,
        ))
        if len(batch) >= BATCH:
            Notice.objects.bulk_create(batch)
            batch = []
    Notice.objects.bulk_create(batch)


def backward(apps, schema_editor):
    Old = apps.get_model("portal", "Notification")
    Notice = apps.get_model("notices", "Notice")
    Dossier = apps.get_model("dossiers", "Dossier")
    rows = Notice.objects.filter(in_app=True, user__isnull=False).order_by("pk")
    batch = []
    for notice in rows.iterator(chunk_size=BATCH):
        dossier_id = None
        if notice.concerns_type_id and notice.concerns_type.app_label == "dossiers" and notice.concerns_id.isdigit():
            dossier_id = int(notice.concerns_id) if Dossier.objects.filter(pk=int(notice.concerns_id)).exists() else None
        batch.append(Old(user_id=notice.user_id, dossier_id=dossier_id, subject=notice.subject, text=notice.text,
                         created_at=notice.created_at, read_at=notice.read_at))
        if len(batch) >= BATCH:
            Old.objects.bulk_create(batch)
            batch = []
    Old.objects.bulk_create(batch)
    Notice.objects.filter(in_app=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0001_initial"),
        ("portal", "0002_drafts_and_notifications"),
        ("dossiers", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
