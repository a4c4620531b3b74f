"""A settable clock for the register's tests (the engine's, reused)."""

from tinhso.dossiers.tests.conftest import clock  # noqa: F401
