"""The registry's entry in the staff menu: department staff and operators' people.

The menu is drawn on every staff page, so the check is one query: a membership in force that is
province-wide or at (or just above) an agency keeping the registry, or a membership of an operator. The
pages themselves apply the full scope rule (``selectors.may_use_registry``).
"""

from django.utils.translation import gettext_noop

from tinhso.common.navigation import register


def _sees_registry(user) -> bool:
    cached = getattr(user, "_telecom_registry", None)
    if cached is None:
        cached = user._telecom_registry = user.is_superuser or _one_query(user)
    return cached


def _one_query(user) -> bool:
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q
    from django.utils import timezone

    from tinhso.directory.models import PROVINCE_WIDE_ROLES, Membership
    from tinhso.telecom.models import OperatorMembership, TelecomOffice

    today = timezone.localdate()
    offices = TelecomOffice.objects.values("agency_id")
    parents = TelecomOffice.objects.values("agency__parent_id")
    staff = Membership.objects.active_on(today).filter(user=OuterRef("pk")).filter(
        Q(role__in=list(PROVINCE_WIDE_ROLES)) | Q(agency_id__in=offices) | Q(agency_id__in=parents))
    people = OperatorMembership.objects.active_on(today).filter(user=OuterRef("pk"))
    return get_user_model().objects.filter(pk=user.pk).filter(Exists(staff) | Exists(people)).exists()


register(gettext_noop("Hạ tầng viễn thông"), "telecom:home", _sees_registry, order=40)
