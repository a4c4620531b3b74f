"""Vietnamese mobile numbers in one form, so that `0912 345 678` and `+84912345678` are the same account."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s.\-()]")
# Mobile numbers since the 2018 renumbering: 0 + 3/5/7/8/9 + 8 digits.
_MOBILE = re.compile(r"0[35789]\d{8}")


def normalise_phone(value: str) -> str | None:
    """The national form `0xxxxxxxxx` of a Vietnamese mobile number, or None when it is not one."""
    digits = _SEPARATORS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None


def validate_phone(value: str) -> None:
    if normalise_phone(value) is None:
        raise ValidationError(
            _("Số điện thoại di động không hợp lệ (ví dụ 0912345678 hoặc +84912345678)."), code="phone",
        )
