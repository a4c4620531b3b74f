"""The operations room's wall: named layouts of rotating panels per room, the wall's data (headline numbers
against target with their trend, the alerts still to handle), and the wall devices signed in with a
read-only token.

The wall reads the same selectors as the overview page (one ``overview`` over the layout's indicators, one
``monthly_trends`` query for the sparklines), so a number on the wall is the number on the desk. Its data
endpoint answers with an ETag over the content: a wall polling every few seconds gets ``304`` while nothing
changed, and the new numbers within one polling interval of the event that changed them.

A layout's ``numbers`` panel with no indicators listed shows the headline: the one-stop rates and every
*live* indicator a module registered (overdue tasks, stations down, radio units offline…), so a module's
numbers join the wall when the module lands. A ``map`` panel with no layers listed shows every layer
registered with the map component (:func:`tinhso.common.maps.registered_layers`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from tinhso.common import indicators as module_registry
from tinhso.directory.models import Agency, Membership, Role
from tinhso.ioc import alerts, freshness, selectors
from tinhso.ioc.models import AlertState, Indicator, WallDevice, WallLayout
from tinhso.ioc.periods import YEAR, Period

DEFAULT_ROOM = "Phòng điều hành"
DEFAULT_LAYOUT = "Mặc định"
# The headline numbers of the issue, as their modules land; live module indicators join them.
HEADLINE = ["ty-le-dung-han", "ty-le-truc-tuyen", "hai-long-giai-quyet-tthc", "ho-so-qua-han",
            "ty-le-thon-ban-bang-rong", "tram-mat-lien-lac"]
PANEL_KINDS = ("numbers", "map", "alerts")
MIN_SECONDS, MAX_SECONDS = 5, 600
MAX_PANELS = 12
POLL_SECONDS = 5


class LayoutError(ValueError):
    pass


def default_panels() -> list[dict]:
    return [
        {"kind": "numbers", "indicators": [], "layers": [], "seconds": 30},
        {"kind": "map", "indicators": [], "layers": [], "seconds": 30},
        {"kind": "alerts", "indicators": [], "layers": [], "seconds": 20},
    ]


def seed_default_layout() -> bool:
    """The default room and layout, once (an officer's edits are kept)."""
    if WallLayout.objects.exists():
        return False
    WallLayout.objects.create(room=DEFAULT_ROOM, name=DEFAULT_LAYOUT, panels=default_panels())
    return True


def clean_panels(panels) -> list[dict]:
    """The panels of a layout as an officer sent them, checked: kinds known, indicators and layers that exist,
    seconds within bounds. Raises :class:`LayoutError` with a message to show."""
    from tinhso.common.maps import registered_layers

    if not isinstance(panels, list) or not panels:
        raise LayoutError(gettext("Bố cục phải có ít nhất một khung hình."))
    if len(panels) > MAX_PANELS:
        raise LayoutError(gettext("Bố cục có tối đa %(max)d khung hình.") % {"max": MAX_PANELS})
    codes = set(Indicator.objects.filter(active=True).values_list("code", flat=True))
    layers = {layer.key for layer in registered_layers()}
    cleaned = []
    for number, panel in enumerate(panels, start=1):
        if not isinstance(panel, dict) or panel.get("kind") not in PANEL_KINDS:
            raise LayoutError(gettext("Khung hình %(n)d: loại khung không hợp lệ.") % {"n": number})
        indicators = [str(c) for c in panel.get("indicators") or []]
        if unknown := [c for c in indicators if c not in codes]:
            raise LayoutError(gettext("Khung hình %(n)d: không có chỉ số %(codes)s.") % {
                "n": number, "codes": ", ".join(unknown)})
        chosen_layers = [str(k) for k in panel.get("layers") or []]
        if unknown := [k for k in chosen_layers if k not in layers]:
            raise LayoutError(gettext("Khung hình %(n)d: không có lớp bản đồ %(keys)s.") % {
                "n": number, "keys": ", ".join(unknown)})
        try:
            seconds = int(panel.get("seconds", 30))
        except (TypeError, ValueError):
            seconds = 0
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise LayoutError(gettext("Khung hình %(n)d: thời gian hiển thị từ %(min)d đến %(max)d giây.") % {
                "n": number, "min": MIN_SECONDS, "max": MAX_SECONDS})
        cleaned.append({"kind": panel["kind"], "indicators": indicators, "layers": chosen_layers,
                        "seconds": seconds})
    return cleaned


@transaction.atomic
def save_layout(*, room: str, name: str, panels, layout: WallLayout | None = None) -> WallLayout:
    room, name = (room or "").strip(), (name or "").strip()
    if not room or not name or len(room) > 100 or len(name) > 100:
        raise LayoutError(gettext("Hãy nhập tên phòng và tên bố cục (tối đa 100 ký tự)."))
    cleaned = clean_panels(panels)
    clash = WallLayout.objects.filter(room=room, name=name)
    if layout is not None:
        clash = clash.exclude(pk=layout.pk)
    if clash.exists():
        raise LayoutError(gettext("Phòng này đã có bố cục cùng tên."))
    layout = layout or WallLayout()
    layout.room, layout.name, layout.panels = room, name, cleaned
    layout.save()
    return layout


def headline_codes(panels: list[dict]) -> list[str]:
    """Every indicator the layout's number panels show, in order (the headline where a panel lists none)."""
    live = [i.code for i in module_registry.registered() if i.live]
    codes: list[str] = []
    for panel in panels:
        if panel["kind"] != "numbers":
            continue
        for code in panel["indicators"] or [*HEADLINE, *live]:
            if code not in codes:
                codes.append(code)
    return codes


# -- the wall's data -----------------------------------------------------------------------------------------


def _number(value, indicator: Indicator) -> str:
    """A value as read across a room: whole counts without decimals, rates with at most one, Vietnamese
    separators (a space between thousands, a comma before decimals)."""
    if value is None:
        return "—"
    places = min(indicator.decimals, 1)
    if indicator.unit != "%" and value == value.to_integral_value():
        places = 0
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",")


