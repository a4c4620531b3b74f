"""Every list page and API list of the registry is paginated, and its number of queries does not grow with
the number of records it lists."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory
from tinhso.telecom import services
from tinhso.telecom.models import CableRoute, CoveragePlan, ServicePoint
from tinhso.telecom.tests.factories import OperatorFactory, department_office, station_at, village_at

pytestmark = pytest.mark.django_db

PAGES = ["/vien-thong/", "/vien-thong/tram/", "/vien-thong/thon/", "/vien-thong/thon-trang-song/",
         "/vien-thong/xa/", "/vien-thong/su-co/", "/vien-thong/bao-cao/", "/vien-thong/tuyen-cap/",
         "/vien-thong/diem-dich-vu/", "/vien-thong/quy-hoach/", "/vien-thong/ban-do/",
         "/api/telecom/stations", "/api/telecom/outages", "/api/telecom/villages", "/api/telecom/reports",
         "/api/telecom/operators"]


def add_records(operators, commune, start: int, count: int) -> None:
    for i in range(start, start + count):
        operator = operators[i % len(operators)]
        station = station_at(operator, north=i * 400, code=f"S-{i:04d}", commune=commune)
        station.tenants.add(operators[(i + 1) % len(operators)])
        services.report_down(station, cause="power")
        village = village_at(north=i * 400 + 100, commune=commune)
        CoveragePlan.objects.create(village=village, operator=operator, planned_on=datetime.date(2026, 12, 1),
                                    grid_power=True)
        route = CableRoute(operator=operator, code=f"R-{i:04d}", placement="underground",
                           path={"type": "LineString", "coordinates": [[105.6, 18.6 + i / 1000], [105.61, 18.6]]})
        services.save_route(route, communes=[commune])
        ServicePoint.objects.create(code=f"P-{i:04d}", kind="kiosk", name=f"Điểm {i}", operator=operator,
                                    commune=commune)
        services.enter_report(operator=operator, period=f"2025-{i % 12 + 1:02d}", values={
            "phone_subscribers": 10, "mobile_broadband_subscribers": 5, "fixed_broadband_subscribers": 1,
            "revenue_million_vnd": 1, "stations": 1})
    services.recompute_coverage()


def test_the_number_of_queries_does_not_grow_with_the_records(client):
    ProvinceFactory()
    _, clerk, _, _ = department_office()
    operators = [OperatorFactory(), OperatorFactory(), OperatorFactory()]
    commune = CommuneFactory()
    add_records(operators, commune, 0, 2)
    client.force_login(clerk)
    few = {}
    for url in PAGES:
        assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        few[url] = len(queries)
    add_records(operators, commune, 2, 6)
    for url in PAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(queries) == few[url], (url, [q["sql"] for q in queries.captured_queries][-3:])
