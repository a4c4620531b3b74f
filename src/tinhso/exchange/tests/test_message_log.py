"""The message log: hash-chained, sealed in batches with RFC 3161 timestamps from the test authority, never
holding a call, and every change or removal named by the verifier and by the auditor's export."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tinhso.exchange import seals, services
from tinhso.exchange.audit_export import export_period, verify_export
from tinhso.exchange.models import LogHead, LogSeal, MessageRecord
from tinhso.exchange.testing import PeerCertificate, enrol

PROVIDER = "/r1/VN/GOV/000.00.00.H41/tinhso"
CLIENT = "VN/GOV/000.00.00.H42/tinhso"


@pytest.fixture
def caller(pki, trusted):
    member, credential = enrol(pki, CLIENT, "Tỉnh Hà Tĩnh")
    services.grant_access(member, "procedures")
    return credential


def calls(client, credential, count=3, path="/procedures/fields"):
    ids = []
    for n in range(count):
        response = client.get(PROVIDER + path, HTTP_X_ROAD_CLIENT=CLIENT, HTTP_X_ROAD_ID=f"m-{n}-{path}",
                              **{"gunicorn.socket": PeerCertificate(credential.cert_der)})
        assert response.status_code in (200, 403), response.content
        ids.append(response.get("X-Road-Id", f"m-{n}-{path}"))
    return ids


def problems(result):
    return [p.what for p in result.problems]


@pytest.mark.django_db
def test_records_are_chained_in_batches_and_sealed_by_the_timestamp_authority(client, caller, tsa, settings):
    settings.TINHSO_EXCHANGE_SEAL_BATCH = 4
    calls(client, caller, 3)  # 6 records
    run = seals.seal(settle=0)
    assert (run.chained, run.batches, run.stamped, run.waiting) == (6, 2, 2, 0)
    first, second = LogSeal.objects.order_by("first_position")
    assert (first.first_position, first.last_position, second.first_position, second.last_position) == (1, 4, 5, 6)
    assert second.previous_digest == first.digest
    assert [entry[0] for entry in first.manifest] == [1, 2, 3, 4]
    assert first.token and first.timestamped_at and "TSA" in first.tsa
    records = list(MessageRecord.objects.order_by("position"))
    assert [r.position for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[0].chain_hash == seals.link(seals.GENESIS, 1, records[0].record_hash)
    assert LogHead.objects.get().last_hash == records[-1].chain_hash
    result = seals.verify()
    assert result.ok, problems(result)
    assert (result.records, result.seals, result.timestamps) == (6, 2, 2)


@pytest.mark.django_db
def test_when_the_authority_is_down_calls_go_on_and_the_batch_is_sealed_when_it_returns(
        client, caller, tsa, settings, monkeypatch):
    tsa.stop()
    calls(client, caller, 2)
    run = seals.seal(settle=0)
    assert (run.chained, run.stamped, run.waiting) == (4, 0, 1)
    assert "TSA" in run.error or "dấu thời gian" in run.error
    waiting = LogSeal.objects.get()
    assert not waiting.token and waiting.attempts == 1 and waiting.last_error
    assert calls(client, caller, 1)  # calls are not held
    settings.TINHSO_EXCHANGE_SEAL_ALERT_MINUTES = 5
    assert seals.alerts() == []
    later = timezone.now() + datetime.timedelta(minutes=6, seconds=30)
    with monkeypatch.context() as clock:
        clock.setattr(timezone, "now", lambda: later)
        alert = seals.alerts()
    assert len(alert) == 1 and "6 phút" in alert[0] and "Lỗi gần nhất" in alert[0]

    tsa.start()
    run = seals.seal(settle=0)
    assert (run.stamped, run.waiting) == (2, 0)
    assert seals.alerts() == []
    assert seals.verify().ok


@pytest.mark.django_db
def test_a_changed_record_is_named_even_when_its_hashes_were_recomputed(client, caller, tsa):
    calls(client, caller, 3)
    seals.seal(settle=0)
    target = MessageRecord.objects.get(position=4)
    MessageRecord.objects.filter(pk=target.pk).update(status=200 if target.status != 200 else 404)
    result = seals.verify()
    assert not result.ok
    assert any(f"X-Road-Id {target.message_id} ở vị trí 4 đã bị sửa" in p for p in problems(result)), problems(result)

    # A careful forger recomputes the record's hash and every chain hash after it: the sealed manifest
    # still names the record.
    from tinhso.exchange.messagelog import compute_hash

    target.refresh_from_db()
    previous = MessageRecord.objects.get(position=3).chain_hash
    for record in MessageRecord.objects.filter(position__gte=4).order_by("position"):
        record.record_hash = compute_hash(record)
        record.chain_hash = previous = seals.link(previous, record.position, record.record_hash)
        record.save(update_fields=["record_hash", "chain_hash"])
    LogHead.objects.update(last_hash=previous)
    found = problems(seals.verify())
    assert any(f"X-Road-Id {target.message_id} ở vị trí 4 đã bị sửa (khác danh mục" in p for p in found), found


@pytest.mark.django_db
def test_a_removed_record_is_named_by_the_seals_manifest(client, caller, tsa):
    ids = calls(client, caller, 3)
    seals.seal(settle=0)
    victim = MessageRecord.objects.get(position=2)
    MessageRecord.objects.filter(pk=victim.pk).delete()
    found = problems(seals.verify())
    assert f"bản ghi trả lời X-Road-Id {ids[0]} ở vị trí 2 đã bị xoá" in found, found


@pytest.mark.django_db
def test_records_removed_from_the_end_are_named_by_the_head(client, caller, tsa):
    calls(client, caller, 2)
    seals.seal(settle=0)
    MessageRecord.objects.filter(position__gte=3).delete()
    LogSeal.objects.update(manifest=[])  # even with the manifests gone, the head remembers the end
    found = problems(seals.verify(check_timestamps=False))
    assert any("từ vị trí 3 đến 4 đã bị xoá" in p for p in found), found


@pytest.mark.django_db
def test_a_changed_body_and_a_changed_seal_are_named(client, caller, tsa):
    calls(client, caller, 2)
    seals.seal(settle=0)
    response = MessageRecord.objects.get(position=2)
    MessageRecord.objects.filter(pk=response.pk).update(body=b'{"items": [], "count": 99}')
    LogSeal.objects.update(chain_hash="f" * 64)
    found = problems(seals.verify())
    assert any("ở vị trí 2: nội dung thông điệp đã bị sửa" in p for p in found), found
    assert any("lô #1–4 đã bị sửa" in p for p in found), found


@pytest.mark.django_db
def test_a_forged_digest_fails_its_timestamp(client, caller, tsa):
    calls(client, caller, 1)
    seals.seal(settle=0)
    item = LogSeal.objects.get()
    item.manifest = item.manifest[:1]
    item.digest = seals.seal_digest(item.first_position, item.last_position, item.chain_hash, item.previous_digest,
                                    item.manifest)
    item.save()
    found = problems(seals.verify())
    assert any("dấu thời gian của lô #1–2 không hợp lệ" in p for p in found), found


@pytest.mark.django_db
def test_the_verify_log_command_names_the_record_and_fails(client, caller, tsa, capsys):
    calls(client, caller, 2)
    call_command("exchange", "seal")
    call_command("exchange", "verify-log")
    assert "Nhật ký trao đổi nguyên vẹn: 4 bản ghi" in capsys.readouterr().out
    target = MessageRecord.objects.get(position=3)
    MessageRecord.objects.filter(pk=target.pk).update(client="VN/GOV/000.00.00.H99/tinhso")
    with pytest.raises(CommandError, match="không nguyên vẹn"):
        call_command("exchange", "verify-log")
    assert f"X-Road-Id {target.message_id} ở vị trí 3 đã bị sửa" in capsys.readouterr().err


@pytest.mark.django_db
def test_an_auditors_export_verifies_on_its_own_and_shows_tampering(client, caller, tsa):
    calls(client, caller, 3)
    seals.seal(settle=0)
    now = timezone.now()
    data = export_period(now - datetime.timedelta(hours=1), now + datetime.timedelta(minutes=1))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {"records.jsonl", "seals.jsonl", "README.txt", "verification.txt", "period.json",
                "seals/1-6.tsr"} <= names
        assert "Không phát hiện sai khác." in archive.read("verification.txt").decode()
        assert len(archive.read("records.jsonl").splitlines()) == 6
    result = verify_export(data)
    assert result.ok and (result.records, result.seals, result.timestamps) == (6, 1, 1)

    # The auditor's copy edited: a status changed, a record dropped.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    lines = parts["records.jsonl"].splitlines()
    lines[1] = lines[1].replace(b'"status": 200', b'"status": 500')
    del lines[3]
    parts["records.jsonl"] = b"\n".join(lines) + b"\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    found = problems(verify_export(buffer.getvalue()))
    assert any("ở vị trí 2 đã bị sửa" in p for p in found), found
    assert any("ở vị trí 4 có trong danh mục lô nhưng thiếu trong tệp" in p for p in found), found


@pytest.mark.django_db
def test_a_large_body_is_logged_by_hash_and_size_only(client, caller, settings):
    settings.TINHSO_EXCHANGE_LOG_BODY_LIMIT = 10
    calls(client, caller, 1)
    response = MessageRecord.objects.get(kind="response")
    assert response.body is None and response.body_size > 10 and len(response.body_hash) == 64


@pytest.mark.django_db
def test_the_log_can_be_searched_by_client_service_time_and_request_id(client, caller, capsys):
    ids = calls(client, caller, 2)
    denied = calls(client, caller, 1, path="/agencies/agencies")
    from tinhso.exchange.selectors import LogFilters, search_log

    assert search_log(LogFilters(client="VN/GOV/000.00.00.H42")).count() == 6
    assert search_log(LogFilters(service="VN/GOV/000.00.00.H41/tinhso/agencies")).count() == 2
    assert search_log(LogFilters(request_id=ids[1])).count() == 2
    assert search_log(LogFilters(errors_only=True)).count() == 1
    assert search_log(LogFilters(until=timezone.now() - datetime.timedelta(days=1))).count() == 0
    call_command("exchange", "log", "--request-id", denied[0])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and '"error": "Client.AccessDenied"' in out[0]
