"""The operations room's alerts: rules kept as data (a threshold crossed, a count rising since yesterday, an
event a module published), the alerts they raise, and the duty officers' acknowledging and closing.

Indicator rules are evaluated by ``tinhso ioc alerts`` (``--every 60`` keeps it running; the task
:func:`tinhso.ioc.tasks.evaluate_alerts` does the same on the queue); event rules as the event arrives
(:mod:`tinhso.common.events`). Every alert is once-only for its rule and key, so evaluating again — in any
number of processes — never raises one twice. Raising, acknowledging and closing are each an entry on the
audit chain, with the officer's note.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from tinhso.common import audit
from tinhso.common.events import RoomEvent
from tinhso.ioc.models import (
    ALERT_NOTE_MAX,
    Alert,
    AlertRule,
    AlertState,
    Direction,
    Indicator,
    IndicatorReading,
    RuleKind,
    Severity,
)
from tinhso.ioc.periods import Period

READING_EVERY = datetime.timedelta(minutes=10)
READINGS_KEPT = datetime.timedelta(days=8)
RISE_WINDOW = datetime.timedelta(hours=24)


class AlertError(Exception):
    """A refused alert action, with the reason in the active language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the rules a province starts with -------------------------------------------------------------------------

# (code, name, kind, indicator code, granularity, limit, event kind, severity)
DEFAULT_RULES = [
    ("dung-han-duoi-chi-tieu", "Tỷ lệ giải quyết đúng hạn tháng này dưới chỉ tiêu", RuleKind.THRESHOLD,
     "ty-le-dung-han", "month", None, "", Severity.WARNING),
    ("qua-han-tang", "Hồ sơ đang quá hạn tăng từ 10 hồ sơ trở lên so với hôm qua", RuleKind.RISING,
     "ho-so-qua-han", "month", Decimal(10), "", Severity.WARNING),
    ("truc-tuyen-duoi-chi-tieu", "Tỷ lệ hồ sơ trực tuyến năm nay dưới chỉ tiêu", RuleKind.THRESHOLD,
     "ty-le-truc-tuyen", "year", None, "", Severity.INFO),
    ("tram-mat-lien-lac-tang", "Trạm BTS mất liên lạc tăng từ 5 trạm trở lên so với hôm qua", RuleKind.RISING,
     "tram-mat-lien-lac", "month", Decimal(5), "", Severity.WARNING),
    ("phat-thanh-khan-cap", "Bắt đầu phát bản tin khẩn cấp", RuleKind.EVENT, None, "month", None,
     "broadcast.emergency_started", Severity.CRITICAL),
    ("tram-mat-lien-lac", "Trạm BTS mất liên lạc", RuleKind.EVENT, None, "month", None,
     "telecom.station_down", Severity.WARNING),
    ("canh-bao-giam-sat", "Cảnh báo từ giám sát thông tin trên mạng", RuleKind.EVENT, None, "month", None,
     "media.monitoring_alert", Severity.WARNING),
]


def seed_default_rules() -> int:
    """Add the default rules not yet present (by code); a rule an officer edited or removed stays as it is
    once the rules exist. Rules on an indicator not in the registry yet wait for it."""
    if AlertRule.objects.exists() and not _missing_defaults():
        return 0
    indicators = dict(Indicator.objects.values_list("code", "pk"))
    known = set(AlertRule.objects.values_list("code", flat=True))
    created = 0
    for code, name, kind, indicator, granularity, limit, event_kind, severity in DEFAULT_RULES:
        if code in known or (indicator and indicator not in indicators):
            continue
        AlertRule.objects.create(code=code, name=name, kind=kind, indicator_id=indicators.get(indicator),
                                 granularity=granularity, limit=limit, event_kind=event_kind, severity=severity)
        created += 1
    return created


def _missing_defaults() -> bool:
    known = set(AlertRule.objects.values_list("code", flat=True))
    return any(code not in known for code, *_rest in DEFAULT_RULES)


# -- raising ------------------------------------------------------------------------------------------------


