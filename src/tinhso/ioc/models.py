"""The operations centre's records: the indicator registry, plans with their targets, values reported by
agencies, the QĐ 766 point weights, and the rollups kept from dossier events (see ``rollups.py``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tinhso.ioc.periods import GRANULARITIES, Period, PeriodError


class Direction(models.TextChoices):
    HIGHER = "higher", _("Càng cao càng tốt")
    LOWER = "lower", _("Càng thấp càng tốt")


class Group(models.TextChoices):
    # QĐ 766/QĐ-TTg (standards §5): the five groups of the indicator set serving citizens and businesses.
    QD766_PUBLICITY = "qd766_publicity", _("QĐ 766 — Công khai, minh bạch")
    QD766_PROGRESS = "qd766_progress", _("QĐ 766 — Tiến độ, kết quả giải quyết")
    QD766_DIGITISATION = "qd766_digitisation", _("QĐ 766 — Số hóa hồ sơ")
    QD766_ONLINE = "qd766_online", _("QĐ 766 — Cung cấp dịch vụ trực tuyến")
    QD766_SATISFACTION = "qd766_satisfaction", _("QĐ 766 — Mức độ hài lòng")
    # QĐ 922/QĐ-BTTTT (standards §6): the DTI pillars.
    DTI_GOVERNMENT = "dti_government", _("DTI — Chính quyền số")
    DTI_ECONOMY = "dti_economy", _("DTI — Kinh tế số")
    DTI_SOCIETY = "dti_society", _("DTI — Xã hội số")
    DTI_OVERALL = "dti_overall", _("DTI — Chỉ số tổng hợp")
    TELECOM = "telecom", _("Bưu chính, viễn thông")
    PRESS = "press", _("Thông tin, báo chí, truyền thanh")
    ADMIN_REFORM = "admin_reform", _("Cải cách hành chính")
    # The modules' own groups (their indicators are computed from their registries).
    DOCUMENTS = "documents", _("Văn bản điện tử, lưu trữ")
    EXCHANGE = "exchange", _("Kết nối, chia sẻ dữ liệu")
    DIRECTIVES = "directives", _("Thực hiện nhiệm vụ được giao")
    BROADCAST = "broadcast", _("Truyền thanh cơ sở, bảng điện tử")
    PLATFORM = "platform", _("Vận hành nền tảng")


QD766_GROUPS = {
    # standards §5: maximum points per group, 100 in all.
    Group.QD766_PUBLICITY: 18,
    Group.QD766_PROGRESS: 20,
    Group.QD766_DIGITISATION: 22,
    Group.QD766_ONLINE: 22,
    Group.QD766_SATISFACTION: 18,
}


class Source(models.TextChoices):
    COMPUTED = "computed", _("Tính từ dữ liệu nền tảng")
    REPORTED = "reported", _("Cơ quan báo cáo")
    IMPORTED = "imported", _("Nhập từ nguồn bên ngoài")


class Granularity(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


DIMENSIONS = ("province", "agency", "commune", "field", "procedure")


def validate_period(value: str) -> None:
    try:
        Period.parse(value)
    except PeriodError as error:
        raise ValidationError(str(error), code="period") from error


def validate_dimensions(value) -> None:
    if not isinstance(value, list) or any(item not in DIMENSIONS for item in value):
        raise ValidationError(f"Chiều phân tích phải là danh sách con của {', '.join(DIMENSIONS)}.",
                              code="dimensions")


class Indicator(models.Model):
    """A measure the province is judged by (chỉ số, chỉ tiêu)."""

    code = models.SlugField("mã chỉ số", max_length=60, unique=True)
    name = models.CharField("tên chỉ số", max_length=300)
    name_en = models.CharField("tên tiếng Anh", max_length=300, blank=True)
    unit = models.CharField("đơn vị tính", max_length=40)
    direction = models.CharField("chiều tốt", max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    group = models.CharField("nhóm", max_length=24, choices=Group.choices)
    source = models.CharField("nguồn số liệu", max_length=10, choices=Source.choices)
    definition = models.TextField("định nghĩa, cách tính", blank=True)
    legal_source = models.CharField("căn cứ", max_length=300, blank=True)
    dimensions = models.JSONField("chiều phân tích", default=list, blank=True, validators=[validate_dimensions])
    granularity = models.CharField("kỳ", max_length=8, choices=Granularity.choices, default=Granularity.YEAR)
    # Whether values over sub-periods or agencies add up (counts, revenue) or not (rates, scores, ranks).
    additive = models.BooleanField("cộng dồn được", default=False)
    # For computed indicators: the name of the formula in ``indicators.FORMULAS``.
    formula = models.CharField("công thức", max_length=40, blank=True)
    decimals = models.PositiveSmallIntegerField("số chữ số thập phân", default=1)
    order = models.PositiveIntegerField("thứ tự", default=0)
    active = models.BooleanField("đang theo dõi", default=True)

    class Meta:
        verbose_name = "chỉ số"
        verbose_name_plural = "chỉ số"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language: the English name when English is chosen and one is set."""
        if self.name_en and (get_language() or "").split("-")[0] == "en":
            return self.name_en
        return self.name

    def clean(self) -> None:
        from tinhso.ioc.indicators import FORMULAS

        if self.source == Source.COMPUTED and self.formula not in FORMULAS:
            raise ValidationError({"formula": "Chỉ số tính từ dữ liệu phải chọn một công thức đã có."})
        if self.granularity not in GRANULARITIES:
            raise ValidationError({"granularity": "Kỳ không hợp lệ."})


