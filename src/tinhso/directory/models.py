"""Agencies (cơ quan, đơn vị) with their identifier codes, hierarchy and validity, and staff memberships."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.directory.identifiers import MAX_LENGTH, normalise_identifier, validate_identifier
from tinhso.geo.naming import fold


def fold_for_search(text: str) -> str:
    """Lower case without diacritics (đ → d), so “so khoa hoc” finds “Sở Khoa học” on every database."""
    return fold(text)


def in_force_on(on: datetime.date) -> Q:
    """Rows whose validity period contains ``on``: both ends count, an empty end is open."""
    started = Q(valid_from__isnull=True) | Q(valid_from__lte=on)
    return started & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def _period_is_ordered() -> Q:
    return Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from"))


class IdentifierField(models.CharField):
    """An agency identifier: normalised to upper case without blanks before it is validated."""

    default_validators = [validate_identifier]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return normalise_identifier(super().to_python(value))


class PeriodQuerySet(models.QuerySet):
    """Rows with ``valid_from``/``valid_to``: agencies and memberships."""

    def active_on(self, on: datetime.date | None = None) -> PeriodQuerySet:
        return self.filter(in_force_on(on or timezone.localdate()))


class Agency(models.Model):
    class Level(models.TextChoices):
        CENTRAL = "central", _("Trung ương")
        PROVINCE = "province", _("Cấp tỉnh")
        COMMUNE = "commune", _("Cấp xã")

    class Kind(models.TextChoices):
        CENTRAL_BODY = "central_body", _("Bộ, cơ quan trung ương")
        PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân tỉnh, thành phố")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        SERVICE_CENTRE = "service_centre", _("Trung tâm Phục vụ hành chính công")
        COMMUNE_PEOPLES_COMMITTEE = "commune_peoples_committee", _("Ủy ban nhân dân xã, phường, đặc khu")
        COMMUNE_ONE_STOP = "commune_one_stop", _("Bộ phận Một cửa, Trung tâm Phục vụ hành chính công cấp xã")
        PUBLIC_SERVICE_UNIT = "public_service_unit", _("Đơn vị sự nghiệp công lập")
        OTHER = "other", _("Khác")

    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    identifier = IdentifierField(
        _("mã định danh điện tử"), unique=True,
        help_text=_(
            "QĐ 20/2020/QĐ-TTg: tối đa 35 ký tự 0–9, A–Z và dấu chấm, ví dụ 000.00.00.H41 hoặc H37.02.02."
        ),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    level = models.CharField(_("cấp"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("loại cơ quan"), max_length=40, choices=Kind.choices)
    province = models.ForeignKey(
        "geo.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="agencies",
        verbose_name=_("tỉnh, thành phố phục vụ"),
    )
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="agencies",
        verbose_name=_("xã, phường, đặc khu phục vụ"),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    website = models.URLField(_("trang thông tin điện tử"), blank=True)
    valid_from = models.DateField(_("hoạt động từ ngày"), null=True, blank=True)
    valid_to = models.DateField(
        _("hoạt động đến ngày"), null=True, blank=True,
        help_text=_(
            "Để trống nếu cơ quan đang hoạt động. Cơ quan giải thể, sáp nhập giữ nguyên mã và lịch sử."
        ),
    )
    succeeded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors",
        verbose_name=_("cơ quan kế thừa"),
        help_text=_("Cơ quan tiếp nhận chức năng, nhiệm vụ khi cơ quan này giải thể hoặc sáp nhập."),
    )
    search_text = models.TextField(editable=False, blank=True, default="")

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["identifier"]
        constraints = [
            models.CheckConstraint(condition=_period_is_ordered(), name="directory_agency_period_ordered"),
            models.CheckConstraint(
                condition=~Q(succeeded_by=F("pk")), name="directory_agency_not_succeeded_by_itself",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="directory_agency_not_its_own_parent"),
        ]
        indexes = [models.Index(fields=["level", "kind"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    def save(self, *args, **kwargs):
        self.identifier = normalise_identifier(self.identifier)
        self.search_text = fold_for_search(f"{self.name} {self.short_name}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"name", "short_name"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def is_active_on(self, on: datetime.date | None = None) -> bool:
        """Whether the agency exists on ``on`` (today by default); both ends of the period count."""
        on = on or timezone.localdate()
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_to is None or on <= self.valid_to)

    is_active_on.boolean = True
    is_active_on.short_description = _("đang hoạt động")

    def clean(self):
        errors: dict[str, list] = {}
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors.setdefault("valid_to", []).append(
                _("Ngày kết thúc hoạt động không được trước ngày bắt đầu.")
            )
        if self.succeeded_by_id is not None and self.pk is not None and self.succeeded_by_id == self.pk:
            errors.setdefault("succeeded_by", []).append(_("Cơ quan không thể kế thừa chính nó."))
        if self.parent_id is not None and self.pk is not None and self.pk in self.ancestor_ids():
            errors.setdefault("parent", []).append(
                _("Cơ quan cấp trên tạo thành vòng lặp: cơ quan không thể trực thuộc chính nó "
                  "hoặc đơn vị cấp dưới của nó.")
            )
        if self.commune_id is not None:
            if self.province_id is None:
                self.province_id = self.commune.province_id
            elif self.commune.province_id != self.province_id:
                errors.setdefault("commune", []).append(_("Xã, phường không thuộc tỉnh, thành phố đã chọn."))
        if self.level == self.Level.COMMUNE and self.commune_id is None:
            errors.setdefault("commune", []).append(
                _("Cơ quan cấp xã phải chọn xã, phường, đặc khu phục vụ.")
            )
        if self.level == self.Level.PROVINCE and self.province_id is None:
            errors.setdefault("province", []).append(_("Cơ quan cấp tỉnh phải chọn tỉnh, thành phố phục vụ."))
        if errors:
            raise ValidationError(errors)

    def ancestor_ids(self) -> list[int]:
        """The units above this one, nearest first: one query per level, and trees are a few levels deep.

        The walk starts from the (possibly unsaved) ``parent`` and stops where the chain loops.
        """
        ids: list[int] = []
        current = self.parent_id
        while current is not None and current not in ids:
            ids.append(current)
            current = Agency.objects.filter(pk=current).values_list("parent_id", flat=True).first()
        return ids


class Role(models.TextChoices):
    RECEIVER = "receiver", _("Cán bộ tiếp nhận")
    HANDLER = "handler", _("Chuyên viên xử lý")
    APPROVER = "approver", _("Lãnh đạo phê duyệt")
    RETURNER = "returner", _("Cán bộ trả kết quả")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    OPERATIONS_VIEWER = "operations_viewer", _("Xem trung tâm điều hành")
    PLATFORM_ADMIN = "platform_admin", _("Quản trị nền tảng")


# Roles whose holders see every agency's data, wherever their membership sits.
PROVINCE_WIDE_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.OPERATIONS_VIEWER})


class Membership(models.Model):
    """A staff member's role in one agency for a period; the only source of what a user may see or do."""

    Role = Role

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("cán bộ"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("cơ quan, đơn vị"),
    )
    role = models.CharField(_("vai trò"), max_length=30, choices=Role.choices)
    valid_from = models.DateField(_("từ ngày"), default=timezone.localdate)
    valid_to = models.DateField(
        _("đến ngày"), null=True, blank=True, help_text=_("Để trống nếu chưa hết hạn."),
    )

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        ordering = ["user_id", "agency_id", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=_period_is_ordered(), name="directory_membership_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["user", "agency", "role", "valid_from"], name="directory_membership_unique_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency.name}"

    def is_active_on(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    is_active_on.boolean = True
    is_active_on.short_description = _("còn hiệu lực")

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Ngày hết hiệu lực không được trước ngày bắt đầu.")})
