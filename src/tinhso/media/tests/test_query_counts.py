"""List pages and API lists keep the same number of queries whatever the number of rows (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.dossiers.tests.factories import api_token
from tinhso.media import services
from tinhso.media.models import PressAgency, PressChannel, Spokesperson
from tinhso.media.tests.factories import agency_with_officer, department, licence

pytestmark = pytest.mark.django_db


def queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == 200
    return len(captured)


def add_rows(start: int, count: int, officer, agency) -> None:
    for n in range(start, start + count):
        press = PressAgency.objects.create(name=f"Báo {n}", kind="newspaper")
        PressChannel.objects.create(press_agency=press, kind="online", name=f"Báo {n} điện tử", domain=f"b{n}.example")
        licence(domain=f"site{n}.example", number=f"{n:02d}/2025/GP-TTĐT")
        Spokesperson.objects.create(agency=agency, name=f"Người {n}", position="Phó Giám đốc",
                                    valid_from="2025-01-01", role="authorised")
        case = services.open_case(title=f"Vụ {n}", claim=f"Tin {n}", topic="other", severity="low",
                                  agencies=[agency], actor=officer)
        services.answer_verification(case.verifications.get(), facts="Sai", actor=officer)
        services.decide(case, verdict="false", note="x", actor=officer)
        services.publish_refutation(case, title=f"Cải chính {n}", text="x", actor=officer)


PAGES = ["/bao-chi/co-quan-bao-chi/", "/bao-chi/giay-phep/", "/bao-chi/vu-viec/", "/bao-chi/nguoi-phat-ngon/",
         "/bao-chi/cong-khai/cai-chinh/", "/bao-chi/cong-khai/nguoi-phat-ngon/"]
API = ["/api/media/press-agencies", "/api/media/licences", "/api/media/spokespeople",
       "/api/media/verification-tasks"]


def test_lists_do_not_grow_queries_with_rows(client):
    _office, officer = department()
    agency, _person = agency_with_officer()
    _token, secret = api_token(agency)
    add_rows(1, 2, officer, agency)
    client.force_login(officer)
    few = {url: queries(client, url) for url in PAGES}
    few_api = {url: queries(client, url, HTTP_AUTHORIZATION=f"Bearer {secret}") for url in API}
    add_rows(3, 8, officer, agency)
    many = {url: queries(client, url) for url in PAGES}
    many_api = {url: queries(client, url, HTTP_AUTHORIZATION=f"Bearer {secret}") for url in API}
    assert many == few
    assert many_api == few_api
