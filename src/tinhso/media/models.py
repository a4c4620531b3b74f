"""Press and information: the registries (press agencies, spokespeople, licensed websites and their
monitoring), press briefings, reports of false information, the cases they open and the media crises.

A record changes only through ``tinhso.media.services``; every model is tracked on the audit chain
(``apps.py``). Moments are stored in UTC and shown in the province's zone; due moments come from the one
working-day calendar (``common.workdays``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import Agency, PeriodQuerySet


class PressOffice(models.Model):
    """The agency that keeps the press registries and answers for press and information work (the department
    of culture since 2025, standards §8): its staff see every record of the module."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="press_office",
                                  verbose_name="cơ quan quản lý báo chí")

    class Meta:
        verbose_name = "cơ quan quản lý báo chí"
        verbose_name_plural = "cơ quan quản lý báo chí"

    def __str__(self) -> str:
        return str(self.agency)


# -- press agencies -------------------------------------------------------------------------------------------

class PressKind(models.TextChoices):
    NEWSPAPER = "newspaper", _("Báo")
    RADIO_TV = "radio_tv", _("Đài phát thanh và truyền hình")
    MAGAZINE = "magazine", _("Tạp chí")
    RESIDENT_OFFICE = "resident_office", _("Văn phòng đại diện")
    CORRESPONDENT = "correspondent", _("Phóng viên thường trú")


class PressLevel(models.TextChoices):
    LOCAL = "local", _("Cơ quan báo chí địa phương")
    CENTRAL = "central", _("Cơ quan báo chí trung ương")


