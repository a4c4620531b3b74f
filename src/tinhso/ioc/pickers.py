"""The unit picker of the operations centre: which agencies, communes, fields and procedures a user may
narrow the numbers to, and the chips that show (and remove) the units already chosen.

Read-only. The agency list is the user's scope and nothing more, so the picker never offers a unit the
views would refuse with 403; the other lists are the province's own, because a leader scoped to one
department still looks at that department's dossiers commune by commune and field by field.

The agency, commune and field lists are cached for a few minutes (``CACHE_SECONDS``): they change a few
times a year, while the overview is the centre's most-read page and is held to a fixed number of queries.
A renamed agency or a new field therefore shows in the picker at most that long after the change; the
numbers themselves are never cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.catalogue.models import Field, Procedure
from tinhso.directory.models import Agency
from tinhso.geo.selectors import communes_of_served_province
from tinhso.geo.sources import province_code
from tinhso.ioc.selectors import Filters, Scope

AGENCY, COMMUNE, FIELD, PROCEDURE = "co-quan", "xa", "linh-vuc", "thu-tuc"
LABELS = {AGENCY: _("Cơ quan"), COMMUNE: _("Xã, phường"), FIELD: _("Lĩnh vực"), PROCEDURE: _("Thủ tục")}
ATTRIBUTES = {AGENCY: "agency", COMMUNE: "commune", FIELD: "field", PROCEDURE: "procedure"}
# The agency levels in the order a provincial reader looks for them, as option groups.
LEVEL_ORDER = [Agency.Level.PROVINCE, Agency.Level.COMMUNE, Agency.Level.CENTRAL]
CACHE_SECONDS = 300


@dataclass
class Option:
    value: str
    label: str


@dataclass
class Group:
    label: str
    options: list[Option]


@dataclass
class Chip:
    """A chosen unit: what it is and the filters that remain once it is removed."""

    name: str
    kind: str
    label: str
    without: Filters


@dataclass
class Picker:
    agency_groups: list[Group]
    communes: list[Option] | None = None
    fields: list[Option] | None = None
    procedures: list[Option] | None = None
    chips: list[Chip] = dataclasses.field(default_factory=list)

    @property
    def full(self) -> bool:
        """Whether the picker offers more than the agency (the overview and the indicator page do)."""
        return self.fields is not None


def agencies_in_scope(scope: Scope, chosen: int | None = None) -> list[Group]:
    """The agencies the user may pick, grouped by level and sorted by name within each group.

    The whole province means the province's agencies (provincial and commune level) plus the one already
    chosen, should a link name an agency registered without a province; a scoped leader gets exactly the
    agencies of their scope, whatever their level.
    """
    code = province_code(settings.TINHSO_PROVINCE_CODE)
    if scope.whole_province:
        key = f"ioc:picker:agencies:{code}:all"
    else:
        ids = ",".join(str(pk) for pk in sorted(scope.agency_ids))
        key = f"ioc:picker:agencies:{code}:{hashlib.sha256(ids.encode()).hexdigest()}"
    rows = cache.get(key)
    if rows is None:
        if scope.whole_province:
            agencies = Agency.objects.filter(Q(province__code=code) | Q(commune__province__code=code))
        else:
            agencies = Agency.objects.filter(pk__in=sorted(scope.agency_ids))
        rows = list(agencies.order_by("name", "pk").values_list("pk", "name", "level"))
        cache.set(key, rows, CACHE_SECONDS)
    if chosen and all(pk != chosen for pk, _, _ in rows):
        rows = rows + list(Agency.objects.filter(pk=chosen).values_list("pk", "name", "level"))
    by_level: dict[str, list[Option]] = {}
    for pk, name, level in rows:
        by_level.setdefault(level, []).append(Option(str(pk), name))
    order = [*LEVEL_ORDER, *sorted(set(by_level) - set(LEVEL_ORDER))]
    return [Group(Agency.Level(level).label if level in Agency.Level.values else level, by_level[level])
            for level in order if level in by_level]


def _cached_options(key: str, read) -> list[Option]:
    rows = cache.get(key)
    if rows is None:
        rows = list(read())
        cache.set(key, rows, CACHE_SECONDS)
    return [Option(str(value), label) for value, label in rows]


def build(scope: Scope, filters: Filters, *, full: bool) -> Picker:
    """The picker for one page: only the agency on the league table (``full=False``); the agency, the
    commune, the field and the field's procedures on the overview and the indicator page.

    Procedures are listed only once a field is chosen: a province's catalogue holds a couple of thousand
    and no one scrolls through them in a select.
    """
    picker = Picker(agencies_in_scope(scope, filters.agency))
    if full:
        picker.communes = _cached_options(
            f"ioc:picker:communes:{province_code(settings.TINHSO_PROVINCE_CODE)}",
            lambda: communes_of_served_province().order_by("name", "code").values_list("code", "name"))
        picker.fields = _cached_options("ioc:picker:fields",
                                        lambda: Field.objects.order_by("name", "pk").values_list("pk", "name"))
        procedures = Procedure.objects.none()
        if filters.field:
            procedures = Procedure.objects.filter(current_version__field_id=filters.field)
        if filters.procedure:
            procedures = procedures | Procedure.objects.filter(pk=filters.procedure)
        picker.procedures = [Option(str(pk), f"{code} — {name}" if name else code) for pk, code, name in
                             procedures.order_by("code").values_list("pk", "code", "current_version__name")]
    picker.chips = _chips(picker, filters, full)
    return picker


def _chips(picker: Picker, filters: Filters, full: bool) -> list[Chip]:
    lists = {AGENCY: [o for g in picker.agency_groups for o in g.options], COMMUNE: picker.communes or [],
             FIELD: picker.fields or [], PROCEDURE: picker.procedures or []}
    chips = []
    for name in (AGENCY, COMMUNE, FIELD, PROCEDURE) if full else (AGENCY,):
        value = getattr(filters, ATTRIBUTES[name])
        if not value:
            continue
        label = next((o.label for o in lists[name] if o.value == str(value)), str(value))
        without = dataclasses.replace(filters, **{ATTRIBUTES[name]: None})
        if name == FIELD:
            # The procedures offered depend on the field: removing the field removes its procedure too.
            without = dataclasses.replace(without, procedure=None)
        chips.append(Chip(name, LABELS[name], label, without))
    return chips
