"""The module's API for agency tokens: the registries read, an agency's verification tasks in its scope only,
answered through the API; bad input refused with a message."""

from __future__ import annotations

import pytest

from tinhso.dossiers.tests.factories import api_token
from tinhso.media import services
from tinhso.media.models import PressAgency, PressChannel
from tinhso.media.tests.factories import agency_with_officer, department, licence

pytestmark = pytest.mark.django_db


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_an_agency_token_reads_the_registries(client):
    department()
    press = PressAgency.objects.create(name="Báo Nghệ An", kind="newspaper", licence_number="123/GP-BTTTT")
    PressChannel.objects.create(press_agency=press, kind="online", name="Báo Nghệ An điện tử",
                                domain="baonghean.example")
    licence()
    _token, secret = api_token()
    body = client.get("/api/media/press-agencies", **auth(secret)).json()
    assert body["count"] == 1 and body["items"][0]["channels"][0]["domain"] == "baonghean.example"
    licences = client.get("/api/media/licences?state=in_force", **auth(secret)).json()
    assert licences["items"][0]["domain"] == "tintuc.example"
    assert client.get("/api/media/licences?state=nonsense", **auth(secret)).status_code == 422
    assert client.get("/api/media/licences").status_code == 401


def test_an_agency_answers_its_verification_tasks_and_sees_no_others(client):
    _office, officer = department()
    health, _nurse = agency_with_officer("Sở Y tế")
    police, _cop = agency_with_officer("Công an tỉnh")
    mine = services.open_case(title="Dịch", claim="Dịch", topic="epidemic", severity="severe", agencies=[health],
                              actor=officer)
    theirs = services.open_case(title="Cướp", claim="Cướp", topic="security", severity="low", agencies=[police],
                                actor=officer)
    _token, secret = api_token(health)
    tasks = client.get("/api/media/verification-tasks?open=true", **auth(secret)).json()
    assert [t["case"] for t in tasks["items"]] == [mine.code]
    other = theirs.verifications.get().pk
    assert client.post(f"/api/media/verification-tasks/{other}/answer", {"facts": "x"},
                       content_type="application/json", **auth(secret)).status_code == 404
    task = mine.verifications.get().pk
    empty = client.post(f"/api/media/verification-tasks/{task}/answer", {"facts": "   "},
                        content_type="application/json", **auth(secret))
    assert empty.status_code == 400 and empty.json()["field"] == "facts"
    answered = client.post(f"/api/media/verification-tasks/{task}/answer", {"facts": "Không có ổ dịch."},
                           content_type="application/json", **auth(secret))
    assert answered.status_code == 200 and answered.json()["answered_at"] is not None
    again = client.post(f"/api/media/verification-tasks/{task}/answer", {"facts": "lần hai"},
                        content_type="application/json", **auth(secret))
    assert again.status_code == 409
    mine.refresh_from_db()
    assert mine.state == "decision" and mine.events.filter(action="verify", actor_label__startswith="API").exists()
