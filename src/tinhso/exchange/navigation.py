"""The gateway's entry in the staff navigation: for platform administrators."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _operates(user) -> bool:
    from tinhso.exchange.selectors import may_operate

    return may_operate(user)


def register_entries() -> None:
    register(gettext_noop("Kết nối, chia sẻ dữ liệu"), "exchange:overview", _operates, order=80)
