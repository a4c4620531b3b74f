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


# -- typo tolerance ----------------------------------------------------------------------------------------
# PostgreSQL's pg_trgm answers "is this close to what was typed?" with its word similarity; this is the same
# measure in Python, so the embedded database (SQLite) forgives the same typos ("dang ki khai sinh" finds
# "Đăng ký khai sinh"). Both sides are folded text (:func:`fold`).

_WORD = re.compile(r"[0-9a-z]+")


def _trigrams_of_word(word: str) -> list[str]:
    padded = f"  {word} "  # pg_trgm pads a word with two spaces before and one after
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def trigrams(text: str) -> list[str]:
    """The trigrams of ``text`` in order, word by word, as pg_trgm extracts them."""
    return [gram for word in _WORD.findall(text) for gram in _trigrams_of_word(word)]


def word_similarity(typed: str, text: str, at_least: float = 0.0) -> float:
    """pg_trgm's ``word_similarity(typed, text)``: the best Jaccard similarity between the trigrams of
    ``typed`` and any continuous extent of the ordered trigrams of ``text`` (0–1).

    With ``at_least``, a text that cannot reach it (the share of ``typed``'s trigrams it holds bounds the
    similarity from above) answers 0 without the extent search."""
    wanted = set(trigrams(typed))
    if not wanted:
        return 0.0
    ordered = trigrams(text)
    hits = [i for i, gram in enumerate(ordered) if gram in wanted]
    if not hits or len({ordered[i] for i in hits}) < at_least * len(wanted):
        return 0.0
    best = 0.0
    # The best extent starts and ends on a shared trigram (trimming others off its ends only raises it).
    for start in hits:
        extent: set[str] = set()
        shared: set[str] = set()
        for position in range(start, hits[-1] + 1):
            gram = ordered[position]
            extent.add(gram)
            if gram in wanted:
                shared.add(gram)
                best = max(best, len(shared) / (len(wanted) + len(extent) - len(shared)))
    return best
