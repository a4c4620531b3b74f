"""Fixtures for the gateway's tests: a fresh in-memory view of the registers per test, the test CA trusted."""

import pytest

from tinhso.exchange import state


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    """Each test starts from its own database: the previous test's members are not remembered."""
    state.invalidate()
    yield
    state.invalidate()


@pytest.fixture
def trusted(pki, db):
    from tinhso.exchange.testing import trust

    return trust(pki)
