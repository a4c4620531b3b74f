"""Imports into the registry (``common.tabular``): bad files are rejected with the row and column and write
nothing; importing the same file twice changes nothing; an operator imports only its own rows; OpenCellID
cells become stations of the operator whose network code they carry; exports import back."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory, VillageFactory
from tinhso.telecom import exports, imports
from tinhso.telecom.models import CableRoute, Station, VillageCoverage, VillageStatus
from tinhso.telecom.tests.factories import OperatorFactory, department_office, offset, operator_person

pytestmark = pytest.mark.django_db

STATIONS = ("operator,code,name,latitude,longitude,commune_code,technologies,tenants,state,approved_on\n"
            "viettel,VT-1,Trạm Vinh 1,18.6796,105.6813,{commune},4G;5G,vnpt,in_service,02/03/2026\n"
            "vnpt,VNPT-1,Trạm Vinh 2,\"18,6850\",\"105,6900\",,3G,,built,\n")


@pytest.fixture
def setting():
    ProvinceFactory()
    _, clerk, _, _ = department_office()
    viettel = OperatorFactory(code="viettel", mnc="04")
    vnpt = OperatorFactory(code="vnpt", mnc="02")
    commune = CommuneFactory()
    return {"clerk": clerk, "viettel": viettel, "vnpt": vnpt, "commune": commune}


def csv(text: str) -> io.BytesIO:
    file = io.BytesIO(text.encode("utf-8"))
    file.name = "tep.csv"
    return file


def test_stations_import_once_and_again_changes_nothing(setting):
    text = STATIONS.format(commune=setting["commune"].code)
    first = imports.import_stations(csv(text), user=setting["clerk"])
    assert first.ok, first.lines()
    assert sorted(first.created) == ["VNPT-1", "VT-1"]
    station = Station.objects.get(code="VT-1")
    assert station.has_5g and station.operators_count == 2 and station.commune == setting["commune"]
    assert str(station.approved_on) == "2026-03-02"
    assert float(Station.objects.get(code="VNPT-1").latitude) == pytest.approx(18.685)
    again = imports.import_stations(csv(text), user=setting["clerk"])
    assert again.ok and again.created == [] and again.updated == [] and sorted(again.unchanged) == ["VNPT-1", "VT-1"]


@pytest.mark.parametrize(("row", "column"), [
    ("viettel,VT-9,x,95,105.6,,4G,,,", "latitude"),
    ("viettel,VT-9,x,18.6,105.6,,6G,,,", "technologies"),
    ("khongco,VT-9,x,18.6,105.6,,4G,,,", "operator"),
    ("viettel,VT-9,x,18.6,105.6,,4G,,dang_chay,", "state"),
    ("viettel,VT-9,x,18.6,105.6,,4G,,,13/13/2026", "approved_on"),
    ("viettel,VT-9,x,18.6,105.6,99999,4G,,,", "commune_code"),
])
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_written(setting, row, column):
    text = STATIONS.format(commune=setting["commune"].code) + row + "\n"
    report = imports.import_stations(csv(text), user=setting["clerk"])
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(4, column)]
    assert "Dòng 4, cột " + column in report.lines()[1]
    assert not Station.objects.exists()


def test_an_unknown_column_is_reported_on_the_header_row(setting):
    report = imports.import_stations(csv("operator,code,latitude,longitude,toa_do\n"), user=setting["clerk"])
    assert [(e.row, e.column) for e in report.errors] == [(1, "toa_do")]


def test_an_operator_imports_only_its_own_rows(setting):
    person = operator_person(setting["viettel"])
    report = imports.import_stations(csv(STATIONS.format(commune=setting["commune"].code)), user=person)
    assert [(e.row, e.column) for e in report.errors] == [(3, "operator")]
    assert not Station.objects.exists()


def test_opencellid_cells_of_the_province_become_stations_of_their_network(setting):
    inside_lat, inside_lon = offset(0, 0)
    text = ("radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
            f"LTE,452,4,10001,2211,0,{inside_lon},{inside_lat},1500,12,1,1459692000,1459692000,0\n"
            f"UMTS,452,02,10002,77,0,{inside_lon},{inside_lat},2000,3,1,1459692000,1459692000,0\n"
            "GSM,452,4,10003,9,0,106.7,10.8,1000,2,1,1459692000,1459692000,0\n")  # Hồ Chí Minh City: left out
    report = imports.import_opencellid(csv(text), user=setting["clerk"], format="csv")
    assert report.ok, report.lines()
    assert len(report.created) == 2 and len(report.unchanged) == 1
    lte = Station.objects.get(code="OCID-LTE-452-04-10001-2211")
    assert lte.operator == setting["viettel"] and lte.has_4g and lte.source == "opencellid"
    assert Station.objects.get(code__startswith="OCID-UMTS").operator == setting["vnpt"]
    again = imports.import_opencellid(csv(text), user=setting["clerk"], format="csv")
    assert again.created == [] and len(again.unchanged) == 3
    unknown = imports.import_opencellid(csv(text.replace(",452,4,10001", ",452,7,10001")), user=setting["clerk"],
                                        format="csv")
    assert [(e.row, e.column) for e in unknown.errors] == [(2, "net")]


def test_routes_import_with_their_geodesic_length(setting):
    text = ("operator,code,placement,path,commune_codes\n"
            f"viettel,CQ-01,underground,\"LINESTRING(105.68 18.68, 105.69 18.68)\",{setting['commune'].code}\n"
            "viettel,CQ-02,treo,\"LINESTRING(105.68 18.68, 105.69 18.68)\",\n"
            "viettel,CQ-03,overhead,\"LINESTRING(105.68)\",\n")
    report = imports.import_routes(csv(text), user=setting["clerk"])
    assert [(e.row, e.column) for e in report.errors] == [(4, "path")]  # "treo" is the label of overhead
    good = imports.import_routes(csv(text.rsplit("viettel,CQ-03", 1)[0]), user=setting["clerk"])
    assert good.ok
    route = CableRoute.objects.get(code="CQ-01")
    assert float(route.length_m) == pytest.approx(1054.6, rel=0.005)
    exported = exports.routes_table(CableRoute.objects.all(), "csv")
    assert "LINESTRING(105.68 18.68, 105.69 18.68)" in exported.decode("utf-8-sig")


def test_measured_coverage_imports_by_village_and_sets_the_status(setting):
    village = VillageFactory(commune=setting["commune"], code="05", name="Bản Cọ")
    text = ("commune_code,village_code,operator,technology,source,covered,observed_on,method\n"
            f"{setting['commune'].code},05,viettel,4G,measured,có,15/05/2026,drive_test\n")
    report = imports.import_coverage(csv(text), user=setting["clerk"])
    assert report.ok, report.lines()
    assert VillageStatus.objects.get(village=village).broadband
    assert VillageCoverage.objects.get(village=village).method == "drive_test"
    missing_method = text.replace(",drive_test", ",")
    bad = imports.import_coverage(csv(missing_method), user=setting["clerk"])
    assert [(e.row, e.column) for e in bad.errors] == [(2, "method")]
    # An operator may only declare, not measure.
    person = operator_person(setting["viettel"])
    refused = imports.import_coverage(csv(text), user=person)
    assert [(e.row, e.column) for e in refused.errors] == [(2, "source")]


def test_an_exported_workbook_imports_back_unchanged(setting):
    imports.import_stations(csv(STATIONS.format(commune=setting["commune"].code)), user=setting["clerk"])
    content = exports.stations_table(Station.objects.all(), "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.worksheets[0]["A1"].value == "operator"
    file = io.BytesIO(content)
    file.name = "tram.xlsx"
    report = imports.import_stations(file, user=setting["clerk"])
    assert report.ok and report.created == [] and report.updated == [] and len(report.unchanged) == 2
