"""Pages of the grassroots radio under /truyen-thanh/: the overview, devices per commune with their state and
history, bulletins with approval, schedules with their conflicts shown before saving, emergency broadcasts on
the map with the devices' acknowledgements live, CAP in (a file) and out (the province's feed), and the file
download the devices use.

Scope: ``selectors.visible_communes``; a record outside it answers 404. A view never writes a model: it calls
``services``.
"""

from __future__ import annotations

import datetime
import functools
import hmac
import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.broadcast import live, live_sessions, selectors, services
from tinhso.broadcast.models import (
    Area,
    Bulletin,
    CapAlert,
    Device,
    DeviceEvent,
    EmergencyBroadcast,
    LiveBroadcast,
    Schedule,
    Station,
)
from tinhso.common.inputs import InputError
from tinhso.common.maps import DrawTool, Layer, MapView, geojson_response, point
from tinhso.geo.models import Commune, Village

PAGE_SIZE = 50
DATE_FORMATS = ["%d/%m/%Y"]
ONLINE_COLOURS = {"online": "#1a7f37", "offline": "#cf222e", "playing": "#0b4aa2"}


def radio_view(view):
    """Signed-in people with a broadcasting role or a province-wide view; others go to the login page or 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.get_full_path()}")
        if not selectors.may_operate(request.user):
            return HttpResponse(_("Bạn không có quyền với truyền thanh cơ sở."), status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _refused(request, error: InputError) -> None:
    messages.error(request, error.localized)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))


# -- overview -------------------------------------------------------------------------------------------------


@require_GET
@radio_view
def home(request):
    stations = selectors.visible_stations(request.user)
    devices = selectors.visible_devices(request.user)
    figures = {
        "stations": stations.count(),
        "ip_stations": stations.filter(kind=Station.Kind.IP).count(),
        "old_fm": stations.filter(kind=Station.Kind.FM).exclude(conversion=Station.Conversion.DONE).count(),
        "off_plan": stations.filter(kind=Station.Kind.FM, in_frequency_plan=False).count(),
        "devices": devices.count(),
        "online": devices.filter(live__online=True).count(),
        "waiting": selectors.visible_bulletins(request.user).filter(state=Bulletin.State.DRAFT).count(),
        "active": EmergencyBroadcast.objects.filter(state=EmergencyBroadcast.State.ACTIVE).count(),
        "proposed": EmergencyBroadcast.objects.filter(state=EmergencyBroadcast.State.PROPOSED).count(),
    }
    communes = (selectors.visible_communes(request.user).filter(radio_devices__isnull=False)
                .annotate(units=Count("radio_devices", distinct=True),
                          online=Count("radio_devices", filter=Q(radio_devices__live__online=True), distinct=True))
                .order_by("code"))
    return render(request, "broadcast/home.html", {"figures": figures, "communes": _page(request, communes)})


# -- devices --------------------------------------------------------------------------------------------------


@require_GET
@radio_view
def commune(request, code: str):
    """A commune's units with their state now, and the history of their alarms."""
    place = get_object_or_404(selectors.visible_communes(request.user), code=code)
    devices = selectors.visible_devices(request.user).filter(commune=place).order_by("device_id")
    events = (DeviceEvent.objects.filter(device__commune=place).exclude(kind=DeviceEvent.Kind.PLAYED)
              .select_related("device").order_by("-at")[:100])
    return render(request, "broadcast/commune.html", {
        "commune": place, "devices": _page(request, devices), "events": events,
        "stations": selectors.visible_stations(request.user).filter(commune=place)})


@require_GET
@radio_view
def devices_geojson(request):
    """The units layer: colour by online / offline / playing."""
    rows = selectors.visible_devices(request.user).filter(latitude__isnull=False).values_list(
        "pk", "device_id", "latitude", "longitude", "live__online", "live__playing", "commune__code")

    def status(online, playing):
        return "playing" if online and playing else ("online" if online else "offline")

    return geojson_response(
        point(lon, lat, id=pk, title=device_id, status=status(online, playing), commune=code,
              url=reverse("broadcast:commune", args=[code]))
        for pk, device_id, lat, lon, online, playing, code in rows)


