"""Pages and API under scope: a commune operator reaches only their commune's devices through the pages and the
API; the emergency role starts, follows and ends an emergency; an authorised agency's token POSTs CAP and bad
CAP is refused naming the element; the province's alerts are published as a CAP feed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tinhso.broadcast.models import AlertSource, BroadcastRole, EmergencyBroadcast
from tinhso.broadcast.tests.factories import DeviceFactory, StationFactory, person
from tinhso.dossiers.tests.factories import api_token
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db
STORM = (Path(__file__).parent / "cap" / "storm-vi.xml").read_bytes()


@pytest.fixture
def place():
    mine, theirs = CommuneFactory(), CommuneFactory()
    StationFactory(commune=mine)
    return {"mine": mine, "theirs": theirs, "here": DeviceFactory(commune=mine),
            "there": DeviceFactory(commune=theirs), "operator": person(BroadcastRole.COMMUNE_OPERATOR, mine)}


def test_a_commune_operator_sees_only_their_commune_in_pages_and_api(client, place):
    client.force_login(place["operator"])
    home = client.get(reverse("broadcast:home"))
    assert home.status_code == 200 and place["mine"].name in home.content.decode()
    assert place["theirs"].name not in home.content.decode()
    assert client.get(reverse("broadcast:commune", args=[place["mine"].code])).status_code == 200
    assert client.get(reverse("broadcast:commune", args=[place["theirs"].code])).status_code == 404
    layer = client.get(reverse("broadcast:devices-geojson")).json()
    assert [f["properties"]["title"] for f in layer["features"]] == [place["here"].device_id]
    assert layer["features"][0]["geometry"] == {"type": "Point", "coordinates": [105.68, 18.68]}
    listed = client.get("/api/broadcast/devices").json()
    assert [d["device_id"] for d in listed["items"]] == [place["here"].device_id]
    assert client.get(f"/api/broadcast/devices/{place['there'].device_id}").status_code == 404
    refused = client.post("/api/broadcast/emergencies", {"title": "x", "message": "y", "area": "province"},
                          content_type="application/json")
    assert refused.status_code == 403
    assert EmergencyBroadcast.objects.count() == 0


def test_someone_without_a_role_is_kept_out(client):
    from tinhso.directory.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("broadcast:home")).status_code == 403
    assert client.get("/api/broadcast/devices").status_code == 403


def test_the_emergency_role_starts_follows_and_ends_an_emergency_through_the_pages(client, place):
    client.force_login(person(BroadcastRole.EMERGENCY))
    page = client.get(reverse("broadcast:emergencies"))
    assert page.status_code == 200 and 'name="polygon"' in page.content.decode()
    answer = client.post(reverse("broadcast:emergencies"), {
        "title": "Lũ quét", "message": "Di chuyển lên vùng cao ngay.", "area": "communes",
        "communes": [place["mine"].pk], "repeats": 2, "minutes": 30})
    emergency = EmergencyBroadcast.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("broadcast:emergency", args=[emergency.pk])
    progress = client.get(reverse("broadcast:emergency-progress", args=[emergency.pk])).json()
    assert progress["devices"] == 1 and progress["unreachable"] == 1 and progress["state"] == "active"
    assert client.get(reverse("broadcast:emergency", args=[emergency.pk])).status_code == 200
    client.post(reverse("broadcast:emergency-action", args=[emergency.pk, "ket-thuc"]))
    emergency.refresh_from_db()
    assert emergency.state == "ended"
    feed = client.get(reverse("broadcast:cap-feed"))
    assert feed["Content-Type"].startswith("application/atom+xml") and "Lũ quét" in feed.content.decode()
    published = client.get(reverse("broadcast:cap-alert", args=[emergency.cap_alert_id]))
    assert b"urn:oasis:names:tc:emergency:cap:1.2" in published.content


def test_an_authorised_agency_posts_cap_and_bad_cap_is_refused_naming_the_element(client, settings):
    settings.BROADCAST_EXTREME_STARTS_AT_ONCE = False
    DeviceFactory(commune=CommuneFactory(code="40001"))
    token, raw = api_token()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "content_type": "application/cap+xml"}
    assert client.post("/api/broadcast/cap", STORM, **headers).status_code == 403
    AlertSource.objects.create(agency=token.agency)
    bad = client.post("/api/broadcast/cap", STORM.replace(b"<status>Actual", b"<status>Maybe"), **headers)
    assert bad.status_code == 400 and "<status>" in bad.json()["detail"]
    assert not EmergencyBroadcast.objects.exists()
    good = client.post("/api/broadcast/cap", STORM, **headers)
    assert good.status_code == 201 and good.json()["state"] == "proposed"
    english = client.post("/api/broadcast/cap", STORM, HTTP_ACCEPT_LANGUAGE="en", **headers)
    assert english.status_code == 409 and english.json()["detail"] == "This CAP alert has already been received."
    confirmed = client.post(f"/api/broadcast/emergencies/{good.json()['emergency']}/confirm",
                            HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "active"


def test_the_monthly_report_counts_each_communes_broadcasting(client, place):
    import io

    from django.utils import timezone
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from tinhso.broadcast.models import DeviceEvent

    DeviceEvent.objects.create(device=place["here"], kind=DeviceEvent.Kind.PLAYED, seconds=1800)
    DeviceEvent.objects.create(device=place["there"], kind=DeviceEvent.Kind.PLAYED, seconds=3600)
    DeviceEvent.objects.create(device=place["here"], kind=DeviceEvent.Kind.OFFLINE)
    client.force_login(place["operator"])
    month = timezone.localdate().strftime("%m/%Y")
    answer = client.get(reverse("broadcast:monthly-report"), {"thang": month})
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[:3] == ("Mã xã", "Xã, phường", "Loại đài"))
    assert rows[header + 1:] == [(place["mine"].code, place["mine"].name, "ip", 1, 0, 0.5, 1, 0, 1, 0, 0)]
    pdf = client.get(reverse("broadcast:monthly-report"), {"thang": month, "dinh-dang": "pdf"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "BÁO CÁO HOẠT ĐỘNG TRUYỀN THANH CƠ SỞ" in text and place["mine"].name in text
    assert client.get(reverse("broadcast:monthly-report"), {"thang": "13/2026"}).status_code == 400