class PressAgency(models.Model):
    """A press agency active in the province: a local one, or the resident office or correspondent of a
    central one (``parent_name``)."""

    name = models.CharField("tên", max_length=255)
    kind = models.CharField("loại", max_length=20, choices=PressKind.choices)
    level = models.CharField("cấp", max_length=10, choices=PressLevel.choices, default=PressLevel.LOCAL)
    parent_name = models.CharField("cơ quan chủ quản (trung ương)", max_length=255, blank=True)
    licence_number = models.CharField("số giấy phép hoạt động", max_length=60, blank=True)
    licence_date = models.DateField("ngày cấp phép", null=True, blank=True)
    head_name = models.CharField("tổng biên tập / người đứng đầu", max_length=150, blank=True)
    head_title = models.CharField("chức danh người đứng đầu", max_length=100, blank=True)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    phone = models.CharField("điện thoại", max_length=50, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    valid_from = models.DateField("hoạt động từ ngày", null=True, blank=True)
    valid_to = models.DateField("đến ngày", null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "cơ quan báo chí"
        verbose_name_plural = "cơ quan báo chí"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def in_force(self, on=None) -> bool:
        day = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)


class ChannelKind(models.TextChoices):
    PRINT = "print", _("Báo in")
    ONLINE = "online", _("Báo điện tử")
    BROADCAST = "broadcast", _("Phát thanh, truyền hình")


class PressChannel(models.Model):
    press_agency = models.ForeignKey(PressAgency, on_delete=models.CASCADE, related_name="channels",
                                     verbose_name="cơ quan báo chí")
    kind = models.CharField("loại kênh", max_length=10, choices=ChannelKind.choices)
    name = models.CharField("tên kênh, ấn phẩm", max_length=200)
    domain = models.CharField("tên miền (báo điện tử)", max_length=253, blank=True)

    class Meta:
        verbose_name = "kênh của cơ quan báo chí"
        verbose_name_plural = "kênh của cơ quan báo chí"
        ordering = ["press_agency", "kind", "name"]

    def __str__(self) -> str:
        return self.name


# -- spokespeople ---------------------------------------------------------------------------------------------

class SpeakerRole(models.TextChoices):
    # NĐ 09/2017/NĐ-CP Art. 2: the head is the spokesperson or designates one; others may be authorised.
    SPOKESPERSON = "spokesperson", _("Người phát ngôn")
    AUTHORISED = "authorised", _("Người được ủy quyền phát ngôn")


class Spokesperson(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="spokespeople",
                               verbose_name="cơ quan")
    role = models.CharField("vai trò", max_length=20, choices=SpeakerRole.choices, default=SpeakerRole.SPOKESPERSON)
    name = models.CharField("họ tên", max_length=150)
    position = models.CharField("chức vụ", max_length=150)
    phone = models.CharField("điện thoại", max_length=50, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    decision = models.CharField("quyết định giao, ủy quyền", max_length=100, blank=True)
    valid_from = models.DateField("từ ngày")
    valid_to = models.DateField("đến ngày", null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "người phát ngôn"
        verbose_name_plural = "người phát ngôn"
        ordering = ["agency__name", "role", "name"]
        constraints = [models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            name="media_spokesperson_period")]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


# -- licensed websites ----------------------------------------------------------------------------------------

class SiteKind(models.TextChoices):
    # NĐ 147/2024/NĐ-CP Art. 23–31: general information websites and social networks are licensed.
    GENERAL_WEBSITE = "general_website", _("Trang thông tin điện tử tổng hợp")
    SOCIAL_NETWORK = "social_network", _("Mạng xã hội")


class LicenceState(models.TextChoices):
    IN_FORCE = "in_force", _("Còn hiệu lực")
    REVOKED = "revoked", _("Đã thu hồi")


class WebsiteLicence(models.Model):
    holder_name = models.CharField("tổ chức được cấp phép", max_length=255)
    holder_tax_code = models.CharField("mã số thuế", max_length=14)
    holder_email = models.EmailField("thư điện tử của tổ chức", blank=True)
    holder_phone = models.CharField("điện thoại của tổ chức", max_length=50, blank=True)
    kind = models.CharField("loại", max_length=20, choices=SiteKind.choices, default=SiteKind.GENERAL_WEBSITE)
    domain = models.CharField("tên miền", max_length=253)
    licence_number = models.CharField("số giấy phép", max_length=60, unique=True)
    issued_on = models.DateField("ngày cấp")
    expires_on = models.DateField("ngày hết hạn")
    scope = models.TextField("phạm vi, nội dung được cấp phép", blank=True)
    state = models.CharField("trạng thái", max_length=10, choices=LicenceState.choices, default=LicenceState.IN_FORCE)
    revoked_on = models.DateField("ngày thu hồi", null=True, blank=True)
    revocation_reason = models.TextField("lý do thu hồi", blank=True)
    monitor_url = models.URLField("địa chỉ giám sát", max_length=500, blank=True,
                                  help_text="Mặc định https://<tên miền>/")
    monitored = models.BooleanField("giám sát tự động", default=True)
    failures_in_a_row = models.PositiveIntegerField("số lần kiểm tra lỗi liên tiếp", default=0)
    expiry_notice_sent_for = models.DateField("đã báo sắp hết hạn cho ngày hết hạn", null=True, blank=True)

    class Meta:
        verbose_name = "giấy phép trang thông tin điện tử, mạng xã hội"
        verbose_name_plural = "giấy phép trang thông tin điện tử, mạng xã hội"
        ordering = ["domain"]

    def __str__(self) -> str:
        return f"{self.licence_number} — {self.domain}"

    def in_force(self, on=None) -> bool:
        day = on or timezone.localdate()
        return self.state == LicenceState.IN_FORCE and self.issued_on <= day <= self.expires_on

    @property
    def address_to_check(self) -> str:
        return self.monitor_url or f"https://{self.domain}/"


class LicenceAction(models.TextChoices):
    GRANT = "grant", _("Cấp mới")
    RENEW = "renew", _("Gia hạn giấy phép")
    AMEND = "amend", _("Sửa đổi, bổ sung")
    REVOKE = "revoke", _("Thu hồi giấy phép")


class LicenceRecord(models.Model):
    """One act on a licence, with the one-stop dossier it came from (the registry and the dossier agree)."""

    licence = models.ForeignKey(WebsiteLicence, on_delete=models.CASCADE, related_name="records",
                                verbose_name="giấy phép")
    action = models.CharField("việc", max_length=10, choices=LicenceAction.choices)
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name="hồ sơ một cửa")
    on = models.DateField("ngày")
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "lịch sử giấy phép"
        verbose_name_plural = "lịch sử giấy phép"
        ordering = ["licence", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.licence} — {self.get_action_display()} {self.on:%d/%m/%Y}"


class Inspection(models.Model):
    licence = models.ForeignKey(WebsiteLicence, on_delete=models.CASCADE, related_name="inspections",
                                verbose_name="giấy phép")
    inspected_on = models.DateField("ngày kiểm tra")
    findings = models.TextField("kết quả kiểm tra")
    violation = models.BooleanField("có vi phạm", default=False)
    decision = models.CharField("quyết định xử lý", max_length=100, blank=True)
    decision_on = models.DateField("ngày quyết định", null=True, blank=True)
    penalty = models.CharField("hình thức xử lý", max_length=255, blank=True)

    class Meta:
        verbose_name = "kiểm tra, xử lý vi phạm"
        verbose_name_plural = "kiểm tra, xử lý vi phạm"
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.licence} — {self.inspected_on:%d/%m/%Y}"


