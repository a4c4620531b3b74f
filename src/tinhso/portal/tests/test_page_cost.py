"""What the public pages cost when thousands reload them: conditional responses, kept pages, no session writes.

The tracking page answers a browser that already holds it with 304 after one small query (the dossier's
version); a search repeated by visitors without a session is served from the page kept for its address, with
each visitor's own CSRF token; a plain read writes nothing (no session, no row).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tinhso.catalogue import services as catalogue_services
from tinhso.catalogue.tests.factories import AgencyFactory, FieldFactory, ProcedureVersionFactory
from tinhso.common.statements import original
from tinhso.directory.models import Role
from tinhso.dossiers import services
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, citizen, officer, received_dossier

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture
def agency():
    return AgencyFactory(name="Sở Tư pháp tỉnh Nghệ An")


@pytest.fixture
def dossier(agency):
    version = ProcedureWithRouteFactory(agency=agency, name="Cấp phiếu lý lịch tư pháp")
    return received_dossier(version, agency, phone="0912 345 678", name="Trần Thị Bình")


def _tracking_browser(dossier) -> Client:
    browser = Client()
    assert browser.post("/tra-cuu/", {"code": dossier.code, "digits": "5678"}).status_code == 302
    browser.get(f"/tra-cuu/{dossier.code}/")  # the first visit sets the CSRF cookie the page's forms use
    return browser


def _queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, [original(q["sql"]) for q in captured]  # a prepared statement as the text it runs


def test_a_reload_of_an_unchanged_tracking_page_gets_304_after_one_query(dossier):
    browser = _tracking_browser(dossier)
    page = browser.get(f"/tra-cuu/{dossier.code}/")
    assert page.status_code == 200
    assert "private" in page["Cache-Control"] and "no-cache" in page["Cache-Control"]
    assert "no-store" not in page["Cache-Control"]

    reload, statements = _queries(browser, f"/tra-cuu/{dossier.code}/", HTTP_IF_NONE_MATCH=page["ETag"])

    assert reload.status_code == 304 and reload.content == b""
    assert reload["ETag"] == page["ETag"]
    assert len(statements) == 1 and "dossiers_dossier" in statements[0]


def test_a_change_of_the_dossier_changes_the_tag_and_the_page(dossier, agency):
    browser = _tracking_browser(dossier)
    before = browser.get(f"/tra-cuu/{dossier.code}/")
    assert "Đã tiếp nhận" in before.text

    services.assign(dossier, actor=officer(Role.APPROVER, agency), expected_version=dossier.version,
                    assignee=officer(Role.HANDLER, agency))
    after = browser.get(f"/tra-cuu/{dossier.code}/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "Đang giải quyết" in after.text and "đang xem xét, giải quyết hồ sơ" in after.text


def test_the_tag_depends_on_the_language_and_the_visitor(dossier):
    browser = _tracking_browser(dossier)
    vietnamese = browser.get(f"/tra-cuu/{dossier.code}/")
    english = browser.get(f"/tra-cuu/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="en",
                          HTTP_IF_NONE_MATCH=vietnamese["ETag"])

    assert english.status_code == 200 and english["ETag"] != vietnamese["ETag"]
    assert "Received" in english.text or "received" in english.text
    # Another browser (another CSRF cookie) never matches this one's tag.
    other = _tracking_browser(dossier)
    assert other.get(f"/tra-cuu/{dossier.code}/", HTTP_IF_NONE_MATCH=vietnamese["ETag"]).status_code == 200


def test_the_form_for_an_unverified_browser_is_never_cached(dossier):
    response = Client().get(f"/tra-cuu/{dossier.code}/")

    assert "no-store" in response["Cache-Control"] and "ETag" not in response


@pytest.mark.parametrize("path", ["/", "/thu-tuc/", "/thu-tuc/?q=ly+lich", "/thu-tuc/co-quan/", "TRACKING"])
def test_a_plain_read_writes_nothing_and_makes_no_session(path, dossier):
    browser = _tracking_browser(dossier)
    url = f"/tra-cuu/{dossier.code}/" if path == "TRACKING" else path

    for _ in range(2):
        response, statements = _queries(browser, url)
        assert response.status_code == 200
        assert not [s for s in statements if WRITES.match(s)], statements
        assert "sessionid" not in response.cookies


def test_a_repeated_search_costs_no_query_and_each_visitor_gets_a_valid_token_of_their_own():
    FieldFactory(code="HT", name="Hộ tịch")
    ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[AgencyFactory()])
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    first.get("/thu-tuc/?q=khai+sinh")

    response, statements = _queries(second, "/thu-tuc/?q=khai+sinh")

    assert statements == []
    assert "Đăng ký khai sinh" in response.text
    token = TOKEN.search(response.text).group(1)
    assert token != TOKEN.search(first.get("/thu-tuc/?q=khai+sinh").text).group(1)
    # The kept page carries this visitor's own token: the language switch on it is accepted.
    switched = second.post("/i18n/setlang/", {"language": "en", "next": "/thu-tuc/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302


def test_a_procedure_published_now_is_found_at_once():
    agency = AgencyFactory()
    ProcedureVersionFactory(name="Đăng ký kết hôn", agencies=[agency])
    visitor = Client()
    assert "Cấp giấy phép xây dựng" not in visitor.get("/thu-tuc/?q=giay+phep").text

    draft = ProcedureVersionFactory(name="Cấp giấy phép xây dựng", published=False, agencies=[agency])
    with transaction.atomic():
        catalogue_services.publish(draft)

    assert "Cấp giấy phép xây dựng" in visitor.get("/thu-tuc/?q=giay+phep").text


def test_a_signed_in_visitors_page_is_never_served_to_anyone_else():
    ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[AgencyFactory()])
    signed_in = Client()
    signed_in.force_login(citizen(first_name="Nguyễn", last_name="Riêng Tư"))
    own = signed_in.get("/thu-tuc/?q=khai+sinh")
    assert own.status_code == 200 and "Riêng Tư" in own.text

    anonymous = Client().get("/thu-tuc/?q=khai+sinh")

    assert anonymous.status_code == 200 and "Riêng Tư" not in anonymous.text
    assert "Riêng Tư" in signed_in.get("/thu-tuc/?q=khai+sinh").text
