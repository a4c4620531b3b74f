"""The English catalogues: each complete and compiled, and together saying one thing for one text.

Django merges the catalogues of the shell and of every app, the first found winning; a text translated two
ways in two catalogues would silently show one app's wording in another's page, so a difference is a fault
(a text that means different things in two places takes a context instead)."""

from __future__ import annotations

from tinhso.common.tests.catalogues import assert_catalogue_complete_and_compiled, catalogues, parse_po


def test_there_is_a_catalogue_for_the_shell_and_each_translated_app():
    names = {path.parents[3].name for path in catalogues()}
    assert {"tinhso", "portal", "dossiers", "ioc"} <= names


def test_every_catalogue_is_complete_and_compiled():
    for path in catalogues():
        assert assert_catalogue_complete_and_compiled(path) > 0, path


def test_one_text_has_one_translation_across_catalogues():
    seen: dict[tuple, tuple[str, str]] = {}
    differences = []
    for path in catalogues():
        for entry in parse_po(path)[1:]:
            key = (entry["msgctxt"], entry["msgid"], entry["msgid_plural"])
            where = path.parents[3].name
            if key in seen and seen[key][1] != entry["msgstr"]:
                differences.append(f"{entry['msgid']!r}: {seen[key][0]} {seen[key][1]!r}, {where} {entry['msgstr']!r}")
            seen.setdefault(key, (where, entry["msgstr"]))
    assert not differences, "\n".join(differences)
