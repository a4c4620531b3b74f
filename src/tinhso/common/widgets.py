"""Form widgets drawn in Python where a page shows them on every view.

Django draws a ``<select>`` through a template per option (and one for each option's attributes); a filter
bar with a few dozen choices cost a queue page more than its rows. :class:`QuickSelect` writes the same
markup — the attributes Django's templates write, every value escaped — in one pass.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """As Django's ``attrs.html``: in order, True as a bare name, False left out."""
    return mark_safe("".join(  # noqa: S308 — every name and value escaped
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False))


def _option(option: dict) -> str:
    attrs = dict(option["attrs"])
    if option["selected"]:
        attrs["selected"] = True
    return format_html('<option value="{}"{}>{}</option>', option["value"], _attrs(attrs), option["label"])


class QuickSelect(forms.Select):
    """A ``<select>`` (groups included) drawn without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            inner = mark_safe("".join(_option(option) for option in options))  # noqa: S308 — escaped in _option
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, inner) if group_name
                         else inner)
        return format_html('<select name="{}"{}>{}</select>', widget["name"], _attrs(widget["attrs"]),
                           mark_safe("".join(parts)))  # noqa: S308 — each part escaped above