def _raise(rule: AlertRule, key: str, title: str, *, link: str = "", agency_id: int | None = None,
           value: Decimal | None = None, at: datetime.datetime | None = None) -> Alert | None:
    """Create the alert once for ``rule`` and ``key``, on the audit chain; None when it exists already."""
    if Alert.objects.filter(rule=rule, key=key).exists():
        return None
    alert = Alert(rule=rule, key=key[:200], severity=rule.severity, title=title[:300], link=link[:500],
                  agency_id=agency_id, value=value, raised_at=at or timezone.now())
    try:
        with transaction.atomic():
            alert.save()
            audit.record("create", alert, after=audit.snapshot(alert), actor=None,
                         summary=f"Cảnh báo ({rule.code}): {alert.title}"[:300])
    except IntegrityError:
        return None  # another process raised it first
    return alert


def _indicator_link(indicator: Indicator, period: Period) -> str:
    return f"{reverse('ioc:indicator', args=[indicator.code])}?ky={period.key}"


def _value_text(value: Decimal | None, indicator: Indicator) -> str:
    if value is None:
        return "—"
    text = f"{value:.{indicator.decimals}f}".replace(".", ",")
    return f"{text}{indicator.unit}" if indicator.unit == "%" else f"{text} {indicator.unit}"


def _read(indicators: list[Indicator], at: datetime.datetime, granularity: str) -> dict[int, object]:
    from tinhso.ioc import selectors

    period = Period.current(granularity)
    return {a.indicator.pk: a for a in selectors.overview(selectors.Scope(True), period, indicators=indicators,
                                                           at=at)}


@dataclass
class Evaluation:
    raised: list[Alert]
    readings: int


def evaluate(at: datetime.datetime | None = None) -> Evaluation:
    """Evaluate every active indicator rule once: raise what is due, keep a reading for the rises."""
    at = at or timezone.now()
    rules = list(AlertRule.objects.filter(active=True, kind__in=[RuleKind.THRESHOLD, RuleKind.RISING],
                                          indicator__isnull=False).select_related("indicator"))
    raised: list[Alert] = []
    by_granularity: dict[str, list[AlertRule]] = {}
    for rule in rules:
        by_granularity.setdefault(rule.granularity, []).append(rule)
    readings = 0
    for granularity, group in by_granularity.items():
        assessments = _read(list({r.indicator_id: r.indicator for r in group}.values()), at, granularity)
        for rule in group:
            assessment = assessments[rule.indicator_id]
            if rule.kind == RuleKind.THRESHOLD:
                alert = _threshold(rule, assessment, granularity, at)
            else:
                alert, kept = _rising(rule, assessment, granularity, at)
                readings += kept
            if alert is not None:
                raised.append(alert)
    IndicatorReading.objects.filter(taken_at__lt=at - READINGS_KEPT).delete()
    return Evaluation(raised, readings)


def _worse(indicator: Indicator, value: Decimal, limit: Decimal) -> bool:
    return value < limit if indicator.direction == Direction.HIGHER else value > limit


def _threshold(rule: AlertRule, assessment, granularity: str, at) -> Alert | None:
    indicator, value = rule.indicator, assessment.value
    limit = rule.limit if rule.limit is not None else assessment.target
    if value is None or limit is None or not _worse(indicator, value, limit):
        return None
    period = Period.current(granularity)
    title = gettext("%(indicator)s: %(value)s, ngưỡng %(limit)s (%(period)s)") % {
        "indicator": indicator.name, "value": _value_text(value, indicator),
        "limit": _value_text(limit, indicator), "period": period.label}
    return _raise(rule, f"{period.key}", title, link=_indicator_link(indicator, period), value=value, at=at)


