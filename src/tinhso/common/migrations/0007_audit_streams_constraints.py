# Step 3: every entry has its place; the position is required and unique in its stream, and the single
# head that serialised every append is gone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0006_audit_streams_migrate_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(verbose_name="số thứ tự trong luồng"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("stream", "seq"), name="audit_entry_stream_seq"),
        ),
        migrations.DeleteModel(
            name="ChainHead",
        ),
    ]
