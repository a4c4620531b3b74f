"""Administrative units: the 2025 provinces and communes, the villages inside communes, and the units in
force until 30/6/2025 with the communes that replaced them.

NQ 202/2025/QH15: 34 provincial units; from 1/7/2025 two tiers, province and commune (xã, phường, đặc khu).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tinhso.common.audit import track
from tinhso.geo.naming import fold

# The mainland spans latitude 8.4–23.4 and longitude 102.1–109.5; the island special zones (Trường Sa,
# Hoàng Sa) reach latitude 6.5 and longitude 117.8, so the accepted box is a little wider.
LATITUDE_RANGE = (Decimal("6"), Decimal("24"))
LONGITUDE_RANGE = (Decimal("102"), Decimal("118"))


class Province(models.Model):
    """A provincial unit (tỉnh or centrally-run city) of the 2025 code list."""

    class Kind(models.TextChoices):
        PROVINCE = "tinh", "Tỉnh"
        CITY = "thanh_pho_trung_uong", "Thành phố trực thuộc trung ương"

    code = models.CharField("mã", max_length=2, unique=True, help_text="Mã 2 chữ số theo danh mục 2025.")
    name = models.CharField("tên", max_length=100)
    kind = models.CharField("loại", max_length=24, choices=Kind.choices)
    codename = models.CharField("tên mã", max_length=100, help_text="Tên không dấu, ví dụ nghe_an.")
    phone_code = models.PositiveSmallIntegerField("mã vùng điện thoại")

    class Meta:
        verbose_name = "tỉnh, thành phố"
        verbose_name_plural = "tỉnh, thành phố"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """The name as written in documents: "Tỉnh Nghệ An", "Thành phố Hà Nội"."""
        if self.kind == self.Kind.PROVINCE and not self.name.startswith("Tỉnh "):
            return f"Tỉnh {self.name}"
        return self.name


class Commune(models.Model):
    """A commune-level unit (xã, phường or đặc khu) of the 2025 code list."""

    class Kind(models.TextChoices):
        COMMUNE = "xa", "Xã"
        WARD = "phuong", "Phường"
        SPECIAL_ZONE = "dac_khu", "Đặc khu"

    code = models.CharField("mã", max_length=5, unique=True, help_text="Mã 5 chữ số theo danh mục 2025.")
    name = models.CharField("tên", max_length=100)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name="tỉnh, thành phố",
    )
    codename = models.CharField("tên mã", max_length=100)
    search_name = models.CharField("tên không dấu", max_length=150, editable=False)

    class Meta:
        verbose_name = "xã, phường, đặc khu"
        verbose_name_plural = "xã, phường, đặc khu"
        ordering = ["code"]
        indexes = [models.Index(fields=["province", "kind"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)


class Village(models.Model):
    """A thôn, bản or tổ dân phố: the units inside a commune where people live."""

    class Kind(models.TextChoices):
        HAMLET = "thon", "Thôn"
        HIGHLAND_HAMLET = "ban", "Bản"
        RESIDENTIAL_GROUP = "to_dan_pho", "Tổ dân phố"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="villages", verbose_name="xã, phường, đặc khu",
    )
    name = models.CharField("tên", max_length=100)
    kind = models.CharField("loại", max_length=12, choices=Kind.choices)
    code = models.CharField(
        "mã", max_length=20, blank=True, default="",
        help_text="Mã do xã đặt (không bắt buộc, không trùng trong xã).",
    )
    latitude = models.DecimalField(
        "vĩ độ", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(LATITUDE_RANGE[0]), MaxValueValidator(LATITUDE_RANGE[1])],
    )
    longitude = models.DecimalField(
        "kinh độ", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(LONGITUDE_RANGE[0]), MaxValueValidator(LONGITUDE_RANGE[1])],
    )

    class Meta:
        verbose_name = "thôn, bản, tổ dân phố"
        verbose_name_plural = "thôn, bản, tổ dân phố"
        ordering = ["commune_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name"], name="geo_village_name_unique_in_commune",
                violation_error_message="Xã này đã có thôn, bản hoặc tổ dân phố cùng tên.",
            ),
            models.UniqueConstraint(
                fields=["commune", "code"], condition=~Q(code=""), name="geo_village_code_unique_in_commune",
                violation_error_message="Mã này đã dùng cho một thôn, bản hoặc tổ dân phố khác trong xã.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="geo_village_both_coordinates_or_none",
                violation_error_message="Cần nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__range=LATITUDE_RANGE),
                name="geo_village_latitude_in_vietnam",
                violation_error_message="Vĩ độ nằm ngoài lãnh thổ Việt Nam.",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__range=LONGITUDE_RANGE),
                name="geo_village_longitude_in_vietnam",
                violation_error_message="Kinh độ nằm ngoài lãnh thổ Việt Nam.",
            ),
        ]

    def __str__(self) -> str:
        return self.name



track(Village)


class SuccessorMethod(models.TextChoices):
    """How the 2025 commune that replaced a legacy unit was found."""

    TABLE = "table", "Theo bảng chuyển đổi 2025"
    SAME_NAME = "same_name", "Suy ra từ tên trùng (chưa kiểm chứng)"


class LegacyProvince(models.Model):
    """A province of the 63 in force until 30/6/2025."""

    class Kind(models.TextChoices):
        PROVINCE = "tinh", "Tỉnh"
        CITY = "thanh_pho", "Thành phố trực thuộc trung ương"

    code = models.CharField("mã", max_length=2, unique=True)
    name = models.CharField("tên", max_length=100)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    successor = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="legacy_provinces", verbose_name="nhập vào tỉnh",
    )

    class Meta:
        verbose_name = "tỉnh cũ (trước 1/7/2025)"
        verbose_name_plural = "tỉnh cũ (trước 1/7/2025)"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LegacyDistrict(models.Model):
    """A district of the level abolished on 1/7/2025."""

    class Kind(models.TextChoices):
        URBAN_DISTRICT = "quan", "Quận"
        RURAL_DISTRICT = "huyen", "Huyện"
        TOWN = "thi_xa", "Thị xã"
        CITY = "thanh_pho", "Thành phố thuộc tỉnh"

    code = models.CharField("mã", max_length=3, unique=True)
    name = models.CharField("tên", max_length=100)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    province = models.ForeignKey(
        LegacyProvince, on_delete=models.CASCADE, related_name="districts", verbose_name="tỉnh cũ",
    )
    successor = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="trở thành đặc khu",
        help_text="Chỉ với huyện đảo không có xã, chuyển nguyên thành đặc khu.",
    )

    class Meta:
        verbose_name = "huyện cũ (trước 1/7/2025)"
        verbose_name_plural = "huyện cũ (trước 1/7/2025)"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LegacyWard(models.Model):
    """A commune-level unit in force until 30/6/2025, with the 2025 commune(s) it went into."""

    class Kind(models.TextChoices):
        COMMUNE = "xa", "Xã"
        WARD = "phuong", "Phường"
        TOWNSHIP = "thi_tran", "Thị trấn"

    code = models.CharField("mã", max_length=5, unique=True)
    name = models.CharField("tên", max_length=100)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    district = models.ForeignKey(
        LegacyDistrict, on_delete=models.CASCADE, related_name="wards", verbose_name="huyện cũ",
    )
    successor = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="legacy_wards",
        verbose_name="nhập vào xã/phường",
        help_text="Xã/phường mới nhận toàn bộ, hoặc phần chính, của đơn vị cũ.",
    )
    also_into = models.ManyToManyField(
        Commune, blank=True, related_name="legacy_ward_parts", verbose_name="một phần nhập vào",
        help_text="Khi đơn vị cũ bị chia: các xã/phường mới khác nhận một phần.",
    )
    successor_method = models.CharField(
        "cách xác định", max_length=10, choices=SuccessorMethod.choices, blank=True,
    )

    class Meta:
        verbose_name = "xã, phường cũ (trước 1/7/2025)"
        verbose_name_plural = "xã, phường cũ (trước 1/7/2025)"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CommuneBoundary(models.Model):
    """A commune's boundary, imported by an administrator from a GeoJSON file (no package or public data set
    carries the 2025 communes' boundaries): shown on the map, and used to find the commune of a position."""

    commune = models.OneToOneField(Commune, on_delete=models.CASCADE, primary_key=True, related_name="boundary",
                                   verbose_name="xã, phường, đặc khu")
    geometry = models.JSONField("ranh giới (GeoJSON, WGS 84)")
    simplified = models.JSONField("ranh giới rút gọn cho bản đồ")
    # The bounding box, so that "which commune holds this point" reads a few rows.
    min_longitude = models.FloatField()
    min_latitude = models.FloatField()
    max_longitude = models.FloatField()
    max_latitude = models.FloatField()
    source = models.CharField("nguồn", max_length=300)
    imported_at = models.DateTimeField("thời điểm nhập", auto_now=True)

    class Meta:
        verbose_name = "ranh giới xã, phường"
        verbose_name_plural = "ranh giới xã, phường"
        indexes = [models.Index(fields=["min_longitude", "max_longitude"])]

    def __str__(self) -> str:
        return str(self.commune_id)


track(CommuneBoundary, exclude=("geometry", "simplified"))
