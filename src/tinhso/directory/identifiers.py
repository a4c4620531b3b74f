"""Electronic identifier codes of agencies (mã định danh điện tử), QĐ 20/2020/QĐ-TTg.

Two written forms are in real use and both are accepted (standards §1):

* the fixed 13-character form of QCVN 102:2016 / TT 01/2018 Art. 19, level 1 at the right:
  ``000.00.00.H41`` (pattern ``V1V2V3.Z1Z2.Y1Y2.MX1X2``);
* left-to-right groups, level 1 first: ``H37.02.02``, ``H55.242``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# QĐ 20/2020/QĐ-TTg Art. 4: at most 35 characters from `.`, `0-9`, `A-Z`.
MAX_LENGTH = 35
_CHARACTERS = re.compile(r"[0-9A-Z.]+")
_GROUP = re.compile(r"[0-9A-Z]+")
# QĐ 20/2020/QĐ-TTg: the level-1 code is `M X1 X2`, a letter A–Y and two digits (Z is for other
# organisations, Art. 6, and is not an agency's code).
_LEVEL1 = re.compile(r"[A-Y][0-9]{2}")
# QCVN 102:2016, TT 01/2018/TT-VPCP Art. 19: V1V2V3.Z1Z2.Y1Y2.MX1X2.
_FIXED = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Y][0-9]{2}")

# Level-1 codes of the provinces, by the province's code in the 2025 list (NQ 202/2025/QH15). Only
# codes seen in official use are listed; a deployment for another province adds its code here.
PROVINCE_LEVEL1_CODES: dict[str, str] = {
    "04": "H14",  # Cao Bằng (QCVN 102:2016 examples)
    "40": "H41",  # Nghệ An (QCVN 102:2016 examples)
}

FORMAT_HINT = _("dạng 000.00.00.H41 (mã cấp 1 ở bên phải) hoặc H37.02.02 (mã cấp 1 ở bên trái)")


def normalise_identifier(value: object) -> str:
    """Upper case without surrounding or inner blanks: what people type is rarely what the register holds."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", str(value)).upper()


def validate_identifier(value: str) -> None:
    """Raise a ValidationError with a Vietnamese message when ``value`` is not an agency identifier."""
    if not value:
        raise ValidationError(_("Mã định danh không được để trống."), code="required")
    if len(value) > MAX_LENGTH:
        raise ValidationError(
            _("Mã định danh dài %(length)d ký tự, tối đa %(max)d ký tự (QĐ 20/2020/QĐ-TTg)."),
            code="max_length", params={"length": len(value), "max": MAX_LENGTH},
        )
    if not _CHARACTERS.fullmatch(value):
        raise ValidationError(
            _("Mã định danh chỉ gồm chữ in hoa A–Z, chữ số 0–9 và dấu chấm (QĐ 20/2020/QĐ-TTg)."),
            code="characters",
        )
    groups = value.split(".")
    if not all(_GROUP.fullmatch(group) for group in groups):
        raise ValidationError(
            _("Mã định danh có nhóm rỗng: các nhóm phân cách bởi đúng một dấu chấm, không chấm ở đầu/cuối."),
            code="groups",
        )
    if _FIXED.fullmatch(value) or _LEVEL1.fullmatch(groups[0]):
        return
    level1 = groups[-1] if len(groups) == 4 else groups[0]
    if re.fullmatch(r"[A-Z][0-9]{2}", level1):
        raise ValidationError(
            _("Mã cấp 1 “%(code)s” không hợp lệ: chữ cái đầu phải từ A đến Y (Z dành cho tổ chức khác)."),
            code="level1", params={"code": level1},
        )
    raise ValidationError(
        _("Mã định danh “%(value)s” không đúng %(hint)s; mã cấp 1 gồm một chữ cái A–Y và hai chữ số."),
        code="format", params={"value": value, "hint": FORMAT_HINT},
    )


def level1_code(identifier: str) -> str:
    """The level-1 code (the province or ministry) of a valid identifier, in either written form."""
    groups = identifier.split(".")
    if _FIXED.fullmatch(identifier):
        return groups[-1]
    return groups[0]


def province_level1_code(province_code: str) -> str:
    """The level-1 code of a province by its 2025 code; ``KeyError`` names what to add when unknown."""
    try:
        return PROVINCE_LEVEL1_CODES[str(province_code).zfill(2)]
    except KeyError:
        raise KeyError(
            f"no level-1 identifier code is known for province {province_code!r}: add it to "
            "tinhso.directory.identifiers.PROVINCE_LEVEL1_CODES"
        ) from None