class Plan(models.Model):
    """A plan, resolution or programme that sets targets (kế hoạch, nghị quyết)."""

    name = models.CharField("tên văn bản", max_length=300)
    number = models.CharField("số, ký hiệu", max_length=60, blank=True)
    issuer = models.CharField("cơ quan ban hành", max_length=200)
    issued_on = models.DateField("ngày ban hành")
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "kế hoạch, nghị quyết"
        verbose_name_plural = "kế hoạch, nghị quyết"
        ordering = ["-issued_on", "name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="ioc_plan_unique_name")]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """The value a plan sets for an indicator in a period (province-wide unless an agency is named)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets", verbose_name="kế hoạch")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets",
                                  verbose_name="chỉ số")
    period = models.CharField("kỳ", max_length=7, validators=[validate_period])
    value = models.DecimalField("chỉ tiêu", max_digits=18, decimal_places=4)
    unit = models.CharField("đơn vị tính", max_length=40)

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        ordering = ["indicator__order", "period"]
        constraints = [models.UniqueConstraint(fields=["plan", "indicator", "period"], name="ioc_target_once")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}: {self.value} {self.unit}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Chờ lãnh đạo duyệt")
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Bị trả lại")


class ValueSource(models.TextChoices):
    FORM = "form", _("Nhập trên biểu mẫu")
    XLSX = "xlsx", _("Tải lên tệp Excel")
    API = "api", _("Gửi qua API")
    IMPORT = "import", _("Nhập từ nguồn bên ngoài")
    DEMO = "demo", _("Dữ liệu mẫu")


REVIEW_NOTE_MAX = 1000


