"""The desk's entries in the staff navigation: shown to users holding a desk role today."""

from tinhso.common.navigation import register


def _is_officer(user) -> bool:
    from tinhso.dossiers.views import desk_roles

    return bool(desk_roles(user))


def _is_receiver(user) -> bool:
    from tinhso.directory.models import Role
    from tinhso.dossiers.views import desk_roles

    return Role.RECEIVER in desk_roles(user)


def register_entries() -> None:
    """Add the desk and counter reception to the staff menu (registering twice is harmless)."""
    register("Hồ sơ một cửa", "dossiers:desk", _is_officer, order=10)
    register("Tiếp nhận hồ sơ", "dossiers:reception", _is_receiver, order=11)
