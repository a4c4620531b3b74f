"""The operations room's pages under /dieu-hanh/: the wall (full screen, rotating panels, live numbers and
alerts), its data endpoint, the kiosk sign-in of a wall device, the layouts and devices, the province map's
own layers and commune panel, and the alerts with their rules.

Thin views: reads from ``wall``, ``alerts`` and ``selectors`` within :func:`selectors.ioc_scope`; writes
through the services of ``alerts`` and ``wall``. A wall device reads and never writes.
"""

from __future__ import annotations

import json
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.common import ratelimit
from tinhso.common.inputs import parse_id
from tinhso.common.maps import Layer, MapView, cached_layer, point_collection, registered_layers
from tinhso.directory.models import Role
from tinhso.directory.selectors import roles_held
from tinhso.geo.models import Commune, CommuneBoundary
from tinhso.ioc import alerts, selectors, wall
from tinhso.ioc.models import AlertRule, AlertState, Indicator, RunningDossier, WallDevice, WallLayout
from tinhso.ioc.periods import YEAR, Period

ALERTS_PAGE_SIZE = 25
# Guessing wall tokens: 20 tries in 5 minutes from one address.
KIOSK_LIMIT = ratelimit.Limit("ioc-kiosk", 20, 300)


def is_wall_device(user) -> bool:
    try:
        return user.is_authenticated and user.wall_device is not None
    except WallDevice.DoesNotExist:
        return False


def room_view(view):
    """Sign-in first; then only those with an operations-centre scope (a wall device has the viewers')."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        scope = selectors.ioc_scope(request.user)
        if scope is None:
            raise PermissionDenied(gettext("Bạn không có quyền xem trung tâm giám sát, điều hành."))
        return view(request, scope, *args, **kwargs)

    return wrapper


def officer_view(view):
    """A duty officer's action: a person with an operations-centre scope, never a wall device."""

    @wraps(view)
    @room_view
    def wrapper(request, scope, *args, **kwargs):
        if is_wall_device(request.user):
            raise PermissionDenied(gettext("Màn hình tường chỉ được xem, không được thao tác."))
        return view(request, scope, *args, **kwargs)

    return wrapper


def configures_room(user) -> bool:
    """Who edits the rules, layouts and devices: platform administrators and the operations centre's viewers
    (the duty officers), never a wall device."""
    if is_wall_device(user):
        return False
    return user.is_superuser or bool(roles_held(user) & {Role.PLATFORM_ADMIN, Role.OPERATIONS_VIEWER})


def _layout(request) -> WallLayout:
    device = getattr(request.user, "wall_device", None) if is_wall_device(request.user) else None
    wanted = request.GET.get("bo-cuc")
    if wanted:
        try:
            return get_object_or_404(WallLayout, pk=parse_id(wanted, "bo-cuc"))
        except ValueError:
            pass
    if device is not None:
        return device.layout
    wall.seed_default_layout()
    return WallLayout.objects.order_by("pk").first()


# -- the wall ---------------------------------------------------------------------------------------------


@require_GET
@room_view
def wall_page(request, scope):
    layout = _layout(request)
    panels = layout.panels or wall.default_panels()
    map_layers = []
    for panel in panels:
        if panel["kind"] == "map":
            wanted = set(panel["layers"])
            map_layers = [layer for layer in province_layers() if not wanted or layer.key in wanted]
            break
    map_view = MapView("wall-map", map_layers, refresh_seconds=60, label=gettext("Bản đồ toàn tỉnh")) \
        if map_layers else None
    data = wall.kept_wall_data(scope, layout)[0]
    config = {
        "data_url": f"{reverse('ioc:wall-data')}?bo-cuc={layout.pk}", "poll": wall.POLL_SECONDS,
        "panels": [{"kind": p["kind"], "seconds": p["seconds"]} for p in panels],
        "initial": data, "read_at": timezone.localtime().strftime("%d/%m/%Y %H:%M:%S"),
        "texts": {"live": gettext("Trực tuyến"), "offline": gettext("Mất kết nối — đang hiển thị số liệu lúc"),
                  "updated": gettext("Cập nhật lúc"), "target": gettext("Chỉ tiêu"),
                  "no_alerts": gettext("Không có cảnh báo cần xử lý."), "close": gettext("Đóng"),
                  "signed_out": gettext("Màn hình đã bị đăng xuất: cần đăng nhập lại bằng mã màn hình."),
                  "panel": gettext("Khung hình")},
    }
    return render(request, "ioc/wall.html", {
        "layout": layout, "panels": panels, "map": map_view, "config": config, "data": data,
        "device": is_wall_device(request.user), "layouts": WallLayout.objects.all() if not is_wall_device(
            request.user) else [],
    })


