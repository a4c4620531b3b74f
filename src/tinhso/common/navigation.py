"""The header navigation. Modules add their entries with :func:`register`; the base layout shows those
the signed-in user may open: staff see their work, citizens their own pages (each audience is a module's
``visible`` check). :func:`register_home` names where someone lands who is not staff (a citizen's own
dossiers), so the staff page never greets a citizen with "no agency"."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    visible: Callable[[object], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return _reversed(self.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=512)
def _reversed(url_name: str, prefix: str, urlconf: str) -> str:
    """The address of ``url_name`` under a script prefix and URL configuration: the header shows a score of
    entries on every page, and each reversal walks the resolver."""
    return reverse(url_name, urlconf=urlconf)


_ENTRIES: list[MenuEntry] = []


def register(label: str, url_name: str, visible: Callable[[object], bool] = lambda user: True,
             order: int = 100) -> None:
    if not any(e.url_name == url_name for e in _ENTRIES):
        _ENTRIES.append(MenuEntry(label, url_name, visible, order))


# A user's menu is kept in the process for as long as their roles are (directory.selectors.HELD_ROLES_SECONDS):
# the checks behind it are a query each, on every page. Any record saved or deleted in this process starts
# the menus again at once (``changed``); another process's change shows here within that time, as the roles
# do. The pages themselves check every permission on each request; the menu only offers the way there.
MENU_SECONDS = 60.0
MENUS_KEPT = 5000
_kept: dict[int, tuple[tuple, float, list[MenuEntry]]] = {}
_changes = [0]


def changed(*args, **kwargs) -> None:
    """A receiver of every ``post_save``, ``post_delete`` and ``m2m_changed``: menus are worked out again."""
    _changes[0] += 1


def menu_for(user) -> list[MenuEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    seconds = getattr(settings, "TINHSO_MENU_SECONDS", MENU_SECONDS)
    if seconds <= 0:
        return sorted((e for e in _ENTRIES if e.visible(user)), key=lambda e: e.order)
    key = (timezone.localdate(), _changes[0], user.is_active, user.is_staff, user.is_superuser)
    now = time.monotonic()
    kept = _kept.get(user.pk) if user.pk is not None else None
    if kept is not None and kept[0] == key and now - kept[1] < seconds:
        return kept[2]
    entries = sorted((e for e in _ENTRIES if e.visible(user)), key=lambda e: e.order)
    if user.pk is not None:
        if len(_kept) >= MENUS_KEPT:
            _kept.clear()
        _kept[user.pk] = (key, now, entries)
    return entries


_HOMES: list[tuple[Callable[[object], bool], str]] = []


def register_home(applies: Callable[[object], bool], url_name: str) -> None:
    """Where ``applies`` users land instead of the staff page (registering twice is harmless)."""
    if not any(name == url_name for _check, name in _HOMES):
        _HOMES.append((applies, url_name))


def home_for(user) -> str | None:
    """The address a non-staff user's home is at, or None for staff (and anyone no module claims)."""
    return next((reverse(name) for applies, name in _HOMES if applies(user)), None)


def _is_staff_side(user) -> bool:
    return home_for(user) is None


register(gettext_noop("Trang làm việc"), "staff-home", _is_staff_side, order=0)
register(gettext_noop("Quản trị hệ thống"), "admin:index", lambda user: user.is_staff, order=900)
