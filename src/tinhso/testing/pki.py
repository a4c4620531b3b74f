"""A real certification authority for the tests: a root, an issuing CA, the certificates they issue, a CRL.

Tests of TLS, client certificates, document signatures and timestamps need certificates that chain to a
root the code under test is told to trust, some of them revoked. :class:`TestPKI` makes them with the
``cryptography`` package, exactly as a CA would (RFC 5280 profiles: basic constraints, key usages,
extended key usages, subject and authority key identifiers, CRL distribution points when a repository
address is given), and hands them out as PEM, DER or PKCS#12::

    pki = TestPKI.create()                              # root "…Root CA" + issuing "…Issuing CA"
    server = pki.issue_tls_server(["localhost", "127.0.0.1"])
    member = pki.issue_tls_client("GOV/000.00.01.H40/tinhso", organization="Sở KH&CN Nghệ An")
    signer = pki.issue_signing("Sở Khoa học và Công nghệ tỉnh Nghệ An", email="vanthu@skhcn.example")
    tsa_id = pki.issue_timestamping("Tỉnh số TSA")
    pki.revoke(member.certificate, reason=x509.ReasonFlags.key_compromise)
    pki.crl_pem()                                       # the issuing CA's current CRL
    signer.pkcs12(b"secret")                            # key + certificate + chain for a PKCS#12 keystore
    pki.write(directory)                                # every file on disk, for a server started outside
    with published() as (pki, repository): ...          # CRLs and CA certificates served on loopback

Keys are EC P-256 by default (fast to make); ``key_type="rsa"`` gives RSA 2048 for the profiles that
need it. Everything is kept in memory; nothing is secret beyond the test that made it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import itertools
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from tinhso.testing.loopback import LoopbackServer, free_port

# RFC 9336: id-kp-documentSigning, the extended key usage of certificates that sign documents.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
UTC = datetime.UTC

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def new_key(key_type: str = "ec") -> PrivateKey:
    """A fresh private key: ``ec`` (P-256) or ``rsa`` (2048 bits)."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key type {key_type!r}: use 'ec' or 'rsa'")


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str, organization: str = "", country: str = "VN", **extra: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if extra.get("province"):
        attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, extra["province"]))
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if extra.get("unit"):
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, extra["unit"]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if extra.get("email"):
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, extra["email"]))
    return x509.Name(attributes)


