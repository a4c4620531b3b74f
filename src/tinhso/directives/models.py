"""Leaders' directives and the tasks they assign (standards §11: QĐ 42/2014/QĐ-TTg as amended by
QĐ 23/2018/QĐ-TTg, the discipline provinces follow for the tasks their People's Committee assigns).

A :class:`Directive` (conclusion notice, directive, instruction letter, minutes, plan) holds many
:class:`Task` rows. A task has one lead agency and any number of coordinating agencies, a due moment on the
platform's working-day calendar (a fixed date, N working days from the directive's date, or none for an
ongoing task reported on periodically, each :class:`PeriodicReport` with its own due moment). Every change
goes through ``services`` and leaves a :class:`TaskEvent` and an audit-chain entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DirectivesOffice(models.Model):
    """The agency that keeps the register of assigned tasks (the People's Committee office): its staff, and
    everyone above it (the People's Committee's leaders), see every task and confirm completion."""

    agency = models.OneToOneField("directory.Agency", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("cơ quan theo dõi"))

    class Meta:
        verbose_name = _("cơ quan theo dõi nhiệm vụ")
        verbose_name_plural = _("cơ quan theo dõi nhiệm vụ")

    def __str__(self) -> str:
        return str(self.agency)


class DirectiveKind(models.TextChoices):
    CONCLUSION = "conclusion", _("Thông báo kết luận")
    DIRECTIVE = "directive", _("Chỉ thị")
    INSTRUCTION = "instruction", _("Công văn chỉ đạo")
    MINUTES = "minutes", _("Biên bản họp")
    PLAN = "plan", _("Kế hoạch")


class Directive(models.Model):
    """A leader's conclusion, directive or instruction that assigns tasks."""

    kind = models.CharField(_("loại văn bản"), max_length=20, choices=DirectiveKind.choices)
    number = models.CharField(_("số, ký hiệu"), max_length=60, help_text=_("Ví dụ 125/TB-UBND"))
    issued_on = models.DateField(_("ngày ban hành"))
    issuer = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan ban hành"))
    signer_name = models.CharField(_("người ký"), max_length=150)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=150, blank=True)
    subject = models.CharField(_("trích yếu"), max_length=500)
    meeting_on = models.DateField(_("ngày họp"), null=True, blank=True)
    meeting_chair = models.CharField(_("người chủ trì cuộc họp"), max_length=150, blank=True)
    file = models.FileField(_("tệp văn bản (PDF)"), upload_to="directives/%Y/", blank=True)
    file_sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64, blank=True, editable=False)
    # The received document it came from: its number and notation as typed, and the incoming document of the
    # register when the directive was made from it.
    received_document = models.CharField(_("văn bản đến liên quan"), max_length=120, blank=True)
    incoming = models.ForeignKey("documents.IncomingDocument", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="directives", verbose_name=_("văn bản đến trong sổ"))
    created_at = models.DateTimeField(_("ngày nhập"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("văn bản chỉ đạo")
        verbose_name_plural = _("văn bản chỉ đạo")
        ordering = ["-issued_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["issuer", "number", "issued_on"],
                                               name="directives_directive_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} ngày {self.issued_on:%d/%m/%Y}"


class TaskState(models.TextChoices):
    ASSIGNED = "assigned", _("Mới giao")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    REPORTED = "reported", _("Đã báo cáo hoàn thành")
    DONE = "done", _("Đã hoàn thành")
    CANCELLED = "cancelled", _("Đã hủy")


OPEN_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED)


class DueKind(models.TextChoices):
    DATE = "date", _("Đến ngày cố định")
    WORKING_DAYS = "working_days", _("Số ngày làm việc kể từ ngày văn bản")
    ONGOING = "ongoing", _("Thường xuyên (báo cáo định kỳ)")


class ReportEvery(models.TextChoices):
    NONE = "", _("Không")
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Bình thường")
    HIGH = "high", _("Quan trọng")
    URGENT = "urgent", _("Khẩn")


class Task(models.Model):
    """One task a directive assigns to a lead agency, tracked until the office confirms it done."""

    directive = models.ForeignKey(Directive, on_delete=models.PROTECT, related_name="tasks",
                                  verbose_name=_("văn bản chỉ đạo"))
    position = models.PositiveSmallIntegerField(_("số thứ tự trong văn bản"), default=1)
    text = models.TextField(_("nội dung nhiệm vụ"), max_length=4000)
    lead_agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("cơ quan chủ trì"))
    coordinating = models.ManyToManyField("directory.Agency", related_name="+", blank=True,
                                          verbose_name=_("cơ quan phối hợp"))
    due_kind = models.CharField(_("loại thời hạn"), max_length=20, choices=DueKind.choices)
    due_on = models.DateField(_("hạn (ngày)"), null=True, blank=True)
    due_working_days = models.PositiveSmallIntegerField(_("hạn (số ngày làm việc)"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hạn ban đầu"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn hiện hành"), null=True, blank=True,
                                  help_text=_("Hạn sau gia hạn được chấp thuận; trễ hạn tính theo hạn này."))
    report_every = models.CharField(_("báo cáo định kỳ"), max_length=20, choices=ReportEvery.choices,
                                    blank=True, default="")
    priority = models.CharField(_("độ ưu tiên"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("lãnh đạo giao (tài khoản)"))
    assigned_by_name = models.CharField(_("lãnh đạo giao nhiệm vụ"), max_length=150)
    state = models.CharField(_("tình trạng"), max_length=20, choices=TaskState.choices,
                             default=TaskState.ASSIGNED)
    finished_at = models.DateTimeField(_("thời điểm báo cáo hoàn thành"), null=True, blank=True)
    done_at = models.DateTimeField(_("thời điểm xác nhận hoàn thành"), null=True, blank=True)
    # Kept with the state for the indicators: None while open or cancelled.
    done_on_time = models.BooleanField(_("hoàn thành đúng hạn"), null=True, blank=True)
    closing_note = models.CharField(_("lý do hủy"), max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("ngày giao"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="directives_task_state_due"),
            models.Index(fields=["lead_agency", "state", "due_at"], name="directives_task_lead_state"),
            models.Index(fields=["due_at", "done_on_time"], name="directives_task_due_done"),
        ]

    def __str__(self) -> str:
        return f"{self.directive.number} — {self.position}. {self.text[:80]}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def code(self) -> str:
        return f"NV-{self.pk}"


class TaskEvent(models.Model):
    """One step of a task's timeline: who did what, when, and why."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)

    ACTIONS = {
        "assign": _("Giao nhiệm vụ"), "progress": _("Báo cáo tiến độ"),
        "report_completion": _("Báo cáo hoàn thành"), "confirm": _("Văn phòng xác nhận hoàn thành"),
        "return": _("Trả lại báo cáo hoàn thành"), "cancel": _("Nhiệm vụ bị hủy"),
        "request_extension": _("Đề nghị gia hạn"), "approve_extension": _("Được đồng ý gia hạn"),
        "refuse_extension": _("Không đồng ý gia hạn"),
    }

    class Meta:
        verbose_name = _("diễn biến nhiệm vụ")
        verbose_name_plural = _("diễn biến nhiệm vụ")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.action}"

    @property
    def action_label(self) -> str:
        return str(self.ACTIONS.get(self.action, self.action))

    @property
    def to_state_label(self) -> str:
        return str(TaskState(self.to_state).label) if self.to_state in TaskState.values else ""


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("Báo cáo tiến độ")
    PERIODIC = "periodic", _("Báo cáo định kỳ")
    COMPLETION = "completion", _("Báo cáo hoàn thành")


class ProgressReport(models.Model):
    """What the lead agency reports: progress, a periodic report, or completion with its evidence."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=ReportKind.choices)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    by_label = models.CharField(_("người báo cáo"), max_length=150)
    text = models.TextField(_("nội dung"), max_length=4000)
    evidence = models.CharField(_("kết quả, minh chứng"), max_length=300, blank=True,
                                help_text=_("Số, ký hiệu văn bản; mã hồ sơ; hoặc đường dẫn."))
    file = models.FileField(_("tệp đính kèm"), upload_to="directives/reports/%Y/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("báo cáo thực hiện nhiệm vụ")
        verbose_name_plural = _("báo cáo thực hiện nhiệm vụ")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y}"


class PeriodicReport(models.Model):
    """One periodic report an ongoing task owes (a month or a quarter), with its own due moment."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="periodic_reports")
    period = models.CharField(_("kỳ báo cáo"), max_length=10)
    due_at = models.DateTimeField(_("hạn báo cáo"))
    report = models.OneToOneField(ProgressReport, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    submitted_at = models.DateTimeField(_("đã báo cáo lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("kỳ báo cáo định kỳ")
        verbose_name_plural = _("kỳ báo cáo định kỳ")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["task", "period"], name="directives_periodic_unique")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.period}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Chờ quyết định")
    APPROVED = "approved", _("Đồng ý")
    REFUSED = "refused", _("Không đồng ý")


class Extension(models.Model):
    """A lead agency's request for a new due date, and the decision on it: every request stays."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extensions")
    requested_at = models.DateTimeField(_("ngày đề nghị"), default=timezone.now)
    requested_by_label = models.CharField(_("người đề nghị"), max_length=150)
    reason = models.TextField(_("lý do"), max_length=2000)
    previous_due_at = models.DateTimeField(_("hạn trước khi gia hạn"))
    requested_due_on = models.DateField(_("hạn đề nghị"))
    state = models.CharField(_("tình trạng"), max_length=10, choices=ExtensionState.choices,
                             default=ExtensionState.PENDING)
    decided_at = models.DateTimeField(_("ngày quyết định"), null=True, blank=True)
    decided_by_label = models.CharField(_("người quyết định"), max_length=150, blank=True)
    decision_note = models.TextField(_("ý kiến"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("đề nghị gia hạn")
        verbose_name_plural = _("đề nghị gia hạn")
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.requested_due_on:%d/%m/%Y} ({self.state})"


from tinhso.directives.rollups import TaskMonth  # noqa: E402, F401 — the rollup's model, registered with the app
