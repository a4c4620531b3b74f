"""The rows of a desk queue, drawn in Python: a queue page shows 25 of them on every view, and the template
language spent more time on them (a tag per cell) than the database spent finding them. The markup is the
one the template wrote; every value is escaped (``html.escape``, what Django's ``escape`` does: the values
are plain text from the record, never markup). The link of each row is the dossier page's address reversed
once for the page, with each code put in its place quoted as ``reverse`` quotes it."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tinhso.dossiers.models import Channel, State

register = template.Library()


def _applicant(d) -> str:
    if d.applicant_id_number:
        return f"{escape(d.applicant_name)}<br><small>{escape(gettext('CCCD'))} {escape(d.masked_id_number)}</small>"
    if d.applicant_tax_code:
        return f"{escape(d.applicant_name)}<br><small>{escape(gettext('MST'))} {escape(d.applicant_tax_code)}</small>"
    return escape(d.applicant_name)


# The labels by value. ``get_FOO_display`` rebuilds a dict of every choice on each call, hashing each lazy
# label, which translates it: a page of 25 rows translated some 450 labels to show 50.
_CHANNELS = dict(Channel.choices)
_STATES = dict(State.choices)


# The characters ``reverse`` leaves unquoted in a path argument (django.urls.resolvers: RFC 3986's
# sub-delimiters and "/~:@").
_SAFE_IN_PATH = "!$&'()*+,;=/~:@"
_CODE = "0ma0ho0so0"  # a placeholder code matched by the page's ``<str:code>`` and found nowhere else


def _row(d, deadline, link: str) -> str:
    version = d.procedure_version
    field = version.field.name if version.field_id else ""
    due = dateformat.format(timezone.localtime(d.due_at), "H:i d/m/Y") if d.due_at else "—"
    # ``<str:code>`` takes no "/": such a code is reversed (and refused) as ``reverse`` would
    href = escape(link.replace(_CODE, quote(d.code, safe=_SAFE_IN_PATH), 1) if "/" not in d.code
                  else reverse("dossiers:dossier", args=[d.code]))
    return (f'<tr>\n  <th scope="row"><a href="{href}">{escape(d.code)}</a></th>\n'
            f"  <td>{escape(version.name)}<br><small>{escape(field)}</small></td>\n"
            f"  <td>{_applicant(d)}</td>\n  <td>{escape(str(_CHANNELS.get(d.channel, d.channel)))}</td>\n"
            f"  <td>{escape(str(_STATES.get(d.state, d.state)))}</td>\n  <td>{escape(due)}</td>\n"
            f'  <td><span class="deadline deadline-{escape(deadline.kind)}">{escape(str(deadline.label))}</span></td>\n'
            "</tr>")


@register.simple_tag
def queue_rows(rows) -> str:
    """``<tr>`` of each ``{"dossier": …, "deadline": …}`` row of a queue page."""
    link = reverse("dossiers:dossier", args=[_CODE])
    return mark_safe("\n".join(_row(row["dossier"], row["deadline"], link) for row in rows))  # noqa: S308 every value escaped above
