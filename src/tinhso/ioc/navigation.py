"""The centre's entries in the staff menu. The menu is drawn on every staff page, so these checks reuse the
desk roles the one-stop menu already looked up for the request and query only for users without any (an
operations-centre viewer, an agency administrator), once per request."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register
from tinhso.directory.models import PROVINCE_WIDE_ROLES, Role


def _other_roles(user) -> frozenset[str]:
    from tinhso.directory.selectors import roles_held

    return roles_held(user)


def _desk(user) -> set[str]:
    from tinhso.dossiers.views import desk_roles

    return desk_roles(user)


def sees_centre(user) -> bool:
    """Leaders (approvers), viewers and administrators; a desk officer without a leader role does not."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or Role.APPROVER in _desk(user):
        return True
    return not _desk(user) and bool(_other_roles(user) & PROVINCE_WIDE_ROLES)


def reports_values(user) -> bool:
    """Members of an agency other than mere viewers may enter its reported values."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or _desk(user):
        return True
    return bool(_other_roles(user) - {Role.OPERATIONS_VIEWER})


def register_entries() -> None:
    register(gettext_noop("Trung tâm điều hành"), "ioc:overview", sees_centre, order=30)
    register(gettext_noop("Số liệu báo cáo"), "ioc:reported", reports_values, order=31)
    register(gettext_noop("Cảnh báo"), "ioc:alerts", sees_centre, order=32)
    register(gettext_noop("Màn hình phòng điều hành"), "ioc:wall", sees_centre, order=33)
