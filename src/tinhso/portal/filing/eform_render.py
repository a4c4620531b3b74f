"""A procedure's e-form (tờ khai điện tử, the JSON Schema subset of ``catalogue.eforms``) as a Django form.

The form only turns what was typed into JSON values (text, numbers, dates as ``YYYY-MM-DD``, booleans);
the rules themselves — required, enum, maxLength, minimum/maximum — are judged on the server by
``catalogue.eforms.validate_eform_data``, the same check the engine applies on submission, and its
Vietnamese messages are attached to the fields. Limits are also written into the HTML (``maxlength``,
``min``, ``max``, ``aria-required``) so a browser and a screen reader can tell the applicant early.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext as _

from tinhso.catalogue.eforms import validate_eform_data
from tinhso.portal.filing.forms import LinkedErrorsMixin

PREFIX = "eform"


def _attrs(definition: dict, required: bool) -> dict:
    attrs: dict = {}
    if required:
        attrs["aria-required"] = "true"
    if "maxLength" in definition:
        attrs["maxlength"] = definition["maxLength"]
    for key, attr in (("minimum", "min"), ("maximum", "max")):
        if key in definition:
            attrs[attr] = definition[key]
    return attrs


def _field(definition: dict, required: bool) -> forms.Field:
    kind = definition["type"]
    label = definition.get("title") or ""
    common = {"label": label, "required": False, "help_text": definition.get("description", "")}
    attrs = _attrs(definition, required)
    if "enum" in definition:
        choices = [("", _("— Chọn —"))] + [(str(value), str(value)) for value in definition["enum"]]
        coerce = {"integer": int, "number": float}.get(kind, str)
        return forms.TypedChoiceField(choices=choices, coerce=coerce, empty_value=None,
                                      widget=forms.Select(attrs=attrs), **common)
    if kind == "boolean":
        return forms.BooleanField(widget=forms.CheckboxInput(attrs=attrs), **common)
    if kind == "integer":
        return forms.IntegerField(widget=forms.NumberInput(attrs={**attrs, "step": "1"}), **common)
    if kind == "number":
        return forms.FloatField(widget=forms.NumberInput(attrs={**attrs, "step": "any"}), **common)
    if definition.get("format") == "date":
        return forms.DateField(widget=forms.DateInput(attrs={**attrs, "type": "date"}, format="%Y-%m-%d"),
                               input_formats=["%Y-%m-%d", "%d/%m/%Y"], **common)
    widget = forms.Textarea(attrs={**attrs, "rows": 3}) if definition.get("maxLength", 0) > 255 \
        else forms.TextInput(attrs=attrs)
    return forms.CharField(widget=widget, strip=True, **common)


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value) if abs(value) < 2**53 else value
    return value


class EformForm(LinkedErrorsMixin, forms.Form):
    """The fields of ``schema``; ``eform_data()`` gives the JSON the engine stores, once ``is_valid()``."""

    def __init__(self, schema: dict, *args, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.schema = schema or {}
        required = set(self.schema.get("required", []))
        self.required_names = required
        for name, definition in self.schema.get("properties", {}).items():
            field = _field(definition, name in required)
            field.eform_required = name in required
            self.fields[name] = field

    def clean(self):
        cleaned = super().clean()
        errors = validate_eform_data(self.schema, self._data_from(cleaned))
        for name, message in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
            elif name not in self.fields:
                self.add_error(None, message)
        return cleaned

    def _data_from(self, cleaned: dict) -> dict:
        data = {}
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(field, forms.BooleanField):
                data[name] = bool(value)
            elif value not in (None, ""):
                data[name] = _json_value(value)
        return data

    def eform_data(self) -> dict:
        return self._data_from(self.cleaned_data)


def initial_from(data: dict | None) -> dict:
    """Stored e-form JSON as the form's initial values."""
    return dict(data or {})


def display_rows(schema: dict | None, data: dict | None) -> list[tuple[str, str]]:
    """(label, value) pairs in schema order, for the review page and the dossier page."""
    rows = []
    for name, definition in (schema or {}).get("properties", {}).items():
        if name not in (data or {}):
            continue
        value = data[name]
        if isinstance(value, bool):
            shown = _("Có") if value else _("Không")
        elif definition.get("format") == "date" and isinstance(value, str):
            try:
                shown = datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                shown = value
        else:
            shown = str(value)
        rows.append((definition.get("title") or name, shown))
    return rows
