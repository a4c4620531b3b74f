"""A citizen's own header navigation: the catalogue, their dossiers, their complaints and their account
(their notices, with the unread count, sit beside it for everyone signed in); their home is their dossiers."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register, register_home


def _is_citizen(user) -> bool:
    from tinhso.portal.accounts.selectors import is_citizen

    return is_citizen(user)


def register_entries() -> None:
    register(gettext_noop("Thủ tục hành chính"), "portal-procedures", _is_citizen, order=1)
    register(gettext_noop("Hồ sơ của tôi"), "filing:my-dossiers", _is_citizen, order=2)
    register(gettext_noop("Phản ánh"), "feedback:mine", _is_citizen, order=3)
    register(gettext_noop("Tài khoản"), "citizens:profile", _is_citizen, order=4)
    register_home(_is_citizen, "filing:my-dossiers")
