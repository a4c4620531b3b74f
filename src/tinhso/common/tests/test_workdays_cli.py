"""`tinhso workdays`: the calendar from the console."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tinhso.common import workdays

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.invalidate_calendar()
    yield
    workdays.invalidate_calendar()


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


def test_due_prints_the_worked_example_in_iso_8601():
    assert run("due", "--from", "2026-02-13 10:00", "--days", "1") == "2026-02-23T17:00:00+07:00\n"


def test_due_counts_working_hours_with_the_hours_option():
    assert run("due", "--from", "2026-02-13 16:00", "--hours", "2") == "2026-02-23T08:30:00+07:00\n"


def test_due_reads_a_day_first_date():
    assert run("due", "--from", "13/02/2026 10:00", "--days", "1") == "2026-02-23T17:00:00+07:00\n"


def test_between_prints_the_working_days_late():
    assert run("between", "--from", "2026-02-13 17:00", "--to", "2026-02-24 09:00") == "2\n"


def test_list_prints_the_years_weekdays_off_and_make_up_days_with_their_reasons():
    lines = run("list", "2026").splitlines()
    assert lines[0] == "Lịch làm việc năm 2026: 13 ngày thường được nghỉ, 1 ngày cuối tuần làm việc bù."
    assert len(lines) == 15
    tet = next(line for line in lines if line.startswith("16/02/2026"))
    assert "Thứ Hai" in tet and "Ngày nghỉ" in tet and "Tết Nguyên đán" in tet
    assert "[Công văn 9859/VPCP-KGVX]" in tet
    saturday = next(line for line in lines if line.startswith("22/08/2026"))
    assert "Thứ Bảy" in saturday and "Ngày làm việc bù" in saturday


@pytest.mark.parametrize(("args", "message"), [
    (["due", "--from", "hôm qua", "--days", "1"], "Không đọc được thời điểm"),
    (["due", "--from", "2026-02-30 10:00", "--days", "1"], "Không đọc được thời điểm"),
    (["due", "--from", "2026-02-13 10:00", "--days", "-1"], "không được âm"),
    (["due", "--from", "2026-02-13 10:00", "--days", "một"], "phải là số nguyên"),
    (["due", "--from", "2026-02-13 10:00", "--hours", "-3"], "không được âm"),
    (["due", "--from", "2060-12-30 10:00", "--days", "30"], "vượt quá phạm vi"),
    (["list", "1999"], "ngoài phạm vi"),
    (["list", "năm nay"], "Năm phải có 4 chữ số"),
])
def test_bad_input_is_refused_with_a_vietnamese_message(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_bad_input_exits_non_zero_from_the_console():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test"}
    result = subprocess.run(
        [sys.executable, "-m", "tinhso.manage", "workdays", "due", "--from", "hôm qua", "--days", "1"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode != 0
    assert "Không đọc được thời điểm" in result.stderr
