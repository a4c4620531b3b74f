"""The indicator registry comes with the migrations (like the calendar schedules): computed one-stop
indicators and the indicators agencies report. `tinhso ioc seed` brings an existing registry up to date."""

from django.db import migrations


def seed(apps, schema_editor):
    from tinhso.ioc.indicators import seed_registry

    seed_registry(apps.get_model("ioc", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("ioc", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
