"""The test timestamp authority answers RFC 3161 requests as a production one does, refusals included."""

from __future__ import annotations

import datetime
import hashlib
import urllib.error
import urllib.request

import pytest
from asn1crypto import cms, tsp

from tinhso.common.timestamps import TimeStampResp
from tinhso.testing import tsa as test_tsa

DIGEST = hashlib.sha256(b"so-ho-so 000.00.01.H40-260302-0001").digest()


def _ask(server, query: dict | bytes, content_type: str = test_tsa.QUERY_TYPE, method: str = "POST"):
    body = query if isinstance(query, bytes) else tsp.TimeStampReq(query).dump()
    request = urllib.request.Request(server.url, data=body if method == "POST" else None, method=method,  # noqa: S310
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        assert response.headers["Content-Type"] == test_tsa.REPLY_TYPE
        return TimeStampResp.load(response.read())


def _query(digest=DIGEST, algorithm="sha256", **extra):
    return {"version": "v1", "message_imprint": {"hash_algorithm": {"algorithm": algorithm},
                                                 "hashed_message": digest}, **extra}


@pytest.fixture(scope="module")
def server():
    with test_tsa.running() as running:
        yield running


def _info(reply) -> tsp.TSTInfo:
    return reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


def test_a_granted_token_carries_the_imprint_nonce_policy_and_time(server):
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    reply = _ask(server, _query(nonce=123456789, cert_req=True))
    assert reply["status"]["status"].native == "granted"
    info = _info(reply)
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    assert info["nonce"].native == 123456789
    assert info["policy"].native == test_tsa.POLICY
    assert info["accuracy"].native["seconds"] == 1
    assert before <= info["gen_time"].native <= datetime.datetime.now(datetime.UTC)
    signed = reply["time_stamp_token"]["content"]
    assert {c.chosen.subject.native["common_name"] for c in signed["certificates"]} == {
        "Tỉnh số TSA", "Tỉnh số thử nghiệm Issuing CA"}
    attributes = {a["type"].native for a in signed["signer_infos"][0]["signed_attrs"]}
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attributes


def test_serial_numbers_are_unique_and_certificates_only_on_request(server):
    first, second = _info(_ask(server, _query())), _info(_ask(server, _query()))
    assert second["serial_number"].native > first["serial_number"].native
    assert not _ask(server, _query())["time_stamp_token"]["content"]["certificates"].native


@pytest.mark.parametrize(("query", "failure"), [
    (_query(hashlib.sha1(b"x").digest(), "sha1"), "bad_alg"),  # noqa: S324 - refused, as it should be
    (_query(b"\x00" * 20), "bad_data_format"),
    (_query(req_policy="1.2.3.4"), "unaccepted_policy"),
    (_query(extensions=[{"extn_id": "1.2.3.4.5", "critical": False, "extn_value": b"\x05\x00"}]),
     "unaccepted_extensions"),
    ({**_query(), "version": 2}, "bad_request"),
    (b"\x30\x03\x02\x01", "bad_data_format"),
])
def test_refusals_name_what_rfc_3161_calls_them(server, query, failure):
    reply = _ask(server, query)
    assert reply["status"]["status"].native == "rejection"
    assert reply["status"]["fail_info"].native == {failure}
    assert reply["status"]["status_string"].native
    assert not reply["time_stamp_token"].native


def test_only_a_post_of_a_timestamp_query_is_answered(server):
    with pytest.raises(urllib.error.HTTPError) as wrong_type:
        _ask(server, _query(), content_type="application/octet-stream")
    assert wrong_type.value.code == 415
    with pytest.raises(urllib.error.HTTPError) as wrong_method:
        _ask(server, b"", method="GET")
    assert wrong_method.value.code == 405


def test_stopped_it_refuses_connections_and_starts_again_on_the_same_port(server):
    url = server.url
    server.stop()
    with pytest.raises(urllib.error.URLError):
        _ask(server, _query())
    server.start()
    assert server.url == url
    assert _ask(server, _query())["status"]["status"].native == "granted"


def test_the_clock_can_be_set(server):
    moment = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)
    server.clock = lambda: moment
    try:
        assert _info(_ask(server, _query()))["gen_time"].native == moment
    finally:
        server.clock = lambda: datetime.datetime.now(datetime.UTC)


def test_tokens_are_cms_signed_data_over_tst_info(server):
    token = _ask(server, _query())["time_stamp_token"]
    assert isinstance(token, cms.ContentInfo)
    assert token["content_type"].native == "signed_data"
    assert token["content"]["encap_content_info"]["content_type"].native == "tst_info"
