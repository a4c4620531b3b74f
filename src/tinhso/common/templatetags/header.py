"""The parts of the page header that are the same on every page for what they show: the navigation of a set of
menu entries on one page, and the language list with one language chosen. Each is drawn once per process for
its inputs (the entries' labels translated into the language in force, the entry of the current page, the chosen
language) and kept: the header shows a score of translated labels on every page, and drawing them through the template
language cost about a millisecond of each page view. Every value is escaped as the template would escape it."""

from __future__ import annotations

import functools
from html import escape

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext, override

register = template.Library()


@functools.lru_cache(maxsize=512)
def _menu_html(entries: tuple[tuple[str, str], ...], language: str, current_url: str) -> str:
    items = []
    with override(language):
        for label, url in entries:
            current = ' aria-current="page"' if current_url == url else ""
            items.append(f'<li><a href="{escape(url)}"{current}>{escape(gettext(label))}</a></li>')
    return "".join(items)


@register.simple_tag(takes_context=True)
def header_menu(context, entries) -> str:
    """``<li>`` of each menu entry, the one of the current page marked."""
    request = context.get("request")
    path = request.path if request is not None else ""
    key = tuple((entry.label, entry.url) for entry in entries)
    # Kept per entry that is the current page (or none), not per address: a dossier's page adds nothing.
    current_url = path if any(url == path for _label, url in key) else ""
    return mark_safe(_menu_html(key, get_language() or settings.LANGUAGE_CODE, current_url))  # noqa: S308 escaped above


@functools.lru_cache(maxsize=64)
def _language_options(chosen: str, languages: tuple[str, ...]) -> str:
    options = []
    for code in languages:
        selected = " selected" if code == chosen else ""
        options.append(f'<option value="{escape(code)}"{selected}>{escape(get_language_info(code)["name_local"])}'
                       "</option>")
    return "".join(options)


@register.simple_tag
def language_options() -> str:
    """``<option>`` of each language the platform speaks, its own name, the one in force chosen."""
    languages = tuple(code for code, _name in settings.LANGUAGES)
    return mark_safe(_language_options(get_language() or settings.LANGUAGE_CODE, languages))  # noqa: S308 escaped above
