"""The registry's entry in the staff menu: department staff and operators' people."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _sees_registry(user) -> bool:
    cached = getattr(user, "_telecom_registry", None)
    if cached is None:
        from tinhso.telecom.selectors import may_use_registry

        cached = user._telecom_registry = may_use_registry(user)
    return cached


register(gettext_noop("Hạ tầng viễn thông"), "telecom:home", _sees_registry, order=40)
