# Step 2: the single chain becomes stream 0. The old chain is checked first, with its own rules; a broken
# one stops the migration (naming the entry), so that moving to streams never launders a tampered record.
# Then each entry, in the old order, gets its position 1, 2, 3… in stream 0 and its hash in the new form,
# and the sixteen stream heads are created.

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations

GENESIS = "0" * 64
STREAMS = 16
BATCH = 2000


def _canonical(value) -> str:
    value = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def _content(entry) -> dict:
    return {
        "at": entry.at.isoformat(), "actor": entry.actor_id, "actor_label": entry.actor_label,
        "request_id": entry.request_id, "action": entry.action, "object_type": entry.object_type,
        "object_id": entry.object_id, "summary": entry.summary, "before": entry.before, "after": entry.after,
    }


def _old_hash(entry) -> str:
    return hashlib.sha256(_canonical({**_content(entry), "previous_hash": entry.previous_hash}).encode()).hexdigest()


def _new_hash(entry, seq: int, previous: str) -> str:
    from datetime import UTC

    content = {**_content(entry), "at": entry.at.astimezone(UTC).isoformat()}
    content_hash = hashlib.sha256(_canonical(content).encode()).hexdigest()
    return hashlib.sha256(f"0|{seq}|{previous}|{content_hash}".encode()).hexdigest()


def to_streams(apps, schema_editor):
    AuditEntry = apps.get_model("common", "AuditEntry")
    AuditStream = apps.get_model("common", "AuditStream")
    ChainHead = apps.get_model("common", "ChainHead")
    old_previous, new_previous, seq, last_id = GENESIS, GENESIS, 0, 0
    batch = []
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=BATCH):
        if entry.previous_hash != old_previous or _old_hash(entry) != entry.entry_hash:
            raise RuntimeError(
                f"Chuỗi kiểm toán cũ hỏng tại bản ghi #{entry.pk} (tinhso audit verify của phiên bản trước sẽ chỉ "
                f"ra): không chuyển sang các luồng để không che dấu vết sửa đổi. Khôi phục bảng "
                f"common_auditentry từ bản sao lưu rồi chạy lại migrate. / The old audit chain is broken at "
                f"entry #{entry.pk}; restore it from a backup before migrating.")
        old_previous = entry.entry_hash
        seq += 1
        entry.stream, entry.seq, entry.previous_hash = 0, seq, new_previous
        entry.entry_hash = _new_hash(entry, seq, new_previous)
        new_previous, last_id = entry.entry_hash, entry.pk
        batch.append(entry)
        if len(batch) >= BATCH:
            AuditEntry.objects.bulk_update(batch, ["stream", "seq", "previous_hash", "entry_hash"])
            batch = []
    if batch:
        AuditEntry.objects.bulk_update(batch, ["stream", "seq", "previous_hash", "entry_hash"])
    head = ChainHead.objects.filter(pk=1).first()
    if seq and (head is None or head.last_hash != old_previous):
        raise RuntimeError(
            f"Đầu chuỗi kiểm toán cũ không khớp bản ghi cuối #{last_id}: các bản ghi cuối đã bị xoá hoặc đầu chuỗi "
            f"bị sửa. / The old chain head does not match the last entry #{last_id}.")
    AuditStream.objects.bulk_create(
        [AuditStream(id=i, head_seq=seq if i == 0 else 0, head_hash=new_previous if i == 0 else GENESIS)
         for i in range(STREAMS)])


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0005_audit_streams"),
    ]

    operations = [
        migrations.RunPython(to_streams, migrations.RunPython.noop, elidable=False),
    ]