def _rising(rule: AlertRule, assessment, granularity: str, at) -> tuple[Alert | None, int]:
    indicator, value = rule.indicator, assessment.value
    if value is None:
        return None, 0
    kept = 0
    last = IndicatorReading.objects.filter(indicator=indicator).order_by("-taken_at").values_list(
        "taken_at", flat=True).first()
    if last is None or at - last >= READING_EVERY:
        IndicatorReading.objects.create(indicator=indicator, taken_at=at, value=value)
        kept = 1
    before = IndicatorReading.objects.filter(indicator=indicator, taken_at__lte=at - RISE_WINDOW).order_by(
        "-taken_at").values_list("value", flat=True).first()
    if before is None:
        return None, kept
    change = value - before if indicator.direction == Direction.LOWER else before - value
    if change < rule.limit:
        return None, kept
    day = timezone.localtime(at).date()
    title = gettext("%(indicator)s: %(value)s, thay đổi %(change)s so với hôm qua") % {
        "indicator": indicator.name, "value": _value_text(value, indicator),
        "change": _value_text(change, indicator)}
    return _raise(rule, f"{day:%Y-%m-%d}", title, link=_indicator_link(indicator, Period.current(granularity)),
                  value=value, at=at), kept


def on_event(sender, event: RoomEvent, **kwargs) -> list[Alert]:
    """Raise an alert for each active event rule that listens to the event's kind."""
    raised = []
    for rule in AlertRule.objects.filter(active=True, kind=RuleKind.EVENT, event_kind=event.kind):
        alert = _raise(rule, event.key, event.title, link=event.url, agency_id=event.agency_id)
        if alert is not None:
            raised.append(alert)
    return raised


# -- reading and handling ---------------------------------------------------------------------------------


def visible_alerts(scope) -> QuerySet[Alert]:
    """The alerts a scope sees: every one for the whole province; an agency's for those who see the agency."""
    alerts = Alert.objects.select_related("rule")
    if scope.whole_province:
        return alerts
    return alerts.filter(agency_id__in=sorted(scope.agency_ids))


def current_alerts(scope, limit: int = 20) -> list[Alert]:
    """The alerts still to handle (open first, then acknowledged), most severe and newest first."""
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    alerts = list(visible_alerts(scope).filter(~Q(state=AlertState.CLOSED)).order_by("-raised_at", "-pk")[:200])
    alerts.sort(key=lambda a: (a.state != AlertState.OPEN, order.get(a.severity, 3), -a.raised_at.timestamp()))
    return alerts[:limit]


def _clean_note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise AlertError(gettext("Hãy ghi chú cách đã xử lý trước khi đóng cảnh báo."))
    if len(note) > ALERT_NOTE_MAX:
        raise AlertError(gettext("Ghi chú dài tối đa %(max)d ký tự.") % {"max": ALERT_NOTE_MAX})
    return note


def _handled(scope, alert_id: int) -> Alert:
    alert = visible_alerts(scope).select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise AlertError(gettext("Không có cảnh báo này trong phạm vi bạn được xem."))
    return alert


@transaction.atomic
def acknowledge(alert_id: int, *, user, scope, note: str = "") -> Alert:
    """A duty officer takes an open alert in hand (with an optional note)."""
    note = _clean_note(note, required=False)
    alert = _handled(scope, alert_id)
    if alert.state != AlertState.OPEN:
        raise AlertError(gettext("Cảnh báo này đã có người nhận xử lý hoặc đã đóng."))
    before = audit.snapshot(alert)
    alert.state, alert.acknowledged_by, alert.acknowledged_at = AlertState.ACKNOWLEDGED, user, timezone.now()
    alert.acknowledge_note = note
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "acknowledge_note"])
    audit.record("action", alert, before=before, after=audit.snapshot(alert), actor=user,
                 summary=f"Nhận xử lý cảnh báo: {alert.title}. {note}"[:300])
    return alert


@transaction.atomic
def close(alert_id: int, *, user, scope, note: str) -> Alert:
    """A duty officer closes an alert (open or acknowledged) saying how it was handled."""
    note = _clean_note(note, required=True)
    alert = _handled(scope, alert_id)
    if alert.state == AlertState.CLOSED:
        raise AlertError(gettext("Cảnh báo này đã đóng."))
    before = audit.snapshot(alert)
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = user, now
    alert.state, alert.closed_by, alert.closed_at, alert.close_note = AlertState.CLOSED, user, now, note
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "closed_by", "closed_at", "close_note"])
    audit.record("action", alert, before=before, after=audit.snapshot(alert), actor=user,
                 summary=f"Đóng cảnh báo: {alert.title}. {note}"[:300])
    return alert

