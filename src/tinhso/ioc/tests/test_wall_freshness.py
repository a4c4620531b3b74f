"""The wall's data is kept per data version (tinhso.ioc.freshness): a warm request does not compute it again,
and every change the numbers depend on — a dossier event, an alert raised or handled, a target — shows on
the very next request, in the process that made the change and in every other one (the shared version moves
when the change commits: these tests commit, and forget the local generation as another process would)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tinhso.common.statements import original
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, officer, submitted_dossier
from tinhso.ioc import alerts, freshness, rollups, wall
from tinhso.ioc.models import AlertRule, Indicator, Plan, RuleKind, Target, WallLayout
from tinhso.ioc.selectors import Scope

URL = "/dieu-hanh/phong/du-lieu/"


@pytest.fixture
def room(client, clock):
    agency = AgencyFactory()
    user = officer(Role.OPERATIONS_VIEWER, agency)
    client.force_login(user)
    WallLayout.objects.all().delete()
    layout = WallLayout.objects.create(room="Phòng điều hành", name="Thử", panels=[
        {"kind": "numbers", "indicators": ["ty-le-dung-han", "ho-so-tiep-nhan"], "layers": [], "seconds": 30},
        {"kind": "alerts", "indicators": [], "layers": [], "seconds": 20}])
    return {"agency": agency, "layout": layout, "url": f"{URL}?bo-cuc={layout.pk}"}


class OtherProcess:
    """Requests as another process of the server would answer them: that process never saw the local
    generation move, only the shared version."""

    def __init__(self, client, monkeypatch):
        self.client, self.monkeypatch = client, monkeypatch

    def get(self, url, **headers):
        generation = freshness._local["generation"]
        response = self.client.get(url, **headers)
        self.seen = generation
        return response

    def forget_local_changes(self):
        self.monkeypatch.setitem(freshness._local, "generation", self.seen)


def _number(response, code):
    return next(n for n in response.json()["numbers"] if n["code"] == code)


def _event_alert(title):
    rule = AlertRule.objects.create(code=f"r-{abs(hash(title)) % 10**8}", name="Sự kiện thử", kind=RuleKind.EVENT,
                                    event_kind="test.event")
    return alerts._raise(rule, title, title, link="/vien-thong/")


@pytest.mark.django_db(transaction=True)
def test_a_dossier_event_shows_on_the_next_request_of_every_process(client, room, monkeypatch):
    version = ProcedureWithRouteFactory(agency=room["agency"])
    dossier = submitted_dossier(version, room["agency"])
    other = OtherProcess(client, monkeypatch)
    first = other.get(room["url"])
    before = _number(first, "ho-so-tiep-nhan")["value"]
    assert other.get(room["url"], HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    services.receive(dossier, actor=officer(Role.RECEIVER, room["agency"]), expected_version=dossier.version)
    other.forget_local_changes()
    changed = other.get(room["url"], HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert _number(changed, "ho-so-tiep-nhan")["value"] == (before or 0) + 1


@pytest.mark.django_db(transaction=True)
def test_an_alert_raised_acknowledged_and_closed_shows_on_the_next_request(client, room, monkeypatch):
    other = OtherProcess(client, monkeypatch)
    first = other.get(room["url"])
    assert first.json()["alerts"] == [] and first.json()["open_alerts"] == 0

    alert = _event_alert("Trạm BTS NA-001 mất liên lạc")
    other.forget_local_changes()
    raised = other.get(room["url"], HTTP_IF_NONE_MATCH=first["ETag"])
    assert raised.status_code == 200
    assert raised.json()["alerts"][0]["title"] == "Trạm BTS NA-001 mất liên lạc"
    assert raised.json()["open_alerts"] == 1

    duty = officer(Role.OPERATIONS_VIEWER, room["agency"])
    alerts.acknowledge(alert.pk, user=duty, scope=Scope(True), note="Đã báo nhà mạng")
    other.forget_local_changes()
    taken = other.get(room["url"], HTTP_IF_NONE_MATCH=raised["ETag"])
    assert taken.status_code == 200 and taken.json()["open_alerts"] == 0
    assert taken.json()["alerts"][0]["state"] == "acknowledged"

    alerts.close(alert.pk, user=duty, scope=Scope(True), note="Trạm đã hoạt động lại")
    other.forget_local_changes()
    closed = other.get(room["url"], HTTP_IF_NONE_MATCH=taken["ETag"])
    assert closed.status_code == 200 and closed.json()["alerts"] == []


@pytest.mark.django_db(transaction=True)
def test_a_target_set_changed_and_removed_shows_on_the_next_request(client, room, monkeypatch):
    other = OtherProcess(client, monkeypatch)
    first = other.get(room["url"])
    assert _number(first, "ty-le-dung-han")["target_text"] == ""

    plan = Plan.objects.create(name="Kế hoạch chuyển đổi số 2026", issuer="UBND tỉnh",
                               issued_on=datetime.date(2026, 1, 5))
    target = Target.objects.create(plan=plan, indicator=Indicator.objects.get(code="ty-le-dung-han"),
                                   period="2026", value=Decimal("95"), unit="%")
    other.forget_local_changes()
    set_ = other.get(room["url"], HTTP_IF_NONE_MATCH=first["ETag"])
    assert set_.status_code == 200 and _number(set_, "ty-le-dung-han")["target_text"] == "95,0"

    target.value = Decimal("97.5")
    target.save()
    other.forget_local_changes()
    changed = other.get(room["url"], HTTP_IF_NONE_MATCH=set_["ETag"])
    assert changed.status_code == 200 and _number(changed, "ty-le-dung-han")["target_text"] == "97,5"

    target.delete()
    other.forget_local_changes()
    removed = other.get(room["url"], HTTP_IF_NONE_MATCH=changed["ETag"])
    assert removed.status_code == 200 and _number(removed, "ty-le-dung-han")["target_text"] == ""


@pytest.mark.django_db
def test_a_warm_request_reads_the_kept_data_without_computing_it(client, room, monkeypatch,
                                                                 django_assert_max_num_queries):
    first = client.get(room["url"])
    assert first.status_code == 200 and first.json()["read_at"]

    def not_again(*args, **kwargs):
        raise AssertionError("the wall's data was computed again although nothing changed")

    monkeypatch.setattr(wall, "wall_data", not_again)
    with django_assert_max_num_queries(8):  # session, user, roles, layout, the data version, the device check
        warm = client.get(room["url"])
    assert warm.status_code == 200 and warm["ETag"] == first["ETag"]
    assert {k: v for k, v in warm.json().items() if k != "read_at"} == \
        {k: v for k, v in first.json().items() if k != "read_at"}
    assert client.get(room["url"], HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.django_db
def test_a_rebuild_of_the_rollups_and_a_room_event_move_the_version(room):
    before = freshness.version(), freshness._local["generation"]
    rollups.rebuild()
    assert freshness._local["generation"] > before[1]
    from tinhso.common.events import RoomEvent, room_event

    generation = freshness._local["generation"]
    room_event.send(sender=RoomEvent, event=RoomEvent("test.event", "k", "Sự kiện"))
    assert freshness._local["generation"] > generation


@pytest.mark.django_db(transaction=True)
def test_the_shared_version_moves_once_when_the_change_commits(room):
    from django.db import transaction

    before = freshness.version()[0]
    with transaction.atomic():
        _event_alert("Cảnh báo một")
        _event_alert("Cảnh báo hai")
        assert freshness.version()[0] == before  # not before the commit: no process keeps old data under it
    assert freshness.version()[0] == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        _event_alert("Cảnh báo bị huỷ")
        raise RuntimeError
    assert freshness.version()[0] == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_transition_moves_the_version_with_its_audit_entry_and_writes_nothing_for_the_wall(room):
    """A dossier's transition pays no statement of its own for the wall: no shared row is written, before
    or after its commit; its audit entry moves the version, visible when (and only if) it commits."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    version = ProcedureWithRouteFactory(agency=room["agency"])
    dossier = submitted_dossier(version, room["agency"])
    receiver = officer(Role.RECEIVER, room["agency"])
    before = freshness.version()
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        services.receive(dossier, actor=receiver, expected_version=dossier.version)
    assert not [q["sql"] for q in captured.captured_queries if freshness.SERIES in original(q["sql"])]
    after = freshness.version()
    assert after[0] == before[0] and after[1] > before[1]
    dossier.refresh_from_db()
    with pytest.raises(RuntimeError), transaction.atomic():
        handler = officer(Role.HANDLER, room["agency"])
        services.assign(dossier, actor=handler, assignee=handler, expected_version=dossier.version)
        raise RuntimeError
    assert freshness.version() == after
