"""The register's entry in the staff menu: anyone with a membership in force (an agency sees its own tasks)."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _has_membership(user) -> bool:
    from tinhso.directory.selectors import held_roles

    return user.is_superuser or bool(held_roles(user))


register(gettext_noop("Nhiệm vụ được giao"), "directives:register", _has_membership, order=45)
