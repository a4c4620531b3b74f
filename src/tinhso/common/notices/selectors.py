"""Read queries of the notice service: a person's in-app list, and the deliveries administrators watch.

Deliveries are scoped like every record of the platform, through ``directory.selectors.visible_agencies``:
a notice sent on behalf of an agency is seen by those who may see that agency; a notice sent on behalf of
no agency (an account's verification) only by those who see the whole province.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.common import statements
from tinhso.common.notices.models import Delivery, Notice

# Who may open the list of deliveries: administrators resend; viewers and leaders follow their numbers.
_RESENDING_ROLES = frozenset({"platform_admin", "agency_admin"})
_WATCHING_ROLES = frozenset({"operations_viewer", "approver"})


def inbox(user) -> QuerySet[Notice]:
    """The user's in-app notices, newest first."""
    return Notice.objects.filter(user=user, in_app=True).order_by("-created_at", "-id")


def _unread_statement(db) -> str:
    quote, meta = db.ops.quote_name, Notice._meta
    return (f"SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('in_app').column)} "  # noqa: S608
            f"AND {quote(meta.get_field('read_at').column)} IS NULL AND {quote(meta.get_field('user').column)} = %s")


_UNREAD = statements.FixedRead(Notice, _unread_statement)


def unread_count(user) -> int:
    """The person's unread in-app notices: the header of every signed-in page asks, so it is one fixed
    statement (a count on the partial index ``notices_unread``), not a queryset compiled by the ORM each time."""
    if getattr(user, "pk", None) is None:
        return 0
    return _UNREAD.rows(user.pk)[0][0]


# -- deliveries ---------------------------------------------------------------------------------------

@dataclass
class DeliveryScope:
    """What a user may see and do in the list of deliveries."""

    user: object
    whole_province: bool
    may_resend: bool
    _agency_ids: frozenset[int] | None = field(default=None, repr=False)

    @property
    def agency_ids(self) -> frozenset[int]:
        if self._agency_ids is None:
            from tinhso.directory.selectors import visible_agencies  # the one scope helper (directory is above)

            self._agency_ids = frozenset(visible_agencies(self.user).values_list("pk", flat=True))
        return self._agency_ids

    def filter(self, deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
        if self.whole_province:
            return deliveries
        return deliveries.filter(agency_id__in=sorted(self.agency_ids))


def delivery_scope(user) -> DeliveryScope | None:
    """None for users who may not open the list; kept on the user for the request (the menu asks too)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if hasattr(user, "_notice_scope"):
        return user._notice_scope
    scope = None
    if user.is_superuser:
        scope = DeliveryScope(user, whole_province=True, may_resend=True)
    else:
        from tinhso.directory.models import PROVINCE_WIDE_ROLES
        from tinhso.directory.selectors import held_roles

        roles = {role for _agency, role in held_roles(user)}
        if roles & (_RESENDING_ROLES | _WATCHING_ROLES):
            scope = DeliveryScope(user, whole_province=bool(roles & PROVINCE_WIDE_ROLES),
                                  may_resend=bool(roles & _RESENDING_ROLES))
    user._notice_scope = scope
    return scope


@dataclass(frozen=True)
class DeliveryFilters:
    status: str | None = Delivery.Status.FAILED
    channel: str | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    agency: int | str | None = None  # an agency's key, or "khong": notices sent on behalf of none
    kind: str | None = None


def _moment_field(status: str | None) -> str:
    return {Delivery.Status.SENT: "sent_at", Delivery.Status.FAILED: "failed_at"}.get(status, "created_at")


def deliveries(scope: DeliveryScope, filters: DeliveryFilters) -> QuerySet[Delivery]:
    """The deliveries in ``scope`` that match ``filters``: failed ones by when they failed (newest first),
    sent by when sent, pending oldest first (the one waiting longest is the one to look at)."""
    rows = scope.filter(Delivery.objects.select_related("notice"))
    moment = _moment_field(filters.status)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.since:
        rows = rows.filter(**{f"{moment}__gte": filters.since})
    if filters.until:
        rows = rows.filter(**{f"{moment}__lt": filters.until})
    if filters.agency == "khong":
        rows = rows.filter(agency_id__isnull=True)
    elif filters.agency:
        rows = rows.filter(agency_id=filters.agency)
    if filters.kind:
        rows = rows.filter(Q(notice__kind=filters.kind) | Q(notice__kind__startswith=f"{filters.kind}."))
    if filters.status == Delivery.Status.PENDING:
        return rows.order_by("created_at", "id")
    return rows.order_by(f"-{moment}", "-id")


def delivery_in_scope(scope: DeliveryScope, pk: int) -> Delivery | None:
    return scope.filter(Delivery.objects.select_related("notice")).filter(pk=pk).first()


def status_counts(scope: DeliveryScope) -> dict[str, int]:
    """Failed and pending deliveries in the scope (the tabs of the list; sent ones are too many to count on
    every view)."""
    from django.db.models import Count

    watched = (Delivery.Status.FAILED, Delivery.Status.PENDING)
    counts = dict(scope.filter(Delivery.objects.filter(status__in=watched)).values_list("status")
                  .annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in watched}


def oldest_pending(scope: DeliveryScope, at: datetime.datetime | None = None) -> datetime.datetime | None:
    at = at or timezone.now()
    return (scope.filter(Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lte=at))
            .order_by("created_at").values_list("created_at", flat=True).first())
