"""The room's alerts: default rules, thresholds, rises since yesterday, events, and the duty officers'
acknowledging and closing with a note on the audit chain, within scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from tinhso.common.audit import AuditEntry
from tinhso.common.events import publish
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer
from tinhso.ioc import alerts
from tinhso.ioc.models import Alert, AlertRule, AlertState, Indicator, RuleKind, Severity

pytestmark = pytest.mark.django_db


def _rule(code, kind, indicator=None, **fields):
    return AlertRule.objects.create(code=code, name=code, kind=kind,
                                    indicator=Indicator.objects.get(code=indicator) if indicator else None, **fields)


def test_the_province_starts_with_sensible_rules():
    AlertRule.objects.all().delete()
    assert alerts.seed_default_rules() >= 5
    codes = set(AlertRule.objects.values_list("code", flat=True))
    assert {"dung-han-duoi-chi-tieu", "qua-han-tang", "phat-thanh-khan-cap"} <= codes
    emergency = AlertRule.objects.get(code="phat-thanh-khan-cap")
    assert emergency.kind == RuleKind.EVENT and emergency.severity == Severity.CRITICAL
    # An officer's edit survives seeding again.
    AlertRule.objects.filter(code="qua-han-tang").update(limit=Decimal(3))
    alerts.seed_default_rules()
    assert AlertRule.objects.get(code="qua-han-tang").limit == Decimal(3)


def test_a_threshold_crossed_raises_one_alert_per_period_with_its_link_and_audit(clock):
    version = ProcedureWithRouteFactory()
    dossier_in_state(State.RETURNED, version=version)
    rule = _rule("dung-han-101", RuleKind.THRESHOLD, "ty-le-dung-han", granularity="year", limit=Decimal(101),
                 severity=Severity.CRITICAL)
    before = AuditEntry.objects.filter(action="create", object_type="ioc.alert").count()
    raised = alerts.evaluate().raised
    mine = [a for a in raised if a.rule == rule]
    assert len(mine) == 1
    alert = mine[0]
    assert alert.severity == Severity.CRITICAL and alert.key == "2026"
    assert alert.link == "/dieu-hanh/chi-so/ty-le-dung-han/?ky=2026"
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in alert.title
    assert AuditEntry.objects.filter(action="create", object_type="ioc.alert").count() == before + 1
    # Evaluating again (another process, the next minute) raises nothing more.
    assert not [a for a in alerts.evaluate().raised if a.rule == rule]
    assert Alert.objects.filter(rule=rule).count() == 1


def test_a_value_on_the_good_side_raises_nothing(clock):
    dossier_in_state(State.RETURNED, version=ProcedureWithRouteFactory())
    rule = _rule("dung-han-50", RuleKind.THRESHOLD, "ty-le-dung-han", granularity="year", limit=Decimal(50))
    alerts.evaluate()
    assert not Alert.objects.filter(rule=rule).exists()


def test_overdue_dossiers_rising_since_yesterday_raise_an_alert(clock):
    version = ProcedureWithRouteFactory()
    rule = _rule("qua-han-1", RuleKind.RISING, "ho-so-qua-han", limit=Decimal(2))
    for _ in range(2):
        dossier_in_state(State.RECEIVED, version=version)
    alerts.evaluate()  # 2 March: nothing overdue yet, the reading is kept
    assert not Alert.objects.filter(rule=rule).exists()
    clock.set(2026, 3, 30, 9)  # both are overdue now, up by 2 since the last reading a day or more ago
    alerts.evaluate()
    alert = Alert.objects.get(rule=rule)
    assert alert.value == Decimal(2) and alert.key == "2026-03-30"
    assert alert.link.startswith("/dieu-hanh/chi-so/ho-so-qua-han/")


def test_an_event_published_by_a_module_raises_an_alert_once(django_capture_on_commit_callbacks):
    rule = _rule("tram-test", RuleKind.EVENT, event_kind="telecom.station_down", severity=Severity.WARNING)
    agency = AgencyFactory()
    with django_capture_on_commit_callbacks(execute=True):
        publish("telecom.station_down", key="station:7:1", title="Trạm BTS NA-007 mất liên lạc",
                url="/vien-thong/tram/7/", agency_id=agency.pk)
        publish("telecom.station_down", key="station:7:1", title="Trạm BTS NA-007 mất liên lạc",
                url="/vien-thong/tram/7/", agency_id=agency.pk)
    alert = Alert.objects.get(rule=rule)
    assert alert.link == "/vien-thong/tram/7/" and alert.agency == agency and alert.state == AlertState.OPEN


def test_the_command_evaluates_the_rules(clock, capsys):
    dossier_in_state(State.RETURNED, version=ProcedureWithRouteFactory())
    _rule("dung-han-cmd", RuleKind.THRESHOLD, "ty-le-dung-han", granularity="year", limit=Decimal(101))
    call_command("ioc", "alerts")
    assert "cảnh báo mới" in capsys.readouterr().out
    assert Alert.objects.filter(rule__code="dung-han-cmd").exists()


def _alert(agency=None, title="Cảnh báo thử"):
    rule = AlertRule.objects.filter(kind=RuleKind.EVENT).first() or _rule("su-kien", RuleKind.EVENT,
                                                                           event_kind="test.event")
    return alerts._raise(rule, f"k-{title}", title, agency_id=agency.pk if agency else None)


def test_officers_acknowledge_and_close_with_a_note_on_the_audit_chain(client):
    alert = _alert()
    viewer = officer(Role.OPERATIONS_VIEWER, AgencyFactory())
    client.force_login(viewer)
    page = client.get("/dieu-hanh/canh-bao/")
    assert page.status_code == 200 and "Cảnh báo thử" in page.content.decode()
    response = client.post(f"/dieu-hanh/canh-bao/{alert.pk}/tiep-nhan/", {"note": "Đã gọi trực ban Sở"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == viewer
    assert alert.acknowledge_note == "Đã gọi trực ban Sở"
    # Closing needs a note: refused, nothing written.
    refused = client.post(f"/dieu-hanh/canh-bao/{alert.pk}/dong/", {"note": "  "})
    assert refused.status_code == 400 and "Hãy ghi chú" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED
    assert client.post(f"/dieu-hanh/canh-bao/{alert.pk}/dong/", {"note": "Trạm đã hoạt động lại"}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED and alert.close_note == "Trạm đã hoạt động lại"
    entries = AuditEntry.objects.filter(object_type="ioc.alert", object_id=str(alert.pk)).order_by("at", "pk")
    assert [e.action for e in entries] == ["create", "action", "action"]
    assert entries[1].summary.startswith("Nhận xử lý cảnh báo: Cảnh báo thử") and entries[2].summary.startswith(
        "Đóng cảnh báo: Cảnh báo thử")
    assert entries.last().after["close_note"] == "Trạm đã hoạt động lại" and entries.last().actor == viewer
    # Closed is closed.
    assert client.post(f"/dieu-hanh/canh-bao/{alert.pk}/dong/", {"note": "lần nữa"}).status_code == 400


def test_a_leader_handles_only_the_alerts_of_their_agencies(client):
    a, b = AgencyFactory(), AgencyFactory()
    mine, theirs, province = _alert(a, "Của A"), _alert(b, "Của B"), _alert(None, "Toàn tỉnh")
    client.force_login(officer(Role.APPROVER, a))
    page = client.get("/dieu-hanh/canh-bao/").content.decode()
    assert "Của A" in page and "Của B" not in page and "Toàn tỉnh" not in page
    assert client.post(f"/dieu-hanh/canh-bao/{theirs.pk}/tiep-nhan/").status_code == 400
    assert client.post(f"/dieu-hanh/canh-bao/{province.pk}/dong/", {"note": "x"}).status_code == 400
    assert client.post(f"/dieu-hanh/canh-bao/{mine.pk}/tiep-nhan/").status_code == 302
    client.force_login(officer(Role.HANDLER, a))
    assert client.get("/dieu-hanh/canh-bao/").status_code == 403


def test_rules_are_edited_in_the_centre_by_duty_officers_only(client):
    rule = AlertRule.objects.get(code="qua-han-tang") if AlertRule.objects.filter(code="qua-han-tang").exists() \
        else _rule("qua-han-tang", RuleKind.RISING, "ho-so-qua-han", limit=Decimal(10))
    client.force_login(officer(Role.APPROVER, AgencyFactory()))
    assert client.get("/dieu-hanh/canh-bao/quy-tac/").status_code == 403
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    form = {"code": rule.code, "name": rule.name, "kind": "rising", "indicator": rule.indicator_id,
            "granularity": "month", "limit": "0", "event_kind": "", "severity": "critical", "active": "on"}
    refused = client.post(f"/dieu-hanh/canh-bao/quy-tac/?sua={rule.pk}", form)
    assert refused.status_code == 400 and "mức tăng lớn hơn 0" in refused.content.decode()
    form["limit"] = "4"
    assert client.post(f"/dieu-hanh/canh-bao/quy-tac/?sua={rule.pk}", form).status_code == 302
    rule.refresh_from_db()
    assert rule.limit == Decimal(4) and rule.severity == Severity.CRITICAL
    assert AuditEntry.objects.filter(object_type="ioc.alertrule", object_id=str(rule.pk), action="update").exists()


def test_a_station_going_down_raises_the_default_alert(django_capture_on_commit_callbacks):
    from tinhso.telecom import services as telecom
    from tinhso.telecom.tests.factories import OperatorFactory, station_at

    alerts.seed_default_rules()
    station = station_at(OperatorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        telecom.report_down(station, cause="power")
    alert = Alert.objects.get(rule__code="tram-mat-lien-lac")
    assert alert.title == f"Trạm BTS {station.code} mất liên lạc" and alert.link == f"/vien-thong/tram/{station.pk}/"


def test_the_alert_list_reads_a_page_in_the_same_few_queries_however_many_alerts(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = officer(Role.OPERATIONS_VIEWER, AgencyFactory())
    client.force_login(viewer)
    for n in range(3):
        alerts.acknowledge(_alert(AgencyFactory(), f"Một {n}").pk, user=viewer, scope=_whole(), note="ghi")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/dieu-hanh/canh-bao/").status_code == 200
    for n in range(30):
        alerts.acknowledge(_alert(AgencyFactory(), f"Nhiều {n}").pk, user=viewer, scope=_whole(), note="ghi")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/dieu-hanh/canh-bao/")
    assert page.status_code == 200 and page.content.decode().count('class="alert-action"') == 25
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def _whole():
    from tinhso.ioc.selectors import Scope

    return Scope(True)
