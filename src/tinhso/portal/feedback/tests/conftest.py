"""Fixtures for the feedback tests: the engine's settable clock and steady calendar, and a signed-in
citizen with a dossier."""

from __future__ import annotations

from tinhso.dossiers.tests.conftest import clock, steady_calendar

__all__ = ["clock", "steady_calendar"]
