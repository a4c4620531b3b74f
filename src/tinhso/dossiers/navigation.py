"""The desk's entries in the staff navigation: shown to users holding a desk role today."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _is_officer(user) -> bool:
    from tinhso.dossiers.views import desk_roles

    return bool(desk_roles(user))


def _is_receiver(user) -> bool:
    from tinhso.directory.models import Role
    from tinhso.dossiers.views import desk_roles

    return Role.RECEIVER in desk_roles(user)


def register_entries() -> None:
    """Add the desk and counter reception to the staff menu (registering twice is harmless); the base layout
    translates the labels."""
    register(gettext_noop("Hồ sơ một cửa"), "dossiers:desk", _is_officer, order=10)
    register(gettext_noop("Tiếp nhận hồ sơ"), "dossiers:reception", _is_receiver, order=11)