class MonitoringCheck(models.Model):
    licence = models.ForeignKey(WebsiteLicence, on_delete=models.CASCADE, related_name="checks",
                                verbose_name="giấy phép")
    checked_at = models.DateTimeField("thời điểm kiểm tra", default=timezone.now, db_index=True)
    reachable = models.BooleanField("truy cập được", default=False)
    http_status = models.PositiveSmallIntegerField("mã trạng thái HTTP", null=True, blank=True)
    tls_expires_at = models.DateTimeField("chứng thư TLS hết hạn", null=True, blank=True)
    licence_shown = models.BooleanField("hiển thị số giấy phép", default=False)
    ok = models.BooleanField("đạt", default=False)
    problem = models.CharField("vấn đề", max_length=300, blank=True)

    class Meta:
        verbose_name = "kết quả giám sát"
        verbose_name_plural = "kết quả giám sát"
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.licence} — {self.checked_at:%Y-%m-%d %H:%M}"


class MonitoringAlert(models.Model):
    licence = models.ForeignKey(WebsiteLicence, on_delete=models.CASCADE, related_name="alerts",
                                verbose_name="giấy phép")
    opened_at = models.DateTimeField("mở lúc", default=timezone.now)
    closed_at = models.DateTimeField("đóng lúc", null=True, blank=True)
    problem = models.CharField("vấn đề", max_length=300)

    class Meta:
        verbose_name = "cảnh báo giám sát"
        verbose_name_plural = "cảnh báo giám sát"
        ordering = ["-opened_at"]
        constraints = [models.UniqueConstraint(fields=["licence"], condition=Q(closed_at__isnull=True),
                                               name="media_one_open_alert_per_licence")]

    def __str__(self) -> str:
        return f"{self.licence} — {self.problem}"


# -- press briefings ------------------------------------------------------------------------------------------

class BriefingKind(models.TextChoices):
    MONTHLY = "monthly", _("Giao ban báo chí định kỳ")
    AD_HOC = "ad_hoc", _("Họp báo đột xuất")


class Briefing(models.Model):
    kind = models.CharField("loại", max_length=10, choices=BriefingKind.choices, default=BriefingKind.MONTHLY)
    title = models.CharField("tiêu đề", max_length=255)
    held_at = models.DateTimeField("thời điểm họp")
    venue = models.CharField("địa điểm", max_length=255, blank=True)
    chair = models.CharField("người chủ trì", max_length=150)
    info_due_at = models.DateTimeField("hạn gửi thông tin")
    held = models.BooleanField("đã họp", default=False)
    summary = models.TextField("nội dung kết luận", blank=True)

    class Meta:
        verbose_name = "giao ban báo chí"
        verbose_name_plural = "giao ban báo chí"
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return self.title


