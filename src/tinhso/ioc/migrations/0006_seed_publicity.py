"""Brings existing registries up to date with the QĐ 766 publicity indicator (procedures published on time)
and the dimensions reader-based indicators break down by: the registry is seeded again through the
historical model, as 0002 does; ``seed_registry`` updates rows in place, so running it twice changes nothing."""

from django.db import migrations


def seed(apps, schema_editor):
    from tinhso.ioc.indicators import seed_registry

    seed_registry(apps.get_model("ioc", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("ioc", "0005_full_online"), ("catalogue", "0002_version_decision")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
