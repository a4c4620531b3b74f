"""The room's wall: the page and its data (numbers against target with status label and trend, alerts),
ETags, layouts, the kiosk device's read-only token, the province map's layers and commune panel, and the
daily briefing."""

from __future__ import annotations

import json

import pytest

from tinhso.common.maps import registered_layers
from tinhso.common.notices.models import Notice
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer
from tinhso.geo.models import CommuneBoundary
from tinhso.geo.tests.factories import CommuneFactory
from tinhso.ioc import alerts, briefing
from tinhso.ioc.models import AlertRule, RuleKind, RunningDossier, WallDevice, WallLayout
from tinhso.ioc.wall import seed_default_layout

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    user = officer(Role.OPERATIONS_VIEWER, AgencyFactory())
    client.force_login(user)
    return user


def _event_alert(title):
    rule = AlertRule.objects.create(code=f"r-{abs(hash(title)) % 10**8}", name="Sự kiện thử", kind=RuleKind.EVENT,
                                    event_kind="test.event")
    return alerts._raise(rule, title, title, link="/vien-thong/")


def test_the_wall_shows_numbers_against_target_with_a_text_label_and_the_alerts(client, viewer, clock):
    dossier_in_state(State.RETURNED, version=ProcedureWithRouteFactory())
    _event_alert("Trạm BTS NA-001 mất liên lạc")
    page = client.get("/dieu-hanh/phong/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Trung tâm giám sát, điều hành" in html and 'id="wall-config"' in html
    config = json.loads(html.split('<script id="wall-config" type="application/json">')[1].split("</script>")[0])
    codes = [n["code"] for n in config["initial"]["numbers"]]
    assert codes[:4] == ["ty-le-dung-han", "ty-le-truc-tuyen", "hai-long-giai-quyet-tthc", "ho-so-qua-han"]
    on_time = config["initial"]["numbers"][0]
    assert on_time["value_text"] == "100,0" and on_time["status_label"] and on_time["status"]
    assert on_time["url"] == "/dieu-hanh/chi-so/ty-le-dung-han/?ky=2026"
    assert config["initial"]["alerts"][0]["title"] == "Trạm BTS NA-001 mất liên lạc"
    assert [p["kind"] for p in config["panels"]] == ["numbers", "map", "alerts"]


def test_the_data_endpoint_answers_304_until_something_changes(client, viewer, clock):
    first = client.get("/dieu-hanh/phong/du-lieu/")
    assert first.status_code == 200 and first["Cache-Control"] == "private, no-cache"
    etag = first["ETag"]
    assert client.get("/dieu-hanh/phong/du-lieu/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    _event_alert("Phát bản tin khẩn cấp tại xã A")
    changed = client.get("/dieu-hanh/phong/du-lieu/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["alerts"][0]["title"] == "Phát bản tin khẩn cấp tại xã A"
    assert changed.json()["open_alerts"] == 1


def test_only_centre_users_see_the_wall(client):
    client.force_login(officer(Role.HANDLER, AgencyFactory()))
    assert client.get("/dieu-hanh/phong/").status_code == 403
    assert client.get("/dieu-hanh/phong/du-lieu/").status_code == 403
    client.logout()
    assert client.get("/dieu-hanh/phong/du-lieu/").status_code == 302


def test_layouts_are_named_per_room_and_checked(client, viewer):
    seed_default_layout()
    bad = client.post("/dieu-hanh/phong/bo-cuc/", {"room": "Phòng họp UBND", "name": "Tiếp khách",
                                                   "panels": json.dumps([{"kind": "numbers", "seconds": 2}])})
    assert bad.status_code == 400 and "từ 5 đến 600 giây" in bad.content.decode()
    unknown = client.post("/dieu-hanh/phong/bo-cuc/", {"room": "Phòng họp UBND", "name": "Tiếp khách",
                                                       "panels": json.dumps([{"kind": "numbers", "seconds": 10,
                                                                              "indicators": ["khong-co"]}])})
    assert unknown.status_code == 400 and "khong-co" in unknown.content.decode()
    assert client.post("/dieu-hanh/phong/bo-cuc/", {"room": "Phòng họp UBND", "name": "Tiếp khách",
                                                    "panels": "{không phải json"}).status_code == 400
    ok = client.post("/dieu-hanh/phong/bo-cuc/", {"room": "Phòng họp UBND", "name": "Tiếp khách", "panels": json.dumps([
        {"kind": "numbers", "indicators": ["ty-le-dung-han"], "seconds": 10},
        {"kind": "map", "layers": ["ioc-overdue"], "seconds": 15}])})
    assert ok.status_code == 302
    layout = WallLayout.objects.get(room="Phòng họp UBND", name="Tiếp khách")
    data = client.get(f"/dieu-hanh/phong/du-lieu/?bo-cuc={layout.pk}").json()
    assert [n["code"] for n in data["numbers"]] == ["ty-le-dung-han"]
    page = client.get(f"/dieu-hanh/phong/?bo-cuc={layout.pk}").content.decode()
    assert "Hồ sơ đang quá hạn theo xã, phường" in page and "Trạm BTS đang mất liên lạc" not in page


def test_a_leader_configures_nothing(client):
    client.force_login(officer(Role.APPROVER, AgencyFactory()))
    assert client.get("/dieu-hanh/phong/").status_code == 200
    assert client.get("/dieu-hanh/phong/bo-cuc/").status_code == 403


def test_a_wall_device_signs_in_with_its_token_reads_and_never_writes(client, viewer, django_user_model):
    seed_default_layout()
    layout = WallLayout.objects.first()
    issued = client.post("/dieu-hanh/phong/bo-cuc/", {"action": "device", "name": "Màn hình LED phòng A",
                                                      "layout": layout.pk})
    html = issued.content.decode()
    assert issued.status_code == 200 and "/dieu-hanh/phong/kiosk/?ma=tswall_" in html
    raw = html.split("?ma=")[1].split("<")[0]
    device = WallDevice.objects.get(name="Màn hình LED phòng A")
    assert device.token_hash != raw and raw not in json.dumps(list(WallDevice.objects.values()), default=str)
    alert = _event_alert("Cảnh báo cho màn hình")

    wall = client.__class__()
    assert wall.get("/dieu-hanh/phong/kiosk/?ma=tswall_sai").status_code == 403
    signed_in = wall.get(f"/dieu-hanh/phong/kiosk/?ma={raw}")
    assert signed_in.status_code == 302 and signed_in["Location"] == f"/dieu-hanh/phong/?bo-cuc={layout.pk}"
    assert wall.get("/dieu-hanh/phong/").status_code == 200
    assert wall.get("/dieu-hanh/phong/du-lieu/").status_code == 200
    device.refresh_from_db()
    assert device.last_seen_at is not None
    # Read-only: no handling of alerts, no configuration.
    assert wall.post(f"/dieu-hanh/canh-bao/{alert.pk}/tiep-nhan/").status_code == 403
    assert wall.get("/dieu-hanh/phong/bo-cuc/").status_code == 403
    # Revoked: signed out at the next request, the token no longer works.
    client.post("/dieu-hanh/phong/bo-cuc/", {"action": "revoke", "device": device.pk})
    assert wall.get("/dieu-hanh/phong/du-lieu/").status_code == 302
    assert wall.get(f"/dieu-hanh/phong/kiosk/?ma={raw}").status_code == 403


def test_the_province_map_shows_overdue_dossiers_by_commune_and_opens_the_commune_panel(client, viewer, clock):
    commune = CommuneFactory()
    CommuneBoundary.objects.create(
        commune=commune, geometry={"type": "Polygon", "coordinates": [[[105, 18], [106, 18], [106, 19], [105, 18]]]},
        simplified={"type": "Polygon", "coordinates": [[[105, 18], [106, 18], [106, 19], [105, 18]]]},
        min_longitude=105, min_latitude=18, max_longitude=106, max_latitude=19, source="thử")
    dossier = dossier_in_state(State.RECEIVED, version=ProcedureWithRouteFactory())
    RunningDossier.objects.filter(dossier=dossier).update(commune_code=commune.code)
    clock.set(2026, 3, 30, 9)
    keys = [layer.key for layer in registered_layers()]
    assert keys[:2] == ["ioc-overdue", "ioc-complaints"] and "telecom-outages" in keys
    layer = client.get("/dieu-hanh/phong/ban-do/qua-han.geojson")
    assert layer.status_code == 200 and layer["Content-Type"] == "application/geo+json"
    feature = layer.json()["features"][0]
    assert feature["geometry"]["coordinates"] == [105.5, 18.5]
    assert feature["properties"]["count"] == 1
    assert feature["properties"]["url"] == f"/dieu-hanh/phong/xa/{commune.code}/"
    panel = client.get(f"/dieu-hanh/phong/xa/{commune.code}/?khung=1").content.decode()
    assert commune.name in panel and f"/dieu-hanh/ho-so/overdue/?ky=2026&amp;xa={commune.code}" in panel
    assert client.get("/dieu-hanh/phong/xa/99999/").status_code == 404


def test_each_leader_gets_one_briefing_a_day_at_the_set_hour(clock, settings):
    settings.TINHSO_BRIEFING_HOUR = 7
    agency = AgencyFactory()
    leader = officer(Role.APPROVER, agency, email="lanhdao@example.vn")
    dossier_in_state(State.RECEIVED, version=ProcedureWithRouteFactory(agency=agency), agency=agency)
    _event_alert("Cảnh báo toàn tỉnh")
    clock.set(2026, 3, 30, 6, 30)
    assert briefing.send_briefings() == 0
    clock.set(2026, 3, 30, 7, 5)
    assert briefing.send_briefings() >= 1
    notice = Notice.objects.get(user=leader, kind="ioc.briefing")
    assert notice.subject == "Bản tin điều hành ngày 30/03/2026"
    assert "Hồ sơ đang giải quyết quá hạn trong phạm vi của đồng chí: 1" in notice.text
    assert "Cảnh báo toàn tỉnh" not in notice.text  # a province-wide alert is outside an agency leader's scope
    assert briefing.send_briefings() == 0
    assert Notice.objects.filter(user=leader, kind="ioc.briefing").count() == 1