def sheet_path(instance, filename: str) -> str:
    # Stored names never come from the uploader.
    return f"media/briefings/{instance.briefing_id}/{uuid.uuid4().hex}"


class BriefingInvitation(models.Model):
    """An agency asked to bring information to a briefing: its task, due a few working days before."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="invitations",
                                 verbose_name="giao ban")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan")
    due_at = models.DateTimeField("hạn gửi")
    delivered_at = models.DateTimeField("đã gửi lúc", null=True, blank=True)
    sheet = models.FileField("bản thông tin", upload_to=sheet_path, max_length=255, blank=True)
    sheet_name = models.CharField("tên tệp", max_length=255, blank=True)
    sheet_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    summary = models.TextField("tóm tắt thông tin", blank=True)

    class Meta:
        verbose_name = "cơ quan cung cấp thông tin"
        verbose_name_plural = "cơ quan cung cấp thông tin"
        ordering = ["briefing", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["briefing", "agency"], name="media_one_invitation")]

    def __str__(self) -> str:
        return f"{self.briefing} — {self.agency}"

    @property
    def on_time(self) -> bool | None:
        return None if self.delivered_at is None else self.delivered_at <= self.due_at


class BriefingQuestion(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="questions",
                                 verbose_name="giao ban")
    journalist = models.CharField("phóng viên", max_length=150)
    outlet = models.CharField("cơ quan báo chí", max_length=255)
    question = models.TextField("câu hỏi")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan trả lời")
    due_at = models.DateTimeField("hạn trả lời")
    answer = models.TextField("trả lời", blank=True)
    answered_at = models.DateTimeField("trả lời lúc", null=True, blank=True)

    class Meta:
        verbose_name = "câu hỏi của nhà báo"
        verbose_name_plural = "câu hỏi của nhà báo"
        ordering = ["briefing", "pk"]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.question[:80]}"

    @property
    def on_time(self) -> bool | None:
        return None if self.answered_at is None else self.answered_at <= self.due_at


# -- false information and cases ------------------------------------------------------------------------------

class ReportSource(models.TextChoices):
    CITIZEN = "citizen", _("Người dân")
    OFFICER = "officer", _("Cán bộ")
    MONITORING = "monitoring", _("Theo dõi, giám sát")


class ReportState(models.TextChoices):
    RECEIVED = "received", _("Chờ phân loại")
    DUPLICATE = "duplicate", _("Trùng, đã gộp vào vụ việc")
    OUT_OF_SCOPE = "out_of_scope", _("Không thuộc phạm vi xử lý")
    CASE = "case", _("Đã mở vụ việc")


class FakeNewsReport(models.Model):
    code = models.CharField("mã tra cứu", max_length=20, unique=True)
    source = models.CharField("nguồn", max_length=12, choices=ReportSource.choices, default=ReportSource.CITIZEN)
    link = models.URLField("đường dẫn", max_length=1000, blank=True)
    seen_on = models.CharField("nơi phát hiện", max_length=200)
    description = models.TextField("mô tả")
    reporter_name = models.CharField("người báo tin", max_length=150, blank=True)
    reporter_email = models.EmailField("thư điện tử", blank=True)
    reporter_phone = models.CharField("điện thoại", max_length=20, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="cán bộ báo tin")
    received_at = models.DateTimeField("tiếp nhận lúc", default=timezone.now, db_index=True)
    triage_due_at = models.DateTimeField("hạn phân loại")
    state = models.CharField("trạng thái", max_length=12, choices=ReportState.choices, default=ReportState.RECEIVED)
    triaged_at = models.DateTimeField("phân loại lúc", null=True, blank=True)
    triage_note = models.TextField("ghi chú phân loại", blank=True)
    case = models.ForeignKey("Case", on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
                             verbose_name="vụ việc")
    # The monitoring tool's own id of what it found: a second post of the same finding answers this report.
    external_id = models.CharField("mã của công cụ theo dõi", max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "tin báo thông tin sai sự thật"
        verbose_name_plural = "tin báo thông tin sai sự thật"
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                               name="media_report_one_external_id")]

    def __str__(self) -> str:
        return self.code


class Topic(models.TextChoices):
    LAND = "land", _("Đất đai")
    ENVIRONMENT = "environment", _("Môi trường")
    EPIDEMIC = "epidemic", _("Dịch bệnh")
    DISASTER = "disaster", _("Thiên tai")
    SECURITY = "security", _("An ninh, trật tự")
    ECONOMY = "economy", _("Kinh tế, tài chính")
    OTHER = "other", _("Khác")


class Severity(models.TextChoices):
    LOW = "low", _("Thấp")
    MEDIUM = "medium", _("Trung bình")
    SEVERE = "severe", _("Nghiêm trọng")


class CaseState(models.TextChoices):
    VERIFICATION = "verification", _("Đang xác minh")
    DECISION = "decision", _("Chờ kết luận")
    RESPONSE = "response", _("Đang xử lý, phản bác")
    CLOSED = "closed", _("Đã kết thúc")


class Verdict(models.TextChoices):
    FALSE = "false", _("Sai sự thật")
    MISLEADING = "misleading", _("Gây hiểu lầm")
    TRUE = "true", _("Đúng sự thật")
    UNVERIFIABLE = "unverifiable", _("Chưa thể xác minh")


class Case(models.Model):
    code = models.CharField("mã vụ việc", max_length=20, unique=True)
    title = models.CharField("tiêu đề", max_length=255)
    claim = models.TextField("nội dung thông tin bị phản ánh")
    claim_url = models.URLField("đường dẫn gốc", max_length=1000, blank=True)
    topic = models.CharField("lĩnh vực", max_length=12, choices=Topic.choices)
    severity = models.CharField("mức độ", max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    state = models.CharField("trạng thái", max_length=12, choices=CaseState.choices, default=CaseState.VERIFICATION)
    opened_at = models.DateTimeField("mở lúc", default=timezone.now, db_index=True)
    verification_due_at = models.DateTimeField("hạn xác minh")
    verdict = models.CharField("kết luận", max_length=12, choices=Verdict.choices, blank=True)
    verdict_note = models.TextField("căn cứ kết luận", blank=True)
    decided_at = models.DateTimeField("kết luận lúc", null=True, blank=True)
    response_due_at = models.DateTimeField("hạn xử lý", null=True, blank=True)
    refutation_title = models.CharField("tiêu đề cải chính", max_length=255, blank=True)
    refutation = models.TextField("nội dung cải chính, làm rõ", blank=True)
    published_at = models.DateTimeField("đăng cổng lúc", null=True, blank=True, db_index=True)
    platform_request = models.TextField("yêu cầu nền tảng gỡ bỏ", blank=True)
    platform_requested_at = models.DateTimeField("gửi yêu cầu nền tảng lúc", null=True, blank=True)
    police_referral = models.TextField("chuyển cơ quan công an", blank=True)
    referred_at = models.DateTimeField("chuyển công an lúc", null=True, blank=True)
    closed_at = models.DateTimeField("kết thúc lúc", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="người mở")
    # The published refutation as a person types a search, with or without diacritics (common.text.fold).
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = "vụ việc thông tin sai sự thật"
        verbose_name_plural = "vụ việc thông tin sai sự thật"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def save(self, *args, **kwargs):
        from tinhso.common.text import fold

        self.search_text = fold(" ".join((self.title, self.claim, self.refutation_title, self.refutation)))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class VerificationTask(models.Model):
    """The competent agency states the facts of a case within its due moment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="verifications", verbose_name="vụ việc")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan xác minh")
    due_at = models.DateTimeField("hạn xác minh")
    facts = models.TextField("thông tin xác minh", blank=True)
    answered_at = models.DateTimeField("trả lời lúc", null=True, blank=True)
    answered_by = models.CharField("người trả lời", max_length=150, blank=True)

    class Meta:
        verbose_name = "nhiệm vụ xác minh"
        verbose_name_plural = "nhiệm vụ xác minh"
        ordering = ["case", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["case", "agency"], name="media_one_verification")]

    def __str__(self) -> str:
        return f"{self.case.code} — {self.agency}"

    @property
    def on_time(self) -> bool | None:
        return None if self.answered_at is None else self.answered_at <= self.due_at


