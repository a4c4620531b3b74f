"""The grassroots radio registry (TT 39/2020/TT-BTTTT): commune stations, receive-and-play units and display
boards, who may broadcast where, bulletins, schedules, emergency broadcasts and the CAP alerts behind them.

Registry rows are on the audit chain (``apps.py``); the live state a device reports many times a minute
(:class:`DeviceState`) is not, its changes that matter are kept as :class:`DeviceEvent` rows.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import PeriodQuerySet

DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$"


class Station(models.Model):
    """A commune station (đài truyền thanh cấp xã)."""

    class Kind(models.TextChoices):
        IP = "ip", _("Ứng dụng CNTT-VT")
        FM = "fm", _("Vô tuyến FM")
        WIRED = "wired", _("Hữu tuyến")

    class State(models.TextChoices):
        OPERATING = "operating", _("Đang hoạt động")
        DEGRADED = "degraded", _("Xuống cấp")
        OUT_OF_SERVICE = "out_of_service", _("Ngừng hoạt động")
        CONVERTED = "converted", _("Đã chuyển đổi")

    class Conversion(models.TextChoices):
        NONE = "none", _("Không cần chuyển đổi")
        PLANNED = "planned", _("Đã có kế hoạch chuyển đổi")
        IN_PROGRESS = "in_progress", _("Đang chuyển đổi")
        DONE = "done", _("Đã chuyển đổi sang CNTT-VT")

    commune = models.ForeignKey("geo.Commune", on_delete=models.PROTECT, related_name="radio_stations",
                                verbose_name=_("xã, phường, đặc khu"))
    name = models.CharField(_("tên đài"), max_length=200)
    kind = models.CharField(_("loại đài"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("tình trạng"), max_length=20, choices=State.choices, default=State.OPERATING)
    # TT 39/2020 Art. 5: FM stations work on a licensed frequency of the plan (54–68 MHz band).
    frequency_mhz = models.DecimalField(_("tần số (MHz)"), max_digits=6, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(1), MaxValueValidator(300)])
    in_frequency_plan = models.BooleanField(_("tần số nằm trong quy hoạch"), default=True)
    licence_number = models.CharField(_("số giấy phép tần số"), max_length=60, blank=True)
    licence_expires = models.DateField(_("ngày hết hạn giấy phép"), null=True, blank=True)
    conversion = models.CharField(_("chuyển đổi"), max_length=20, choices=Conversion.choices,
                                  default=Conversion.NONE)
    conversion_due = models.DateField(_("hạn chuyển đổi"), null=True, blank=True)
    conversion_note = models.CharField(_("ghi chú kế hoạch chuyển đổi"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("đài truyền thanh cấp xã")
        verbose_name_plural = _("đài truyền thanh cấp xã")
        ordering = ["commune_id", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="fm") | Q(frequency_mhz__isnull=True),
                                   name="broadcast_station_frequency_only_fm"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_conversion(self) -> bool:
        return self.kind != self.Kind.IP and self.conversion != self.Conversion.DONE


def new_device_secret() -> str:
    return secrets.token_urlsafe(24)


class Device(models.Model):
    """A receive-and-play unit (cụm thu phát) or a display board, reached over MQTT."""

    class Kind(models.TextChoices):
        RECEIVER = "receiver", _("Cụm thu phát")
        DISPLAY = "display", _("Bảng điện tử")

    class Connection(models.TextChoices):
        CELLULAR = "4g", _("SIM 4G")
        WIRED = "wired", _("Cáp mạng")

    class State(models.TextChoices):
        ACTIVE = "active", _("Đang sử dụng")
        MAINTENANCE = "maintenance", _("Đang bảo trì")
        RETIRED = "retired", _("Thôi sử dụng")

    device_id = models.CharField(_("mã thiết bị"), max_length=40, unique=True,
                                 validators=[RegexValidator(DEVICE_ID_PATTERN)])
    kind = models.CharField(_("loại thiết bị"), max_length=10, choices=Kind.choices, default=Kind.RECEIVER)
    commune = models.ForeignKey("geo.Commune", on_delete=models.PROTECT, related_name="radio_devices",
                                verbose_name=_("xã, phường, đặc khu"))
    village = models.ForeignKey("geo.Village", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="radio_devices", verbose_name=_("thôn, bản, tổ dân phố"))
    station = models.ForeignKey(Station, on_delete=models.PROTECT, null=True, blank=True, related_name="devices",
                                verbose_name=_("đài truyền thanh"))
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True,
                                 validators=[MinValueValidator(8), MaxValueValidator(24)])
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True,
                                  validators=[MinValueValidator(102), MaxValueValidator(118)])
    loudspeakers = models.PositiveSmallIntegerField(_("số loa"), default=2)
    connection = models.CharField(_("kết nối"), max_length=10, choices=Connection.choices,
                                  default=Connection.CELLULAR)
    sim_number = models.CharField(_("số thuê bao SIM"), max_length=20, blank=True)
    firmware = models.CharField(_("phiên bản phần mềm"), max_length=40, blank=True)
    state = models.CharField(_("tình trạng"), max_length=15, choices=State.choices, default=State.ACTIVE)
    board_size = models.CharField(_("kích thước bảng"), max_length=40, blank=True,
                                  help_text=_("Với bảng điện tử, ví dụ 3 x 2 m."))
    location = models.CharField(_("địa điểm lắp đặt"), max_length=200, blank=True)
    # The MQTT password and the key commands are signed with; shown once to the installer.
    secret = models.CharField(_("khoá bí mật"), max_length=64, default=new_device_secret, editable=False)

    class Meta:
        verbose_name = _("thiết bị truyền thanh")
        verbose_name_plural = _("thiết bị truyền thanh")
        ordering = ["commune_id", "device_id"]
        indexes = [models.Index(fields=["commune", "state"])]

    def __str__(self) -> str:
        return self.device_id


class DeviceState(models.Model):
    """What a device said last (heartbeat and status); written by the MQTT link, not audited."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, primary_key=True, related_name="live")
    last_seen = models.DateTimeField(_("lần cuối liên lạc"), null=True, blank=True)
    online = models.BooleanField(_("trực tuyến"), default=False)
    playing = models.CharField(_("đang phát"), max_length=80, blank=True)
    volume = models.PositiveSmallIntegerField(_("âm lượng"), null=True, blank=True)
    power = models.CharField(_("nguồn điện"), max_length=10, blank=True)
    temperature = models.FloatField(_("nhiệt độ"), null=True, blank=True)
    signal = models.IntegerField(_("cường độ tín hiệu (dBm)"), null=True, blank=True)
    schedule_version = models.CharField(_("phiên bản lịch đã nhận"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("trạng thái thiết bị")
        verbose_name_plural = _("trạng thái thiết bị")
        indexes = [models.Index(fields=["online", "last_seen"])]

    def __str__(self) -> str:
        return f"{self.device_id}: {'online' if self.online else 'offline'}"


class DeviceEvent(models.Model):
    """A change in a device's health worth keeping: online, offline, failed playback, power loss."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("Trực tuyến trở lại")
        OFFLINE = "offline", _("Mất liên lạc")
        PLAYBACK_FAILED = "playback_failed", _("Phát lỗi")
        POWER_LOSS = "power_loss", _("Mất điện lưới")
        PLAYED = "played", _("Đã phát")

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    kind = models.CharField(_("sự kiện"), max_length=20, choices=Kind.choices)
    detail = models.JSONField(_("chi tiết"), default=dict, blank=True)
    seconds = models.PositiveIntegerField(_("thời lượng (giây)"), default=0)

    class Meta:
        verbose_name = _("sự kiện thiết bị")
        verbose_name_plural = _("sự kiện thiết bị")
        ordering = ["-at"]
        indexes = [models.Index(fields=["device", "-at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"


class BroadcastRole(models.TextChoices):
    COMMUNE_OPERATOR = "commune_operator", _("Cán bộ vận hành đài xã")
    SOURCE_OPERATOR = "source_operator", _("Cán bộ hệ thống nguồn cấp tỉnh")
    APPROVER = "approver", _("Người duyệt nội dung")
    EMERGENCY = "emergency", _("Người phát khẩn cấp")


class BroadcastMembership(models.Model):
    """Who may broadcast where: a commune's operators for their commune, the provincial source system's staff
    and the emergency role for the whole province."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="broadcast_memberships", verbose_name=_("người được phân quyền"))
    role = models.CharField(_("vai trò"), max_length=20, choices=BroadcastRole.choices)
    commune = models.ForeignKey("geo.Commune", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("xã, phường, đặc khu"),
                                help_text=_("Bắt buộc với cán bộ vận hành đài xã."))
    valid_from = models.DateField(_("từ ngày"), default=timezone.localdate)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân quyền truyền thanh")
        verbose_name_plural = _("phân quyền truyền thanh")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(condition=~Q(role="commune_operator") | Q(commune__isnull=False),
                                   name="broadcast_membership_commune_operator_has_commune"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class Bulletin(models.Model):
    """A bulletin: an audio file (uploaded or spoken from text), or a text or image for display boards."""

    class Kind(models.TextChoices):
        AUDIO = "audio", _("Âm thanh tải lên")
        SPEECH = "speech", _("Văn bản đọc tự động")
        DISPLAY = "display", _("Nội dung bảng điện tử")

    class Source(models.TextChoices):
        PROVINCE = "province", _("Hệ thống nguồn cấp tỉnh")
        COMMUNE = "commune", _("Đài xã")
        CAP = "cap", _("Cảnh báo CAP")
        RELAY = "relay", _("Tiếp sóng")

    class State(models.TextChoices):
        DRAFT = "draft", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        REJECTED = "rejected", _("Không duyệt")

    title = models.CharField(_("tiêu đề"), max_length=200)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices, default=Source.PROVINCE)
    commune = models.ForeignKey("geo.Commune", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("của xã"),
                                help_text=_("Để trống với bản tin của tỉnh."))
    text = models.TextField(_("nội dung văn bản"), blank=True)
    audio = models.FileField(_("tệp âm thanh"), upload_to="broadcast/audio/", blank=True)
    audio_format = models.CharField(_("định dạng"), max_length=10, blank=True)
    image = models.FileField(_("ảnh hiển thị"), upload_to="broadcast/display/", blank=True,
                             help_text=_("Ảnh PNG hoặc JPEG cho bảng điện tử (tuỳ chọn, kèm hoặc thay nội dung chữ)."))
    image_type = models.CharField(_("kiểu ảnh"), max_length=20, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    duration_seconds = models.FloatField(_("thời lượng (giây)"), default=0,
                                         help_text=_("Thời lượng âm thanh; với bảng điện tử, số giây hiển thị."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("người soạn"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.DRAFT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("người duyệt"))
    approved_at = models.DateTimeField(_("thời điểm duyệt"), null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)

    class Meta:
        verbose_name = _("bản tin")
        verbose_name_plural = _("bản tin")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Area(models.TextChoices):
    PROVINCE = "province", _("Toàn tỉnh")
    COMMUNES = "communes", _("Các xã")
    VILLAGES = "villages", _("Các thôn, bản")
    DEVICES = "devices", _("Các thiết bị")
    POLYGON = "polygon", _("Vùng vẽ trên bản đồ")


class Schedule(models.Model):
    """A bulletin in a time slot, once or recurring, for an area."""

    class Recurrence(models.TextChoices):
        ONCE = "once", _("Một lần")
        DAILY = "daily", _("Hằng ngày")
        WEEKDAYS = "weekdays", _("Các ngày trong tuần (thứ Hai – thứ Sáu)")
        WEEKLY = "weekly", _("Hằng tuần")

    class State(models.TextChoices):
        DRAFT = "draft", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        CANCELLED = "cancelled", _("Đã huỷ")

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="schedules",
                                 verbose_name=_("bản tin"))
    commune = models.ForeignKey("geo.Commune", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("của xã"),
                                help_text=_("Để trống với lịch của tỉnh."))
    area = models.CharField(_("phạm vi"), max_length=10, choices=Area.choices[:4])
    communes = models.ManyToManyField("geo.Commune", blank=True, related_name="+", verbose_name=_("xã"))
    villages = models.ManyToManyField("geo.Village", blank=True, related_name="+", verbose_name=_("thôn, bản"))
    devices = models.ManyToManyField(Device, blank=True, related_name="+", verbose_name=_("thiết bị"))
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"), null=True, blank=True)
    at = models.TimeField(_("giờ phát"))
    recurrence = models.CharField(_("lặp lại"), max_length=10, choices=Recurrence.choices,
                                  default=Recurrence.ONCE)
    weekday = models.PositiveSmallIntegerField(_("thứ (hằng tuần)"), null=True, blank=True,
                                               validators=[MaxValueValidator(6)],
                                               help_text=_("0 là thứ Hai, 6 là Chủ nhật."))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("người lập"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("người duyệt"))

    class Meta:
        verbose_name = _("lịch phát")
        verbose_name_plural = _("lịch phát")
        ordering = ["starts_on", "at"]

    def __str__(self) -> str:
        return f"{self.bulletin} — {self.at:%H:%M}"


class AlertSource(models.Model):
    """An agency authorised to send CAP alerts through the API with its token (e.g. the hydro-meteorological
    centre, the disaster-prevention command)."""

    agency = models.OneToOneField("directory.Agency", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("cơ quan"))
    active = models.BooleanField(_("đang được phép"), default=True)

    class Meta:
        verbose_name = _("cơ quan gửi cảnh báo CAP")
        verbose_name_plural = _("cơ quan gửi cảnh báo CAP")

    def __str__(self) -> str:
        return str(self.agency)


class CapAlert(models.Model):
    """A CAP 1.2 alert received (file or API) or published by the province."""

    class Direction(models.TextChoices):
        RECEIVED = "received", _("Nhận vào")
        PUBLISHED = "published", _("Tỉnh phát hành")

    identifier = models.CharField(_("mã cảnh báo"), max_length=200)
    sender = models.CharField(_("nơi gửi"), max_length=200)
    sent = models.DateTimeField(_("thời điểm gửi"))
    direction = models.CharField(_("chiều"), max_length=10, choices=Direction.choices)
    severity = models.CharField(_("mức độ nghiêm trọng"), max_length=20, blank=True)
    event = models.CharField(_("sự kiện"), max_length=200, blank=True)
    headline = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    expires = models.DateTimeField(_("thời điểm hết hiệu lực"), null=True, blank=True)
    signature = models.CharField(_("chữ ký"), max_length=200, blank=True)
    xml = models.TextField(_("nội dung CAP"))
    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now)

    class Meta:
        verbose_name = _("cảnh báo CAP")
        verbose_name_plural = _("cảnh báo CAP")
        ordering = ["-sent"]
        constraints = [models.UniqueConstraint(fields=["sender", "identifier", "direction"],
                                               name="broadcast_cap_alert_unique")]

    def __str__(self) -> str:
        return f"{self.sender} {self.identifier}"


class EmergencyBroadcast(models.Model):
    """An emergency message that interrupts every schedule in its area, repeats, and ends by hand or expiry."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Chờ xác nhận")
        ACTIVE = "active", _("Đang phát")
        ENDED = "ended", _("Đã kết thúc")
        REJECTED = "rejected", _("Không phát")

    title = models.CharField(_("tiêu đề"), max_length=200)
    message = models.TextField(_("nội dung"))
    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="emergencies",
                                 verbose_name=_("bản tin"))
    area = models.CharField(_("phạm vi"), max_length=10, choices=[c for c in Area.choices if c[0] in
                                                                 ("province", "communes", "polygon")])
    communes = models.ManyToManyField("geo.Commune", blank=True, related_name="+", verbose_name=_("xã"))
    polygon = models.JSONField(_("vùng (GeoJSON)"), null=True, blank=True)
    repeats = models.PositiveSmallIntegerField(_("số lần lặp"), default=3,
                                               validators=[MinValueValidator(1), MaxValueValidator(50)])
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.PROPOSED)
    cap_alert = models.ForeignKey(CapAlert, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="emergencies", verbose_name=_("cảnh báo CAP"))
    proposed_at = models.DateTimeField(_("thời điểm đề xuất"), default=timezone.now)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn"), null=True, blank=True)
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("người phát"))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("người kết thúc"))

    class Meta:
        verbose_name = _("phát khẩn cấp")
        verbose_name_plural = _("phát khẩn cấp")
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return self.title

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.ACTIVE and (self.expires_at is None or now < self.expires_at)


class EmergencyReceipt(models.Model):
    """One device's part in an emergency broadcast: when the command went, when it started and ended."""

    emergency = models.ForeignKey(EmergencyBroadcast, on_delete=models.CASCADE, related_name="receipts")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("gửi lệnh"))
    started_at = models.DateTimeField(_("xác nhận bắt đầu"), null=True, blank=True)
    ended_at = models.DateTimeField(_("xác nhận kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("xác nhận của thiết bị")
        verbose_name_plural = _("xác nhận của thiết bị")
        constraints = [models.UniqueConstraint(fields=["emergency", "device"], name="broadcast_receipt_unique")]

    def __str__(self) -> str:
        return f"{self.emergency_id}/{self.device_id}"


class LiveBroadcast(models.Model):
    """A live broadcast to an area: a relayed stream or the operator's microphone in the browser, that the province's
    Icecast serves on a mount of its own; the area's units play it until it is ended or expires."""

    class Source(models.TextChoices):
        RELAY = "relay", _("Tiếp sóng luồng")
        MICROPHONE = "microphone", _("Micrô trên trình duyệt")

    class State(models.TextChoices):
        ACTIVE = "active", _("Đang phát")
        ENDED = "ended", _("Đã kết thúc")

    title = models.CharField(_("tiêu đề"), max_length=200)
    source = models.CharField(_("nguồn"), max_length=12, choices=Source.choices, default=Source.RELAY)
    source_url = models.URLField(_("địa chỉ luồng"), max_length=500, blank=True)
    mount = models.CharField(_("điểm phát trên máy chủ"), max_length=80, unique=True)
    commune = models.ForeignKey("geo.Commune", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("của xã"),
                                help_text=_("Để trống với buổi phát của tỉnh."))
    area = models.CharField(_("phạm vi"), max_length=10, choices=Area.choices[:4])
    communes = models.ManyToManyField("geo.Commune", blank=True, related_name="+", verbose_name=_("xã"))
    villages = models.ManyToManyField("geo.Village", blank=True, related_name="+", verbose_name=_("thôn, bản"))
    devices = models.ManyToManyField(Device, blank=True, related_name="+", verbose_name=_("thiết bị"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.ACTIVE)
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn"))
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("người phát"))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("người kết thúc"))

    class Meta:
        verbose_name = _("phát trực tiếp")
        verbose_name_plural = _("phát trực tiếp")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return self.title

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        return self.state == self.State.ACTIVE and (now or timezone.now()) < self.expires_at


class LiveReceipt(models.Model):
    """One unit's part in a live broadcast: when the command went, when it played and stopped, and the delay
    it measured (from the province's server to its loudspeaker)."""

    live = models.ForeignKey(LiveBroadcast, on_delete=models.CASCADE, related_name="receipts")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("gửi lệnh"))
    playing_at = models.DateTimeField(_("bắt đầu phát"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("dừng phát"), null=True, blank=True)
    delay_ms = models.PositiveIntegerField(_("độ trễ gần nhất (ms)"), null=True, blank=True)
    max_delay_ms = models.PositiveIntegerField(_("độ trễ lớn nhất (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("thiết bị phát trực tiếp")
        verbose_name_plural = _("thiết bị phát trực tiếp")
        constraints = [models.UniqueConstraint(fields=["live", "device"], name="broadcast_live_receipt_unique")]

    def __str__(self) -> str:
        return f"{self.live_id}/{self.device_id}"


class LiveChunk(models.Model):
    """A piece of the operator's microphone (Opus in WebM, as the browser records it) on its way to the relay,
    which feeds it to the session's ffmpeg and deletes it. ``captured_at`` is when the browser recorded its
    end, on the server's clock (the page measures the offset), the start of the delay measured end to end."""

    live = models.ForeignKey(LiveBroadcast, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField(_("số thứ tự"))
    captured_at = models.FloatField(_("thời điểm thu (giây từ 1970)"))
    data = models.BinaryField(_("dữ liệu"))
    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now)

    class Meta:
        verbose_name = _("đoạn âm thanh micrô")
        verbose_name_plural = _("đoạn âm thanh micrô")
        ordering = ["live_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["live", "seq"], name="broadcast_live_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.live_id}#{self.seq}"
