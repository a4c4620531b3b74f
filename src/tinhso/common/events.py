"""Events a module publishes for the operations room (an emergency broadcast started, a station went down, a
monitoring alert): the room's event rules turn them into alerts.

A module sits below the operations centre and never imports it; it calls :func:`publish` after the
change that caused the event commits (inside a transaction, the event waits for the commit, so a rolled-back
change raises nothing)::

    from tinhso.common.events import publish

    publish("telecom.station_down", key=f"station:{station.pk}:{outage.pk}", title=_("Trạm … mất liên lạc"),
            url=reverse("telecom:station", args=[station.pk]), agency_id=None)

``kind`` is ``"<app>.<what>"``; ``key`` makes the event once-only (a second publish with the same key raises no
second alert); ``url`` is the page of the cause; ``agency_id`` the agency concerned (None: the province).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal

# Sent with ``event=<RoomEvent>``; the operations centre listens.
room_event = Signal()


@dataclass(frozen=True)
class RoomEvent:
    kind: str
    key: str
    title: str
    url: str = ""
    agency_id: int | None = None


def publish(kind: str, *, key: str, title: str, url: str = "", agency_id: int | None = None) -> None:
    """Publish an event once the caller's transaction commits (at once outside one)."""
    if "." not in kind or len(kind) > 64:
        raise ValueError(f"event kind {kind!r}: expected '<app>.<what>', at most 64 characters")
    event = RoomEvent(kind, str(key)[:150], str(title)[:300], url[:500], agency_id)
    transaction.on_commit(lambda: room_event.send(sender=RoomEvent, event=event))