class CaseEvent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name="vụ việc")
    at = models.DateTimeField("lúc", default=timezone.now)
    action = models.CharField("việc", max_length=30)
    actor_label = models.CharField("người thực hiện", max_length=150)
    note = models.TextField("ghi chú", blank=True)
    due_at = models.DateTimeField("hạn bước tiếp theo", null=True, blank=True)

    class Meta:
        verbose_name = "diễn biến vụ việc"
        verbose_name_plural = "diễn biến vụ việc"
        ordering = ["case", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.code} — {self.action}"


def evidence_path(instance, filename: str) -> str:
    return f"media/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A screenshot or archived page kept unchanged for the police: its SHA-256 and the moment captured."""

    report = models.ForeignKey(FakeNewsReport, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="evidence", verbose_name="tin báo")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence",
                             verbose_name="vụ việc")
    file = models.FileField("tệp", upload_to=evidence_path, max_length=255)
    name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField("kiểu nội dung", max_length=100)
    size = models.PositiveBigIntegerField("kích thước (byte)")
    sha256 = models.CharField("SHA-256", max_length=64)
    captured_at = models.DateTimeField("thời điểm thu thập", default=timezone.now)
    source_url = models.URLField("địa chỉ nguồn", max_length=1000, blank=True)

    class Meta:
        verbose_name = "chứng cứ"
        verbose_name_plural = "chứng cứ"
        ordering = ["captured_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


# -- media crises ---------------------------------------------------------------------------------------------

class CrisisScenario(models.Model):
    """A response scenario (kịch bản ứng phó khủng hoảng truyền thông) for one topic."""

    topic = models.CharField("lĩnh vực", max_length=12, choices=Topic.choices)
    title = models.CharField("tên kịch bản", max_length=255)
    description = models.TextField("mô tả", blank=True)
    active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "kịch bản ứng phó khủng hoảng truyền thông"
        verbose_name_plural = "kịch bản ứng phó khủng hoảng truyền thông"
        ordering = ["topic", "title"]

    def __str__(self) -> str:
        return self.title


class ScenarioStep(models.Model):
    scenario = models.ForeignKey(CrisisScenario, on_delete=models.CASCADE, related_name="steps",
                                 verbose_name="kịch bản")
    order = models.PositiveSmallIntegerField("thứ tự")
    title = models.CharField("việc cần làm", max_length=255)
    performer = models.CharField("người, cơ quan thực hiện", max_length=150)
    hours = models.PositiveSmallIntegerField("thời hạn (giờ làm việc)")

    class Meta:
        verbose_name = "bước của kịch bản"
        verbose_name_plural = "bước của kịch bản"
        ordering = ["scenario", "order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Crisis(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="crisis", verbose_name="vụ việc")
    scenario = models.ForeignKey(CrisisScenario, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="kịch bản")
    opened_at = models.DateTimeField("mở lúc", default=timezone.now)
    closed_at = models.DateTimeField("kết thúc lúc", null=True, blank=True)

    class Meta:
        verbose_name = "khủng hoảng truyền thông"
        verbose_name_plural = "khủng hoảng truyền thông"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.case.code} — {self.scenario}"


class CrisisTask(models.Model):
    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="tasks", verbose_name="khủng hoảng")
    order = models.PositiveSmallIntegerField("thứ tự")
    title = models.CharField("việc cần làm", max_length=255)
    performer = models.CharField("người, cơ quan thực hiện", max_length=150)
    due_at = models.DateTimeField("hạn")
    done_at = models.DateTimeField("hoàn thành lúc", null=True, blank=True)
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "việc ứng phó"
        verbose_name_plural = "việc ứng phó"
        ordering = ["crisis", "order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"
