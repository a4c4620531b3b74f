"""The test CA issues what real relying parties accept: TLS with client certificates, CRLs, PKCS#12."""

from __future__ import annotations

import socket
import ssl
import threading
import urllib.request

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from tinhso.testing.pki import DOCUMENT_SIGNING, TestPKI, published


def _files(tmp_path, credential, stem):
    return credential.write(tmp_path, stem)


def _tls_round_trip(tmp_path, pki, server_cred, client_cred=None, crl=False) -> bytes:
    """One TLS exchange over loopback: the server asks for a client certificate, the client checks the
    server's against the root. Returns what the server read."""
    server_files = _files(tmp_path, server_cred, "server")
    chain = pki.write(tmp_path / "ca")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(server_files["cert"], server_files["key"])
    server_context.verify_mode = ssl.CERT_REQUIRED
    server_context.load_verify_locations(cadata=pki.chain_pem.decode())
    if crl:
        crl_file = tmp_path / "issuing-crl.pem"
        crl_file.write_bytes(pki.crl_pem())
        server_context.load_verify_locations(cafile=str(crl_file))
        server_context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received: list = []

    def serve():
        connection, _ = listener.accept()
        try:
            with server_context.wrap_socket(connection, server_side=True) as tls:
                received.append(tls.getpeercert()["subject"])
                received.append(tls.recv(100))
        except (ssl.SSLError, OSError) as error:
            received.append(error)

    thread = threading.Thread(target=serve)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(chain["root"]))
    if client_cred is not None:
        client_files = _files(tmp_path, client_cred, "client")
        client_context.load_cert_chain(client_files["cert"], client_files["key"])
    try:
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                client_context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"xin chao")
            tls.recv(1)
    except (ssl.SSLError, OSError):
        pass
    thread.join(5)
    listener.close()
    return received


def test_tls_with_client_certificate_chains_to_the_root(tmp_path, pki):
    received = _tls_round_trip(tmp_path, pki, pki.issue_tls_server(["localhost", "127.0.0.1"]),
                               pki.issue_tls_client("GOV/000.00.01.H40/tinhso", organization="Sở KH&CN"))
    assert received[1] == b"xin chao"
    assert ("commonName", "GOV/000.00.01.H40/tinhso") in [pair for rdn in received[0] for pair in rdn]


def test_a_server_without_a_client_certificate_is_refused(tmp_path, pki):
    received = _tls_round_trip(tmp_path, pki, pki.issue_tls_server())
    assert isinstance(received[0], ssl.SSLError)


def test_a_revoked_client_certificate_is_refused_by_a_server_checking_the_crl(tmp_path):
    pki = TestPKI.create()
    member = pki.issue_tls_client("GOV/000.00.02.H40/revoked")
    pki.revoke(member)
    received = _tls_round_trip(tmp_path, pki, pki.issue_tls_server(), member, crl=True)
    assert isinstance(received[0], ssl.SSLError)
    assert "revoked" in str(received[0]).lower()


def test_a_client_certificate_from_another_ca_is_refused(tmp_path, pki):
    stranger = TestPKI.create("Kẻ lạ").issue_tls_client("GOV/999")
    received = _tls_round_trip(tmp_path, pki, pki.issue_tls_server(), stranger)
    assert isinstance(received[0], ssl.SSLError)


def test_profiles_carry_the_usages_relying_parties_check(pki):
    signing = pki.issue_signing("Sở Khoa học và Công nghệ tỉnh Nghệ An", email="vanthu@skhcn.example")
    usage = signing.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert DOCUMENT_SIGNING in signing.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value

    stamping = pki.issue_timestamping("TSA")
    eku = stamping.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]

    server = pki.issue_tls_server(["cong.tinhso.example", "127.0.0.1"])
    names = server.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["cong.tinhso.example"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    basic = pki.issuing.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert basic.ca and basic.path_length == 0


def test_pkcs12_keystore_reads_back_with_its_chain(pki):
    signer = pki.issue_signing("Văn thư UBND tỉnh")
    key, certificate, chain = pkcs12.load_key_and_certificates(signer.pkcs12(b"mat-khau"), b"mat-khau")
    assert certificate == signer.certificate
    assert chain == [pki.issuing.certificate]
    assert key.public_key().public_numbers() == signer.key.public_key().public_numbers()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(signer.pkcs12(b"mat-khau"), b"sai")


def test_rsa_keys_on_request():
    pki = TestPKI.create(key_type="rsa")
    assert pki.issue_signing("Ký RSA").key.key_size == 2048


def _validate(pki, credential, crls=(), fetch=False):
    async def validate():
        backend = AIOHttpFetcherBackend() if fetch else None
        try:
            context = ValidationContext(
                trust_roots=[asn1_x509.Certificate.load(pki.root.cert_der)], allow_fetching=fetch,
                fetcher_backend=backend, crls=list(crls), revocation_mode="hard-fail" if fetch else "soft-fail")
            validator = CertificateValidator(
                asn1_x509.Certificate.load(credential.cert_der),
                intermediate_certs=[asn1_x509.Certificate.load(pki.issuing.cert_der)], validation_context=context)
            return await validator.async_validate_usage({"non_repudiation"})
        finally:
            if backend is not None:
                await backend.close()

    from tinhso.common.timestamps import _run

    # A browser test earlier in the run leaves an event loop in this thread: run as the platform does.
    return _run(validate())


def test_the_crl_names_revoked_certificates_for_a_path_validator(pki):
    good, bad = pki.issue_signing("Còn hiệu lực"), pki.issue_signing("Bị thu hồi")
    pki.revoke(bad)
    assert _validate(pki, good, [pki.crl_der()])
    with pytest.raises(RevokedError):
        _validate(pki, bad, [pki.crl_der()])


def test_the_repository_serves_crls_at_the_distribution_points_in_the_certificates():
    with published() as (pki, repository):
        signer = pki.issue_signing("Văn thư")
        points = signer.certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        url = points[0].full_name[0].value
        assert url == f"{repository.url}/issuing.crl"
        with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback
            crl = x509.load_der_x509_crl(response.read())
        assert crl.is_signature_valid(pki.issuing.key.public_key())
        assert _validate(pki, signer, fetch=True)
        pki.revoke(signer)
        with pytest.raises(RevokedError):
            _validate(pki, signer, fetch=True)
