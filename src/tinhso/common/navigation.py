"""The staff navigation. Modules add their entries with :func:`register`; the base layout shows those
the signed-in user may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    visible: Callable[[object], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_ENTRIES: list[MenuEntry] = []


def register(label: str, url_name: str, visible: Callable[[object], bool] = lambda user: True,
             order: int = 100) -> None:
    if not any(e.url_name == url_name for e in _ENTRIES):
        _ENTRIES.append(MenuEntry(label, url_name, visible, order))


def menu_for(user) -> list[MenuEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted((e for e in _ENTRIES if e.visible(user)), key=lambda e: e.order)


register(gettext_noop("Trang làm việc"), "staff-home", order=0)
register(gettext_noop("Quản trị hệ thống"), "admin:index", lambda user: user.is_staff, order=900)
