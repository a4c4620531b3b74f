"""Rate limits behind the README's reverse proxy: a real nginx on loopback in front of the live server.

Clients come from different loopback addresses (127.0.0.2, 127.0.0.3 …) through the proxy, so the
application's peer is always the proxy (127.0.0.1). With ``TRUSTED_PROXIES`` naming the proxy, each client is
limited on its own; without it, every client shares the proxy's address, which is what locked everyone out.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, officer, received_dossier
from tinhso.testing import proxy

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def nginx(live_server):
    if proxy.find_nginx() is None:
        pytest.fail("nginx is missing: install Debian's nginx-light (.ci/run does)")
    with proxy.running(urlsplit(live_server.url).port) as port:
        yield port


def _post_form(client: proxy.Browser, path: str, fields: dict) -> int:
    status, page = client.request("GET", path)
    assert status == 200, page[:500]
    token = TOKEN.search(page).group(1)
    status, _page = client.request("POST", path, urlencode({"csrfmiddlewaretoken": token, **fields}))
    return status


def test_sign_in_failures_of_one_client_do_not_lock_out_another(nginx, settings):
    settings.TINHSO_TRUSTED_PROXIES = ["127.0.0.1"]
    get_user_model().objects.create_user("canbo.that", password="Mat-khau-2026!")
    guesser = proxy.Browser("127.0.0.2", nginx)
    answers = [_post_form(guesser, "/dang-nhap/", {"username": f"ai{number}@example.vn", "password": "sai"})
               for number in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429
    owner = proxy.Browser("127.0.0.3", nginx)
    assert _post_form(owner, "/dang-nhap/", {"username": "canbo.that", "password": "Mat-khau-2026!"}) == 302
    # A forged X-Forwarded-For does not let the guesser pass for someone else: the proxy appends the real one.
    status, _ = guesser.request("GET", "/dang-nhap/", headers={"X-Forwarded-For": "127.0.0.9"})
    assert status == 200
    assert _post_form(guesser, "/dang-nhap/", {"username": "x@example.vn", "password": "sai"}) == 429


def test_wrong_tracking_answers_of_one_client_do_not_block_another(nginx, settings):
    settings.TINHSO_TRUSTED_PROXIES = ["127.0.0.1"]
    agency = AgencyFactory()
    dossier = received_dossier(ProcedureWithRouteFactory(agency=agency), agency,
                               receiver=officer(Role.RECEIVER, agency), phone="0912 345 678")
    guesser = proxy.Browser("127.0.0.4", nginx)
    answers = [_post_form(guesser, "/tra-cuu/", {"code": f"H41.999-260101-{n:04d}", "digits": "1234"})
               for n in range(11)]
    assert answers[:10] == [404] * 10 and answers[10] == 429
    citizen = proxy.Browser("127.0.0.5", nginx)
    assert _post_form(citizen, "/tra-cuu/", {"code": dossier.code, "digits": "5678"}) == 302


def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_address(nginx, settings):
    """What the setting is for: left empty behind a proxy, one client's failures lock out the others."""
    settings.TINHSO_TRUSTED_PROXIES = []
    for number in range(10):
        _post_form(proxy.Browser("127.0.0.6", nginx), "/tra-cuu/",
                   {"code": f"H41.999-260101-{number:04d}", "digits": "1234"})
    assert _post_form(proxy.Browser("127.0.0.7", nginx), "/tra-cuu/",
                      {"code": "H41.999-260101-0099", "digits": "1234"}) == 429
