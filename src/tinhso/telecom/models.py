"""The telecom registry of the province: operators, stations, passive infrastructure, the infrastructure plan,
village and commune coverage, outages in disasters and the operators' periodic reports.

Positions are latitude/longitude in WGS 84 (decimal degrees, 6 places ≈ 0.1 m); lines and areas are GeoJSON
geometries in longitude/latitude. Distances and areas are computed in Python (``tinhso.common.spatial``), on
SQLite and PostgreSQL alike. A record changes only through ``tinhso.telecom.services``; every registry model
is tracked on the audit chain (``apps.py``).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import PeriodQuerySet
from tinhso.geo.models import LATITUDE_RANGE, LONGITUDE_RANGE

LATITUDE = _("vĩ độ")
LONGITUDE = _("kinh độ")


def latitude_field(verbose_name=LATITUDE, **kwargs):
    return models.DecimalField(verbose_name, max_digits=9, decimal_places=6, validators=[
        MinValueValidator(LATITUDE_RANGE[0]), MaxValueValidator(LATITUDE_RANGE[1])], **kwargs)


def longitude_field(verbose_name=LONGITUDE, **kwargs):
    return models.DecimalField(verbose_name, max_digits=9, decimal_places=6, validators=[
        MinValueValidator(LONGITUDE_RANGE[0]), MaxValueValidator(LONGITUDE_RANGE[1])], **kwargs)


class Technology(models.TextChoices):
    G2 = "2G", "2G"
    G3 = "3G", "3G"
    G4 = "4G", "4G"
    G5 = "5G", "5G"


# "Mobile broadband" (băng rộng di động) means 3G or better (standards §10).
BROADBAND = (Technology.G3, Technology.G4, Technology.G5)
TECHNOLOGY_FIELDS = {Technology.G2: "has_2g", Technology.G3: "has_3g", Technology.G4: "has_4g",
                     Technology.G5: "has_5g"}


class Terrain(models.TextChoices):
    URBAN = "urban", _("Đô thị")
    RURAL = "rural", _("Nông thôn, đồng bằng")
    MOUNTAIN = "mountain", _("Miền núi")


class AreaType(models.TextChoices):
    """Where a spacing rule applies: in town (phường) or elsewhere (xã, đặc khu)."""

    URBAN = "urban", _("Đô thị")
    OTHER = "other", _("Khu vực khác")


# -- operators and their people --------------------------------------------------------------------------


class Operator(models.Model):
    """A telecom operator (doanh nghiệp viễn thông): Viettel, VNPT/VinaPhone, MobiFone, …"""

    code = models.SlugField(_("mã doanh nghiệp"), max_length=30, unique=True,
                            help_text=_("Mã ngắn dùng trong tệp nhập, ví dụ viettel, vnpt, mobifone."))
    name = models.CharField(_("tên doanh nghiệp"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    tax_code = models.CharField(_("mã số doanh nghiệp"), max_length=14, blank=True)
    mnc = models.CharField(_("mã mạng di động (MNC)"), max_length=3, blank=True,
                           help_text=_("Mã mạng trong ô ‘net’ của tệp OpenCellID, ví dụ 04 (Viettel)."))
    licence_number = models.CharField(_("số giấy phép viễn thông"), max_length=100, blank=True)
    licence_issued_on = models.DateField(_("ngày cấp giấy phép"), null=True, blank=True)
    licence_expires_on = models.DateField(_("giấy phép hết hạn"), null=True, blank=True)
    contact_name = models.CharField(_("người liên hệ"), max_length=150, blank=True)
    contact_phone = models.CharField(_("điện thoại liên hệ"), max_length=30, blank=True)
    contact_email = models.EmailField(_("thư điện tử liên hệ"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("doanh nghiệp viễn thông")
        verbose_name_plural = _("doanh nghiệp viễn thông")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class OperatorRole(models.TextChoices):
    STAFF = "staff", _("Nhân viên doanh nghiệp")
    MANAGER = "manager", _("Quản lý của doanh nghiệp")


class OperatorMembership(models.Model):
    """A person who acts for an operator for a period: sees and reports only that operator's data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_memberships",
                             verbose_name=_("tài khoản"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="memberships",
                                 verbose_name=_("doanh nghiệp viễn thông"))
    role = models.CharField(_("vai trò"), max_length=10, choices=OperatorRole.choices, default=OperatorRole.STAFF)
    valid_from = models.DateField(_("từ ngày"), default=timezone.localdate)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("tài khoản doanh nghiệp viễn thông")
        verbose_name_plural = _("tài khoản doanh nghiệp viễn thông")
        ordering = ["operator_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "operator", "valid_from"],
                                               name="telecom_membership_unique_start")]

    def __str__(self) -> str:
        return f"{self.user} — {self.operator}"


