from tinhso.dossiers.tests.conftest import Clock, clock, steady_calendar  # noqa: F401 — shared fixtures
