"""The results of returned dossiers in the electronic archive: a record may hold a dossier; the retention
schedule names the line results are kept under (permanent as delivered: nothing is disposed of until the
records office chooses a shorter line); the records carry their own search text (filled here for the records
already archived)."""

import django.db.models.deletion
from django.db import migrations, models

DOSSIER_RESULTS = "vinh-vien"


def forwards(apps, schema_editor):
    RetentionPeriod = apps.get_model("documents", "RetentionPeriod")
    ArchiveRecord = apps.get_model("documents", "ArchiveRecord")
    RetentionPeriod.objects.filter(code=DOSSIER_RESULTS).update(dossier_results=True)
    for item in ArchiveRecord.objects.select_related("outgoing", "incoming").iterator(chunk_size=500):
        owner = item.outgoing or item.incoming
        ArchiveRecord.objects.filter(pk=item.pk).update(search_text=owner.search_text if owner else "")


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_initial'),
        ('documents', '0006_disposal'),
        ('dossiers', '0005_fee_rules_and_return_choice'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='archiverecord',
            name='documents_archive_one_document',
        ),
        migrations.AddField(
            model_name='archiverecord',
            name='dossier',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='archive_record', to='dossiers.dossier', verbose_name='hồ sơ thủ tục hành chính'),
        ),
        migrations.AddField(
            model_name='archiverecord',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='retentionperiod',
            name='dossier_results',
            field=models.BooleanField(default=False, help_text='Kết quả của hồ sơ đã trả được lưu trữ với thời hạn này (chỉ một dòng của bảng).', verbose_name='dùng cho kết quả giải quyết thủ tục hành chính'),
        ),
        migrations.AddConstraint(
            model_name='archiverecord',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('dossier__isnull', True), ('incoming__isnull', True), ('outgoing__isnull', False)), models.Q(('dossier__isnull', True), ('incoming__isnull', False), ('outgoing__isnull', True)), models.Q(('dossier__isnull', False), ('incoming__isnull', True), ('outgoing__isnull', True)), _connector='OR'), name='documents_archive_one_owner'),
        ),
        migrations.AddConstraint(
            model_name='retentionperiod',
            constraint=models.UniqueConstraint(condition=models.Q(('dossier_results', True)), fields=('dossier_results',), name='documents_retention_one_for_dossier_results'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