@require_GET
@room_view
def wall_data(request, scope):
    """The wall's numbers and alerts as JSON, with an ETag: ``304`` while nothing changed."""
    layout = _layout(request)
    _data, etag, body = wall.kept_wall_data(scope, layout)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        # The kept JSON with the moment of this answer put in front (the payload itself is shared).
        read_at = json.dumps(timezone.localtime().strftime("%d/%m/%Y %H:%M:%S"))
        body = '{"read_at": ' + read_at + (", " + body[1:] if body != "{}" else "}")
        response = HttpResponse(body.encode(), content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    if is_wall_device(request.user):
        WallDevice.objects.filter(pk=request.user.wall_device.pk).update(last_seen_at=timezone.now())
    return response


@require_GET
def kiosk(request):
    """A wall device signs in with its token (``?ma=``) and is sent to its wall; the token leaves the address."""
    if not ratelimit.hit(KIOSK_LIMIT, ratelimit.client_address(request)):
        return render(request, "ioc/error.html", {"message": gettext(
            "Thử mã màn hình quá nhiều lần; hãy chờ vài phút.")}, status=429)
    device = wall.device_for_token(request.GET.get("ma", "").strip())
    if device is None or not device.user.is_active:
        return render(request, "ioc/error.html", {"message": gettext(
            "Mã màn hình không đúng hoặc đã bị thu hồi.")}, status=403)
    login(request, device.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    # A wall stays signed in for a year: it survives restarts of the server and of the display.
    request.session.set_expiry(365 * 24 * 3600)
    return redirect(f"{reverse('ioc:wall')}?bo-cuc={device.layout_id}")


# -- layouts and devices -----------------------------------------------------------------------------------


class LayoutForm(forms.Form):
    room = forms.CharField(label=_("Phòng"), max_length=100)
    name = forms.CharField(label=_("Tên bố cục"), max_length=100)
    panels = forms.CharField(label=_("Các khung hình (JSON)"), widget=forms.Textarea(attrs={"rows": 8}),
                             help_text=_("Danh sách khung: loại numbers, map hoặc alerts; chỉ số và lớp bản đồ "
                                         "(để trống: tất cả); số giây hiển thị."))

    def clean_panels(self):
        try:
            return wall.clean_panels(json.loads(self.cleaned_data["panels"]))
        except json.JSONDecodeError as error:
            raise forms.ValidationError(gettext("Khung hình không đúng định dạng JSON.")) from error
        except wall.LayoutError as error:
            raise forms.ValidationError(str(error)) from error


@require_http_methods(["GET", "POST"])
@officer_view
def layouts(request, scope):
    if not configures_room(request.user):
        raise PermissionDenied(gettext("Chỉ cán bộ trực trung tâm điều hành được cấu hình phòng."))
    editing = None
    if request.GET.get("sua"):
        editing = get_object_or_404(WallLayout, pk=parse_id(request.GET["sua"], "sua"))
    issued = None
    if request.method == "POST" and request.POST.get("action") == "device":
        layout = get_object_or_404(WallLayout, pk=parse_id(request.POST.get("layout"), "layout"))
        try:
            device, raw = wall.issue_device(name=request.POST.get("name", ""), layout=layout,
                                            created_by=request.user)
        except wall.LayoutError as error:
            messages.error(request, str(error))
            return redirect("ioc:layouts")
        issued = {"device": device, "url": request.build_absolute_uri(f"{reverse('ioc:kiosk')}?ma={raw}")}
        form = LayoutForm(initial=_initial(editing))
    elif request.method == "POST" and request.POST.get("action") == "revoke":
        device = get_object_or_404(WallDevice, pk=parse_id(request.POST.get("device"), "device"))
        wall.revoke_device(device)
        messages.success(request, gettext("Đã thu hồi mã của màn hình %(name)s.") % {"name": device.name})
        return redirect("ioc:layouts")
    elif request.method == "POST":
        form = LayoutForm(request.POST)
        if form.is_valid():
            try:
                saved = wall.save_layout(room=form.cleaned_data["room"], name=form.cleaned_data["name"],
                                         panels=form.cleaned_data["panels"], layout=editing)
            except wall.LayoutError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, gettext("Đã lưu bố cục %(name)s.") % {"name": str(saved)})
                return redirect("ioc:layouts")
        status = 400
        return render(request, "ioc/layouts.html", _layouts_context(form, editing, issued), status=status)
    else:
        form = LayoutForm(initial=_initial(editing))
    return render(request, "ioc/layouts.html", _layouts_context(form, editing, issued))


def _initial(layout: WallLayout | None) -> dict:
    if layout is None:
        return {"panels": json.dumps(wall.default_panels(), ensure_ascii=False)}
    return {"room": layout.room, "name": layout.name, "panels": json.dumps(layout.panels, ensure_ascii=False)}


def _layouts_context(form, editing, issued) -> dict:
    return {"form": form, "editing": editing, "issued": issued,
            "layouts": WallLayout.objects.prefetch_related("devices"),
            "devices": WallDevice.objects.select_related("layout").order_by("-created_at")[:100],
            "layers": registered_layers()}


# -- the province map: the centre's own layers and the commune panel ---------------------------------------


def _commune_points(scope, counts: dict[str, int]):
    """(longitude, latitude, properties) at the middle of each commune's imported boundary."""
    boxes = CommuneBoundary.objects.filter(commune__code__in=[c for c in counts if c]).values_list(
        "commune_id", "commune__code", "commune__name", "min_longitude", "min_latitude", "max_longitude",
        "max_latitude")
    panel = reverse("ioc:commune", args=["00000"]).replace("00000", "{code}")
    for _pk, code, name, x0, y0, x1, y1 in boxes:
        yield ((x0 + x1) / 2, (y0 + y1) / 2,
               {"id": code, "title": f"{name}: {counts[code]}", "count": counts[code],
                "url": panel.replace("{code}", code)})


def _overdue_by_commune(scope) -> dict[str, int]:
    from django.db.models import Count

    rows = selectors.running_rows(scope).filter(due_at__lt=timezone.now()).exclude(commune_code="")
    return dict(rows.values_list("commune_code").annotate(n=Count("pk")).order_by())


@require_GET
@room_view
def overdue_geojson(request, scope):
    counts = _overdue_by_commune(scope)
    stamp = (RunningDossier.objects.count(), sum(counts.values()), len(counts))
    return cached_layer(request, ("ioc-overdue", scope, stamp, timezone.now().strftime("%Y%m%d%H%M")),
                        lambda: point_collection(_commune_points(scope, counts)))


def _complaints_by_commune(scope) -> dict[str, int]:
    from tinhso.ioc.indicators import FORMULAS

    period = Period.current(YEAR)
    query = selectors.reader_query(scope, period)
    rows = FORMULAS["complaints_on_time_rate"].reader.counts_by(query, "commune")
    return {code: counts.get("received", 0) for code, counts in rows.items() if code and counts.get("received")}


@require_GET
@room_view
def complaints_geojson(request, scope):
    counts = _complaints_by_commune(scope)
    return cached_layer(request, ("ioc-complaints", scope, tuple(sorted(counts.items()))),
                        lambda: point_collection(_commune_points(scope, counts)))


def overdue_layer() -> Layer:
    return Layer("ioc-overdue", _("Hồ sơ đang quá hạn theo xã, phường"), reverse("ioc:overdue-geojson"),
                 colour="#cf222e", radius=9,
                 table_url=f"{reverse('ioc:indicator', args=['ho-so-qua-han'])}?theo=commune")


def complaints_layer() -> Layer:
    return Layer("ioc-complaints", _("Phản ánh, kiến nghị theo xã, phường"), reverse("ioc:complaints-geojson"),
                 colour="#b58900", radius=7,
                 table_url=f"{reverse('ioc:indicator', args=['phan-anh-dung-han'])}?theo=commune")


def province_layers() -> list[Layer]:
    """The map's layers: every layer registered with the map component (the centre's own register first)."""
    return registered_layers()


@require_GET
@room_view
def commune_panel(request, scope, code):
    """A commune's numbers this year with the links to the dossiers behind them."""
    commune = get_object_or_404(Commune, code=code)
    period = Period.current(YEAR)
    filters = selectors.Filters(commune=commune.code)
    codes = ["ho-so-tiep-nhan", "ho-so-da-giai-quyet", "ty-le-dung-han", "ho-so-qua-han", "ty-le-truc-tuyen",
             "phan-anh-dung-han"]
    rows = []
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=codes, active=True)}
    indicators = [by_code[c] for c in codes if c in by_code]
    for a in selectors.overview(scope, period, indicators=indicators, filters=filters):
        drill = a.formula.drill if a.formula is not None else None
        link = f"{reverse('ioc:indicator', args=[a.indicator.code])}?ky={period.key}&xa={commune.code}"
        rows.append({"name": a.indicator.display_name, "value": wall._number(a.value, a.indicator),
                     "unit": a.indicator.unit, "status_label": a.status_label, "status": a.status,
                     "link": link, "dossiers": f"{reverse('ioc:dossiers', args=[drill])}?ky={period.key}"
                                               f"&xa={commune.code}" if drill else ""})
    template = "ioc/commune_panel.html" if request.GET.get("khung") else "ioc/commune_page.html"
    return render(request, template, {"commune": commune, "rows": rows, "period": period})


