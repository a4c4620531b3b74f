"""QuickSelect writes what Django's own Select template writes."""

from __future__ import annotations

import re

from django import forms

from tinhso.common.widgets import QuickSelect


def _normalised(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


CHOICES = [("", "Tất cả"), ("a&b", "A & <B>"), ("x", "Xã \"Một\""), ("Nhóm <1>", [("g1", "Một"), ("g2", "Hai")]),
           (3, "Ba"), ("x", "Xã lặp lại")]


def test_the_select_is_the_one_djangos_template_draws():
    for value in ("", "a&b", "g2", "none", 3, "3", "x", None):
        attrs = {"id": "id_f", "aria-describedby": "id_f_help", "required": True, "disabled": False}
        quick = QuickSelect(choices=CHOICES).render("f", value, attrs=dict(attrs))
        django = forms.Select(choices=CHOICES).render("f", value, attrs=dict(attrs))
        assert _normalised(quick) == _normalised(django), value


def test_values_and_labels_are_escaped():
    html = QuickSelect(choices=CHOICES).render("f", "a&b")
    assert '<option value="a&amp;b" selected>A &amp; &lt;B&gt;</option>' in html
    assert "<B>" not in html
