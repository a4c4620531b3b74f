"""Keys that make two spellings of one unit name compare equal.

Vietnamese names of administrative units are written in several ways: old and new tone placement
("Hoà" / "Hòa"), straight or curly apostrophes ("M'Drắk" / "M’Drắk"), hyphens or dashes, with or
without the kind word ("Xã Thượng Lâm" / "Thượng Lâm") and, when typed without a Vietnamese keyboard,
without diacritics at all ("thuong lam"). Matching and search go through these keys.
"""

from __future__ import annotations

from tinhso.common.text import fold, spelling_key  # noqa: F401 — the keys are used through this module too

# Kind words that may open a unit's name, already folded; two-word ones first.
_KIND_WORDS = (
    ("thanh", "pho"), ("thi", "xa"), ("thi", "tran"), ("dac", "khu"), ("to", "dan", "pho"),
    ("tinh",), ("quan",), ("huyen",), ("phuong",), ("xa",), ("tp",), ("tx",), ("tt",),
)


def without_kind(key: str) -> str:
    """A key (of :func:`spelling_key` or :func:`fold`) without its leading kind word: "xa ha" → "ha"."""
    words = key.split(" ")
    folded = fold(key).split(" ")
    for kind in _KIND_WORDS:
        if len(folded) > len(kind) and tuple(folded[: len(kind)]) == kind:
            return " ".join(words[len(kind):])
    return key
