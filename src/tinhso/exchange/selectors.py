"""Read queries of the gateway, shared by its pages, its API, its commands and the operations centre.

The message log, the registers and the national-portal outbox are the platform's own operation: only
platform administrators (and superusers) see them (:func:`may_operate`), whatever agency they belong to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from tinhso.directory.models import Role
from tinhso.directory.selectors import roles_held
from tinhso.exchange.models import (
    AccessRight,
    CatalogueSync,
    Member,
    MessageRecord,
    OutboxEntry,
    OutboxStatus,
    Service,
)


def may_operate(user) -> bool:
    """Whether ``user`` runs the gateway: platform administrators and superusers."""
    return Role.PLATFORM_ADMIN in roles_held(user)


@dataclass(frozen=True)
class LogFilters:
    client: str = ""
    service: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    request_id: str = ""
    direction: str = ""
    errors_only: bool = False


def search_log(filters: LogFilters) -> QuerySet[MessageRecord]:
    """Log records, newest first: client and service by prefix (``VN/GOV/000.00.00.H42`` finds its
    subsystems), a time window ``[since, until)``, a request or message id (either X-Road id)."""
    records = MessageRecord.objects.defer("body")
    if filters.client:
        records = records.filter(client__startswith=filters.client.strip())
    if filters.service:
        records = records.filter(service__startswith=filters.service.strip())
    if filters.since:
        records = records.filter(at__gte=filters.since)
    if filters.until:
        records = records.filter(at__lt=filters.until)
    if filters.request_id:
        wanted = filters.request_id.strip()
        records = records.filter(Q(request_id=wanted) | Q(message_id=wanted))
    if filters.direction:
        records = records.filter(direction=filters.direction)
    if filters.errors_only:
        records = records.filter(Q(status__gte=400) | ~Q(error_type=""))
    return records.select_related("seal").order_by("-at", "-id")


def exchange_of(record: MessageRecord) -> list[MessageRecord]:
    """The request and response(s) that share ``record``'s message id and direction, in order."""
    return list(MessageRecord.objects.filter(message_id=record.message_id, direction=record.direction)
                .select_related("seal").order_by("at", "id"))


def registers() -> dict:
    """Counts for the gateway's page."""
    return {
        "members": Member.objects.filter(active=True).count(),
        "services": Service.objects.filter(available=True).count(),
        "rights": AccessRight.objects.count(),
    }


def services_with_rights() -> QuerySet[Service]:
    return Service.objects.annotate(rights=Count("access_rights")).order_by("code")


def rights_list() -> QuerySet[AccessRight]:
    return AccessRight.objects.select_related("client", "service", "granted_by").order_by(
        "service__code", "client__member_code", "client__subsystem_code", "method", "path")


# -- the national portal ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SyncState:
    pending: int
    dead: int
    delivered: int
    oldest_pending_at: datetime.datetime | None

    @property
    def oldest_pending_hours(self) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return round((timezone.now() - self.oldest_pending_at).total_seconds() / 3600, 1)


def sync_state() -> SyncState:
    """The outbox in one grouped query and one aggregate."""
    counts = dict(OutboxEntry.objects.values_list("status").annotate(n=Count("id")).order_by())
    oldest = OutboxEntry.objects.filter(status=OutboxStatus.PENDING).aggregate(at=Min("created_at"))["at"]
    return SyncState(counts.get(OutboxStatus.PENDING, 0), counts.get(OutboxStatus.DEAD, 0),
                     counts.get(OutboxStatus.DELIVERED, 0), oldest)


def outbox_list(status: str) -> QuerySet[OutboxEntry]:
    """Changes waiting (``pending``, oldest first) or failed (``dead``, oldest first)."""
    return OutboxEntry.objects.filter(status=status).order_by("created_at", "id")


def catalogue_syncs() -> QuerySet[CatalogueSync]:
    return CatalogueSync.objects.select_related("started_by").order_by("-started_at")
