"""The RFC 3161 client: a token for a digest from the configured authority, and a check that names faults."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from tinhso.common import timestamps
from tinhso.testing import tsa as test_tsa
from tinhso.testing.pki import TestPKI

DATA = b"Seal of the audit chain, interval 2026-03-02 09:00"
DIGEST = hashlib.sha256(DATA).digest()


def test_a_token_from_the_configured_authority_verifies(tsa):
    stamp = timestamps.request(DIGEST)
    assert stamp.digest == DIGEST and stamp.hash_algorithm == "sha256"
    assert stamp.policy == tsa.policy
    assert "Tỉnh số TSA" in stamp.tsa
    assert abs(stamp.time - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(seconds=30)
    again = timestamps.verify(stamp.token, DIGEST)
    assert (again.time, again.serial_number) == (stamp.time, stamp.serial_number)
    assert timestamps.stamp(DATA).digest == DIGEST


def test_other_data_does_not_match_the_token(tsa):
    stamp = timestamps.stamp(DATA)
    with pytest.raises(timestamps.TimestampInvalid, match="imprint mismatch"):
        timestamps.verify(stamp.token, hashlib.sha256(DATA + b".").digest())


def test_an_altered_token_fails_its_signature(tsa):
    token = bytearray(timestamps.stamp(DATA).token)
    token[-10] ^= 0x01  # inside the signature value
    with pytest.raises(timestamps.TimestampInvalid):
        timestamps.verify(bytes(token), DIGEST)


def test_a_token_from_an_authority_under_another_root_is_not_trusted(tsa):
    with test_tsa.running(TestPKI.create("CA lạ")) as stranger:
        token = timestamps.request(DIGEST, url=stranger.url, trusted_roots=[stranger.pki.root_pem]).token
    with pytest.raises(timestamps.TimestampInvalid, match="not trusted"):
        timestamps.verify(token, DIGEST)


def test_a_certificate_without_the_time_stamping_usage_cannot_make_tokens(tsa, pki):
    impostor = test_tsa.TimestampAuthority(pki.issue_signing("Không phải TSA"))
    query = timestamps.tsp.TimeStampReq({"version": "v1", "cert_req": True, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": DIGEST}}).dump()
    token = timestamps.TimeStampResp.load(impostor.answer(query))["time_stamp_token"].dump()
    with pytest.raises(timestamps.TimestampInvalid, match="not trusted"):
        timestamps.verify(token, DIGEST)


def test_revocation_before_the_token_invalidates_it_and_after_it_does_not():
    pki = TestPKI.create()
    with test_tsa.running(pki) as server:
        stamp = timestamps.request(DIGEST, url=server.url, trusted_roots=[pki.root_pem])
        pki.revoke(server.credential, at=stamp.time + datetime.timedelta(hours=1))
        assert timestamps.verify(stamp.token, DIGEST, trusted_roots=[pki.root_pem], crls=[pki.crl_der()])
        pki.revoke(server.credential, at=stamp.time - datetime.timedelta(hours=1))
        with pytest.raises(timestamps.TimestampInvalid, match="REVOKED"):
            timestamps.verify(stamp.token, DIGEST, trusted_roots=[pki.root_pem], crls=[pki.crl_pem()])


def test_a_token_dated_outside_the_certificate_validity_is_invalid(tsa):
    tsa.clock = lambda: datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    with pytest.raises(timestamps.TimestampInvalid):
        timestamps.request(DIGEST)


def test_an_authority_that_is_down_is_reported_as_unavailable(tsa):
    tsa.stop()
    with pytest.raises(timestamps.TimestampUnavailable, match="unreachable"):
        timestamps.request(DIGEST)


def test_nothing_configured_is_reported(settings):
    settings.TINHSO_TSA_URL = ""
    assert not timestamps.configured()
    with pytest.raises(timestamps.TimestampUnavailable, match="TSA_URL"):
        timestamps.request(DIGEST)


def test_a_refusal_carries_the_status_and_failure(tsa):
    with pytest.raises(timestamps.TimestampRejected) as refused:
        timestamps.request(DIGEST, policy="1.2.3.4")
    assert refused.value.status == "rejection"
    assert refused.value.failure == ("unaccepted_policy",)
    assert "từ chối" in refused.value.message


def test_a_policy_is_requested_and_required(tsa, settings):
    settings.TINHSO_TSA_POLICY = tsa.policy
    assert timestamps.request(DIGEST).policy == tsa.policy


def test_credentials_in_the_url_are_sent_as_basic_authentication(tsa):
    seen = []
    respond = tsa._http.respond
    tsa._http.respond = lambda method, path, headers, body: (seen.append(headers.get("Authorization")),
                                                              respond(method, path, headers, body))[1]
    try:
        url = tsa.url.replace("http://", "http://van-thu:m%40t-khau@")
        timestamps.request(DIGEST, url=url)
    finally:
        tsa._http.respond = respond
    assert seen == ["Basic dmFuLXRodTptQHQta2hhdQ=="]


def test_a_reply_of_the_wrong_kind_is_unavailable_not_trusted(tsa):
    respond = tsa._http.respond
    tsa._http.respond = lambda *args: (200, {"Content-Type": "text/html"}, b"<html>proxy login</html>")
    try:
        with pytest.raises(timestamps.TimestampUnavailable, match="content type"):
            timestamps.request(DIGEST)
    finally:
        tsa._http.respond = respond


def test_pyhanko_gets_a_timestamper_for_the_same_authority(tsa):

    # The same way the module runs coroutines: a browser test earlier in the run leaves an event loop here.
    token = timestamps._run(timestamps.timestamper().async_timestamp(DIGEST, "sha256"))
    assert timestamps.verify(token.dump(), DIGEST).digest == DIGEST
