"""The grassroots radio's entry in the staff menu: whoever holds a broadcasting role (or is province-wide)."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _operates(user) -> bool:
    from tinhso.broadcast.selectors import may_operate, reaches_province

    return may_operate(user) or reaches_province(user)


register(gettext_noop("Truyền thanh cơ sở"), "broadcast:home", _operates, order=45)
