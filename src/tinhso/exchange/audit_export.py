"""The message log of a period, with its seals, for an auditor — and its verification away from the platform.

The ZIP holds:

- ``records.jsonl``: every record logged in the period (``at`` in ``[since, until)``), one JSON object per
  line, with every field the record hash covers, the body (base-64) when it was kept, the position and chain
  hash, and the seal's first position;
- ``seals.jsonl``: every seal covering one of those records, with its manifest, digest, the previous seal's
  digest and the timestamp token (base-64 DER);
- ``seals/<first>-<last>.tsr``: each token as a file, which ``openssl ts -verify -digest <digest> -token_in
  -in <file> -CAfile <roots>`` checks;
- ``tsa-roots.pem``: the roots the platform trusts for timestamps (when configured);
- ``README.txt``: the formulas, and ``verification.txt``: what the platform found when it wrote the file.

:func:`verify_export` (``tinhso exchange verify-export FILE``) checks a ZIP alone: each record against its
hash and its seal's manifest, links of the chain between consecutive positions, the seals' digests and links,
their timestamps; and that every manifest entry of the period is present (a record removed before the export
is named by the manifest).
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from tinhso.exchange import seals
from tinhso.exchange.messagelog import HASHED_FIELDS, body_digest, record_payload
from tinhso.exchange.models import LogSeal, MessageRecord

README = """Nhật ký trao đổi dữ liệu — bản trích xuất cho kiểm toán
==========================================================

