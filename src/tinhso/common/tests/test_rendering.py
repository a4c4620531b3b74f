"""The one rendering path: an administrative report in the NĐ 30 layout printed to PDF (read back), nothing
fetched from the network, and tables written to XLSX."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.template import engines
from openpyxl import load_workbook
from pypdf import PdfReader

from tinhso.common import rendering
from tinhso.common.workdays import VIETNAM

REPORT = """{% extends "common/print/report_base.html" %}{% block body %}
<h2>I. Số liệu</h2><table class="lines"><thead><tr><th>Cơ quan</th><th>Số văn bản</th></tr></thead>
<tbody>{% for name, count in rows %}<tr><td>{{ name }}</td><td class="number">{{ count }}</td></tr>{% endfor %}
</tbody></table>{% endblock %}"""


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_an_administrative_report_prints_in_the_decree_30_layout():
    html = engines["django"].from_string(REPORT).render({
        "heading": {"superior": "UBND tỉnh Nghệ An", "issuer": "Sở Khoa học và Công nghệ", "place": "Nghệ An"},
        "issued": datetime.datetime(2027, 2, 5, 9, 0, tzinfo=VIETNAM), "number_suffix": "BC-SKHCN",
        "title": "Báo cáo văn bản điện tử", "subtitle": "Tháng 01/2027", "recipients": ["UBND tỉnh", "Lưu: VT"],
        "signer_role": "Giám đốc", "rows": [("Sở Tài chính", 128), ("Sở Y tế", 57)]})
    text = _text(rendering.report_pdf(html))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                     "/BC-SKHCN", "Nghệ An, ngày 05 tháng 02 năm 2027", "BÁO CÁO VĂN BẢN ĐIỆN TỬ", "Sở Tài chính",
                     "128", "57", "Nơi nhận:", "GIÁM ĐỐC", "Trang 1/1"):
        assert expected in text, expected


def test_the_fetcher_serves_data_uris_and_the_named_directories_only():
    from tinhso.dossiers import printing

    fetcher = rendering.OfflineFetcher([printing.STATIC_DIR])
    for url in ("https://example.com/logo.png", "http://127.0.0.1:8000/static/x.css", "file:///etc/passwd",
                "ftp://example.com/x"):
        with pytest.raises(ValueError, match=r"fetches no external|disallowed"):
            fetcher.fetch(url)
    with pytest.raises(ValueError, match="fetches no external"):
        fetcher.fetch((printing.STATIC_DIR / ".." / ".." / "models.py").resolve().as_uri())
    assert fetcher.fetch("data:text/plain;base64,eGlu").read() == b"xin"
    assert b"@page" in fetcher.fetch(printing.STYLESHEET.as_uri()).read()


def test_printing_fetches_nothing_from_the_network():
    pdf = rendering.html_to_pdf('<p>Xin chào</p><img src="https://example.com/a.png"><img src="file:///etc/passwd">')
    assert "Xin chào" in _text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0


def test_a_table_goes_to_xlsx_with_numbers_as_numbers():
    content = rendering.table_xlsx("Văn bản: tháng 01/2027", ["Cơ quan", "Số"], [["Sở Y tế", Decimal("57")]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Văn bản- tháng 01-2027"
    assert [c.value for c in sheet[3]] == ["Sở Y tế", 57.0]