# -- alerts -----------------------------------------------------------------------------------------------


STATE_FILTERS = {"mo": [AlertState.OPEN, AlertState.ACKNOWLEDGED], "dong": [AlertState.CLOSED], "tat-ca": None}


@require_GET
@room_view
def alert_list(request, scope):
    state = request.GET.get("trang-thai", "mo")
    if state not in STATE_FILTERS:
        state = "mo"
    rows = alerts.visible_alerts(scope).select_related("acknowledged_by", "closed_by", "agency")
    if STATE_FILTERS[state]:
        rows = rows.filter(state__in=STATE_FILTERS[state])
    page = Paginator(rows.order_by("-raised_at", "-pk"), ALERTS_PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "ioc/alerts.html", {
        "page_obj": page, "state": state, "states": [("mo", gettext("Chưa đóng")), ("dong", gettext("Đã đóng")),
                                                     ("tat-ca", gettext("Tất cả"))],
        "can_handle": not is_wall_device(request.user), "configures": configures_room(request.user),
        "note_max": alerts.ALERT_NOTE_MAX, "page_query": f"trang-thai={state}",
    })


def _handle(request, scope, pk, action):
    try:
        if action == "acknowledge":
            alert = alerts.acknowledge(pk, user=request.user, scope=scope, note=request.POST.get("note", ""))
            messages.success(request, gettext("Đã nhận xử lý cảnh báo: %(title)s") % {"title": alert.title})
        else:
            alert = alerts.close(pk, user=request.user, scope=scope, note=request.POST.get("note", ""))
            messages.success(request, gettext("Đã đóng cảnh báo: %(title)s") % {"title": alert.title})
    except alerts.AlertError as error:
        return render(request, "ioc/error.html", {"message": error.message}, status=400)
    return redirect(f"{reverse('ioc:alerts')}")


@require_POST
@officer_view
def alert_acknowledge(request, scope, pk):
    return _handle(request, scope, pk, "acknowledge")


@require_POST
@officer_view
def alert_close(request, scope, pk):
    return _handle(request, scope, pk, "close")


class RuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["code", "name", "kind", "indicator", "granularity", "limit", "event_kind", "severity", "active"]


@require_http_methods(["GET", "POST"])
@officer_view
def rules(request, scope):
    if not configures_room(request.user):
        raise PermissionDenied(gettext("Chỉ cán bộ trực trung tâm điều hành được sửa quy tắc cảnh báo."))
    rule = None
    if request.GET.get("sua"):
        rule = get_object_or_404(AlertRule, pk=parse_id(request.GET["sua"], "sua"))
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if form.is_valid():
            saved = form.save()
            messages.success(request, gettext("Đã lưu quy tắc %(name)s.") % {"name": saved.name})
            return redirect("ioc:rules")
        return render(request, "ioc/rules.html", {"form": form, "rule": rule, "rules": AlertRule.objects.select_related(
            "indicator")}, status=400)
    return render(request, "ioc/rules.html", {"form": form, "rule": rule,
                                              "rules": AlertRule.objects.select_related("indicator")})