records.jsonl   mỗi dòng một bản ghi (yêu cầu hoặc trả lời) trong kỳ.
seals.jsonl     mỗi dòng một lô niêm phong có bản ghi trong kỳ.
seals/*.tsr     dấu thời gian RFC 3161 của từng lô (DER).

Cách kiểm tra (formulas):
  record_hash  = SHA-256 của JSON chuẩn hoá (khoá sắp xếp, không khoảng trắng, UTF-8) các trường
                 {fields}
                 (at: thời điểm UTC dạng ISO 8601 với micro giây).
  body_hash    = SHA-256 của nội dung (body, base-64 trong tệp) khi nội dung được lưu.
  chain_hash   = SHA-256("<chain_hash trước>:<position>:<record_hash>"), vị trí đầu tiên nối với "0"×64.
  digest (lô)  = SHA-256 của JSON chuẩn hoá {{"first","last","chain_hash","previous_digest","manifest"}};
                 manifest = [[position, X-Road-Id, kind, record_hash], ...].
  Dấu thời gian của lô phủ digest (SHA-256), ký bởi máy chủ dấu thời gian; kiểm tra bằng
  openssl ts -verify -digest <digest> -token_in -in seals/<first>-<last>.tsr -CAfile tsa-roots.pem

Lệnh kiểm tra của nền tảng:  tinhso exchange verify-export <tệp.zip>
"""


def _record_line(record: MessageRecord) -> dict:
    line = record_payload(record)
    line.update({
        "record_hash": record.record_hash, "position": record.position, "chain_hash": record.chain_hash,
        "seal": record.seal.first_position if record.seal_id else None,
        "body": base64.b64encode(bytes(record.body)).decode() if record.body is not None else None,
    })
    return line


def _seal_line(item: LogSeal) -> dict:
    return {
        "first": item.first_position, "last": item.last_position, "chain_hash": item.chain_hash,
        "previous_digest": item.previous_digest, "digest": item.digest, "manifest": item.manifest,
        "closed_at": item.closed_at.isoformat(),
        "timestamped_at": item.timestamped_at.isoformat() if item.timestamped_at else None, "tsa": item.tsa,
        "token": base64.b64encode(bytes(item.token)).decode() if item.token else None,
    }


def export_period(since: datetime.datetime, until: datetime.datetime) -> bytes:
    """The ZIP of the period ``[since, until)`` (see the module docstring)."""
    records = (MessageRecord.objects.filter(at__gte=since, at__lt=until).select_related("seal")
               .order_by("position", "id"))
    buffer = io.BytesIO()
    seal_ids: set[int] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("records.jsonl", "w") as stream:
            for record in records.iterator(chunk_size=2000):
                if record.seal_id:
                    seal_ids.add(record.seal_id)
                stream.write(json.dumps(_record_line(record), ensure_ascii=False).encode() + b"\n")
        tokens = {}
        with archive.open("seals.jsonl", "w") as stream:
            for item in LogSeal.objects.filter(pk__in=seal_ids).order_by("first_position").iterator(chunk_size=50):
                stream.write(json.dumps(_seal_line(item), ensure_ascii=False).encode() + b"\n")
                if item.token:
                    tokens[f"seals/{item.first_position}-{item.last_position}.tsr"] = bytes(item.token)
        for name, token in tokens.items():
            archive.writestr(name, token)
        roots = getattr(settings, "TINHSO_TSA_TRUSTED_ROOTS", "")
        if roots and Path(roots).is_file():
            archive.writestr("tsa-roots.pem", Path(roots).read_bytes())
        archive.writestr("README.txt", README.format(fields=", ".join(HASHED_FIELDS)))
        result = seals.verify()
        lines = [f"Kiểm tra lúc {timezone.localtime():%d/%m/%Y %H:%M:%S}: {result.records} bản ghi đã nối chuỗi, "
                 f"{result.seals} lô, {result.timestamps} dấu thời gian hợp lệ, {result.unchained} bản ghi chờ nối "
                 f"chuỗi, {result.waiting_seals} lô chờ dấu thời gian."]
        lines += [p.what for p in result.problems] or ["Không phát hiện sai khác."]
        archive.writestr("verification.txt", "\n".join(lines) + "\n")
        archive.writestr("period.json", json.dumps({"since": since.isoformat(), "until": until.isoformat()}))
    return buffer.getvalue()


class _Exported:
    """A record as read back from the export, shaped for ``record_payload``."""

    def __init__(self, line: dict):
        for name in HASHED_FIELDS:
            setattr(self, name, line.get(name))
        self.at = datetime.datetime.fromisoformat(line["at"])


def verify_export(data: bytes, *, check_timestamps: bool = True) -> seals.Verification:
    """Check an export on its own (see the module docstring)."""
    from tinhso.common import timestamps
    from tinhso.exchange.messagelog import compute_hash

    result = seals.Verification()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        records = [json.loads(line) for line in archive.read("records.jsonl").splitlines() if line.strip()]
        seal_lines = [json.loads(line) for line in archive.read("seals.jsonl").splitlines() if line.strip()]
        period = json.loads(archive.read("period.json"))
    since = datetime.datetime.fromisoformat(period["since"])
    until = datetime.datetime.fromisoformat(period["until"])
    manifest: dict[int, list] = {}
    previous = None
    for item in seal_lines:
        result.seals += 1
        digest = seals.seal_digest(item["first"], item["last"], item["chain_hash"], item["previous_digest"],
                                   item["manifest"])
        if digest != item["digest"]:
            result.add(item["first"], "", f"lô #{item['first']}–{item['last']} đã bị sửa (mã băm lô không khớp)")
        if previous is not None and previous["last"] + 1 == item["first"] and \
                item["previous_digest"] != previous["digest"]:
            result.add(item["first"], "", f"lô #{item['first']}–{item['last']} không nối với lô trước")
        if item["token"] and check_timestamps:
            try:
                timestamps.verify(base64.b64decode(item["token"]), bytes.fromhex(item["digest"]))
                result.timestamps += 1
            except timestamps.TimestampError as error:
                result.add(item["first"], "", f"dấu thời gian của lô #{item['first']}–{item['last']} không hợp lệ: "
                                              f"{error.message}")
        elif not item["token"]:
            result.waiting_seals += 1
        for entry in item["manifest"]:
            manifest[entry[0]] = entry
        previous = item
    by_position = {}
    for line in records:
        result.records += 1
        record = _Exported(line)
        position = line.get("position")
        name = f"bản ghi X-Road-Id {line.get('message_id')} ở vị trí {position}"
        if compute_hash(record) != line["record_hash"]:
            result.add(position, line.get("message_id"), f"{name} đã bị sửa (nội dung không khớp mã băm)")
        if line.get("body") is not None and body_digest(base64.b64decode(line["body"])) != line["body_hash"]:
            result.add(position, line.get("message_id"), f"{name}: nội dung thông điệp đã bị sửa")
        if position is None:
            result.unchained += 1
            continue
        entry = manifest.get(position)
        if entry is not None and (entry[3] != line["record_hash"] or entry[1] != line.get("message_id")):
            result.add(position, line.get("message_id"), f"{name} khác danh mục của lô niêm phong")
        by_position[position] = line
    for position, line in by_position.items():
        before = by_position.get(position - 1)
        if before is not None and seals.link(before["chain_hash"], position, line["record_hash"]) != line["chain_hash"]:
            result.add(position, line.get("message_id"), f"bản ghi ở vị trí {position}: mắt xích chuỗi băm bị đứt")
    for position, entry in sorted(manifest.items()):
        if position in by_position:
            continue
        # A record of the period listed by its seal but missing from the file was removed before the export;
        # the manifest does not say when a record was logged, so the neighbours tell whether it fell in it.
        neighbours = [by_position.get(position - 1), by_position.get(position + 1)]
        inside = [n for n in neighbours if n is not None and since <= datetime.datetime.fromisoformat(n["at"]) < until]
        if len(inside) == 2:
            result.add(position, entry[1], f"bản ghi X-Road-Id {entry[1]} ở vị trí {position} có trong danh mục lô "
                                           "nhưng thiếu trong tệp")
    return result
