"""This deployment's identity on the exchange, read from the settings when asked (tests may change them)."""

from __future__ import annotations

from django.conf import settings

from tinhso.exchange.identifiers import ClientId


def own_member() -> ClientId:
    """The member this deployment answers for: by default the province People's Committee of
    ``PROVINCE_CODE`` (``000.00.00.<level-1 code>``, QĐ 20/2020/QĐ-TTg)."""
    code = settings.TINHSO_EXCHANGE_MEMBER_CODE
    if not code:
        from tinhso.directory.identifiers import province_level1_code

        code = f"000.00.00.{province_level1_code(settings.TINHSO_PROVINCE_CODE)}"
    return ClientId(settings.TINHSO_EXCHANGE_INSTANCE, settings.TINHSO_EXCHANGE_MEMBER_CLASS, code)


def own_subsystem() -> ClientId:
    """The subsystem that offers this deployment's services and makes its calls."""
    member = own_member()
    return ClientId(member.instance, member.member_class, member.member_code, settings.TINHSO_EXCHANGE_SUBSYSTEM)
