"""Folding text as people type it: one key for two spellings of a Vietnamese name, and that key without
diacritics (what a person types without a Vietnamese keyboard). Search, matching and imports compare
through these keys on every database.

Vietnamese is written in several ways: old and new tone placement ("Hoà" / "Hòa"), straight or curly
apostrophes ("M'Drắk" / "M’Drắk"), hyphens or dashes, and without diacritics at all ("thuong lam").
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

_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[\s\-–—_.,;:()/]+")
_LEADING_ZEROS = re.compile(r"\b0+(?=\d)")


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