def _devices_layer() -> Layer:
    return Layer("devices", gettext_lazy("Cụm thu phát"), reverse("broadcast:devices-geojson"), colour_by="status",
                 colours=ONLINE_COLOURS, legend={"online": gettext_lazy("Trực tuyến"),
                                                 "playing": gettext_lazy("Đang phát"),
                                                 "offline": gettext_lazy("Mất liên lạc")}, radius=5)


# -- bulletins ------------------------------------------------------------------------------------------------


class BulletinForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=Bulletin.Kind.choices)
    commune = forms.ModelChoiceField(label=gettext_lazy("Của xã (để trống: bản tin của tỉnh)"),
                                     queryset=Commune.objects.none(), required=False)
    text = forms.CharField(label=gettext_lazy("Nội dung văn bản (đọc tự động hoặc hiển thị)"),
                           widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=20000)
    audio = forms.FileField(label=gettext_lazy("Tệp âm thanh (MP3, WAV, OGG)"), required=False)
    image = forms.FileField(label=gettext_lazy("Ảnh cho bảng điện tử (PNG, JPEG)"), required=False)
    display_seconds = forms.IntegerField(label=gettext_lazy("Số giây hiển thị trên bảng điện tử"), required=False,
                                         min_value=services.DISPLAY_SECONDS[0], max_value=services.DISPLAY_SECONDS[1])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = selectors.visible_communes(user).order_by("code")


@require_http_methods(["GET", "POST"])
@radio_view
def bulletins(request):
    form = BulletinForm(request.POST or None, request.FILES or None, user=request.user)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    if request.method == "POST" and form.is_valid():
        upload, image = form.cleaned_data["audio"], form.cleaned_data["image"]
        try:
            services.create_bulletin(request.user, title=form.cleaned_data["title"], kind=form.cleaned_data["kind"],
                                     commune=form.cleaned_data["commune"], text=form.cleaned_data["text"],
                                     data=upload.read(services.audio.MAX_AUDIO_BYTES + 1) if upload else None,
                                     image=image.read(services.DISPLAY_IMAGE_MAX_BYTES + 1) if image else None,
                                     display_seconds=form.cleaned_data["display_seconds"])
        except InputError as error:
            _refused(request, error)
            status = error.status
        else:
            messages.success(request, _("Đã lưu bản tin, chờ duyệt."))
            return redirect("broadcast:bulletins")
    listed = selectors.visible_bulletins(request.user).select_related("commune", "author").order_by("-created_at")
    return render(request, "broadcast/bulletins.html", {"form": form, "bulletins": _page(request, listed),
                                                        "approver": selectors.may_approve(request.user)},
                  status=status)


@require_POST
@radio_view
def decide_bulletin(request, pk: int, decision: str):
    bulletin = get_object_or_404(selectors.visible_bulletins(request.user), pk=pk)
    try:
        services.decide_bulletin(request.user, bulletin, approve=decision == "duyet")
    except InputError as error:
        _refused(request, error)
    return redirect("broadcast:bulletins")


def _bulletin_file(request, pk: int, **has_file) -> Bulletin | HttpResponse:
    """The bulletin behind a file download: for a device (its credentials) once approved, or for a person who
    may see the bulletin; anyone else gets 401 (no credentials) or 404."""
    bulletin = Bulletin.objects.filter(pk=pk, **has_file).first()
    if bulletin is None:
        raise Http404
    if _device_from_header(request) is not None:
        if bulletin.state != Bulletin.State.APPROVED:
            raise Http404
    elif not request.user.is_authenticated:
        return HttpResponse(status=401, headers={"WWW-Authenticate": "Device"})
    elif not selectors.visible_bulletins(request.user).filter(pk=pk).exists():
        raise Http404
    return bulletin


