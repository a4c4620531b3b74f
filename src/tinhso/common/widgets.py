"""Form widgets drawn in Python where a page shows them on every view.

Django draws a ``<select>`` through a template per option (and one for each option's attributes), after
building a dict per option; a filter bar with a few dozen choices cost a queue page more than its rows.
:class:`QuickSelect` writes the same markup — the attributes Django's templates write, the same option
selected, every value escaped — in one pass over the choices.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """As Django's ``attrs.html``: in order, True as a bare name, False left out."""
    return "".join(f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
                   for name, value in attrs.items() if value is not False)


class QuickSelect(forms.Select):
    """A ``<select>`` (groups included) drawn without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        multiple = self.allow_multiple_selected
        final = self.build_attrs(self.attrs, attrs)
        if multiple:
            final["multiple"] = True
        has_selected = False

        def option(subvalue, label) -> str:
            nonlocal has_selected
            subvalue = "" if subvalue is None else str(subvalue)
            # Django selects the first option of the value only (all of them for a multiple select)
            selected = (not has_selected or multiple) and subvalue in chosen
            has_selected |= selected
            return f'<option value="{escape(subvalue)}"{" selected" if selected else ""}>{escape(str(label))}</option>'

        parts = []
        for group_value, group_label in self.choices:
            if isinstance(group_label, list | tuple):
                inner = "".join(option(v, label) for v, label in group_label)
                parts.append(f'<optgroup label="{escape(str(group_value))}">{inner}</optgroup>')
            else:
                parts.append(option(group_value, group_label))
        return mark_safe(  # noqa: S308 — every name, value and label escaped above
            f'<select name="{escape(name)}"{_attrs(final)}>{"".join(parts)}</select>')