class ReportedValue(models.Model):
    """A value an agency reports for an indicator and a period; counts once its leader approves it.

    Four eyes: the leader who approves or returns a value is never the person who entered it. A returned
    value keeps the leader's reason until the agency enters it again, which sends it back for review.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reported_values",
                                  verbose_name="chỉ số")
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name="cơ quan báo cáo")
    period = models.CharField("kỳ", max_length=7, validators=[validate_period])
    value = models.DecimalField("giá trị", max_digits=18, decimal_places=4)
    note = models.TextField("ghi chú", blank=True)
    source = models.CharField("nguồn", max_length=8, choices=ValueSource.choices, default=ValueSource.FORM)
    status = models.CharField("trạng thái", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="người nhập")
    entered_label = models.CharField("người nhập (lưu)", max_length=255, blank=True)
    entered_at = models.DateTimeField("thời điểm nhập")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người duyệt")
    approved_at = models.DateTimeField("thời điểm duyệt", null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người trả lại")
    rejected_at = models.DateTimeField("thời điểm trả lại", null=True, blank=True)
    review_note = models.CharField("lý do trả lại", max_length=REVIEW_NOTE_MAX, blank=True)

    class Meta:
        verbose_name = "số liệu báo cáo"
        verbose_name_plural = "số liệu báo cáo"
        ordering = ["indicator__order", "period", "agency_id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "agency", "period"], name="ioc_reported_once"),
            # A value returned to its agency always says why, whoever writes the row.
            models.CheckConstraint(condition=~models.Q(status="rejected") | ~models.Q(review_note=""),
                                   name="ioc_reported_rejected_has_reason",
                                   violation_error_message="Số liệu bị trả lại phải có lý do."),
        ]
        indexes = [models.Index(fields=["status", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period} {self.agency_id}: {self.value}"


class ScoreWeight(models.Model):
    """The points a QĐ 766 indicator carries, set by an administrator (standards §5: only some are official)."""

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="score_weight",
                                     verbose_name="chỉ số")
    points = models.DecimalField("điểm tối đa", max_digits=5, decimal_places=2)
    official = models.BooleanField("theo công thức chính thức", default=False)
    basis = models.CharField("căn cứ", max_length=300, blank=True)

    class Meta:
        verbose_name = "trọng số điểm QĐ 766"
        verbose_name_plural = "trọng số điểm QĐ 766"

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.points}"

    def clean(self) -> None:
        if self.indicator_id and self.indicator.group not in QD766_GROUPS:
            raise ValidationError({"indicator": "Chỉ gán điểm cho chỉ số thuộc một nhóm của QĐ 766."})


# -- rollups (maintained by rollups.py; never edited by hand) -----------------------------------------------

ROLLUP_COUNTS = (
    "submitted_online",   # online submissions (month of submission)
    "received",           # dossiers received (month of reception)
    "received_online", "received_counter", "received_post",
    "returned",           # results handed over (month of return)
    "early", "on_time", "late",
    "processing_days",    # sum of working days from reception to result, over returned dossiers
    "refused", "stopped", "withdrawn",
    "supplement_requests",
    "apologies",
    "electronic_results",  # results returned electronically
    "payments", "payments_online",
    "digitised",          # received with every required component held as a file (month of reception)
    "results_digitised",  # returned with the result held as a file (month of return)
    "received_full_service",  # received under a procedure version offered fully online (month of reception)
    "received_full_online",   # … and filed online
)


class Counters(models.Model):
    """The counters of ``ROLLUP_COUNTS``, shared by the fine and the agency-level monthly rollups. Each is 0 by
    default in the database too, so that an upsert names only the counters it adds to."""

    submitted_online = models.PositiveIntegerField(default=0, db_default=0)
    received = models.PositiveIntegerField(default=0, db_default=0)
    received_online = models.PositiveIntegerField(default=0, db_default=0)
    received_counter = models.PositiveIntegerField(default=0, db_default=0)
    received_post = models.PositiveIntegerField(default=0, db_default=0)
    returned = models.PositiveIntegerField(default=0, db_default=0)
    early = models.PositiveIntegerField(default=0, db_default=0)
    on_time = models.PositiveIntegerField(default=0, db_default=0)
    late = models.PositiveIntegerField(default=0, db_default=0)
    processing_days = models.PositiveBigIntegerField(default=0, db_default=0)
    refused = models.PositiveIntegerField(default=0, db_default=0)
    stopped = models.PositiveIntegerField(default=0, db_default=0)
    withdrawn = models.PositiveIntegerField(default=0, db_default=0)
    supplement_requests = models.PositiveIntegerField(default=0, db_default=0)
    apologies = models.PositiveIntegerField(default=0, db_default=0)
    electronic_results = models.PositiveIntegerField(default=0, db_default=0)
    payments = models.PositiveIntegerField(default=0, db_default=0)
    payments_online = models.PositiveIntegerField(default=0, db_default=0)
    digitised = models.PositiveIntegerField(default=0, db_default=0)
    results_digitised = models.PositiveIntegerField(default=0, db_default=0)
    received_full_service = models.PositiveIntegerField(default=0, db_default=0)
    received_full_online = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


class DossierMonth(Counters):
    """Counts of one month's dossier events for one receiving agency, procedure and applicant commune."""

    month = models.DateField("tháng")
    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+",
                               verbose_name="cơ quan tiếp nhận")
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.CASCADE, related_name="+",
                                  verbose_name="thủ tục")
    field = models.ForeignKey("catalogue.Field", on_delete=models.CASCADE, related_name="+",
                              verbose_name="lĩnh vực")
    # The applicant's commune code ("" when unknown): a code, not a key, so the unique key has no NULL.
    commune_code = models.CharField("mã xã", max_length=5, blank=True, default="")

    class Meta:
        verbose_name = "tổng hợp hồ sơ theo tháng"
        verbose_name_plural = "tổng hợp hồ sơ theo tháng"
        constraints = [
            models.UniqueConstraint(fields=["month", "agency", "procedure", "field", "commune_code"],
                                    name="ioc_dossier_month_key"),
        ]
        indexes = [models.Index(fields=["agency", "month"]), models.Index(fields=["field", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}/{self.procedure_id}/{self.commune_code}"


class ProcessingDays(models.Model):
    """How many dossiers returned in a month took a given number of working days: the median's histogram."""

    month = models.DateField("tháng")
    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("catalogue.Field", on_delete=models.CASCADE, related_name="+")
    commune_code = models.CharField(max_length=5, blank=True, default="")
    days = models.PositiveIntegerField("số ngày làm việc")
    dossiers = models.PositiveIntegerField("số hồ sơ", default=0)

    class Meta:
        verbose_name = "phân bố thời gian giải quyết"
        verbose_name_plural = "phân bố thời gian giải quyết"
        constraints = [
            models.UniqueConstraint(fields=["month", "agency", "procedure", "field", "commune_code", "days"],
                                    name="ioc_processing_days_key"),
        ]
        indexes = [models.Index(fields=["agency", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}/{self.procedure_id}: {self.days} ngày × {self.dossiers}"


class AgencyMonth(Counters):
    """The same counters per month and receiving agency only: what the unfiltered overview, the agency
    league table and the month trends read (a few thousand rows, where ``DossierMonth`` holds one row per
    procedure and commune as well). Kept in the same transaction as ``DossierMonth`` and always equal to its
    sum over procedure, field and commune (``rollups.verify`` checks both)."""

    month = models.DateField("tháng")
    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+",
                               verbose_name="cơ quan tiếp nhận")

    class Meta:
        verbose_name = "tổng hợp hồ sơ theo tháng và cơ quan"
        verbose_name_plural = "tổng hợp hồ sơ theo tháng và cơ quan"
        constraints = [models.UniqueConstraint(fields=["month", "agency"], name="ioc_agency_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}"


class AgencyProcessingDays(models.Model):
    """``ProcessingDays`` summed per month and receiving agency: the median's histogram at agency level."""

    month = models.DateField("tháng")
    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    days = models.PositiveIntegerField("số ngày làm việc")
    dossiers = models.PositiveIntegerField("số hồ sơ", default=0)

    class Meta:
        verbose_name = "phân bố thời gian giải quyết theo cơ quan"
        verbose_name_plural = "phân bố thời gian giải quyết theo cơ quan"
        constraints = [models.UniqueConstraint(fields=["month", "agency", "days"],
                                               name="ioc_agency_processing_days_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}: {self.days} ngày × {self.dossiers}"


class RunningDossier(models.Model):
    """A dossier whose processing clock is running, with its due moment: the small set overdue counts read."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+")
    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("catalogue.Field", on_delete=models.CASCADE, related_name="+")
    commune_code = models.CharField(max_length=5, blank=True, default="")
    due_at = models.DateTimeField()

    class Meta:
        verbose_name = "hồ sơ đang tính thời hạn"
        verbose_name_plural = "hồ sơ đang tính thời hạn"
        indexes = [models.Index(fields=["due_at"]), models.Index(fields=["agency", "due_at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id} due {self.due_at:%Y-%m-%d %H:%M}"


# -- the operations room: alert rules and alerts, readings, wall layouts and wall devices -------------------


class Severity(models.TextChoices):
    INFO = "info", _("Thông tin")
    WARNING = "warning", _("Cần chú ý")
    CRITICAL = "critical", _("Khẩn cấp")


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("Vượt ngưỡng")
    RISING = "rising", _("Tăng so với hôm trước")
    EVENT = "event", _("Sự kiện")


class AlertRule(models.Model):
    """A rule the room's alerts come from, kept as data and edited in the operations centre.

    ``threshold``: the indicator's value in the current ``granularity`` period is on the wrong side of
    ``limit`` (of the period's target when no limit is set); ``rising``: the indicator moved in its bad
    direction by at least ``limit`` since the reading of 24 hours before; ``event``: a module published an
    event of kind ``event_kind`` (``tinhso.common.events``)."""

    code = models.SlugField(_("mã quy tắc"), max_length=60, unique=True)
    name = models.CharField(_("tên quy tắc"), max_length=200)
    kind = models.CharField(_("loại"), max_length=10, choices=RuleKind.choices)
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("chỉ số"))
    granularity = models.CharField(_("kỳ"), max_length=8, choices=Granularity.choices, default=Granularity.MONTH)
    limit = models.DecimalField(_("ngưỡng"), max_digits=18, decimal_places=4, null=True, blank=True)
    event_kind = models.CharField(_("loại sự kiện"), max_length=64, blank=True)
    severity = models.CharField(_("mức độ"), max_length=8, choices=Severity.choices, default=Severity.WARNING)
    active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        verbose_name = _("quy tắc cảnh báo")
        verbose_name_plural = _("quy tắc cảnh báo")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind in (RuleKind.THRESHOLD, RuleKind.RISING) and self.indicator_id is None:
            raise ValidationError({"indicator": _("Quy tắc theo chỉ số phải chọn chỉ số.")})
        if self.kind == RuleKind.RISING and (self.limit is None or self.limit <= 0):
            raise ValidationError({"limit": _("Quy tắc tăng phải có mức tăng lớn hơn 0.")})
        if self.kind == RuleKind.EVENT and not self.event_kind.strip():
            raise ValidationError({"event_kind": _("Quy tắc sự kiện phải có loại sự kiện.")})


class AlertState(models.TextChoices):
    OPEN = "open", _("Mới")
    ACKNOWLEDGED = "acknowledged", _("Đang xử lý")
    CLOSED = "closed", _("Đã đóng")


ALERT_NOTE_MAX = 1000


class Alert(models.Model):
    """An alert a rule raised: what, how severe, when, where the cause is, and the duty officers' handling.

    ``key`` makes an alert once-only for its rule (one per period for a threshold, one per day for a rise, one
    per event): evaluating again, in any number of processes, never raises it twice."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("quy tắc"))
    key = models.CharField(max_length=200)
    severity = models.CharField(_("mức độ"), max_length=8, choices=Severity.choices)
    title = models.CharField(_("nội dung"), max_length=300)
    link = models.CharField(_("liên kết đến nguyên nhân"), max_length=500, blank=True)
    agency = models.ForeignKey("directory.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("cơ quan"))
    value = models.DecimalField(_("giá trị"), max_digits=18, decimal_places=4, null=True, blank=True)
    raised_at = models.DateTimeField(_("thời điểm phát sinh"), db_index=True)
    state = models.CharField(_("trạng thái"), max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("người nhận xử lý"))
    acknowledged_at = models.DateTimeField(_("thời điểm nhận xử lý"), null=True, blank=True)
    acknowledge_note = models.CharField(_("ghi chú khi nhận xử lý"), max_length=ALERT_NOTE_MAX, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("người đóng"))
    closed_at = models.DateTimeField(_("thời điểm đóng"), null=True, blank=True)
    close_note = models.CharField(_("ghi chú khi đóng"), max_length=ALERT_NOTE_MAX, blank=True)

    class Meta:
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="ioc_alert_once")]
        indexes = [models.Index(fields=["state", "raised_at"])]

    def __str__(self) -> str:
        return self.title


class IndicatorReading(models.Model):
    """An indicator's province-wide value as the alert evaluation read it: what "since yesterday" compares with."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField()
    value = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("lần đọc chỉ số")
        verbose_name_plural = _("lần đọc chỉ số")
        indexes = [models.Index(fields=["indicator", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.taken_at:%Y-%m-%d %H:%M}: {self.value}"


class WallLayout(models.Model):
    """A named layout of a room's wall: the panels it rotates through (``panels``: a list of
    ``{"kind": "numbers"|"map"|"alerts", "indicators": [codes], "layers": [keys], "seconds": n}``)."""

    room = models.CharField(_("phòng"), max_length=100)
    name = models.CharField(_("tên bố cục"), max_length=100)
    panels = models.JSONField(_("các khung hình"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bố cục màn hình tường")
        verbose_name_plural = _("bố cục màn hình tường")
        ordering = ["room", "name"]
        constraints = [models.UniqueConstraint(fields=["room", "name"], name="ioc_wall_layout_once")]

    def __str__(self) -> str:
        return f"{self.room} — {self.name}"


class WallDevice(models.Model):
    """A wall display signed in with a read-only token of the operations-viewer scope (only its hash kept)."""

    PREFIX = "tswall_"

    name = models.CharField(_("tên màn hình"), max_length=100)
    # The device's own account: it holds the operations-viewer role only, never a password.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wall_device")
    layout = models.ForeignKey(WallLayout, on_delete=models.PROTECT, related_name="devices",
                               verbose_name=_("bố cục"))
    prefix = models.CharField(max_length=14, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("màn hình tường")
        verbose_name_plural = _("màn hình tường")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
