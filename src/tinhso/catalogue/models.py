"""The procedure catalogue (Bộ thủ tục hành chính): fields, procedures and their versions.

A :class:`Procedure` is the stable identity (its national code) and points to the version in force. All
the content lives on :class:`ProcedureVersion` and its children (required documents, fees, route steps).
A version is a draft until published; once published it never changes again (a dossier keeps a foreign
key to the version it was received under), and a change makes a new version that supersedes it when
published. The services enforce the lifecycle; ``save`` and ``delete`` here refuse to alter a frozen
version or its children, whatever path the change takes.

The route of a version is its ordered :class:`RouteStep` rows; each step's share of the time limit is a
whole number in the procedure's own unit (working days or working hours), and the shares add up to the
limit. Desk steps done the same day (receiving, returning) carry 0. Whole units keep the deadline
arithmetic on the working-day calendar exact: a procedure that needs half days is written in hours.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from tinhso.catalogue.eforms import schema_errors
from tinhso.directory.models import Agency, fold_for_search

# National procedure codes (mã thủ tục) of the national procedures database: digit groups and dots,
# e.g. 1.001193.
CODE_PATTERN = re.compile(r"[0-9]+(\.[0-9]+)+")
validate_procedure_code = RegexValidator(
    CODE_PATTERN, message="Mã thủ tục gồm các nhóm chữ số cách nhau bởi dấu chấm, ví dụ 1.001193.",
    code="procedure_code",
)
validate_field_code = RegexValidator(
    re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*"),
    message="Mã lĩnh vực chỉ gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang và gạch dưới.",
    code="field_code",
)


class VersionFrozen(ValidationError):
    """A published or superseded version, or one of its children, was about to change."""

    def __init__(self, version: ProcedureVersion | None = None):
        label = f" {version.procedure_code} phiên bản {version.number}" if version is not None else ""
        super().__init__(
            f"Thủ tục{label} đã công bố nên không sửa được; hãy tạo phiên bản mới. "
            "(A published version is frozen: make a new version.)",
            code="frozen",
        )


class Field(models.Model):
    """A sector (lĩnh vực) procedures are grouped by: hộ tịch, đất đai, viễn thông…"""

    code = models.CharField("mã lĩnh vực", max_length=50, unique=True, validators=[validate_field_code])
    name = models.CharField("tên lĩnh vực", max_length=255)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Procedure(models.Model):
    """The stable identity of a procedure: its national code and the version currently in force."""

    code = models.CharField("mã thủ tục", max_length=30, unique=True, validators=[validate_procedure_code])
    current_version = models.OneToOneField(
        "ProcedureVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="phiên bản đang áp dụng", editable=False,
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Level(models.TextChoices):
    PROVINCE = "province", "Cấp tỉnh"
    COMMUNE = "commune", "Cấp xã"


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "ngày làm việc"
    WORKING_HOURS = "working_hours", "giờ làm việc"


class OnlineLevel(models.TextChoices):
    # NĐ 42/2022/NĐ-CP: levels 1–4 replaced by toàn trình (full) and một phần (partial).
    FULL = "full", "Toàn trình"
    PARTIAL = "partial", "Một phần"
    NONE = "none", "Không cung cấp trực tuyến"


class Status(models.TextChoices):
    DRAFT = "draft", "Bản nháp"
    PUBLISHED = "published", "Đang áp dụng"
    SUPERSEDED = "superseded", "Đã thay thế"


# The lifecycle fields a frozen version may still change (published → superseded); nothing else.
LIFECYCLE_FIELDS = frozenset({"status", "published_at", "superseded_at"})


class ProcedureVersion(models.Model):
    """Everything a procedure says at one moment; frozen once published."""

    Level = Level
    TimeUnit = TimeUnit
    OnlineLevel = OnlineLevel
    Status = Status

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="versions", verbose_name="thủ tục",
    )
    number = models.PositiveIntegerField("phiên bản", editable=False)
    status = models.CharField("trạng thái", max_length=12, choices=Status.choices, default=Status.DRAFT,
                              editable=False)
    name = models.CharField("tên thủ tục", max_length=500)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedure_versions", verbose_name="lĩnh vực",
    )
    level = models.CharField("cấp thực hiện", max_length=10, choices=Level.choices)
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="catalogue_versions", verbose_name="cơ quan thực hiện",
    )
    time_limit = models.PositiveIntegerField(
        "thời hạn giải quyết", help_text="Số nguyên theo đơn vị bên cạnh; 0 là giải quyết trong ngày.",
    )
    time_unit = models.CharField(
        "đơn vị thời hạn", max_length=14, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS,
    )
    legal_basis = models.TextField("căn cứ pháp lý", blank=True)
    result = models.TextField("kết quả thực hiện")
    online_level = models.CharField(
        "mức độ dịch vụ công trực tuyến", max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.PARTIAL,
    )
    online_limit_reason = models.TextField(
        "lý do chưa cung cấp toàn trình", blank=True,
        help_text="Bắt buộc khi thủ tục chỉ cung cấp trực tuyến một phần hoặc không trực tuyến; được công khai.",
    )
    eform_schema = models.JSONField(
        "biểu mẫu điện tử", null=True, blank=True,
        help_text="JSON Schema (tập con): object với properties kiểu string/number/integer/boolean.",
    )
    # A registry the result feeds (``tinhso.dossiers.results``), e.g. ``telecom.site_approval``: when a dossier
    # is returned, the registry writes its record (a station, a licence) in the same transaction.
    result_handler = models.CharField(
        "sổ đăng ký nhận kết quả", max_length=60, blank=True,
        help_text="Khi có: kết quả hồ sơ được ghi vào sổ đăng ký này khi trả kết quả, ví dụ "
                  "telecom.site_approval (chấp thuận vị trí trạm viễn thông).",
    )
    # The decision announcing this version (quyết định công bố): the QĐ 766 publicity indicator compares
    # the date it takes effect with the day the version was published in the catalogue.
    decision_number = models.CharField("số quyết định công bố", max_length=100, blank=True)
    decision_date = models.DateField("ngày ban hành quyết định công bố", null=True, blank=True)
    effective_from = models.DateField(
        "ngày có hiệu lực", null=True, blank=True, db_index=True,
        help_text="Ngày thủ tục theo quyết định công bố có hiệu lực; dùng để tính tỷ lệ công bố, công khai "
                  "đúng hạn (phiên bản phải được công bố trên hệ thống chậm nhất vào ngày này).",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    published_at = models.DateTimeField("công bố lúc", null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField("thay thế lúc", null=True, blank=True, editable=False)
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"
        ordering = ["procedure__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="catalogue_version_number_unique"),
            models.UniqueConstraint(
                fields=["procedure"], condition=Q(status="draft"), name="catalogue_one_draft_per_procedure",
            ),
            models.UniqueConstraint(
                fields=["procedure"], condition=Q(status="published"),
                name="catalogue_one_published_per_procedure",
            ),
        ]
        indexes = [models.Index(fields=["status", "level", "online_level"])]

    def __str__(self) -> str:
        return f"{self.procedure_code} v{self.number} — {self.name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._refuse_content_change()
        if self.number is None:
            last = ProcedureVersion.objects.filter(procedure_id=self.procedure_id).aggregate(models.Max("number"))
            self.number = (last["number__max"] or 0) + 1
        if self.eform_schema == {}:
            self.eform_schema = None
        self.search_text = fold_for_search(f"{self.procedure_code} {self.name}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise VersionFrozen(self)
        return super().delete(*args, **kwargs)

    @property
    def procedure_code(self) -> str:
        return self.procedure.code if self.procedure_id else ""

    @property
    def is_frozen(self) -> bool:
        return self.status != Status.DRAFT

    def clean(self):
        errors: dict[str, list[str]] = {}
        if self.online_level != OnlineLevel.FULL and not self.online_limit_reason.strip():
            # NĐ 224/2026 (unconfirmed): the reason a procedure is not full-online is published.
            errors["online_limit_reason"] = ["Phải nêu lý do thủ tục chưa được cung cấp trực tuyến toàn trình."]
        if self.eform_schema not in (None, {}):
            problems = schema_errors(self.eform_schema)
            if problems:
                errors["eform_schema"] = problems
        if self.pk is None and self.procedure_id is not None and ProcedureVersion.objects.filter(
            procedure_id=self.procedure_id, status=Status.DRAFT,
        ).exists():
            errors["procedure"] = ["Thủ tục này đã có một bản nháp; hãy sửa bản nháp đó."]
        if self.decision_date and self.effective_from and self.effective_from < self.decision_date:
            errors["effective_from"] = ["Ngày có hiệu lực không được trước ngày ban hành quyết định công bố."]
        if self.result_handler and not re.fullmatch(r"[a-z_]+\.[a-z_]+", self.result_handler):
            errors["result_handler"] = ["Sổ đăng ký nhận kết quả ghi dạng <ứng dụng>.<tên>, ví dụ "
                                        "telecom.site_approval."]
        if self.time_unit == TimeUnit.WORKING_HOURS and self.time_limit == 0:
            errors["time_limit"] = ["Thời hạn tính bằng giờ làm việc phải lớn hơn 0."]
        if errors:
            raise ValidationError(errors)

    def _refuse_content_change(self) -> None:
        """A frozen row may only move along its lifecycle (published → superseded)."""
        stored = ProcedureVersion.objects.filter(pk=self.pk).first()
        if stored is None or not stored.is_frozen:
            return
        if stored.status == Status.SUPERSEDED and self.status != Status.SUPERSEDED:
            raise VersionFrozen(self)
        for model_field in self._meta.concrete_fields:
            if model_field.name in LIFECYCLE_FIELDS or model_field.name == "search_text":
                continue
            if getattr(stored, model_field.attname) != getattr(self, model_field.attname):
                raise VersionFrozen(self)
        if self.status == Status.DRAFT:
            raise VersionFrozen(self)


class VersionChild(models.Model):
    """A row owned by a version: written while the version is a draft, never after."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        status = ProcedureVersion.objects.filter(pk=self.version_id).values_list("status", flat=True).first()
        if status not in (None, Status.DRAFT):
            raise VersionFrozen(self.version)
        if self.pk is not None:
            # Moving a child out of a frozen version changes that version too.
            stored_version = type(self).objects.filter(pk=self.pk).values_list("version__status", flat=True).first()
            if stored_version not in (None, Status.DRAFT):
                raise VersionFrozen(self.version)