def bulletin_audio(request, pk: int):
    """An approved bulletin's MP3, for a device (its credentials) or a person who may see the bulletin."""
    bulletin = _bulletin_file(request, pk, audio__gt="")
    if isinstance(bulletin, HttpResponse):
        return bulletin
    response = FileResponse(bulletin.audio.open("rb"), content_type="audio/mpeg")
    response["ETag"] = f'"{bulletin.sha256}"'
    return response


def bulletin_image(request, pk: int):
    """A display bulletin's image (PNG or JPEG), for a board (its credentials) or a person who may see it."""
    bulletin = _bulletin_file(request, pk, image__gt="")
    if isinstance(bulletin, HttpResponse):
        return bulletin
    response = FileResponse(bulletin.image.open("rb"), content_type=bulletin.image_type or "image/png")
    response["ETag"] = f'"{bulletin.sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _device_from_header(request) -> Device | None:
    """A device authenticates a download with ``Authorization: Device <device id>:<secret>``."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Device ") or ":" not in header:
        return None
    device_id, _sep, secret = header[7:].partition(":")
    unit = Device.objects.filter(device_id=device_id.strip()[:40]).exclude(state=Device.State.RETIRED).first()
    if unit is None or not hmac.compare_digest(unit.secret, secret.strip()):
        return None
    return unit


# -- schedules ------------------------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    bulletin = forms.ModelChoiceField(label=gettext_lazy("Bản tin"), queryset=Bulletin.objects.none())
    area = forms.ChoiceField(label=gettext_lazy("Phạm vi"), choices=Area.choices[:2])
    communes = forms.ModelMultipleChoiceField(label=gettext_lazy("Các xã"), queryset=Commune.objects.none(),
                                              required=False)
    starts_on = forms.DateField(label=gettext_lazy("Từ ngày (dd/mm/yyyy)"), input_formats=DATE_FORMATS)
    ends_on = forms.DateField(label=gettext_lazy("Đến ngày (dd/mm/yyyy)"), input_formats=DATE_FORMATS, required=False)
    at = forms.TimeField(label=gettext_lazy("Giờ phát (hh:mm)"), input_formats=["%H:%M"])
    recurrence = forms.ChoiceField(label=gettext_lazy("Lặp lại"), choices=Schedule.Recurrence.choices)
    accept_conflicts = forms.BooleanField(label=gettext_lazy("Vẫn lưu dù trùng giờ"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bulletin"].queryset = selectors.visible_bulletins(user).filter(
            state=Bulletin.State.APPROVED)
        self.fields["communes"].queryset = selectors.visible_communes(user).order_by("code")


@require_http_methods(["GET", "POST"])
@radio_view
def schedules(request):
    form = ScheduleForm(request.POST or None, user=request.user)
    conflicts = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = services.ScheduleDraft(bulletin=data["bulletin"], area=data["area"], starts_on=data["starts_on"],
                                       ends_on=data["ends_on"], at=data["at"], recurrence=data["recurrence"],
                                       communes=list(data["communes"]))
        try:
            services.save_schedule(request.user, draft, accept_conflicts=data["accept_conflicts"])
        except services.ScheduleConflicts as error:
            conflicts = error.conflicts
            _refused(request, error)
        except InputError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Đã lưu lịch phát, chờ duyệt."))
            return redirect("broadcast:schedules")
    listed = selectors.visible_schedules(request.user).select_related("commune").order_by("-starts_on", "at")
    return render(request, "broadcast/schedules.html", {
        "form": form, "schedules": _page(request, listed), "conflicts": conflicts,
        "approver": selectors.may_approve(request.user)})


@require_POST
@radio_view
def decide_schedule(request, pk: int, decision: str):
    schedule = get_object_or_404(selectors.visible_schedules(request.user), pk=pk)
    try:
        services.decide_schedule(request.user, schedule, approve=decision == "duyet")
    except InputError as error:
        _refused(request, error)
    return redirect("broadcast:schedules")


# -- emergency broadcasts -------------------------------------------------------------------------------------


class EmergencyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=200)
    message = forms.CharField(label=gettext_lazy("Nội dung (được đọc bằng tiếng Việt)"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    area = forms.ChoiceField(label=gettext_lazy("Phạm vi"),
                             choices=[c for c in Area.choices if c[0] in ("province", "communes", "polygon")])
    communes = forms.ModelMultipleChoiceField(label=gettext_lazy("Các xã"), queryset=Commune.objects.none(),
                                              required=False)
    polygon = forms.CharField(label=gettext_lazy("Vùng vẽ trên bản đồ (GeoJSON)"), required=False,
                              widget=forms.HiddenInput)
    repeats = forms.IntegerField(label=gettext_lazy("Số lần lặp"), min_value=1, max_value=50, initial=3)
    minutes = forms.IntegerField(label=gettext_lazy("Hết hạn sau (phút)"), min_value=1, max_value=1440, initial=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communes"].queryset = Commune.objects.filter(radio_devices__isnull=False).distinct()

    def clean_polygon(self):
        text = self.cleaned_data["polygon"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Vùng vẽ không hợp lệ.")) from None


class CapUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp cảnh báo CAP 1.2 (XML)"))


@require_http_methods(["GET", "POST"])
@radio_view
def emergencies(request):
    form = EmergencyForm(request.POST or None)
    allowed = selectors.may_start_emergency(request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            emergency = services.propose_emergency(
                request.user, title=data["title"], message=data["message"], area=data["area"],
                communes=data["communes"], polygon=data["polygon"], repeats=data["repeats"], minutes=data["minutes"])
        except InputError as error:
            _refused(request, error)
        else:
            return redirect("broadcast:emergency", pk=emergency.pk)
    view = MapView("emergency-map", [_devices_layer()], refresh_seconds=15, label=_("Bản đồ cụm thu phát"),
                   draw=DrawTool("polygon", _("Vẽ vùng phát khẩn cấp")) if allowed else None)
    listed = selectors.visible_emergencies(request.user).order_by("-proposed_at", "-pk")
    return render(request, "broadcast/emergencies.html", {
        "form": form, "cap_form": CapUploadForm(), "map": view, "allowed": allowed,
        "emergencies": _page(request, listed)})


@require_POST
@radio_view
def cap_upload(request):
    form = CapUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            _alert, emergency = services.receive_cap(form.cleaned_data["file"].read(1024 * 1024 + 1),
                                                     user=request.user)
        except InputError as error:
            _refused(request, error)
        else:
            if emergency is not None:
                return redirect("broadcast:emergency", pk=emergency.pk)
            messages.info(request, _("Đã lưu cảnh báo; vùng cảnh báo không có xã nào có cụm thu phát."))
    return redirect("broadcast:emergencies")


@require_GET
@radio_view
def emergency(request, pk: int):
    found = get_object_or_404(selectors.visible_emergencies(request.user), pk=pk)
    return render(request, "broadcast/emergency.html", {
        "emergency": found, "progress": services.emergency_progress(found),
        "allowed": selectors.may_start_emergency(request.user),
        "communes": found.communes.all(), "map": MapView("emergency-live", [_devices_layer()], refresh_seconds=5)})


@require_GET
@radio_view
def emergency_progress(request, pk: int):
    found = get_object_or_404(selectors.visible_emergencies(request.user), pk=pk)
    return JsonResponse({**services.emergency_progress(found), "state_label": found.get_state_display()})


@require_POST
@radio_view
def emergency_action(request, pk: int, action: str):
    found = get_object_or_404(selectors.visible_emergencies(request.user), pk=pk)
    try:
        if action == "xac-nhan":
            services.confirm_emergency(request.user, found)
        elif action == "ket-thuc":
            services.end_emergency(request.user, found)
        else:
            raise Http404
    except InputError as error:
        _refused(request, error)
    return redirect("broadcast:emergency", pk=pk)


# -- live broadcasts ------------------------------------------------------------------------------------------


class LiveForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=200)
    source_url = forms.CharField(label=gettext_lazy("Địa chỉ luồng âm thanh (http:// hoặc https://)"),
                                 max_length=500, required=False)
    area = forms.ChoiceField(label=gettext_lazy("Phạm vi"), choices=Area.choices[:4])
    communes = forms.ModelMultipleChoiceField(label=gettext_lazy("Các xã"), queryset=Commune.objects.none(),
                                              required=False)
    villages = forms.ModelMultipleChoiceField(label=gettext_lazy("Các thôn, bản"), queryset=Village.objects.none(),
                                              required=False)
    devices = forms.ModelMultipleChoiceField(label=gettext_lazy("Các cụm thu phát"), queryset=Device.objects.none(),
                                             required=False)
    minutes = forms.IntegerField(label=gettext_lazy("Hết hạn sau (phút)"), min_value=live_sessions.LIVE_MINUTES[0],
                                 max_value=live_sessions.LIVE_MINUTES[1], initial=60)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        communes = selectors.visible_communes(user)
        self.fields["communes"].queryset = communes.filter(radio_devices__isnull=False).distinct().order_by("code")
        self.fields["villages"].queryset = (Village.objects.filter(commune__in=communes, radio_devices__isnull=False)
                                            .distinct().order_by("commune__code", "name"))
        self.fields["devices"].queryset = selectors.visible_devices(user).filter(
            kind=Device.Kind.RECEIVER, state=Device.State.ACTIVE).order_by("device_id")


def _start_live(request, form: LiveForm, source: str):
    """Start a live broadcast from a valid form: the session's page, or the refusal (status) on the form."""
    data = form.cleaned_data
    try:
        session = live_sessions.start_live(request.user, title=data["title"], area=data["area"],
                                      communes=data["communes"], villages=data["villages"], devices=data["devices"],
                                      source_url=data.get("source_url", ""), minutes=data["minutes"], source=source)
    except InputError as error:
        _refused(request, error)
        return None, error.status
    return session, 200


