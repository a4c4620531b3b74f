"""E-forms (tờ khai điện tử): the extra fields a procedure asks for online, as a small JSON Schema subset.

Supported, and nothing else (an unknown keyword is an error, never silently ignored):

* the schema: ``{"type": "object", "title": ..., "properties": {...}, "required": [...]}``;
* each property: ``type`` one of ``string``, ``number``, ``integer``, ``boolean``; ``title``,
  ``description``; ``enum`` (a list of allowed values); for strings ``maxLength`` and ``format: "date"``
  (an ISO date ``YYYY-MM-DD``); for numbers and integers ``minimum`` and ``maximum``.

:func:`schema_errors` checks a schema (on save and publish); :func:`validate_eform_data` checks what an
applicant entered and answers with one Vietnamese message per field.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

PROPERTY_TYPES = ("string", "number", "integer", "boolean")
_SCHEMA_KEYS = {"type", "title", "description", "properties", "required"}
_PROPERTY_KEYS = {
    "string": {"type", "title", "description", "enum", "maxLength", "format"},
    "number": {"type", "title", "description", "enum", "minimum", "maximum"},
    "integer": {"type", "title", "description", "enum", "minimum", "maximum"},
    "boolean": {"type", "title", "description"},
}
_FORMATS = ("date",)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TYPE_LABELS = {"string": "chuỗi ký tự", "number": "số", "integer": "số nguyên", "boolean": "có/không"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches_type(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return _is_number(value) and float(value).is_integer()
    if kind == "number":
        return _is_number(value)
    return isinstance(value, bool)


def schema_errors(schema: Any) -> list[str]:
    """What is wrong with an e-form schema, in Vietnamese; an empty list when it is usable."""
    if not isinstance(schema, dict):
        return ["Biểu mẫu điện tử phải là một đối tượng JSON."]
    errors = [f"Khóa “{key}” không được hỗ trợ ở cấp biểu mẫu." for key in sorted(set(schema) - _SCHEMA_KEYS)]
    if schema.get("type") != "object":
        errors.append("Biểu mẫu điện tử phải có \"type\": \"object\".")
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        errors.append("Biểu mẫu điện tử phải có ít nhất một trường trong \"properties\".")
        properties = {}
    for name, definition in properties.items():
        errors.extend(_property_errors(name, definition))
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(item, str) for item in required):
        errors.append("\"required\" phải là danh sách tên trường.")
    else:
        errors.extend(
            f"Trường bắt buộc “{name}” không có trong \"properties\"." for name in required if name not in properties
        )
    return errors


def _property_errors(name: str, definition: Any) -> list[str]:
    if not _NAME.fullmatch(str(name)):
        return [f"Tên trường “{name}” chỉ gồm chữ thường không dấu, chữ số và “_”, bắt đầu bằng chữ cái."]
    if not isinstance(definition, dict):
        return [f"Trường “{name}” phải là một đối tượng JSON."]
    kind = definition.get("type")
    if kind not in PROPERTY_TYPES:
        return [f"Trường “{name}”: kiểu phải là một trong {', '.join(PROPERTY_TYPES)}."]
    errors = [
        f"Trường “{name}”: khóa “{key}” không được hỗ trợ với kiểu {kind}."
        for key in sorted(set(definition) - _PROPERTY_KEYS[kind])
    ]
    for key in ("title", "description"):
        if key in definition and not isinstance(definition[key], str):
            errors.append(f"Trường “{name}”: “{key}” phải là chuỗi ký tự.")
    if "enum" in definition:
        enum = definition["enum"]
        if not isinstance(enum, list) or not enum or not all(_matches_type(item, kind) for item in enum):
            errors.append(f"Trường “{name}”: “enum” phải là danh sách khác rỗng các giá trị kiểu {kind}.")
    if "maxLength" in definition and not (
        isinstance(definition["maxLength"], int) and not isinstance(definition["maxLength"], bool)
        and definition["maxLength"] > 0
    ):
        errors.append(f"Trường “{name}”: “maxLength” phải là số nguyên dương.")
    if "format" in definition and definition["format"] not in _FORMATS:
        errors.append(f"Trường “{name}”: định dạng chỉ hỗ trợ {', '.join(_FORMATS)}.")
    bounds = [definition.get(key) for key in ("minimum", "maximum")]
    for key, bound in zip(("minimum", "maximum"), bounds, strict=True):
        if key in definition and not _is_number(bound):
            errors.append(f"Trường “{name}”: “{key}” phải là một số.")
    if all(_is_number(bound) for bound in bounds) and bounds[0] > bounds[1]:
        errors.append(f"Trường “{name}”: “minimum” không được lớn hơn “maximum”.")
    return errors


def validate_eform_data(schema: dict, data: Any) -> dict[str, str]:
    """The applicant's entries checked against a (valid) schema: ``{field name: Vietnamese message}``.

    Unknown fields are reported under their own name; an empty string counts as not entered.
    """
    if not isinstance(data, dict):
        return {"__all__": "Dữ liệu tờ khai phải là một đối tượng JSON."}
    properties: dict = schema.get("properties", {})
    errors: dict[str, str] = {}
    for name in schema.get("required", []):
        if data.get(name) in (None, ""):
            errors[name] = f"Vui lòng nhập “{_label(properties, name)}”."
    for name, value in data.items():
        if name in errors:
            continue
        if name not in properties:
            errors[name] = f"Trường “{name}” không có trong tờ khai."
        elif value not in (None, ""):
            message = _value_error(properties[name], _label(properties, name), value)
            if message:
                errors[name] = message
    return errors


def _label(properties: dict, name: str) -> str:
    return str(properties.get(name, {}).get("title") or name)


def _value_error(definition: dict, label: str, value: Any) -> str | None:
    kind = definition["type"]
    if not _matches_type(value, kind):
        return f"“{label}” phải là {_TYPE_LABELS[kind]}."
    if "enum" in definition and value not in definition["enum"]:
        allowed = ", ".join(str(item) for item in definition["enum"])
        return f"“{label}” phải là một trong các giá trị: {allowed}."
    if kind == "string":
        if "maxLength" in definition and len(value) > definition["maxLength"]:
            return f"“{label}” dài tối đa {definition['maxLength']} ký tự."
        if definition.get("format") == "date":
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                return f"“{label}” phải là ngày hợp lệ dạng YYYY-MM-DD."
            if len(value) != 10:
                return f"“{label}” phải là ngày hợp lệ dạng YYYY-MM-DD."
    if kind in ("number", "integer"):
        if "minimum" in definition and value < definition["minimum"]:
            return f"“{label}” không được nhỏ hơn {definition['minimum']}."
        if "maximum" in definition and value > definition["maximum"]:
            return f"“{label}” không được lớn hơn {definition['maximum']}."
    return None
