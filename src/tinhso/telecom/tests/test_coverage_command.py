"""`tinhso telecom coverage` answers from files alone: the villages left without mobile broadband, one code a
line, sorted; a bad file gets its row and column and exit status 2. These tests run without database access
(pytest-django refuses any query), which is the point."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tinhso.telecom.tests.factories import offset

HEADER = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
VILLAGES = "commune_code,code,name,latitude,longitude\n"


def cell(radio, north, east, cell_id=1):
    lat, lon = offset(north, east)
    return f"{radio},452,4,1001,{cell_id},0,{lon},{lat},1000,5,1,1459692000,1459692000,0\n"


def village(code, north, east):
    lat, lon = offset(north, east)
    return f"17329,{code},Thôn {code},{lat},{lon}\n"


@pytest.fixture
def files(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def run(*args) -> list[str]:
    out = StringIO()
    call_command("telecom", "coverage", *[str(a) for a in args], stdout=out)
    return out.getvalue().split()


def test_villages_without_3g_or_better_within_range_are_listed_sorted(files):
    stations = files("s.csv", HEADER + cell("LTE", 0, 0) + cell("GSM", 10_000, 0, 2) + cell("UMTS", 0, 20_000, 3))
    villages = files("v.csv", VILLAGES
                     + village("T03", 1_990, 0)       # 4G at 1,990 m: covered (default 2,000 m)
                     + village("T01", 2_010, 0)       # 2,010 m: beyond 4G
                     + village("T02", 10_100, 0)      # only 2G near
                     + village("T04", 0, 22_900))     # 3G at 2,900 m: covered (default 3,000 m)
    assert run("--stations", stations, "--villages", villages) == ["T01", "T02"]


def test_ranges_from_a_file_replace_the_defaults_of_the_technologies_it_names(files):
    stations = files("s.csv", HEADER + cell("LTE", 0, 0) + cell("NR", 0, 10_000, 2))
    villages = files("v.csv", VILLAGES + village("A", 2_500, 0) + village("B", 0, 10_700))
    ranges = files("r.csv", "technology,range_m\n4G,2600\n")
    # 5G keeps its default 500 m: B at 700 m from the NR cell stays uncovered.
    assert run("--stations", stations, "--villages", villages, "--ranges", ranges) == ["B"]


def test_a_headerless_opencellid_file_is_read_in_the_layout_order(files):
    stations = files("452.csv", cell("LTE", 0, 0))
    villages = files("v.csv", VILLAGES + village("A", 100, 0) + village("B", 9_000, 0))
    assert run("--stations", stations, "--villages", villages) == ["B"]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("s.csv", HEADER + "LTE,452,4,1001,1,0,105.7,abc,1000,5,1,0,0,0\n", "dòng 2, cột lat"),
    ("s.csv", HEADER + cell("LTE", 0, 0) + "WIMAX,452,4,1,2,0,105.7,18.7,1,1,1,0,0,0\n", "dòng 3, cột radio"),
    ("v.csv", VILLAGES + "17329,A,Thôn A,18.7\n", "dòng 2, cột longitude"),
    ("r.csv", "technology,range_m\n4G,-5\n", "dòng 2, cột range_m"),
    ("r.csv", "technology,meters\n4G,5\n", "dòng 1, cột meters"),
])
def test_a_bad_file_names_its_row_and_column_and_exits_with_status_2(files, capsys, name, text, message):
    paths = {"s.csv": files("s.csv", HEADER + cell("LTE", 0, 0)),
             "v.csv": files("v.csv", VILLAGES + village("A", 0, 0))}
    paths[name] = files(name, text)
    args = ["--stations", paths["s.csv"], "--villages", paths["v.csv"]]
    if name == "r.csv":
        args += ["--ranges", paths[name]]
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("telecom", "coverage", *[str(a) for a in args], stderr=err)
    assert raised.value.returncode == 2
    assert message in err.getvalue()


def test_the_command_line_prints_one_code_a_line_and_exits_2_on_a_bad_file(files):
    stations = files("s.csv", HEADER + cell("LTE", 0, 0))
    villages = files("v.csv", VILLAGES + village("Z9", 50_000, 0) + village("A1", 0, 0) + village("B7", 40_000, 0))
    tinhso = Path(sys.executable).with_name("tinhso")
    env = {**os.environ, "DATABASE_URL": "sqlite:////nonexistent/dir/db.sqlite3"}
    done = subprocess.run([tinhso, "telecom", "coverage", "--stations", stations, "--villages", villages],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "B7\nZ9\n"
    bad = files("bad.csv", VILLAGES + "17329,A1,Thôn,xx,105\n")
    failed = subprocess.run([tinhso, "telecom", "coverage", "--stations", stations, "--villages", bad],
                            capture_output=True, text=True, env=env, timeout=120)
    assert failed.returncode == 2
    assert "dòng 2, cột latitude" in failed.stderr
