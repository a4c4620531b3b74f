"""The notice pages in the staff navigation: the list of deliveries for those who manage them."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _manages(user) -> bool:
    from tinhso.common.notices.selectors import delivery_scope

    return delivery_scope(user) is not None


def register_entries() -> None:
    register(gettext_noop("Gửi thông báo"), "notices:deliveries", _manages, order=850)
