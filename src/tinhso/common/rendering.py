"""The platform's one path from a template to a printed document or a spreadsheet: HTML rendered to PDF by
WeasyPrint (the statutory forms, the supervision report, every module's administrative report) and tables
written to XLSX (what offices exchange).

WeasyPrint fetches nothing from the network: fonts are the installed system fonts, images are ``data:``
URIs, and :class:`OfflineFetcher` serves only those and files under the directories a caller names (its own
static files). An administrative report (NĐ 30/2020 layout: the issuing body opposite the national motto,
place and date, numbered sections, tables whose header row repeats on every page, "Trang X/Y" at the foot)
extends ``common/print/report_base.html`` and is printed with :data:`REPORT_STYLESHEET`.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Font
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

PRINT_DIR = Path(__file__).resolve().parent / "static" / "common" / "print"
REPORT_STYLESHEET = PRINT_DIR / "report.css"


class OfflineFetcher(URLFetcher):
    """Serves ``data:`` URIs and files under ``roots``; refuses everything else, the network above all."""

    def __init__(self, roots: Sequence[Path] = ()):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.roots = tuple(Path(root).resolve() for root in roots)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
        raise ValueError(f"Printing fetches no external resource: {url[:80]}")


@functools.cache
def stylesheet(path: Path) -> CSS:
    """A print stylesheet, parsed once per process."""
    return CSS(filename=str(path), url_fetcher=OfflineFetcher([Path(path).parent]))


_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """The thread's font configuration, kept from one document to the next.

    WeasyPrint makes a new one for every document unless given one, and with it a new Pango font map whose
    caches start empty: every line of text then pays fontconfig's font matching again, which was most of the
    time a warm form took to print (bench/README.md, form-pdf). One per thread, as Pango's font maps are not
    shared between threads."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str, stylesheets: Sequence[Path] = (), base_dir: Path | None = None) -> bytes:
    """Render ``html`` to PDF with ``stylesheets`` (paths), resolving relative addresses under ``base_dir``."""
    roots = [Path(base_dir)] if base_dir else []
    roots += [Path(path).parent for path in stylesheets]
    document = HTML(string=html, base_url=(str(base_dir) + "/") if base_dir else None,
                    url_fetcher=OfflineFetcher(roots))
    return document.write_pdf(stylesheets=[stylesheet(Path(path)) for path in stylesheets],
                              font_config=font_configuration())


def report_pdf(html: str) -> bytes:
    """An administrative report (a template extending ``common/print/report_base.html``) as PDF."""
    return html_to_pdf(html, [REPORT_STYLESHEET], PRINT_DIR)


def xlsx_value(value):
    """A value as a cell holds it: decimals as numbers, lazy translations as text."""
    if hasattr(value, "is_finite"):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def write_sheet(sheet, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    """A bold title line, the headers, the rows."""
    sheet.append([str(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([str(h) for h in headers])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_value(v) for v in row])


def table_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet: a bold title line, the headers, the rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = safe_sheet_title(title)
    write_sheet(sheet, title, headers, rows)
    return workbook_bytes(book)


def safe_sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    for ch in "[]:*?/\\":
        title = str(title).replace(ch, "-")
    return title[:31] or "Sheet"


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
