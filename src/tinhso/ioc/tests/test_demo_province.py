"""On the demo province's generated dossiers (every state, supplements, apologies, payments, late results)
the incrementally kept rollups equal a full recount, and every page renders."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tinhso.catalogue.demo import load_demo_catalogue
from tinhso.directory.demo import load_demo_directory
from tinhso.dossiers.demo import load_demo_dossiers
from tinhso.geo.services import load_units
from tinhso.ioc import rollups, selectors
from tinhso.ioc.indicators import load_demo_ioc
from tinhso.ioc.models import DossierMonth, ProcessingDays
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    code = settings.TINHSO_PROVINCE_CODE
    load_units()
    load_demo_directory(code, "mat-khau-thu")
    load_demo_catalogue(code)
    load_demo_dossiers(code, days=20)
    load_demo_ioc(code)
    return code


def test_demo_rollups_equal_a_recount_and_survive_a_rebuild(demo):
    result = rollups.verify()
    assert result.ok, result.differences
    totals = {name: sum(getattr(r, name) for r in DossierMonth.objects.all())
              for name in ("received", "returned", "late", "supplement_requests", "payments")}
    assert totals["received"] > 20 and totals["returned"] > 10 and totals["supplement_requests"] > 0
    histogram = sum(ProcessingDays.objects.values_list("dossiers", flat=True))
    assert histogram == totals["returned"]
    before = rollups.stored()
    rollups.rebuild()
    assert rollups.stored() == before


def test_every_page_renders_for_the_demo_viewer(client, demo):
    client.force_login(get_user_model().objects.get(username="dieuhanh"))
    year = str(Period.current().year)
    for url in ("/dieu-hanh/", f"/dieu-hanh/?ky={year}-Q1", "/dieu-hanh/xep-hang/", "/dieu-hanh/bo-chi-so-766/",
                "/dieu-hanh/bao-cao/", "/dieu-hanh/chi-so/ty-le-dung-han/?theo=commune",
                "/dieu-hanh/chi-so/thoi-gian-xu-ly-trung-vi/?theo=procedure",
                "/dieu-hanh/chi-so/doanh-thu-vien-thong/", "/dieu-hanh/ho-so/late/", "/dieu-hanh/ho-so/received/",
                "/dieu-hanh/ho-so/apologies/"):
        assert client.get(url).status_code == 200, url
    values = client.get(f"/api/ioc/values?ky={year}").json()
    on_time = next(v for v in values if v["code"] == "ty-le-dung-han")
    scope = selectors.Scope(True)
    assert on_time["value"] == str(next(a.value for a in selectors.overview(scope, Period.current())
                                        if a.indicator.code == "ty-le-dung-han"))
