"""Helpers for tests that go through the gateway: trusting the test CA, enrolling members, and calling this
deployment's own gateway in-process as a member would over mutual TLS.

    from tinhso.exchange.testing import LocalTransport, enrol, trust

    trust(pki)                                                  # the test CA and its current CRL
    member, credential = enrol(pki, "VN/GOV/000.00.00.H42/tinhso", "Tỉnh Hà Tĩnh")
    grant_access(member, "document-inbox")
    answer = call(own_subsystem().service("document-inbox"), "/packages", method="POST", body=b"…",
                  client=member.client_id, transport=LocalTransport(credential))

:class:`LocalTransport` hands the request to the gateway view with the credential's certificate where a TLS
server (gunicorn) puts the peer's: the gateway judges it exactly as over a real connection. The real TLS
server is exercised by ``exchange/tests/test_tls.py``.
"""

from __future__ import annotations

from django.test import RequestFactory

from tinhso.exchange import services
from tinhso.exchange.identifiers import ClientId, parse_client
from tinhso.exchange.models import CertificateAuthority, Member


class PeerCertificate:
    """What gunicorn puts in ``environ["gunicorn.socket"]``, reduced to the peer certificate."""

    def __init__(self, der: bytes | None):
        self.der = der

    def getpeercert(self, binary_form: bool = False):
        return self.der if binary_form else {}


class LocalTransport:
    """Carries a call to this deployment's gateway view in the same process, as ``credential`` (a
    ``tinhso.testing.pki.Credential``; None presents no certificate)."""

    def __init__(self, credential=None):
        from django.conf import settings

        self.der = credential.cert_der if credential is not None else None
        hosts = [host for host in settings.ALLOWED_HOSTS if host not in ("*", "") and not host.startswith(".")]
        self.factory = RequestFactory(HTTP_HOST=hosts[0] if hosts else "localhost")

    def send(self, method, target, headers, body, timeout):
        from tinhso.exchange.server import gateway

        extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers
                 if name.lower() != "content-type"}
        content_type = next((v for n, v in headers if n.lower() == "content-type"), "application/octet-stream")
        extra["gunicorn.socket"] = PeerCertificate(self.der)
        path, _, query = target.partition("?")
        request = self.factory.generic(method, path, data=body, content_type=content_type, QUERY_STRING=query,
                                       **extra)
        response = gateway(request)
        return response.status_code, list(response.items()), response.content


def trust(pki, name: str = "") -> CertificateAuthority:
    """Trust the test PKI's issuing CA (with its CRL as it stands now)."""
    authority = CertificateAuthority.objects.filter(subject=pki.issuing.certificate.subject.rfc4514_string()).first()
    if authority is None:
        authority = services.add_authority(name or "CA thử nghiệm", pki.issuing.cert_pem)
    return services.store_crl(authority, pki.crl_der())


def enrol(pki, identifier: str | ClientId, name: str, *, agency=None, credential=None, **issue):
    """Register a member (or subsystem) with a fresh TLS client certificate from ``pki``; (member, credential)."""
    client = parse_client(identifier) if isinstance(identifier, str) else identifier
    member = services.find_member(client) or services.register_member(client, name, agency=agency)
    credential = credential or pki.issue_tls_client(str(client), organization=name, **issue)
    services.add_certificate(member, credential.cert_pem)
    return member, credential


def member(identifier: str) -> Member:
    return services.find_member(identifier)