@dataclass
class Credential:
    """A certificate, its private key and the chain up to (not including) the root."""

    certificate: x509.Certificate
    key: PrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)
    root: x509.Certificate | None = None

    @property
    def cert_pem(self) -> bytes:
        return _pem(self.certificate)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return _key_pem(self.key)

    @property
    def chain_pem(self) -> bytes:
        """The certificate followed by its issuing CA(s): what a TLS server or signer presents."""
        return b"".join(_pem(c) for c in [self.certificate, *self.chain])

    @property
    def serial_number(self) -> int:
        return self.certificate.serial_number

    def pkcs12(self, password: bytes | None = None, name: str | None = None) -> bytes:
        """A PKCS#12 keystore with the key, the certificate and its chain (AES-256 when a password is given)."""
        encryption = (serialization.BestAvailableEncryption(password) if password
                      else serialization.NoEncryption())
        friendly = (name or self.certificate.subject.rfc4514_string()).encode()[:64].decode("utf-8", "ignore").encode()
        return pkcs12.serialize_key_and_certificates(friendly, self.key, self.certificate, self.chain or None,
                                                     encryption)

    def write(self, directory: Path, stem: str) -> dict[str, Path]:
        """Write ``<stem>.crt`` (certificate + chain), ``<stem>.key`` and ``<stem>.p12`` (no password)."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"cert": directory / f"{stem}.crt", "key": directory / f"{stem}.key",
                 "p12": directory / f"{stem}.p12"}
        paths["cert"].write_bytes(self.chain_pem)
        paths["key"].write_bytes(self.key_pem)
        paths["key"].chmod(0o600)
        paths["p12"].write_bytes(self.pkcs12())
        return paths


@dataclass
class Revocation:
    serial_number: int
    at: datetime.datetime
    reason: x509.ReasonFlags | None


class TestPKI:
    """A two-level CA: a self-signed root and an issuing CA under it that issues end-entity certificates."""

    __test__ = False  # not a pytest test class despite its name

    def __init__(self, root: Credential, issuing: Credential, *, key_type: str = "ec",
                 repository_url: str = "", organization: str = ""):
        self.root = root
        self.issuing = issuing
        self.key_type = key_type
        self.repository_url = repository_url.rstrip("/")
        self.organization = organization
        self.revoked: dict[int, Revocation] = {}
        self.issued: list[x509.Certificate] = []
        self._crl_numbers = itertools.count(1)

    @classmethod
    def create(cls, name: str = "Tỉnh số thử nghiệm", *, key_type: str = "ec", repository_url: str = "",
               valid_from: datetime.datetime | None = None, years: int = 10) -> TestPKI:
        """A new root and issuing CA. Everything issued carries a CRL distribution point
        (``<repository_url>/issuing.crl``, ``…/root.crl``) and a CA-issuer address, as a real CA's
        certificates do (a validator only checks revocation for certificates that declare where); without
        ``repository_url`` a free loopback port is reserved, served by :meth:`serve` when a test needs it."""
        start = (valid_from or datetime.datetime.now(UTC)) - datetime.timedelta(days=1)
        end = start + datetime.timedelta(days=365 * years)
        repository_url = (repository_url or f"http://127.0.0.1:{free_port()}").rstrip("/")
        root_key = new_key(key_type)
        root_name = _name(f"{name} Root CA", organization=name)
        root_builder = (
            x509.CertificateBuilder()
            .subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        )
        root_cert = root_builder.sign(root_key, hashes.SHA256())
        root = Credential(root_cert, root_key, [], root_cert)

        issuing_key = new_key(key_type)
        issuing_builder = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{name} Issuing CA", organization=name)).issuer_name(root_name)
            .public_key(issuing_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end - datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                           critical=False)
        )
        issuing_builder = _with_repository(issuing_builder, repository_url, "root")
        issuing_cert = issuing_builder.sign(root_key, hashes.SHA256())
        issuing = Credential(issuing_cert, issuing_key, [], root_cert)
        return cls(root, issuing, key_type=key_type, repository_url=repository_url, organization=name)

    # --- what a relying party is told to trust -----------------------------------------------------------
    @property
    def root_pem(self) -> bytes:
        return self.root.cert_pem

    @property
    def chain_pem(self) -> bytes:
        """The issuing CA then the root: the bundle a client verifying end-entity certificates needs."""
        return self.issuing.cert_pem + self.root.cert_pem

    # --- issuing -----------------------------------------------------------------------------------------
    def issue(self, subject: x509.Name, *, key_usage: x509.KeyUsage, extended: list[ObjectIdentifier],
              extended_critical: bool = False, alt_names: list[x509.GeneralName] | None = None,
              key: PrivateKey | None = None, valid_from: datetime.datetime | None = None,
              days: int = 825) -> Credential:
        """Issue one end-entity certificate from the issuing CA (the profiles below call this)."""
        key = key or new_key(self.key_type)
        start = valid_from or datetime.datetime.now(UTC) - datetime.timedelta(hours=1)
        not_after = min(start + datetime.timedelta(days=days), self.issuing.certificate.not_valid_after_utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.issuing.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issuing.key.public_key()),
                           critical=False)
        )
        if extended:
            builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=extended_critical)
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        builder = _with_repository(builder, self.repository_url, "issuing")
        certificate = builder.sign(self.issuing.key, hashes.SHA256())
        self.issued.append(certificate)
        return Credential(certificate, key, [self.issuing.certificate], self.root.certificate)

    def issue_tls_server(self, hostnames: list[str] | tuple[str, ...] = ("localhost", "127.0.0.1"),
                         **options) -> Credential:
        """A TLS server certificate: every host name and IP address in the subject alternative names."""
        names: list[x509.GeneralName] = []
        for host in hostnames:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        key_usage = _usage(digital_signature=True, key_encipherment=self.key_type == "rsa")
        return self.issue(_name(hostnames[0], organization=self.organization), key_usage=key_usage,
                          extended=[ExtendedKeyUsageOID.SERVER_AUTH], alt_names=names, **options)

    def issue_tls_client(self, common_name: str, *, organization: str = "", unit: str = "",
                         **options) -> Credential:
        """A TLS client certificate, e.g. a member of the data-sharing gateway (its identifier as CN)."""
        key_usage = _usage(digital_signature=True, key_encipherment=self.key_type == "rsa")
        return self.issue(_name(common_name, organization=organization or self.organization, unit=unit),
                          key_usage=key_usage, extended=[ExtendedKeyUsageOID.CLIENT_AUTH], **options)

    def issue_signing(self, common_name: str, *, organization: str = "", email: str = "", province: str = "",
                      **options) -> Credential:
        """A document-signing certificate (an agency's or an officer's): digital signature and
        non-repudiation, with the document-signing and e-mail-protection extended key usages."""
        key_usage = _usage(digital_signature=True, content_commitment=True)
        alt = [x509.RFC822Name(email)] if email else None
        return self.issue(_name(common_name, organization=organization or common_name, email=email,
                                province=province),
                          key_usage=key_usage, extended=[DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION],
                          alt_names=alt, **options)

    def issue_timestamping(self, common_name: str = "", **options) -> Credential:
        """A timestamping certificate: the time-stamping extended key usage alone, marked critical
        (RFC 3161 §2.3)."""
        key_usage = _usage(digital_signature=True, content_commitment=True)
        return self.issue(_name(common_name or f"{self.organization} TSA", organization=self.organization),
                          key_usage=key_usage, extended=[ExtendedKeyUsageOID.TIME_STAMPING],
                          extended_critical=True, **options)

    # --- revocation ----------------------------------------------------------------------------------------
    def revoke(self, certificate: x509.Certificate | Credential, *, at: datetime.datetime | None = None,
               reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise) -> None:
        """Put a certificate the issuing CA issued on its next CRL."""
        if isinstance(certificate, Credential):
            certificate = certificate.certificate
        self.revoked[certificate.serial_number] = Revocation(
            certificate.serial_number, at or datetime.datetime.now(UTC) - datetime.timedelta(seconds=1), reason)

    def crl(self, *, next_update_days: int = 7, this_update: datetime.datetime | None = None
            ) -> x509.CertificateRevocationList:
        """The issuing CA's CRL, listing every certificate revoked so far (signed now)."""
        now = this_update or datetime.datetime.now(UTC) - datetime.timedelta(minutes=5)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.issuing.certificate.subject)
            .last_update(now).next_update(now + datetime.timedelta(days=next_update_days))
            .add_extension(x509.CRLNumber(next(self._crl_numbers)), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issuing.key.public_key()),
                           critical=False)
        )
        for entry in self.revoked.values():
            revoked = (x509.RevokedCertificateBuilder()
                       .serial_number(entry.serial_number).revocation_date(entry.at))
            if entry.reason is not None:
                revoked = revoked.add_extension(x509.CRLReason(entry.reason), critical=False)
            builder = builder.add_revoked_certificate(revoked.build())
        return builder.sign(self.issuing.key, hashes.SHA256())

    def root_crl(self) -> x509.CertificateRevocationList:
        """The root's CRL (it has revoked nothing): a validator checking the issuing CA needs it."""
        now = datetime.datetime.now(UTC) - datetime.timedelta(minutes=5)
        return (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.certificate.subject)
            .last_update(now).next_update(now + datetime.timedelta(days=30))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                           critical=False)
            .sign(self.root.key, hashes.SHA256())
        )

    def crl_pem(self) -> bytes:
        return self.crl().public_bytes(serialization.Encoding.PEM)

    def crl_der(self) -> bytes:
        return self.crl().public_bytes(serialization.Encoding.DER)

    def write(self, directory: Path) -> dict[str, Path]:
        """Write ``root.crt``, ``chain.crt`` (issuing + root), ``issuing.crl`` and ``root.crl``."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"root": directory / "root.crt", "chain": directory / "chain.crt",
                 "crl": directory / "issuing.crl", "root_crl": directory / "root.crl"}
        paths["root"].write_bytes(self.root_pem)
        paths["chain"].write_bytes(self.chain_pem)
        paths["crl"].write_bytes(self.crl_der())
        paths["root_crl"].write_bytes(self.root_crl().public_bytes(serialization.Encoding.DER))
        return paths

    # --- the repository: where relying parties fetch CA certificates and CRLs ------------------------------
    def serve(self) -> LoopbackServer:
        """Serve ``/root.crt``, ``/issuing.crt``, ``/issuing.crl`` (signed afresh, with every revocation so
        far) and ``/root.crl`` over HTTP at ``repository_url`` (on loopback); the caller stops it."""
        port = urllib.parse.urlsplit(self.repository_url).port
        return LoopbackServer(self._repository_answer, port=port, name="tinhso-test-ca").start()

    def _repository_answer(self, method: str, path: str, headers: dict, body: bytes):
        files = {
            "/root.crt": lambda: self.root.cert_der,
            "/issuing.crt": lambda: self.issuing.cert_der,
            "/issuing.crl": self.crl_der,
            "/root.crl": lambda: self.root_crl().public_bytes(serialization.Encoding.DER),
        }
        if method != "GET" or path not in files:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        kind = "application/pkix-crl" if path.endswith(".crl") else "application/pkix-cert"
        return 200, {"Content-Type": kind}, files[path]()


@contextlib.contextmanager
def published(name: str = "Tỉnh số thử nghiệm", **options) -> Iterator[tuple[TestPKI, LoopbackServer]]:
    """A PKI whose repository (CA certificates and CRLs) is served on loopback for the block."""
    pki = TestPKI.create(name, **options)
    server = pki.serve()
    try:
        yield pki, server
    finally:
        server.stop()


def _ca_key_usage() -> x509.KeyUsage:
    return _usage(key_cert_sign=True, crl_sign=True, digital_signature=True)


def _usage(**on: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
         "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"], False)
    flags.update(on)
    return x509.KeyUsage(**flags)


def _with_repository(builder: x509.CertificateBuilder, url: str, issuer: str) -> x509.CertificateBuilder:
    """CRL distribution point and CA-issuer address of the CA that signs this certificate."""
    return (
        builder
        .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(f"{url}/{issuer}.crl")], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
        .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(f"{url}/{issuer}.crt"))]), critical=False)
    )
