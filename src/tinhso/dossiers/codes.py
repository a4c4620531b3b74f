"""Dossier codes (mã số hồ sơ): ``<receiving agency identifier>-YYMMDD-XXXX``.

NĐ 61/2018 Art. 26 and TT 01/2018 Art. 19: the code is generated automatically when the dossier first
enters the agency (online submission or reception at the counter); ``YYMMDD`` is that day in Vietnam and
``XXXX`` the agency's sequence number of the day, from 0001.

The sequence is the platform's one counter mechanism (:mod:`tinhso.common.counters`): the series
``dossier-code:<agency pk>`` in the period of the Vietnamese day, allocated by one upsert in the caller's
transaction: concurrent receptions queue on that row and get consecutive numbers, and a reception that
rolls back takes its increment with it, so the numbers have no gaps.

**After 9999 in one day** the number widens to five digits (``…-261122-10000``, ``10001`` …) rather
than failing or wrapping. Refusing a citizen's dossier because a counter ran out would break the duty to
receive it, and wrapping would reuse codes that are printed on receipts and used for tracking. The wider
number keeps every code unique and the first 9999 codes of the day exactly in the statutory form; codes of
one agency and day sort by (length, text), which is numeric order. At the platform's scale (a busy
provincial centre receives a few hundred dossiers a day) this branch is a safeguard, not a normal path.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tinhso.common import counters

SEQUENCE_DIGITS = 4


def format_code(identifier: str, day: datetime.date, number: int) -> str:
    """The code for the ``number``-th dossier of ``day`` at the agency ``identifier``."""
    return f"{identifier}-{day:%y%m%d}-{number:0{SEQUENCE_DIGITS}d}"


def allocate_code(agency, at: datetime.datetime | None = None) -> str:
    """Take the next code of ``agency`` for the Vietnamese day of ``at`` (now by default).

    Must run inside the transaction that creates the dossier (it is an error otherwise), so that a
    rollback also returns the number.
    """
    day = timezone.localdate(at) if at is not None else timezone.localdate()
    return format_code(agency.identifier, day, counters.allocate(series_of(agency.pk), day.isoformat()))


def series_of(agency_id: int) -> str:
    """The counter series of an agency's dossier codes (one period per Vietnamese day)."""
    return f"dossier-code:{agency_id}"


def sequence_of(code: str) -> int:
    """The day's sequence number in ``code`` (for sorting and checks)."""
    return int(code.rsplit("-", 1)[1])
