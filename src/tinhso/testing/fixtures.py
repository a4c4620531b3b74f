"""pytest fixtures for tests that need the test CA or a timestamp authority (loaded by ``src/conftest.py``).

- ``pki``: one :class:`~tinhso.testing.pki.TestPKI` for the whole run (issue what a test needs from it).
- ``softhsm``: one SoftHSM token for the whole run (:class:`~tinhso.testing.softhsm.Token`; put keys on it).
- ``tsa``: a running RFC 3161 authority issuing from ``pki``, with the settings pointing at it
  (``TINHSO_TSA_URL``, ``TINHSO_TSA_TRUSTED_ROOTS``) for the test; a test may ``tsa.stop()`` it or set
  ``tsa.clock``, and the next test gets it running again with the real clock.
"""

from __future__ import annotations

import datetime

import pytest

from tinhso.testing import pki as test_pki
from tinhso.testing import softhsm as test_softhsm
from tinhso.testing import tsa as test_tsa


@pytest.fixture(scope="session")
def pki() -> test_pki.TestPKI:
    return test_pki.TestPKI.create()


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory) -> test_softhsm.Token:
    return test_softhsm.Token.create(tmp_path_factory.mktemp("softhsm"), label="tinhso-test")


@pytest.fixture(scope="session")
def _tsa_server(pki, tmp_path_factory):
    server = test_tsa.Server(pki).start()
    roots = tmp_path_factory.mktemp("tsa") / "roots.pem"
    roots.write_bytes(pki.root_pem)
    server.roots_path = str(roots)
    yield server
    server.stop()


@pytest.fixture
def tsa(_tsa_server, settings):
    _tsa_server.start()
    _tsa_server.clock = lambda: datetime.datetime.now(datetime.UTC)
    settings.TINHSO_TSA_URL = _tsa_server.url
    settings.TINHSO_TSA_TRUSTED_ROOTS = _tsa_server.roots_path
    settings.TINHSO_TSA_POLICY = ""
    yield _tsa_server
    _tsa_server.start()
    _tsa_server.clock = lambda: datetime.datetime.now(datetime.UTC)
