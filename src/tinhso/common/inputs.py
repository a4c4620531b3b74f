"""One set of rules for values that come from outside (forms, query strings, API bodies, imports).

Every value a person or a program sends is read here before it reaches a query or a column, so that bad
input gets a 4xx with a Vietnamese message (English when chosen) naming the field, never a 500 from the
database: text with NUL or unpaired surrogates, identifiers beyond a 64-bit column, dates that overflow
the time zone arithmetic, numbers wider than their column, and date-times without a zone (read in the
province's zone, in one place: :func:`province_datetime`).

The views use these through their forms and filters, the API through ``tinhso.common.restapi``'s
annotated types and ``UnsafeInputMiddleware`` (which refuses NUL and unpaired surrogates everywhere).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext

from tinhso.common import tabular

# The largest value a BigAutoField (PostgreSQL bigint, SQLite INTEGER) holds.
MAX_ID = 2**63 - 1
# Dates the platform deals in: birth dates of the living to deadlines of long plans. Outside this range a
# date is a typing error, and near year 1 or 9999 the time-zone arithmetic itself overflows.
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)

# NUL ends a C string (PostgreSQL refuses it in text) and a lone surrogate cannot be encoded in UTF-8.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


class InputError(ValueError):
    """A value from outside that cannot be accepted: the message (vi, en) and the field it concerns."""

    status = 422

    def __init__(self, message: str, message_en: str, field: str = ""):
        self.message = message
        self.message_en = message_en
        self.field = field
        super().__init__(message)

    @property
    def localized(self) -> str:
        """The message in the active language: English when English is chosen, Vietnamese otherwise."""
        return self.message_en if (get_language() or "").startswith("en") else self.message


# -- text --------------------------------------------------------------------------------------------------

def has_unsafe_characters(text: str) -> bool:
    """Whether ``text`` holds a NUL or an unpaired surrogate (nothing stores or encodes them)."""
    return bool(_UNSAFE.search(text))


def unsafe_text_error(field: str) -> InputError:
    return InputError(
        f"Giá trị của “{field}” chứa ký tự không hợp lệ (ký tự NUL hoặc ký tự Unicode thay thế không ghép cặp).",
        f"The value of “{field}” contains an invalid character (NUL or an unpaired Unicode surrogate).",
        field,
    )


def check_text(value: str, field: str, max_length: int | None = None) -> str:
    """``value`` unchanged, or :class:`InputError` for unsafe characters or more than ``max_length``."""
    if has_unsafe_characters(value):
        raise unsafe_text_error(field)
    if max_length is not None and len(value) > max_length:
        raise InputError(f"“{field}” dài quá {max_length} ký tự.", f"“{field}” is longer than {max_length} characters.",
                         field)
    return value


def max_length_of(model: type[models.Model], name: str) -> int:
    """The column width of a text field, so that input schemas and forms carry the model's limit."""
    return model._meta.get_field(name).max_length


# -- numbers -----------------------------------------------------------------------------------------------

def parse_id(value, field: str) -> int | None:
    """A record number from a query string (``?co-quan=12``): None when empty, else 1…2⁶³−1."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or int(text) < 1 or int(text) > MAX_ID:
        raise InputError(f"“{field}” phải là một số nguyên dương (mã bản ghi).",
                         f"“{field}” must be a positive whole number (a record id).", field)
    return int(text)


def decimal_bounds(model_field: models.DecimalField) -> tuple[Decimal, int]:
    """The largest magnitude and the decimals a decimal column holds."""
    whole = model_field.max_digits - model_field.decimal_places
    return Decimal(10) ** whole - Decimal(1).scaleb(-model_field.decimal_places), model_field.decimal_places


def check_decimal(value, model_field: models.DecimalField, field: str) -> Decimal:
    """``value`` as a Decimal that fits ``model_field`` (digits before and after the point), or InputError.
    The number is read as spreadsheet cells are (``tabular.parse_decimal``: decimal comma or point)."""
    try:
        return tabular.parse_decimal(value, max_digits=model_field.max_digits,
                                     decimal_places=model_field.decimal_places)
    except ValueError as error:  # its message is already in the request's language
        raise InputError(f"“{field}”: {error}", f"“{field}”: {error}", field) from None


# -- dates and times ---------------------------------------------------------------------------------------

def date_range_error(field: str) -> InputError:
    return InputError(
        f"“{field}” phải là ngày trong khoảng {MIN_DATE:%d/%m/%Y} – {MAX_DATE:%d/%m/%Y}.",
        f"“{field}” must be a date between {MIN_DATE:%d/%m/%Y} and {MAX_DATE:%d/%m/%Y}.", field)


def check_date(value: datetime.date, field: str) -> datetime.date:
    """``value`` when it lies in the platform's range, else InputError."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise date_range_error(field)
    return value


def date_in_range(value: datetime.date) -> None:
    """A form field validator: the date lies in the platform's range (a ``ValidationError`` otherwise)."""
    try:
        check_date(value, "")
    except InputError:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            gettext("Ngày phải trong khoảng %(start)s – %(end)s.")
            % {"start": f"{MIN_DATE:%d/%m/%Y}", "end": f"{MAX_DATE:%d/%m/%Y}"}, code="date_range") from None


def parse_date(value, field: str) -> datetime.date | None:
    """A date typed as Vietnamese type it (``dd/mm/yyyy``) or ISO (``yyyy-mm-dd``), read by the one date
    reader (``tabular.parse_date``) and kept within the platform's range; None when empty."""
    if value is None or not str(value).strip():
        return None
    try:
        day = tabular.parse_date(value)
    except ValueError as error:  # its message is already in the request's language
        raise InputError(f"“{field}”: {error}", f"“{field}”: {error}", field) from None
    return check_date(day, field)


def province_datetime(value: datetime.datetime, field: str = "") -> datetime.datetime:
    """A date-time from outside, made aware: one without a zone is read in the province's time zone
    (``settings.TIME_ZONE``, Asia/Ho_Chi_Minh), never compared naive with aware (which raises)."""
    check_date(value.date(), field)
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value