@require_http_methods(["GET", "POST"])
@radio_view
def live_broadcasts(request):
    """Live broadcasts: relay a stream to an area now, and the sessions in the user's scope."""
    listed = selectors.visible_live(request.user).order_by("-started_at", "-pk")
    return _live_start(request, LiveForm, LiveBroadcast.Source.RELAY, "broadcast/live_list.html",
                       sessions=lambda: _page(request, listed))


def _live_start(request, form_class, source: str, template: str, **extra):
    """The page that starts a live broadcast of ``source``: the form, then the session's page; without a live
    server, the reason. ``extra``: more of the page's context, each computed only when the page is shown."""
    form = form_class(request.POST or None, user=request.user)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    if request.method == "POST" and form.is_valid():
        session, status = _start_live(request, form, source)
        if session is not None:
            return redirect("broadcast:live", pk=session.pk)
    ready, reason, reason_en = live.available()
    return render(request, template, {
        "form": form, "allowed": selectors.may_broadcast_live(request.user), "ready": ready,
        "unavailable": reason_en if (translation.get_language() or "").startswith("en") else reason,
        **{name: compute() for name, compute in extra.items()}}, status=status)


class MicrophoneForm(LiveForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["source_url"]


@require_http_methods(["GET", "POST"])
@radio_view
def live_microphone(request):
    """Live broadcast from the operator's microphone: the area and title here; the session's page records."""
    return _live_start(request, MicrophoneForm, LiveBroadcast.Source.MICROPHONE, "broadcast/live_microphone.html")


@require_GET
@radio_view
def live_session(request, pk: int):
    session = get_object_or_404(selectors.visible_live(request.user), pk=pk)
    active = session.is_live()
    return render(request, "broadcast/live.html", {
        "session": session, "progress": live_sessions.live_progress(session),
        "allowed": selectors.may_broadcast_live(request.user), "communes": session.communes.all(),
        "stream": live.public_url(session.mount) if active else "",
        "recording": active and session.source == LiveBroadcast.Source.MICROPHONE
        and session.started_by_id == request.user.pk})


@require_GET
@radio_view
def live_clock(request):
    """The server's clock in milliseconds: the microphone page measures its offset from it."""
    import time

    return JsonResponse({"now": round(time.time() * 1000)}, headers={"Cache-Control": "no-store"})


@require_POST
@radio_view
def live_chunk(request, pk: int):
    """A piece of the microphone (the raw body, Opus in WebM) with ``X-Chunk-Seq`` and ``X-Captured-At`` (ms,
    the server's clock): 204, or the refusal in the user's language."""
    session = get_object_or_404(selectors.visible_live(request.user), pk=pk)
    try:
        seq = int(request.headers.get("X-Chunk-Seq", ""))
        captured_at = int(request.headers.get("X-Captured-At", "")) / 1000
    except ValueError:
        return JsonResponse({"error": _("Số thứ tự hoặc thời điểm thu của đoạn âm thanh không hợp lệ.")}, status=400)
    data = request.read(live_sessions.LIVE_CHUNK_MAX_BYTES + 1)
    try:
        live_sessions.take_chunk(request.user, session, seq=seq, captured_at=captured_at, data=data)
    except InputError as error:
        return JsonResponse({"error": error.localized}, status=error.status)
    return HttpResponse(status=204)


@require_GET
@radio_view
def live_progress(request, pk: int):
    session = get_object_or_404(selectors.visible_live(request.user), pk=pk)
    progress = live_sessions.live_progress(session)
    for key in ("delay_median_ms", "delay_max_ms", "delay_worst_ms"):
        progress[key] = "—" if progress[key] is None else progress[key]
    return JsonResponse({**progress, "state_label": session.get_state_display()})


@require_POST
@radio_view
def live_end(request, pk: int):
    session = get_object_or_404(selectors.visible_live(request.user), pk=pk)
    try:
        live_sessions.end_live(request.user, session)
    except InputError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Đã kết thúc phát trực tiếp; các cụm thu phát trở lại lịch phát."))
    return redirect("broadcast:live", pk=pk)


# -- monthly report -------------------------------------------------------------------------------------------


@require_GET
@radio_view
def monthly_report(request):
    """The month's broadcasting per commune (``?thang=MM/YYYY``, this month by default) as XLSX or PDF."""
    from tinhso.broadcast import reports

    text = request.GET.get("thang", "")
    try:
        month = datetime.datetime.strptime(text, "%m/%Y").date() if text else timezone.localdate().replace(day=1)
    except ValueError:
        return HttpResponse(_("Tháng phải có dạng mm/yyyy."), status=400)
    if request.GET.get("dinh-dang") == "pdf":
        content, kind, suffix = reports.monthly_pdf(request.user, month), "application/pdf", "pdf"
    else:
        content, suffix = reports.monthly_xlsx(request.user, month), "xlsx"
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="truyen-thanh-{month:%Y-%m}.{suffix}"'
    return response


# -- CAP out --------------------------------------------------------------------------------------------------


@require_GET
def cap_feed(request):
    """The province's alerts as an Atom feed of CAP 1.2 messages (public, as alert feeds are)."""
    alerts = CapAlert.objects.filter(direction=CapAlert.Direction.PUBLISHED).order_by("-sent")[:50]
    base = request.build_absolute_uri("/")[:-1]
    updated = alerts[0].sent if alerts else timezone.now()
    entries = "".join(
        f"<entry><id>{base}{reverse('broadcast:cap-alert', args=[a.pk])}</id><title>{_xml(a.headline)}</title>"
        f"<updated>{a.sent.isoformat()}</updated><summary>{_xml(a.description[:500])}</summary>"
        f'<link rel="alternate" type="application/cap+xml" href="{base}{reverse("broadcast:cap-alert", args=[a.pk])}"/>'
        f"</entry>" for a in alerts)
    body = ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>{base}{reverse('broadcast:cap-feed')}</id><title>{_xml(_('Cảnh báo của tỉnh (CAP 1.2)'))}</title>"
            f"<updated>{updated.isoformat()}</updated>{entries}</feed>")
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_GET
def cap_alert(request, pk: int):
    alert = get_object_or_404(CapAlert, pk=pk, direction=CapAlert.Direction.PUBLISHED)
    return HttpResponse(alert.xml, content_type="application/cap+xml; charset=utf-8")


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text))



