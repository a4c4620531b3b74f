"""The module's entry in the staff menu: every officer (their agency's briefing and verification tasks);
the department sees the whole module behind it."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _sees_module(user) -> bool:
    from tinhso.media.selectors import is_officer

    return is_officer(user)


register(gettext_noop("Báo chí, thông tin"), "media:home", _sees_module, order=45)