class RequiredDocument(VersionChild):
    """A paper (thành phần hồ sơ) the applicant supplies."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents", verbose_name="phiên bản",
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    name = models.TextField("tên giấy tờ")
    originals = models.PositiveSmallIntegerField("số bản chính", default=1)
    copies = models.PositiveSmallIntegerField("số bản sao", default=0)
    template = models.FileField("mẫu đơn, tờ khai", upload_to="catalogue/templates/%Y/", blank=True)
    required = models.BooleanField("bắt buộc", default=True)
    reusable = models.BooleanField(
        "dùng lại từ hồ sơ trước", default=False,
        help_text="Người nộp có thể dùng lại giấy tờ đã số hóa từ một hồ sơ trước, không phải nộp lại.",
    )

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.name


class FeeBasis(models.TextChoices):
    """How a fee line of the catalogue is charged (the fee schedules of the Ministry of Finance's circulars
    state each line so: per dossier, per copy, per copy from the (N+1)-th, e.g. TT 244/2016 for the criminal
    record certificate: 200 000 đồng per request, 5 000 đồng per certificate from the third)."""

    DOSSIER = "dossier", "Mỗi hồ sơ"
    COPY = "copy", "Mỗi bản"
    BEYOND = "beyond", "Mỗi bản vượt số bản đã gồm"


def fee_quantity(basis: str, included_copies: int, copies: int) -> int:
    """How many times a line is charged on a dossier asking for ``copies`` copies of the result."""
    copies = max(int(copies), 1)
    if basis == FeeBasis.COPY:
        return copies
    if basis == FeeBasis.BEYOND:
        return max(copies - int(included_copies), 0)
    return 1


def fee_total(fees, copies: int) -> int:
    """What ``fees`` (ProcedureFee lines) come to for a dossier asking for ``copies`` copies of the result."""
    return sum(fee.amount * fee.quantity(copies) for fee in fees)


class ProcedureFee(VersionChild):
    """One line of fees and charges (phí, lệ phí) in đồng, with the rule it is charged by."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="fees", verbose_name="phiên bản",
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    description = models.CharField("nội dung", max_length=500)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    basis = models.CharField("cách tính", max_length=8, choices=FeeBasis.choices, default=FeeBasis.DOSSIER)
    included_copies = models.PositiveSmallIntegerField(
        "số bản đã gồm", default=0,
        help_text="Với cách tính “mỗi bản vượt số bản đã gồm”: số bản không tính thêm (ví dụ 2: thu từ bản thứ 3).")
    exemption = models.CharField("đối tượng được miễn", max_length=500, blank=True,
                                 help_text="Ví dụ: Trẻ em; người cao tuổi; người khuyết tật; người thuộc hộ nghèo.")

    class Meta:
        verbose_name = "phí, lệ phí"
        verbose_name_plural = "phí, lệ phí"
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount:,} đồng".replace(",", ".")

    def clean(self) -> None:
        if self.basis == FeeBasis.BEYOND and not self.included_copies:
            raise ValidationError({"included_copies": "Cách tính “mỗi bản vượt số bản đã gồm” cần số bản đã gồm "
                                                      "(ít nhất 1)."})

    def quantity(self, copies: int) -> int:
        return fee_quantity(self.basis, self.included_copies, copies)

    @property
    def rule_label(self) -> str:
        """The rule in words, as the catalogue states it (mỗi hồ sơ / mỗi bản / mỗi bản từ bản thứ 3)."""
        if self.basis == FeeBasis.BEYOND:
            return f"mỗi bản từ bản thứ {self.included_copies + 1}"
        return self.get_basis_display().lower()


