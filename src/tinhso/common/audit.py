"""The audit chain: an append-only, hash-linked record of every change to core records.

Each entry carries the hash of the one before it, so a row changed or removed behind the application's
back breaks the chain and ``tinhso audit verify`` names the first broken link. Models join the chain with
:func:`track`; services may also append entries for business actions with :func:`record`.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.forms.models import model_to_dict
from django.utils import timezone

from tinhso.common.middleware import current_request_id

GENESIS = "0" * 64
_current_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Tạo mới"
        UPDATE = "update", "Cập nhật"
        DELETE = "delete", "Xoá"
        ACTION = "action", "Thao tác nghiệp vụ"

    at = models.DateTimeField("thời điểm")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người thực hiện", db_constraint=False,
    )
    actor_label = models.CharField("người thực hiện (lưu)", max_length=150, blank=True)
    request_id = models.CharField("mã yêu cầu", max_length=64, blank=True)
    action = models.CharField("hành động", max_length=10, choices=Action.choices)
    object_type = models.CharField("loại đối tượng", max_length=100)
    object_id = models.CharField("mã đối tượng", max_length=64)
    summary = models.CharField("mô tả", max_length=300, blank=True)
    before = models.JSONField("trước", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("sau", null=True, blank=True, encoder=DjangoJSONEncoder)
    previous_hash = models.CharField("mã băm trước", max_length=64)
    entry_hash = models.CharField("mã băm", max_length=64, unique=True)

    class Meta:
        verbose_name = "bản ghi nhật ký kiểm toán"
        verbose_name_plural = "nhật ký kiểm toán"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def payload(self) -> dict:
        """The fields the hash covers, in canonical form."""
        return {
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "request_id": self.request_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
            "previous_hash": self.previous_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            _normalise(self.payload()), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
            cls=DjangoJSONEncoder,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _normalise(value):
    """Round-trip through JSON so that what is hashed equals what the database gives back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class ChainHead(models.Model):
    """One row whose lock serialises appends, so two writers never link to the same predecessor."""

    last_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        verbose_name = "đầu chuỗi kiểm toán"

    def __str__(self) -> str:
        return self.last_hash


def set_actor(user):
    """Name the user on whose behalf changes are made (commands, tasks); returns a token to reset."""
    return _current_actor.set(user)


class ActorMiddleware:
    """Make the signed-in user the actor of every audit entry written while serving the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = set_actor(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _current_actor.reset(token)


def record(
    action: str, instance_or_type, object_id: str | None = None, *, before=None, after=None,
    summary: str = "", actor=None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction."""
    if isinstance(instance_or_type, models.Model):
        object_type = instance_or_type._meta.label_lower
        object_id = str(instance_or_type.pk)
        summary = summary or str(instance_or_type)[:300]
    else:
        object_type = str(instance_or_type)
    actor = actor if actor is not None else _current_actor.get()
    # Inside the caller's transaction no savepoint is needed: a failure rolls back the caller's work too.
    with transaction.atomic(savepoint=False):
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = ChainHead.objects.get_or_create(pk=1)
            head = ChainHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            # Stored and hashed in UTC: what the database gives back must hash the same.
            at=timezone.now().astimezone(UTC),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=(actor.get_username() if getattr(actor, "pk", None) else "hệ thống")[:150],
            request_id=current_request_id(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            summary=summary[:300],
            before=_normalise(before),
            after=_normalise(after),
            previous_hash=head.last_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_hash"])
    return entry


@dataclass
class VerifyResult:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify() -> VerifyResult:
    """Walk the chain in order; report the first entry whose content or link does not hold."""
    previous = GENESIS
    checked = 0
    last_id = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return VerifyResult(checked, entry.pk, "liên kết với bản ghi trước bị đứt (previous hash mismatch)")
        if entry.compute_hash() != entry.entry_hash:
            return VerifyResult(checked, entry.pk, "nội dung bị sửa đổi (content hash mismatch)")
        previous = entry.entry_hash
        last_id = entry.pk
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        # The last entries were deleted: the head still remembers a later hash.
        return VerifyResult(checked, last_id, f"các bản ghi sau #{last_id} đã bị xoá (chain head mismatch)")
    return VerifyResult(checked)


def snapshot(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """A JSON-ready picture of a row's concrete fields."""
    data = model_to_dict(instance, fields=[f.name for f in instance._meta.concrete_fields])
    data = {k: v for k, v in data.items() if k not in exclude}
    for key, value in list(data.items()):
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif hasattr(value, "name") and hasattr(value, "url"):  # file fields
            data[key] = value.name
    return data


def track(model: type[models.Model], exclude: tuple[str, ...] = ()) -> type[models.Model]:
    """Put every create, update and delete of ``model`` on the chain, with before and after."""

    def before_save(sender, instance, raw=False, **kwargs):
        if raw or instance.pk is None:
            instance._audit_before = None
            return
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._audit_before = snapshot(old, exclude) if old is not None else None

    def after_save(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        before = getattr(instance, "_audit_before", None)
        after = snapshot(instance, exclude)
        if not created and before == _normalise(after):
            return
        record("create" if created else "update", instance, before=before, after=after)

    def after_delete(sender, instance, **kwargs):
        record("delete", instance, before=snapshot(instance, exclude))

    uid = f"audit-{model._meta.label_lower}"
    pre_save.connect(before_save, sender=model, weak=False, dispatch_uid=uid + "-pre")
    post_save.connect(after_save, sender=model, weak=False, dispatch_uid=uid + "-post")
    post_delete.connect(after_delete, sender=model, weak=False, dispatch_uid=uid + "-del")
    return model
