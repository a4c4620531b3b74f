"""The supervision report's PDF says what its XLSX says: every number of every table, read back from the PDF
file by position (``pdftotext -bbox``), compared with the XLSX of the same report; and no two words of the
PDF are printed on top of each other."""

from __future__ import annotations

import html
import io
import re
import subprocess
from dataclasses import dataclass
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tinhso.directory.identifiers import province_level1_code
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer, staff_for
from tinhso.ioc.indicators import load_demo_ioc, seed_registry
from tinhso.ioc.models import Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_province(clock):
    """The demo plan (targets and reported values, some in the millions) and three agencies with
    finished-late and running-overdue dossiers in different numbers."""
    seed_registry()
    AgencyFactory(identifier=f"000.00.02.{province_level1_code('40')}")
    load_demo_ioc("40")
    agencies = [AgencyFactory(name=name) for name in ("Sở Tư pháp", "Sở Xây dựng", "Sở Tài nguyên và Môi trường")]
    for n, agency in enumerate(agencies, start=1):
        version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
        actors = staff_for(agency)
        dossier_in_state(State.RETURNED, version=version, actors=actors)
        late = [dossier_in_state(State.IN_PROGRESS, version=version, actors=actors) for _ in range(n)]
        for _ in range(n + 1):
            dossier_in_state(State.RECEIVED, version=version, actors=actors)
        clock.set(2026, 3, 16 + n, 9)
        for dossier in late:
            dossier = services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
            services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version,
                                   method="desk")
        clock.set(2026, 3, 2, 9)
    clock.set(2026, 3, 30, 9)
    return agencies


# -- reading the PDF back ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def pdf_words(pdf: bytes) -> list[Word]:
    """Every word of the PDF with its box, in reading order per page (poppler's pdftotext)."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    words = []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        for x0, y0, x1, y1, text in _WORD.findall(page):
            words.append(Word(number, float(x0), float(y0), float(x1), float(y1), html.unescape(text)))
    return words


def overlapping(words: list[Word], tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of words on one page whose boxes overlap by more than ``tolerance`` points both ways
    (adjacent lines touch by a fraction of a point)."""
    found = []
    for n, a in enumerate(words):
        for b in words[n + 1:]:
            if a.page == b.page and min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance \
                    and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance:
                found.append((a.text, b.text))
    return found


def table_rows(words: list[Word], start: str, end: str, columns: int) -> list[list[str]]:
    """The rows of the table between the section headings ``start`` and ``end`` (e.g. "I." and "II."),
    each as its ``columns`` cells' text, read by position on each page the table spans.

    Cells are padded, so between two columns there is a strip where no word of any row ever is: the table's
    words, merged along the x axis, give one span per column (a number overflowing into its neighbour
    merges two spans and fails the count). A row starts at the number in the first column (TT) and runs
    to the next one; the header row above the first number is left out."""
    first_page = next(w.page for w in words if w.text == start)
    last_page = next(w.page for w in words if w.text == end and w.page >= first_page)
    rows: list[list[str]] = []
    for page in range(first_page, last_page + 1):
        on_page = [w for w in words if w.page == page]
        top = next((w.y1 for w in on_page if w.text == start), 0.0)
        bottom = min([w.y0 for w in on_page if w.text in (end, "Trang")] or [10_000.0])
        body = [w for w in on_page if top <= w.y0 and w.y1 <= bottom + 1]
        header = [w for w in body if w.text == "TT"]
        if not header:
            continue
        tt = header[0]
        firsts = sorted((w for w in body if w.x0 >= tt.x0 - 6 and w.x1 <= tt.x1 + 6 and w.y0 > tt.y1 - 2
                         and w.text.isdigit()), key=lambda w: w.y0)
        if not firsts:
            continue
        cells_area = [w for w in body if w.y0 >= firsts[0].y0 - 1]
        spans: list[list[float]] = []
        for w in sorted(cells_area, key=lambda w: w.x0):
            if spans and w.x0 <= spans[-1][1] + 3:
                spans[-1][1] = max(spans[-1][1], w.x1)
            else:
                spans.append([w.x0, w.x1])
        # The header cells (centred, two lines at most around TT) name the columns; a column empty in
        # every row of the page has no span, the others take the header nearest their centre.
        heads: list[list[float]] = []
        for w in sorted((w for w in body if tt.y0 - 10 <= w.y0 < firsts[0].y0 - 1), key=lambda w: w.x0):
            if heads and w.x0 <= heads[-1][1] + 6:
                heads[-1][1] = max(heads[-1][1], w.x1)
            else:
                heads.append([w.x0, w.x1])
        assert len(heads) == columns, (page, heads)
        centres = [(x0 + x1) / 2 for x0, x1 in heads]
        column_of = [min(range(columns), key=lambda i: abs(centres[i] - (x0 + x1) / 2)) for x0, x1 in spans]
        assert len(set(column_of)) == len(spans), (page, spans, heads)
        for n, first in enumerate(firsts):
            below = firsts[n + 1].y0 if n + 1 < len(firsts) else bottom
            in_row = sorted((w for w in cells_area if first.y0 - 1 <= w.y0 < below - 1),
                            key=lambda w: (round(w.y0), w.x0))
            row = [""] * columns
            for (x0, x1), column in zip(spans, column_of, strict=True):
                row[column] = " ".join(w.text for w in in_row if x0 <= w.x0 and w.x1 <= x1)
            rows.append(row)
    return rows


