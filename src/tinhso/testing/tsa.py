"""A real RFC 3161 timestamp authority over HTTP on loopback, for the tests and the demo.

It speaks the protocol of RFC 3161 §3.4 (``POST`` of a DER ``TimeStampReq`` with content type
``application/timestamp-query``, answered with a DER ``TimeStampResp`` of type
``application/timestamp-reply``) and signs each token as a production TSA does: a CMS ``SignedData``
(RFC 5652) over the ``TSTInfo`` with the content-type, message-digest and ESS signing-certificate-v2
(RFC 5035) signed attributes, by a certificate whose only extended key usage is time-stamping (critical)
issued by :mod:`tinhso.testing.pki`. It refuses what RFC 3161 lets a TSA refuse, with the status and
failure info the RFC names: a malformed request (``badDataFormat``), an unknown or weak hash algorithm or
an imprint of the wrong length (``badAlg``), a policy it does not follow (``unacceptedPolicy``), request
extensions (``unacceptedExtension``), a version other than 1 (``badRequest``).

    with running() as tsa:                 # a fresh PKI, or running(pki=...) to issue from yours
        tsa.url; tsa.pki.root_pem          # what a client is configured with
        tsa.stop(); ...; tsa.start()       # "TSA down", then back on the same port
        tsa.clock = lambda: moment         # tokens at a chosen time

``python -m tinhso.testing.tsa --port 3180 --dir var/tsa`` runs one in the foreground (the root it
chains to is written to ``var/tsa/root.crt``) for a demo or a benchmark in another process.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import itertools
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tinhso.common.timestamps import TimeStampResp
from tinhso.testing.loopback import LoopbackServer
from tinhso.testing.pki import Credential, TestPKI

# The policy this TSA follows (an OID under the private-enterprise arc used for tests only).
POLICY = "1.3.6.1.4.1.59839.3161.1"
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_384": 48, "sha3_512": 64}
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class Refusal(Exception):
    def __init__(self, failure: str, text: str, status: str = "rejection"):
        super().__init__(text)
        self.failure = failure
        self.text = text
        self.status = status


class TimestampAuthority:
    """Answers ``TimeStampReq`` values; :class:`Server` puts it on HTTP."""

    def __init__(self, credential: Credential, *, policy: str = POLICY,
                 clock: Callable[[], datetime.datetime] | None = None, accuracy_seconds: int = 1):
        self.credential = credential
        self.policy = policy
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self.accuracy_seconds = accuracy_seconds
        self.issued = 0
        self._serials = itertools.count(secrets.randbits(40) << 16)
        self._lock = threading.Lock()
        self._certificate = asn1_x509.Certificate.load(credential.cert_der)
        self._chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                       for c in credential.chain]

    def answer(self, request_der: bytes) -> bytes:
        """The DER ``TimeStampResp`` for a DER ``TimeStampReq``: a token, or a refusal naming why."""
        try:
            request = self._parse(request_der)
            token = self._token(request)
            status = tsp.PKIStatusInfo({"status": "granted"})
            return TimeStampResp({"status": status, "time_stamp_token": token}).dump()
        except Refusal as refusal:
            status = tsp.PKIStatusInfo({
                "status": refusal.status,
                "status_string": [refusal.text],
                "fail_info": tsp.PKIFailureInfo({refusal.failure}),
            })
            return TimeStampResp({"status": status}).dump()

    def _parse(self, der: bytes) -> tsp.TimeStampReq:
        try:
            request = tsp.TimeStampReq.load(der, strict=True)
            request.native  # noqa: B018 - parses every field, so a malformed request fails here
        except (ValueError, TypeError, OverflowError) as error:
            raise Refusal("bad_data_format", f"malformed TimeStampReq: {error}") from None
        if request["version"].native != "v1":
            raise Refusal("bad_request", "TimeStampReq version must be 1")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in DIGEST_SIZES:
            raise Refusal("bad_alg", f"hash algorithm {algorithm} is not accepted")
        if len(imprint["hashed_message"].native) != DIGEST_SIZES[algorithm]:
            raise Refusal("bad_data_format", f"hashedMessage is not a {algorithm} digest")
        policy = request["req_policy"].native
        if policy is not None and policy != self.policy:
            raise Refusal("unaccepted_policy", f"policy {policy} is not followed by this TSA")
        if request["extensions"].native:
            raise Refusal("unaccepted_extensions", "request extensions are not supported")
        return request

    def _token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        with self._lock:
            serial = next(self._serials)
            self.issued += 1
        moment = self.clock().astimezone(datetime.UTC)
        info = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": request["message_imprint"],
            "serial_number": serial,
            "gen_time": moment,
            "accuracy": {"seconds": self.accuracy_seconds},
            "tsa": asn1_x509.GeneralName({"directory_name": self._certificate.subject}),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"].native
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes([
            _attribute("content_type", "tst_info"),
            _attribute("message_digest", hashlib.sha256(tst_info).digest()),
            _attribute("signing_certificate_v2", _signing_certificate_v2(self._certificate)),
        ])
        signature, signature_algorithm = self._sign(signed_attrs.dump())
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": self._certificate.issuer, "serial_number": self._certificate.serial_number})}),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": signature_algorithm}),
            "signature": signature,
        })
        signed_data = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_info)},
            "signer_infos": [signer],
        }
        if request["cert_req"].native:
            signed_data["certificates"] = [self._certificate, *self._chain]
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})

    def _sign(self, data: bytes) -> tuple[bytes, str]:
        key = self.credential.key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
        raise TypeError(f"unsupported TSA key {type(key).__name__}")


def _attribute(kind: str, value) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})


def _signing_certificate_v2(certificate: asn1_x509.Certificate) -> tsp.SigningCertificateV2:
    # RFC 5035: the ESSCertIDv2's hash algorithm defaults to SHA-256 and is then left out.
    return tsp.SigningCertificateV2({"certs": [{
        "cert_hash": hashlib.sha256(certificate.dump()).digest(),
        "issuer_serial": {
            "issuer": [asn1_x509.GeneralName({"directory_name": certificate.issuer})],
            "serial_number": certificate.serial_number,
        },
    }]})


class Server:
    """The authority on HTTP: ``POST /`` (any path) with a ``TimeStampReq``."""

    def __init__(self, pki: TestPKI | None = None, *, port: int | None = None, policy: str = POLICY,
                 clock: Callable[[], datetime.datetime] | None = None, name: str = "Tỉnh số TSA"):
        self.pki = pki or TestPKI.create()
        self.credential = self.pki.issue_timestamping(name)
        self.authority = TimestampAuthority(self.credential, policy=policy, clock=clock)
        self._http = LoopbackServer(self._respond, port=port, name="tinhso-test-tsa")

    @property
    def url(self) -> str:
        return self._http.url + "/tsa"

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def policy(self) -> str:
        return self.authority.policy

    @property
    def issued(self) -> int:
        """How many tokens this authority has signed."""
        return self.authority.issued

    @property
    def clock(self) -> Callable[[], datetime.datetime]:
        return self.authority.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime.datetime]) -> None:
        self.authority.clock = clock

    @property
    def running(self) -> bool:
        return self._http.running

    def start(self) -> Server:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def _respond(self, method: str, path: str, headers: dict, body: bytes):
        if method != "POST":
            return 405, {"Allow": "POST", "Content-Type": "text/plain"}, b"POST a TimeStampReq"
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != QUERY_TYPE:
            return 415, {"Content-Type": "text/plain"}, f"Content-Type must be {QUERY_TYPE}".encode()
        return 200, {"Content-Type": REPLY_TYPE}, self.authority.answer(body)


@contextlib.contextmanager
def running(pki: TestPKI | None = None, **options) -> Iterator[Server]:
    """A TSA listening on loopback for the duration of the block."""
    server = Server(pki, **options).start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="An RFC 3161 timestamp authority on loopback, for tests/demo.")
    parser.add_argument("--port", type=int, default=3180)
    parser.add_argument("--dir", type=Path, default=Path("var/tsa"), help="where root.crt is written")
    args = parser.parse_args(argv)
    server = Server(port=args.port)
    paths = server.pki.write(args.dir)
    server.start()
    print(f"TSA at {server.url}; trust {paths['root']}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