def _trend(a) -> tuple[str, str]:
    if a.value is None or a.previous is None:
        return "", ""
    if a.value == a.previous:
        return "flat", gettext("Không đổi so với kỳ trước")
    up = a.value > a.previous
    return ("up" if up else "down"), (gettext("Tăng so với kỳ trước") if up else gettext("Giảm so với kỳ trước"))


def numbers(scope, codes: list[str], period: Period, at: datetime.datetime | None = None) -> list[dict]:
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=codes, active=True)}
    indicators = [by_code[c] for c in codes if c in by_code]
    if not indicators:
        return []
    assessments = selectors.overview(scope, period, indicators=indicators, at=at)
    trends = selectors.monthly_trends(scope, Period(period.year), indicators)
    rows = []
    for a in assessments:
        indicator = a.indicator
        trend, trend_label = _trend(a)
        rows.append({
            "code": indicator.code, "name": indicator.display_name, "unit": indicator.unit,
            "value": None if a.value is None else float(a.value), "value_text": _number(a.value, indicator),
            "target_text": _number(a.target, indicator) if a.target is not None else "",
            "status": a.status, "status_label": a.status_label, "trend": trend, "trend_label": trend_label,
            "spark": (trends.get(indicator.code) or {}).get("values", []),
            "url": f"{reverse('ioc:indicator', args=[indicator.code])}?ky={period.key}",
        })
    return rows


def alert_rows(scope, limit: int = 12) -> list[dict]:
    rows = []
    for alert in alerts.current_alerts(scope, limit):
        rows.append({
            "id": alert.pk, "severity": alert.severity, "severity_label": alert.get_severity_display(),
            "title": alert.title, "rule": alert.rule.name, "link": alert.link,
            "state": alert.state, "state_label": alert.get_state_display(),
            "raised": date_format(timezone.localtime(alert.raised_at), "d/m/Y H:i"),
        })
    return rows


def wall_data(scope, layout: WallLayout, at: datetime.datetime | None = None) -> dict:
    """Everything the wall draws for ``layout`` within ``scope``, with the moment it was read."""
    at = at or timezone.now()
    period = Period.current(YEAR)
    panels = layout.panels or default_panels()
    return {
        "room": layout.room, "layout": layout.name, "period": period.label,
        "numbers": numbers(scope, headline_codes(panels), period, at),
        "alerts": alert_rows(scope),
        "open_alerts": alerts.visible_alerts(scope).filter(state=AlertState.OPEN).count(),
    }


def etag_of(data: dict) -> str:
    """The ETag of the wall's data: a hash of its content, so that unchanged numbers answer 304."""
    return '"' + hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'


def kept_wall_data(scope, layout: WallLayout) -> tuple[dict, str, str]:
    """The wall's data for ``layout`` within ``scope`` as kept at the current data version
    (:mod:`tinhso.ioc.freshness`): the data, its ETag and its JSON (``ensure_ascii`` off), computed once per
    version, scope, layout, period and language."""
    period = Period.current(YEAR)

    def build():
        data = wall_data(scope, layout)
        data["layout_version"] = layout.updated_at.isoformat()
        return data, etag_of(data), json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)

    parts = ("wall", scope.whole_province, tuple(sorted(scope.agency_ids)), layout.pk,
             layout.updated_at.isoformat(), period.key)
    return freshness.kept(parts, build)


# -- wall devices ----------------------------------------------------------------------------------------------


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_device(*, name: str, layout: WallLayout, created_by) -> tuple[WallDevice, str]:
    """A wall device with its own account holding only the operations-viewer role in the province's top
    agency, and the token that signs it in (shown once; only its hash is kept)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise LayoutError(gettext("Hãy đặt tên cho màn hình (tối đa 100 ký tự)."))
    top = Agency.objects.filter(parent__isnull=True).order_by("pk").first()
    if top is None:
        raise LayoutError(gettext("Chưa có cơ quan nào trong danh bạ để gắn màn hình."))
    raw = WallDevice.PREFIX + secrets.token_urlsafe(32)
    user = get_user_model().objects.create_user(username=f"man-hinh-{raw[7:19]}", first_name=name[:150])
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, agency=top, role=Role.OPERATIONS_VIEWER)
    device = WallDevice.objects.create(name=name, user=user, layout=layout, prefix=raw[:14],
                                       token_hash=token_hash(raw), created_by=created_by)
    return device, raw


def device_for_token(raw: str) -> WallDevice | None:
    if not raw or not raw.startswith(WallDevice.PREFIX) or len(raw) > 100:
        return None
    return WallDevice.objects.select_related("user", "layout").filter(
        token_hash=token_hash(raw), revoked_at__isnull=True).first()


@transaction.atomic
def revoke_device(device: WallDevice) -> None:
    """The device is signed out everywhere: its account is deactivated with the token."""
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    device.user.is_active = False
    device.user.save(update_fields=["is_active"])
