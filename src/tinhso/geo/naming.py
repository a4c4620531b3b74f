"""Keys that make two spellings of one unit name compare equal.

Vietnamese names of administrative units are written in several ways: old and new tone placement
("Hoà" / "Hòa"), straight or curly apostrophes ("M'Drắk" / "M’Drắk"), hyphens or dashes, with or
without the kind word ("Xã Thượng Lâm" / "Thượng Lâm") and, when typed without a Vietnamese keyboard,
without diacritics at all ("thuong lam"). Matching and search go through these keys.
"""

from __future__ import annotations

import re
import unicodedata

# Old-style tone placement on the first vowel of "oa", "oe", "uy" and the new style on the second are the
# same syllable; the key uses the new style.
_TONE_PLACEMENT = (
    ("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"),
    ("oè", "òe"), ("oé", "óe"), ("oẻ", "ỏe"), ("oẽ", "õe"), ("oẹ", "ọe"),
    ("uỳ", "ùy"), ("uý", "úy"), ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy"),
)
_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[\s\-–—_.,;:()/]+")
_LEADING_ZEROS = re.compile(r"\b0+(?=\d)")

# Kind words that may open a unit's name, already folded; two-word ones first.
_KIND_WORDS = (
    ("thanh", "pho"), ("thi", "xa"), ("thi", "tran"), ("dac", "khu"), ("to", "dan", "pho"),
    ("tinh",), ("quan",), ("huyen",), ("phuong",), ("xa",), ("tp",), ("tx",), ("tt",),
)


def spelling_key(text: str) -> str:
    """Lower case, one tone placement, no apostrophes, single spaces: equal for two spellings of a name."""
    key = unicodedata.normalize("NFC", text).lower()
    key = _APOSTROPHES.sub("", key)
    key = _SEPARATORS.sub(" ", key).strip()
    key = _LEADING_ZEROS.sub("", key)
    for old, new in _TONE_PLACEMENT:
        key = key.replace(old, new)
    return key


def fold(text: str) -> str:
    """The spelling key without diacritics (đ → d): what a person types without a Vietnamese keyboard."""
    decomposed = unicodedata.normalize("NFD", spelling_key(text))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return plain.replace("đ", "d")


def without_kind(key: str) -> str:
    """A key (of :func:`spelling_key` or :func:`fold`) without its leading kind word: "xa ha" → "ha"."""
    words = key.split(" ")
    folded = fold(key).split(" ")
    for kind in _KIND_WORDS:
        if len(folded) > len(kind) and tuple(folded[: len(kind)]) == kind:
            return " ".join(words[len(kind):])
    return key
