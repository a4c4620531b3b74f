"""gunicorn settings for serving the gateway over mutual TLS itself, without a proxy in front::

    gunicorn tinhso.conf.wsgi -c python:tinhso.exchange.tls_server \\
        --certfile /etc/tinhso/server.crt --keyfile /etc/tinhso/server.key -b 0.0.0.0:8443 -w 4

The server asks every client for its certificate but does not insist (``CERT_OPTIONAL``): a caller without
one reaches the gateway and is answered with the protocol's ``Client.SslAuthenticationFailed``. The TLS layer
accepts client certificates that chain to a CA the platform trusts (the gateway's register of trusted CAs,
read from the database, refreshed every :data:`REFRESH_SECONDS`) and leaves the validity period to the
gateway (``X509_V_FLAG_NO_CHECK_TIME``), so that an expired certificate is refused with the protocol's error
rather than a broken handshake; revocation and the mapping to a member are the gateway's too
(``tinhso.exchange.certificates``). A certificate from a CA the platform does not trust is refused during
the handshake. Behind a TLS-terminating proxy (nginx ``ssl_verify_client optional_no_ca``), use the
``EXCHANGE_CLIENT_CERT_HEADER`` setting instead and every refusal is the protocol's.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time

logger = logging.getLogger(__name__)

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: the gateway, not the handshake, judges validity periods.
NO_CHECK_TIME = 0x200000
REFRESH_SECONDS = 30.0

cert_reqs = ssl.CERT_OPTIONAL

_cache: dict[str, object] = {"context": None, "built": 0.0, "bundle": None}
_lock = threading.Lock()


def trusted_bundle() -> str:
    """The PEM bundle of the CAs the gateway trusts, from its register."""
    from tinhso.exchange.models import CertificateAuthority

    return "".join(CertificateAuthority.objects.filter(active=True).order_by("pk")
                   .values_list("certificate_pem", flat=True))


def build_context(certfile: str, keyfile: str | None, bundle: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=certfile, keyfile=keyfile)
    context.verify_mode = ssl.CERT_OPTIONAL
    # The register holds the CAs that issue members' certificates (often intermediates): each is an anchor.
    context.verify_flags |= NO_CHECK_TIME | ssl.VERIFY_X509_PARTIAL_CHAIN
    if bundle:
        context.load_verify_locations(cadata=bundle)
    return context


def ssl_context(conf, default_ssl_context_factory):
    """gunicorn's hook, called for every accepted connection: one context per process, rebuilt when the
    register of trusted CAs changes (checked every ``REFRESH_SECONDS``)."""
    now = time.monotonic()
    context = _cache["context"]
    if context is not None and now - _cache["built"] < REFRESH_SECONDS:
        return context
    with _lock:
        if _cache["context"] is not None and now - _cache["built"] < REFRESH_SECONDS:
            return _cache["context"]
        try:
            bundle = trusted_bundle()
        except Exception:  # the database is unreachable: keep serving with what was trusted
            logger.exception("exchange TLS: could not read the trusted CAs")
            bundle = _cache["bundle"] or ""
        if _cache["context"] is None or bundle != _cache["bundle"]:
            _cache["context"] = build_context(conf.certfile, conf.keyfile, bundle)
            _cache["bundle"] = bundle
        _cache["built"] = now
        return _cache["context"]
