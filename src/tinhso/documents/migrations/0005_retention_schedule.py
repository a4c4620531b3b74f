"""The retention schedule's usual lines (Thông tư 10/2022/TT-BNV, thời hạn bảo quản tài liệu), editable in the
admin with their legal source."""

from django.db import migrations

SOURCE = "Thông tư 10/2022/TT-BNV quy định thời hạn bảo quản tài liệu"
LINES = [("vinh-vien", "Vĩnh viễn", None), ("70-nam", "70 năm", 70), ("50-nam", "50 năm", 50),
         ("20-nam", "20 năm", 20), ("10-nam", "10 năm", 10), ("5-nam", "5 năm", 5)]


def seed(apps, schema_editor):
    RetentionPeriod = apps.get_model("documents", "RetentionPeriod")
    RetentionPeriod.objects.bulk_create([RetentionPeriod(code=code, name=name, years=years, legal_source=SOURCE)
                                         for code, name, years in LINES])


def unseed(apps, schema_editor):
    apps.get_model("documents", "RetentionPeriod").objects.filter(code__in=[line[0] for line in LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_archive")]
    operations = [migrations.RunPython(seed, unseed)]
