"""What the header needs about the signed-in person's notices: the unread count (read only when a page
shows it) and the address of their list, for citizens and staff alike."""

from __future__ import annotations

import functools

from django.urls import reverse


@functools.total_ordering
class LazyCount:
    """A count read from the database the first time a template uses it, then kept: ``{% if %}`` and
    ``{{ }}`` use it as is; ``blocktranslate count`` takes ``.value`` (it insists on a real number)."""

    def __init__(self, read):
        self._read = read
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = int(self._read())
        return self._value

    def __int__(self) -> int:
        return self.value

    __index__ = __int__

    def __round__(self, ndigits=None) -> int:
        return self.value

    def __bool__(self) -> bool:
        return self.value != 0

    def __str__(self) -> str:
        return str(self.value)

    def __eq__(self, other) -> bool:
        return self.value == int(other)

    def __lt__(self, other) -> bool:
        return self.value < int(other)

    def __hash__(self) -> int:
        return hash(self.value)


def notices(request) -> dict:
    """``notices_unread`` (the signed-in person's unread in-app notices) and ``notices_inbox_url``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from tinhso.common.notices.selectors import unread_count

    return {
        "notices_unread": LazyCount(lambda: unread_count(user)),
        "notices_inbox_url": reverse("notices:inbox"),
    }
