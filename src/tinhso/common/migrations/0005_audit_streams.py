# The audit chain in independent streams, sealed periodically (see tinhso.common.audit). Step 1: the new
# tables and columns; the entries are placed in their streams by 0006 and the old head removed by 0007.

from django.db import migrations, models

GENESIS = "0" * 64


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0004_series_counter"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveBigIntegerField(unique=True, verbose_name="số niêm phong")),
                ("sealed_at", models.DateTimeField(verbose_name="thời điểm niêm phong")),
                ("heads", models.JSONField(verbose_name="đầu các luồng")),
                ("entries", models.BigIntegerField(verbose_name="số bản ghi được niêm phong")),
                ("root", models.CharField(max_length=64, verbose_name="gốc Merkle")),
                ("previous_hash", models.CharField(max_length=64, verbose_name="mã băm niêm phong trước")),
                ("seal_hash", models.CharField(max_length=64, verbose_name="mã băm niêm phong")),
                ("timestamp_token", models.BinaryField(blank=True, null=True, verbose_name="dấu thời gian RFC 3161")),
                ("timestamp_time", models.DateTimeField(blank=True, null=True,
                                                        verbose_name="thời điểm theo dấu thời gian")),
                ("timestamp_error", models.CharField(blank=True, max_length=300,
                                                     verbose_name="lỗi lấy dấu thời gian")),
            ],
            options={
                "verbose_name": "niêm phong nhật ký kiểm toán",
                "verbose_name_plural": "niêm phong nhật ký kiểm toán",
                "ordering": ["number"],
            },
        ),
        migrations.CreateModel(
            name="AuditStream",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("head_seq", models.BigIntegerField(default=0, verbose_name="số bản ghi")),
                ("head_hash", models.CharField(default=GENESIS, max_length=64, verbose_name="mã băm cuối")),
            ],
            options={
                "verbose_name": "luồng nhật ký kiểm toán",
                "verbose_name_plural": "luồng nhật ký kiểm toán",
            },
        ),
        migrations.AddField(
            model_name="auditentry",
            name="stream",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="luồng"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="số thứ tự trong luồng"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(max_length=64, verbose_name="mã băm"),
        ),
    ]
