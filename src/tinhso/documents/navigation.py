"""The registers' entry in the staff menu: people of an agency keeping registers here, and handlers.

The menu is drawn on every staff page, so the check is one query, cached on the user object."""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _sees_registers(user) -> bool:
    cached = getattr(user, "_document_registers", None)
    if cached is None:
        from tinhso.documents import selectors

        cached = user._document_registers = user.is_superuser or _one_query(user, selectors)
    return cached


def _one_query(user, selectors) -> bool:
    from tinhso.directory.selectors import held_roles
    from tinhso.documents.models import RecordsOffice

    agency_ids = {agency_id for agency_id, _role in held_roles(user)}
    if not agency_ids:
        return False
    return RecordsOffice.objects.filter(agency_id__in=agency_ids).exists()


register(gettext_noop("Văn bản"), "documents:home", _sees_registers, order=45)
