"""The rows of a desk queue, drawn in Python: a queue page shows 25 of them on every view, and the template
language spent more time on them (a tag per cell) than the database spent finding them. The markup is the
one the template wrote; every value is escaped by ``format_html``."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from tinhso.dossiers.models import Channel, State

register = template.Library()


def _applicant(d) -> str:
    if d.applicant_id_number:
        return format_html("{}<br><small>{} {}</small>", d.applicant_name, gettext("CCCD"), d.masked_id_number)
    if d.applicant_tax_code:
        return format_html("{}<br><small>{} {}</small>", d.applicant_name, gettext("MST"), d.applicant_tax_code)
    return format_html("{}", d.applicant_name)


# The labels by value. ``get_FOO_display`` rebuilds a dict of every choice on each call, hashing each lazy
# label, which translates it: a page of 25 rows translated some 450 labels to show 50.
_CHANNELS = dict(Channel.choices)
_STATES = dict(State.choices)


def _row(row) -> tuple:
    d, deadline = row["dossier"], row["deadline"]
    version = d.procedure_version
    field = version.field.name if version.field_id else ""
    due = dateformat.format(timezone.localtime(d.due_at), "H:i d/m/Y") if d.due_at else "—"
    return (reverse("dossiers:dossier", args=[d.code]), d.code, version.name, field, _applicant(d),
            _CHANNELS.get(d.channel, d.channel), _STATES.get(d.state, d.state), due, deadline.kind, deadline.label)


@register.simple_tag
def queue_rows(rows) -> str:
    """``<tr>`` of each ``{"dossier": …, "deadline": …}`` row of a queue page."""
    return format_html_join(
        "\n", '<tr>\n  <th scope="row"><a href="{}">{}</a></th>\n  <td>{}<br><small>{}</small></td>\n'
        "  <td>{}</td>\n  <td>{}</td>\n  <td>{}</td>\n  <td>{}</td>\n"
        '  <td><span class="deadline deadline-{}">{}</span></td>\n</tr>', (_row(row) for row in rows))