class OperatorToken(models.Model):
    """An API token of an operator (``Authorization: Bearer tsop_…``); only its SHA-256 is stored."""

    PREFIX = "tsop_"

    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="tokens",
                                 verbose_name=_("doanh nghiệp viễn thông"))
    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(_("tiền tố"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người tạo"))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khoá API của doanh nghiệp viễn thông")
        verbose_name_plural = _("khoá API của doanh nghiệp viễn thông")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, operator: Operator, name: str, created_by=None) -> tuple[OperatorToken, str]:
        """Create a token and return it with the raw secret, shown once and never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(operator=operator, name=name, prefix=raw[:10], token_hash=cls.hash(raw),
                                   created_by=created_by)
        return token, raw


class TelecomOffice(models.Model):
    """An agency that keeps the registry (the department of science and technology): its staff see every
    operator's data, its leaders review the operators' reports."""

    agency = models.OneToOneField("directory.Agency", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("cơ quan quản lý"))

    class Meta:
        verbose_name = _("cơ quan quản lý hạ tầng viễn thông")
        verbose_name_plural = _("cơ quan quản lý hạ tầng viễn thông")

    def __str__(self) -> str:
        return str(self.agency)


# -- the infrastructure plan ---------------------------------------------------------------------------


class InfrastructurePlan(models.Model):
    """The province's plan of passive telecom infrastructure (a People's Council resolution or a decision of
    the People's Committee): planned sites, restricted areas and spacing rules."""

    name = models.CharField(_("tên văn bản"), max_length=300)
    number = models.CharField(_("số, ký hiệu"), max_length=60)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200)
    issued_on = models.DateField(_("ngày ban hành"))
    valid_from = models.DateField(_("có hiệu lực từ"))
    valid_to = models.DateField(_("hết hiệu lực"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("quy hoạch hạ tầng viễn thông thụ động")
        verbose_name_plural = _("quy hoạch hạ tầng viễn thông thụ động")
        ordering = ["-valid_from"]
        constraints = [models.UniqueConstraint(fields=["number"], name="telecom_plan_number_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class SpacingRule(models.Model):
    """A minimum distance between towers, as the plan sets it, with its legal source (e.g. QĐ 72/2025/QĐ-UBND
    Bắc Ninh: 120 m / 250 m between different operators' towers in town / elsewhere, 300 m / 450 m for
    the same operator)."""

    plan = models.ForeignKey(InfrastructurePlan, on_delete=models.CASCADE, related_name="spacing_rules",
                             verbose_name=_("quy hoạch"))
    same_operator = models.BooleanField(_("cùng doanh nghiệp"))
    area = models.CharField(_("khu vực"), max_length=8, choices=AreaType.choices)
    minimum_m = models.PositiveIntegerField(_("khoảng cách tối thiểu (m)"))
    legal_source = models.CharField(_("căn cứ"), max_length=300)

    class Meta:
        verbose_name = _("quy định khoảng cách giữa các cột ăng ten")
        verbose_name_plural = _("quy định khoảng cách giữa các cột ăng ten")
        ordering = ["plan", "same_operator", "area"]
        constraints = [models.UniqueConstraint(fields=["plan", "same_operator", "area"],
                                               name="telecom_spacing_rule_once")]

    def __str__(self) -> str:
        who = _("cùng doanh nghiệp") if self.same_operator else _("khác doanh nghiệp")
        return f"{who}, {self.get_area_display()}: {self.minimum_m} m"


class PlannedSite(models.Model):
    """A tower position the plan provides for; a new tower within its tolerance is "in the plan"."""

    plan = models.ForeignKey(InfrastructurePlan, on_delete=models.CASCADE, related_name="sites",
                             verbose_name=_("quy hoạch"))
    code = models.CharField(_("mã vị trí"), max_length=40)
    name = models.CharField(_("tên vị trí"), max_length=200, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    tolerance_m = models.PositiveIntegerField(_("bán kính sai số cho phép (m)"), default=50)
    commune = models.ForeignKey("geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("xã, phường"))
    max_height_m = models.DecimalField(_("chiều cao tối đa (m)"), max_digits=5, decimal_places=1, null=True,
                                       blank=True)
    min_operators = models.PositiveSmallIntegerField(_("số doanh nghiệp dùng chung tối thiểu"), default=2)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("vị trí quy hoạch")
        verbose_name_plural = _("vị trí quy hoạch")
        ordering = ["plan", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="telecom_planned_site_code_unique")]

    def __str__(self) -> str:
        return self.code


class AreaKind(models.TextChoices):
    NO_TOWER = "no_tower", _("Khu vực không lắp dựng cột ăng ten")
    UNDERGROUND = "underground", _("Khu vực chỉ được đi cáp ngầm")


class RestrictedArea(models.Model):
    """An area of the plan: where no new tower may stand, or where cable must run underground."""

    plan = models.ForeignKey(InfrastructurePlan, on_delete=models.CASCADE, related_name="areas",
                             verbose_name=_("quy hoạch"))
    kind = models.CharField(_("loại khu vực"), max_length=12, choices=AreaKind.choices)
    name = models.CharField(_("tên khu vực"), max_length=200)
    geometry = models.JSONField(_("ranh giới (GeoJSON)"), help_text=_("Polygon hoặc MultiPolygon, toạ độ "
                                                                       "[kinh độ, vĩ độ]."))
    commune = models.ForeignKey("geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("xã, phường"))
    target_year = models.PositiveSmallIntegerField(_("năm hoàn thành ngầm hóa"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("khu vực hạn chế")
        verbose_name_plural = _("khu vực hạn chế")
        ordering = ["plan", "kind", "name"]

    def __str__(self) -> str:
        return self.name


# -- stations and passive infrastructure -----------------------------------------------------------------


class StationState(models.TextChoices):
    PLANNED = "planned", _("Dự kiến")
    APPROVED = "approved", _("Đã chấp thuận")
    BUILT = "built", _("Đã xây dựng")
    IN_SERVICE = "in_service", _("Đang phát sóng")
    OUT_OF_SERVICE = "out_of_service", _("Ngừng phát sóng")
    DISMANTLED = "dismantled", _("Đã tháo dỡ")


# States in which a station stands as a structure (counts for spacing and sharing).
STANDING_STATES = (StationState.APPROVED, StationState.BUILT, StationState.IN_SERVICE, StationState.OUT_OF_SERVICE)


class Structure(models.TextChoices):
    TOWER = "tower", _("Cột tự đứng")
    GUYED_MAST = "guyed_mast", _("Cột dây co")
    MONOPOLE = "monopole", _("Cột đơn thân")
    ROOFTOP = "rooftop", _("Cột trên nóc nhà")
    CAMOUFLAGED = "camouflaged", _("Cột ngụy trang")
    INDOOR = "indoor", _("Trong nhà (phủ sóng trong tòa nhà)")


class Mounting(models.TextChoices):
    # TTLT 12/2007: type 1 on the ground, type 2 on an existing building.
    GROUND = "ground", _("Trên mặt đất (loại 1)")
    BUILDING = "building", _("Trên công trình xây dựng (loại 2)")


class Ownership(models.TextChoices):
    OWNED = "owned", _("Doanh nghiệp sở hữu")
    RENTED = "rented", _("Thuê hạ tầng")


class Station(models.Model):
    """A base station / antenna site (trạm BTS) of an operator."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="stations",
                                 verbose_name=_("doanh nghiệp"))
    code = models.CharField(_("mã trạm"), max_length=60)
    name = models.CharField(_("tên trạm"), max_length=200, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    commune = models.ForeignKey("geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("xã, phường"))
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("thôn, bản"))
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    structure = models.CharField(_("loại cột"), max_length=12, choices=Structure.choices, default=Structure.TOWER)
    mounting = models.CharField(_("vị trí lắp đặt"), max_length=10, choices=Mounting.choices,
                                default=Mounting.GROUND)
    height_m = models.DecimalField(_("chiều cao cột (m)"), max_digits=5, decimal_places=1, null=True, blank=True,
                                   validators=[MinValueValidator(0), MaxValueValidator(300)])
    terrain = models.CharField(_("địa hình"), max_length=10, choices=Terrain.choices, default=Terrain.RURAL)
    has_2g = models.BooleanField("2G", default=False)
    has_3g = models.BooleanField("3G", default=False)
    has_4g = models.BooleanField("4G", default=False)
    has_5g = models.BooleanField("5G", default=False)
    bands = models.CharField(_("băng tần"), max_length=100, blank=True, help_text=_("Ví dụ 900, 1800, 2100 MHz."))
    ownership = models.CharField(_("sở hữu hạ tầng"), max_length=8, choices=Ownership.choices,
                                 default=Ownership.OWNED)
    infrastructure_owner = models.CharField(_("đơn vị sở hữu hạ tầng"), max_length=200, blank=True)
    tenants = models.ManyToManyField(Operator, blank=True, related_name="hosted_at",
                                     verbose_name=_("doanh nghiệp dùng chung"))
    # How many operators use the structure (the owner and its tenants): kept by the services.
    operators_count = models.PositiveSmallIntegerField(_("số doanh nghiệp dùng chung"), default=1, editable=False)
    state = models.CharField(_("trạng thái"), max_length=16, choices=StationState.choices,
                             default=StationState.IN_SERVICE)
    dossier = models.ForeignKey("dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("hồ sơ chấp thuận"))
    approval_reference = models.CharField(_("văn bản chấp thuận, cấp phép"), max_length=200, blank=True)
    approved_on = models.DateField(_("ngày chấp thuận"), null=True, blank=True, db_index=True)
    built_on = models.DateField(_("ngày hoàn thành xây dựng"), null=True, blank=True)
    in_service_on = models.DateField(_("ngày phát sóng"), null=True, blank=True)
    dismantled_on = models.DateField(_("ngày tháo dỡ"), null=True, blank=True)
    # Set while an outage is open (kept by the services with the outage): "stations down now".
    is_down = models.BooleanField(_("đang mất liên lạc"), default=False, editable=False)
    source = models.CharField(_("nguồn dữ liệu"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trạm thu phát sóng")
        verbose_name_plural = _("trạm thu phát sóng")
        ordering = ["operator_id", "code"]
        constraints = [models.UniqueConstraint(fields=["operator", "code"], name="telecom_station_code_unique")]
        indexes = [models.Index(fields=["state", "commune"]), models.Index(fields=["operator", "state"]),
                   models.Index(fields=["is_down", "state"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}" if self.name else self.code

    @property
    def technologies(self) -> list[str]:
        return [tech for tech, name in TECHNOLOGY_FIELDS.items() if getattr(self, name)]

    @property
    def is_tower(self) -> bool:
        """A tower on the ground, to which the spacing rules apply (not a mast on a building, not indoor)."""
        return self.mounting == Mounting.GROUND and self.structure != Structure.INDOOR


class Medium(models.TextChoices):
    FIBRE = "fibre", _("Cáp quang")
    COPPER = "copper", _("Cáp đồng")
    COAXIAL = "coaxial", _("Cáp đồng trục")


class Placement(models.TextChoices):
    OVERHEAD = "overhead", _("Treo")
    UNDERGROUND = "underground", _("Ngầm")


class CableRoute(models.Model):
    """A duct or cable route (a line) with its length, overhead or underground."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="routes",
                                 verbose_name=_("doanh nghiệp"))
    code = models.CharField(_("mã tuyến"), max_length=60)
    name = models.CharField(_("tên tuyến"), max_length=200, blank=True)
    medium = models.CharField(_("loại cáp"), max_length=8, choices=Medium.choices, default=Medium.FIBRE)
    placement = models.CharField(_("hình thức"), max_length=12, choices=Placement.choices)
    path = models.JSONField(_("đường đi (GeoJSON LineString)"))
    length_m = models.DecimalField(_("chiều dài (m)"), max_digits=10, decimal_places=1, editable=False, default=0)
    # Metres of the route inside the plan's underground-only areas (computed with the route).
    length_in_areas_m = models.DecimalField(_("chiều dài trong khu vực quy hoạch ngầm hóa (m)"), max_digits=10,
                                            decimal_places=1, editable=False, default=0)
    communes = models.ManyToManyField("geo.Commune", blank=True, related_name="+", verbose_name=_("xã, phường đi qua"))
    street = models.CharField(_("tuyến phố, khu vực"), max_length=200, blank=True)
    built_on = models.DateField(_("năm xây dựng"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tuyến cáp, cống bể")
        verbose_name_plural = _("tuyến cáp, cống bể")
        ordering = ["operator_id", "code"]
        constraints = [models.UniqueConstraint(fields=["operator", "code"], name="telecom_route_code_unique")]

    def __str__(self) -> str:
        return self.code


class ServicePointKind(models.TextChoices):
    POST_OFFICE = "post_office", _("Bưu cục")
    CULTURAL_POST = "cultural_post", _("Điểm bưu điện – văn hóa xã")
    KIOSK = "kiosk", _("Ki-ốt, đại lý dịch vụ viễn thông")
    PUBLIC_WIFI = "public_wifi", _("Điểm Wi-Fi công cộng")


class ServicePoint(models.Model):
    """A public telecom service point (điểm cung cấp dịch vụ viễn thông công cộng)."""

    operator = models.ForeignKey(Operator, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="service_points", verbose_name=_("doanh nghiệp"))
    provider_name = models.CharField(_("đơn vị cung cấp"), max_length=200, blank=True,
                                     help_text=_("Khi không phải doanh nghiệp trong danh sách, ví dụ Bưu điện tỉnh."))
    code = models.CharField(_("mã điểm"), max_length=60, unique=True)
    kind = models.CharField(_("loại điểm"), max_length=14, choices=ServicePointKind.choices)
    name = models.CharField(_("tên điểm"), max_length=200)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    latitude = latitude_field(null=True, blank=True)
    longitude = longitude_field(null=True, blank=True)
    commune = models.ForeignKey("geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("xã, phường"))
    staffed = models.BooleanField(_("có người phục vụ"), default=True)
    opened_on = models.DateField(_("ngày hoạt động"), null=True, blank=True)
    closed_on = models.DateField(_("ngày ngừng hoạt động"), null=True, blank=True)

    class Meta:
        verbose_name = _("điểm cung cấp dịch vụ viễn thông công cộng")
        verbose_name_plural = _("điểm cung cấp dịch vụ viễn thông công cộng")
        ordering = ["code"]
        indexes = [models.Index(fields=["commune", "closed_on"])]

    def __str__(self) -> str:
        return self.name


class UndergroundingPlan(models.Model):
    """Putting cable underground along a street or in an area, by a target year."""

    plan = models.ForeignKey(InfrastructurePlan, on_delete=models.CASCADE, related_name="undergrounding",
                             verbose_name=_("quy hoạch"))
    name = models.CharField(_("tuyến phố, khu vực"), max_length=200)
    area = models.ForeignKey(RestrictedArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("khu vực"))
    commune = models.ForeignKey("geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("xã, phường"))
    target_year = models.PositiveSmallIntegerField(_("năm hoàn thành"))
    planned_length_m = models.DecimalField(_("chiều dài cần ngầm hóa (m)"), max_digits=10, decimal_places=1)
    done_length_m = models.DecimalField(_("chiều dài đã ngầm hóa (m)"), max_digits=10, decimal_places=1, default=0)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kế hoạch ngầm hóa")
        verbose_name_plural = _("kế hoạch ngầm hóa")
        ordering = ["target_year", "name"]

    def __str__(self) -> str:
        return self.name


# -- coverage ---------------------------------------------------------------------------------------------


class CoverageRange(models.Model):
    """How far a station of a technology reaches on a terrain, for the computed coverage (configurable)."""

    technology = models.CharField(_("công nghệ"), max_length=2, choices=Technology.choices)
    terrain = models.CharField(_("địa hình"), max_length=10, choices=Terrain.choices)
    range_m = models.PositiveIntegerField(_("bán kính phủ sóng (m)"), validators=[MinValueValidator(1),
                                                                                 MaxValueValidator(100_000)])
    source = models.CharField(_("căn cứ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bán kính phủ sóng")
        verbose_name_plural = _("bán kính phủ sóng")
        ordering = ["technology", "terrain"]
        constraints = [models.UniqueConstraint(fields=["technology", "terrain"], name="telecom_range_once")]

    def __str__(self) -> str:
        return f"{self.technology} {self.get_terrain_display()}: {self.range_m} m"


class CoverageSource(models.TextChoices):
    # The documented rule: measured beats declared beats computed.
    MEASURED = "measured", _("Đo kiểm")
    DECLARED = "declared", _("Doanh nghiệp kê khai")
    COMPUTED = "computed", _("Tính từ trạm đang phát sóng")


SOURCE_PRECEDENCE = (CoverageSource.MEASURED, CoverageSource.DECLARED, CoverageSource.COMPUTED)


class Method(models.TextChoices):
    DRIVE_TEST = "drive_test", _("Đo kiểm lưu động (drive test)")
    FIELD_CHECK = "field_check", _("Kiểm tra thực địa")


class VillageCoverage(models.Model):
    """One source's answer to "does this operator's technology reach this village?"; the three sources are
    kept apart, and the village's status follows from them by the documented rule."""

    village = models.ForeignKey("geo.Village", on_delete=models.CASCADE, related_name="telecom_coverage",
                                verbose_name=_("thôn, bản"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="+", verbose_name=_("doanh nghiệp"))
    technology = models.CharField(_("công nghệ"), max_length=2, choices=Technology.choices)
    source = models.CharField(_("nguồn"), max_length=10, choices=CoverageSource.choices)
    covered = models.BooleanField(_("có sóng"))
    observed_on = models.DateField(_("ngày xác định"))
    method = models.CharField(_("hình thức đo"), max_length=12, choices=Method.choices, blank=True)
    signal_dbm = models.DecimalField(_("cường độ tín hiệu (dBm)"), max_digits=5, decimal_places=1, null=True,
                                     blank=True)
    distance_m = models.DecimalField(_("khoảng cách tới trạm gần nhất (m)"), max_digits=9, decimal_places=1,
                                     null=True, blank=True)
    station = models.ForeignKey(Station, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("trạm gần nhất"))
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("phủ sóng thôn, bản")
        verbose_name_plural = _("phủ sóng thôn, bản")
        ordering = ["village_id", "operator_id", "technology", "source"]
        constraints = [models.UniqueConstraint(fields=["village", "operator", "technology", "source"],
                                               name="telecom_village_coverage_once")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.operator_id} {self.technology} {self.source}: {self.covered}"


class VillageStatus(models.Model):
    """A village's coverage as the rule decides it from the sources (kept by the services, counted by the
    indicators on indexed columns)."""

    village = models.OneToOneField("geo.Village", primary_key=True, on_delete=models.CASCADE,
                                   related_name="telecom_status", verbose_name=_("thôn, bản"))
    commune = models.ForeignKey("geo.Commune", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("xã, phường"))
    broadband = models.BooleanField(_("có băng rộng di động"), default=False)
    has_4g = models.BooleanField(_("có 4G"), default=False)
    best = models.CharField(_("công nghệ tốt nhất"), max_length=2, blank=True)
    decided_by = models.CharField(_("theo nguồn"), max_length=10, choices=CoverageSource.choices, blank=True)
    operators = models.CharField(_("doanh nghiệp phủ băng rộng"), max_length=200, blank=True)
    grid_power = models.BooleanField(_("có điện lưới"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tình trạng phủ sóng thôn, bản")
        verbose_name_plural = _("tình trạng phủ sóng thôn, bản")
        indexes = [models.Index(fields=["commune", "broadband"])]

    def __str__(self) -> str:
        return f"{self.village_id}: {self.broadband}"


class CoveragePlanState(models.TextChoices):
    PLANNED = "planned", _("Đã có kế hoạch")
    BUILDING = "building", _("Đang lắp đặt")
    DONE = "done", _("Đã phủ sóng")
    CANCELLED = "cancelled", _("Hủy")


class CoveragePlan(models.Model):
    """How an uncovered village is to be covered: by which operator, when, and whether it has grid power."""

    village = models.ForeignKey("geo.Village", on_delete=models.CASCADE, related_name="telecom_plans",
                                verbose_name=_("thôn, bản"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="coverage_plans",
                                 verbose_name=_("doanh nghiệp"))
    technology = models.CharField(_("công nghệ"), max_length=2, choices=Technology.choices, default=Technology.G4)
    planned_on = models.DateField(_("ngày dự kiến phủ sóng"))
    grid_power = models.BooleanField(_("có điện lưới"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=CoveragePlanState.choices,
                             default=CoveragePlanState.PLANNED)
    funding = models.CharField(_("nguồn vốn"), max_length=200, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kế hoạch phủ sóng thôn, bản")
        verbose_name_plural = _("kế hoạch phủ sóng thôn, bản")
        ordering = ["planned_on", "village_id"]
        constraints = [models.UniqueConstraint(fields=["village", "operator"], name="telecom_coverage_plan_once")]

    def __str__(self) -> str:
        return f"{self.village} — {self.operator}"


class CoverageGoal(models.Model):
    """The province's target for villages without mobile broadband (e.g. none left by 31/12/2026)."""

    name = models.CharField(_("chỉ tiêu"), max_length=300)
    target_date = models.DateField(_("thời hạn"))
    uncovered_max = models.PositiveIntegerField(_("số thôn, bản trắng sóng tối đa"), default=0)
    legal_source = models.CharField(_("căn cứ"), max_length=300)

    class Meta:
        verbose_name = _("chỉ tiêu xóa thôn, bản trắng sóng")
        verbose_name_plural = _("chỉ tiêu xóa thôn, bản trắng sóng")
        ordering = ["target_date"]

    def __str__(self) -> str:
        return self.name


class CommuneService(models.TextChoices):
    FIBRE = "fibre", _("Cáp quang băng rộng")
    G4 = "4g", _("Sóng 4G")


class CommuneCoverage(models.Model):
    """One source's answer to "does the commune have fibre broadband / 4G from this operator?" (declared or
    measured; the computed answer follows from the routes and the villages)."""

    commune = models.ForeignKey("geo.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("xã, phường"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="+", verbose_name=_("doanh nghiệp"))
    service = models.CharField(_("dịch vụ"), max_length=5, choices=CommuneService.choices)
    source = models.CharField(_("nguồn"), max_length=10, choices=CoverageSource.choices)
    available = models.BooleanField(_("có dịch vụ"))
    observed_on = models.DateField(_("ngày xác định"))

    class Meta:
        verbose_name = _("dịch vụ băng rộng của xã")
        verbose_name_plural = _("dịch vụ băng rộng của xã")
        constraints = [models.UniqueConstraint(fields=["commune", "operator", "service", "source"],
                                               name="telecom_commune_coverage_once")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.service} {self.source}: {self.available}"


class CommuneStatus(models.Model):
    """A commune's fibre and 4G as the rule decides them (kept by the services)."""

    commune = models.OneToOneField("geo.Commune", primary_key=True, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("xã, phường"))
    fibre = models.BooleanField(_("có cáp quang"), default=False)
    fibre_by = models.CharField(_("cáp quang theo nguồn"), max_length=10, blank=True)
    has_4g = models.BooleanField(_("có 4G"), default=False)
    has_4g_by = models.CharField(_("4G theo nguồn"), max_length=10, blank=True)
    villages = models.PositiveIntegerField(_("số thôn, bản"), default=0)
    villages_broadband = models.PositiveIntegerField(_("số thôn, bản có băng rộng"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tình trạng băng rộng của xã")
        verbose_name_plural = _("tình trạng băng rộng của xã")

    def __str__(self) -> str:
        return self.commune_id


# -- outages ------------------------------------------------------------------------------------------------


class Disaster(models.Model):
    """A storm, flood or other event under which outages are followed."""

    name = models.CharField(_("tên sự kiện"), max_length=200)
    kind = models.CharField(_("loại"), max_length=20, choices=[("storm", _("Bão")), ("flood", _("Lũ, lụt")),
                                                              ("landslide", _("Sạt lở đất")), ("other", _("Khác"))])
    started_at = models.DateTimeField(_("bắt đầu"))
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thiên tai, sự cố")
        verbose_name_plural = _("thiên tai, sự cố")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.name


class OutageCause(models.TextChoices):
    POWER = "power", _("Mất điện")
    TRANSMISSION = "transmission", _("Mất truyền dẫn")
    DAMAGE = "damage", _("Hư hỏng thiết bị, cột")
    OTHER = "other", _("Nguyên nhân khác")


class Outage(models.Model):
    """A station down, from when it went down until it is back up (reported by its operator)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="outages", verbose_name=_("trạm"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="+", verbose_name=_("doanh nghiệp"))
    commune = models.ForeignKey("geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("xã, phường"))
    disaster = models.ForeignKey(Disaster, null=True, blank=True, on_delete=models.SET_NULL, related_name="outages",
                                 verbose_name=_("thiên tai, sự cố"))
    cause = models.CharField(_("nguyên nhân"), max_length=14, choices=OutageCause.choices)
    started_at = models.DateTimeField(_("mất liên lạc từ"))
    ended_at = models.DateTimeField(_("khôi phục lúc"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    reported_by = models.CharField(_("người báo"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("sự cố mất liên lạc trạm")
        verbose_name_plural = _("sự cố mất liên lạc trạm")
        ordering = ["-started_at"]
        constraints = [
            # A station is down at most once at a time.
            models.UniqueConstraint(fields=["station"], condition=Q(ended_at__isnull=True),
                                    name="telecom_one_open_outage_per_station"),
        ]
        indexes = [models.Index(fields=["ended_at", "commune"])]

    def __str__(self) -> str:
        return f"{self.station} ({self.get_cause_display()})"


# -- operators' periodic reports ----------------------------------------------------------------------------


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Chờ Sở duyệt")
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Bị trả lại")


class ReportSource(models.TextChoices):
    FORM = "form", _("Nhập trên biểu mẫu")
    XLSX = "xlsx", _("Tải lên tệp Excel")
    API = "api", _("Gửi qua API")
    DEMO = "demo", _("Dữ liệu mẫu")


class OperatorReport(models.Model):
    """An operator's figures for a month or a quarter, counted once the department approves them (four eyes:
    never by the person who entered them)."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="reports",
                                 verbose_name=_("doanh nghiệp"))
    period = models.CharField(_("kỳ báo cáo"), max_length=7, help_text=_("Tháng (2026-03) hoặc quý (2026-Q1)."))
    period_start = models.DateField(_("đầu kỳ"), editable=False)
    period_end = models.DateField(_("hết kỳ (ngày sau cuối kỳ)"), editable=False)
    phone_subscribers = models.PositiveBigIntegerField(_("thuê bao điện thoại"))
    mobile_broadband_subscribers = models.PositiveBigIntegerField(_("thuê bao băng rộng di động"))
    fixed_broadband_subscribers = models.PositiveBigIntegerField(_("thuê bao băng rộng cố định"))
    revenue_million_vnd = models.DecimalField(_("doanh thu (triệu đồng)"), max_digits=14, decimal_places=1)
    stations = models.PositiveIntegerField(_("số trạm BTS"))
    note = models.TextField(_("ghi chú"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ReportStatus.choices,
                              default=ReportStatus.SUBMITTED)
    source = models.CharField(_("nguồn"), max_length=6, choices=ReportSource.choices, default=ReportSource.FORM)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người nhập"))
    entered_label = models.CharField(_("người nhập (lưu)"), max_length=255, blank=True)
    entered_at = models.DateTimeField(_("thời điểm nhập"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("người duyệt"))
    approved_at = models.DateTimeField(_("thời điểm duyệt"), null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("người trả lại"))
    rejected_at = models.DateTimeField(_("thời điểm trả lại"), null=True, blank=True)
    review_note = models.CharField(_("lý do trả lại"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("báo cáo định kỳ của doanh nghiệp")
        verbose_name_plural = _("báo cáo định kỳ của doanh nghiệp")
        ordering = ["-period_start", "operator_id"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "period"], name="telecom_report_once"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(review_note=""),
                                   name="telecom_report_rejected_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "period_start"])]

    def __str__(self) -> str:
        return f"{self.operator} {self.period}"