def number(text: str) -> Decimal | None:
    """A number as the Vietnamese report writes it (4 100 000; 97,2), None for "—"."""
    text = text.replace("\u00a0", "").replace(" ", "")
    if text == "—":
        return None
    assert re.fullmatch(r"-?\d+(,\d+)?", text), f"not a number: {text!r}"
    return Decimal(text.replace(",", "."))


def same(pdf_text: str, value) -> bool:
    """Whether the PDF's number is the XLSX value rounded to the decimals the PDF shows."""
    shown = number(pdf_text)
    if value is None or shown is None:
        return shown is None and value is None
    places = len(pdf_text.split(",")[1]) if "," in pdf_text else 0
    return shown == Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def sheet_rows(book, name: str) -> list[tuple]:
    return [row for row in book[name].iter_rows(min_row=3, values_only=True) if any(c is not None for c in row)]


def flat(text: str) -> str:
    return " ".join(text.split())


# -- the report --------------------------------------------------------------------------------------------

def test_every_number_of_the_report_pdf_is_the_xlsx_number(client, late_province):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory(name="Trung tâm điều hành")))
    pdf = client.get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=pdf").content
    book = load_workbook(io.BytesIO(client.get("/dieu-hanh/bao-cao/?ky=2026&dinh-dang=xlsx").content))
    words = pdf_words(pdf)
    assert overlapping(words) == []

    # I. plan against actual: TT, name, unit, target, actual, % achieved, status, note
    plan = sheet_rows(book, "Ke hoach - thuc hien")
    rows = table_rows(words, "I.", "II.", 8)
    assert len(rows) == len(plan) > 30
    for n, (pdf_row, (name, unit, target, value, achieved, status, note)) in enumerate(zip(rows, plan, strict=True), 1):
        assert pdf_row[0] == str(n) and flat(pdf_row[1]) == flat(name), (pdf_row, name)
        assert flat(pdf_row[2]) == flat(unit or ""), (pdf_row, unit)
        assert same(pdf_row[3], target) and same(pdf_row[4], value) and same(pdf_row[5], achieved), (pdf_row, name)
        assert flat(pdf_row[6]) == flat(status) and flat(pdf_row[7]) == flat(note or ""), pdf_row
    thousands = [row for row in plan if row[2] is not None and row[2] >= 1_000_000]
    assert thousands, "the demo plan has targets in the millions"

    # II. late dossiers by agency: TT, agency, settled, settled late, running overdue
    late = sheet_rows(book, "Ho so tre han")
    rows = table_rows(words, "II.", "III.", 5)
    assert [flat(row[1]) for row in rows] == [row[0] for row in late] == [
        "Sở Tài nguyên và Môi trường", "Sở Xây dựng", "Sở Tư pháp"]
    for pdf_row, (_name, returned, late_count, overdue) in zip(rows, late, strict=True):
        assert [number(cell) for cell in pdf_row[2:]] == [returned, late_count, overdue], pdf_row
    assert [row[1:] for row in late] == [(4, 3, 4), (3, 2, 3), (2, 1, 2)]

    # III. what remains: each indicator with its actual and its target, as in the XLSX
    text = flat(" ".join(w.text for w in words))
    section = text[text.index("III. Nhiệm vụ còn lại"):]
    remaining = sheet_rows(book, "Nhiem vu con lai")
    assert remaining
    for name, target, value, status in remaining:
        unit = re.escape(Indicator.objects.get(name=name).unit)
        found = re.search(re.escape(flat(name)) + rf": thực hiện (.+?) {unit} so với chỉ tiêu (.+?) {unit} —",
                          section)
        assert found, name
        assert same(found.group(1).strip(), value) and same(found.group(2).strip(), target), (name, found.group(0))
        assert status.lower() in section