class StepRole(models.TextChoices):
    RECEIVE = "receive", "Tiếp nhận"
    HANDLE = "handle", "Xử lý"
    APPROVE = "approve", "Phê duyệt"
    RETURN = "return", "Trả kết quả"


class RouteStep(VersionChild):
    """One step of the route (quy trình nội bộ, liên thông) with its share of the time limit.

    ``agency`` empty and ``partner`` empty: the step happens at the receiving agency. ``agency`` set: at
    that agency of the directory (an inter-agency step). ``partner`` set: at a body outside the provincial
    directory (the tax office, the commune police, social insurance), named in words.
    """

    Role = StepRole

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="steps", verbose_name="phiên bản",
    )
    order = models.PositiveSmallIntegerField("bước", default=0)
    role = models.CharField("vai trò", max_length=10, choices=StepRole.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="catalogue_steps",
        verbose_name="cơ quan thực hiện bước", help_text="Để trống: cơ quan tiếp nhận hồ sơ.",
    )
    partner = models.CharField(
        "cơ quan phối hợp ngoài danh bạ", max_length=255, blank=True,
        help_text="Ví dụ: Thuế tỉnh, Công an xã, Bảo hiểm xã hội.",
    )
    share = models.PositiveIntegerField(
        "thời gian", help_text="Phần thời hạn của bước, cùng đơn vị với thời hạn của thủ tục.",
    )
    description = models.CharField("nội dung công việc", max_length=500, blank=True)

    class Meta:
        verbose_name = "bước quy trình"
        verbose_name_plural = "quy trình"
        ordering = ["version", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=True) | Q(partner=""), name="catalogue_step_one_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_role_display()}"

    @property
    def place(self) -> str:
        """Where the step happens, in words."""
        if self.agency_id is not None:
            return self.agency.name
        return self.partner or "Cơ quan tiếp nhận hồ sơ"


def guard_agency_links(sender, instance, action, pk_set=None, reverse=False, **kwargs):
    """The implementing agencies of a frozen version do not change either (m2m_changed)."""
    if not action.startswith("pre_"):
        return
    if reverse:
        frozen = ProcedureVersion.objects.filter(pk__in=pk_set or (), status__in=[Status.PUBLISHED, Status.SUPERSEDED])
        if action == "pre_clear":
            frozen = instance.catalogue_versions.exclude(status=Status.DRAFT)
        if frozen.exists():
            raise VersionFrozen(frozen.first())
    elif instance.is_frozen:
        raise VersionFrozen(instance)
