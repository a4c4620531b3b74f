"""Dossier codes number through the platform's one counter mechanism (``common.SeriesCounter``): the
per-agency, per-day rows move there as the series ``dossier-code:<agency pk>``, then the old table goes."""

from django.db import migrations


def forwards(apps, schema_editor):
    DossierCounter = apps.get_model("dossiers", "DossierCounter")
    SeriesCounter = apps.get_model("common", "SeriesCounter")
    SeriesCounter.objects.bulk_create(
        [SeriesCounter(series=f"dossier-code:{row.agency_id}", period=row.day.isoformat(), last=row.last)
         for row in DossierCounter.objects.iterator(chunk_size=5000)],
        batch_size=5000,
    )


def backwards(apps, schema_editor):
    import datetime

    DossierCounter = apps.get_model("dossiers", "DossierCounter")
    SeriesCounter = apps.get_model("common", "SeriesCounter")
    rows = SeriesCounter.objects.filter(series__startswith="dossier-code:")
    DossierCounter.objects.bulk_create(
        [DossierCounter(agency_id=int(row.series.split(":", 1)[1]), day=datetime.date.fromisoformat(row.period),
                        last=row.last) for row in rows.iterator(chunk_size=5000)],
        batch_size=5000,
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0004_series_counter"),
        ("dossiers", "0002_digitised_flags"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="DossierCounter"),
    ]
