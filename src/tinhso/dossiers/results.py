"""Registries that a procedure's result feeds: a site approval creates a telecom station, a website licence
enters the press registry. The module that keeps such a registry registers a :class:`ResultHandler`
(usually in its ``AppConfig.ready``); a procedure version names it in ``result_handler``; the engine calls it
at the right moments. ``dossiers`` never imports the module: it only knows the handlers registered here.

The moments:

- the officer's dossier page shows the handler's panel (``panel_template`` rendered with
  ``panel_context(dossier, user)``): what the registry makes of the application — e.g. the planning checks of
  a tower site with their distances;
- before the leader approves, ``check(dossier)`` lists what would keep the result from entering the registry
  (missing or wrong data in the application); any problem refuses the approval with those messages;
- when the result is returned (``return_result``), ``record(dossier, actor)`` writes the registry's record in
  the same transaction, so a dossier is never returned without its record nor a record left without its
  dossier; it answers a :class:`ResultRecord` (what was written and where to see it), stored on the event.

A version naming a handler that no module registered cannot be approved (the page says so) rather than
losing its result silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ResultRecord:
    """What a handler wrote: a short description (Vietnamese) and the address of the record's page."""

    summary: str
    url: str = ""
    object_id: int | str | None = None


@dataclass(frozen=True)
class ResultHandler:
    """One registry fed by procedure results. ``key`` is ``"<app>.<name>"`` (at most 60 characters),
    what a procedure version's ``result_handler`` names; ``label`` says in Vietnamese where results go."""

    key: str
    label: str
    record: Callable[[object, object], ResultRecord]
    check: Callable[[object], list[str]] | None = None
    panel_template: str = ""
    panel_context: Callable[[object, object], dict] | None = None

    def problems(self, dossier) -> list[str]:
        return list(self.check(dossier)) if self.check is not None else []


_HANDLERS: dict[str, ResultHandler] = {}


def register(handler: ResultHandler) -> None:
    """Register a handler (idempotent for the same key)."""
    if "." not in handler.key or len(handler.key) > 60:
        raise ValueError(f"result handler {handler.key!r}: expected '<app>.<name>', at most 60 characters")
    _HANDLERS[handler.key] = handler


def registered() -> list[ResultHandler]:
    return sorted(_HANDLERS.values(), key=lambda h: h.key)


def handler_named(key: str) -> ResultHandler | None:
    return _HANDLERS.get(key) if key else None


def handler_for(dossier) -> ResultHandler | None:
    """The handler the dossier's procedure version names (None when it names none or an unknown one)."""
    return handler_named(dossier.procedure_version.result_handler)


def unknown_handler(dossier) -> str:
    """The name of the handler the version names but no module registered ("" when all is well)."""
    key = dossier.procedure_version.result_handler
    return key if key and key not in _HANDLERS else ""
