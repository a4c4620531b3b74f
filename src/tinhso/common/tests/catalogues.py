"""Reading the English catalogues without a library: their entries, and the check that each is complete and
compiled (every msgid resolves, in English, to its msgstr)."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]


def catalogues() -> list[Path]:
    """Every English catalogue of the project: the shell's and each app's."""
    return sorted(PACKAGE.glob("**/locale/en/LC_MESSAGES/django.po"))


def _unquote(lines: list[str]) -> str:
    text = "".join(re.match(r'^(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?)?\s*"(.*)"$', line).group(1)
                   for line in lines)
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: context, msgid, plural, translations and flags (plain Python)."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key = {"flags": set(), "msgstr": []}, None
        fields: dict[str, list[str]] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key].append(line)
            else:
                key = line.split(" ", 1)[0]
                fields[key] = [line]
        if "msgid" not in fields:  # only comments: obsolete entries (#~) of texts no longer in the code
            continue
        entry["msgctxt"] = _unquote(fields["msgctxt"]) if "msgctxt" in fields else None
        entry["msgid"] = _unquote(fields["msgid"])
        entry["msgid_plural"] = _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None
        entry["msgstr"] = [_unquote(lines) for name, lines in sorted(fields.items()) if name.startswith("msgstr")]
        entries.append(entry)
    return entries


def assert_catalogue_complete_and_compiled(path: Path) -> int:
    entries = parse_po(path)
    assert entries[0]["msgid"] == ""
    translated = entries[1:]
    assert translated
    for entry in translated:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"] and all(entry["msgstr"]), entry["msgid"]
    with translation.override("en"):
        for entry in translated:
            context, msgid = entry["msgctxt"], entry["msgid"]
            if entry["msgid_plural"]:
                for n, expected in ((1, entry["msgstr"][0]), (2, entry["msgstr"][1])):
                    got = (translation.npgettext(context, msgid, entry["msgid_plural"], n) if context
                           else translation.ngettext(msgid, entry["msgid_plural"], n))
                    assert got == expected, msgid
            else:
                got = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                assert got == entry["msgstr"][0], msgid
    return len(translated)
