"""The platform's one map component: a template include (``common/map.html``) and its script and style
(``common/map/map.js``, ``map.css``), drawn with Leaflet from the site's own static files.

Nothing comes from the internet. The background works offline out of the box: the world's land, lakes,
rivers and borders of the ``mapeo-offline-map`` package (Natural Earth, MIT) and the 34 provinces' 2025
boundaries (``common/map/provinces_2025.geojson``, simplified from ``shared/data/boundaries``: a third party's
compilation under MIT, see the licence beside it — fine for maps, not for legal boundaries), plus the
communes' boundaries an administrator imported (``tinhso geo import-boundaries``). A deployment that runs
its own tile server sets ``MAP_TILE_URL`` and the tiles replace the offline land.

A module supplies **layers**: each is a GeoJSON endpoint of its own (a view answering
:func:`geojson_response`) whose features carry ``id``, ``title`` and ``url`` (the record's page, opened from
the feature's popup) and any property the layer's colours or filters use. A page builds a :class:`MapView`
and includes the template::

    view = MapView("stations-map", layers=[Layer("stations", _("Trạm BTS"), reverse("telecom:stations-geojson"),
                                                 colour_by="state", colours={"in_service": "#1a7f37", ...},
                                                 table_url=reverse("telecom:stations"), filters=("operator",))],
                   filters=[MapFilter("operator", _("Doanh nghiệp"), choices)], values=request.GET)
    {% include "common/map.html" with map=view %}

Filters are a plain GET form (the page works without script, and the layers' table links carry the same
query); with script a change reloads only the layers that declare the filter. Every layer has a table with
the same data (``table_url``) for those who would rather read, with its XLSX export. ``refresh_seconds``
reloads the layers periodically (a live map during a storm). ``draw`` turns on a polygon tool that writes
the drawn area as GeoJSON into a form field (the broadcast module's emergency areas). The page's Leaflet
map is reachable from other scripts as ``window.tinhsoMaps[id]`` (``{map, layers, reload()}``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext

from tinhso.common.text import fold

PROVINCES_FILE = Path(__file__).resolve().parent / "static" / "common" / "map" / "provinces_2025.geojson"
GEOJSON_CONTENT_TYPE = "application/geo+json"


@dataclass(frozen=True)
class MapFilter:
    """A filter of the map's form: a GET parameter with its choices ``(value, label)``."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Layer:
    """A layer a module supplies. ``geometry`` is ``point``, ``line`` or ``polygon``; ``colour_by`` names the
    feature property whose value picks a colour in ``colours`` (``colour`` otherwise); ``legend`` labels the
    values; ``filters`` are the names of the map's filters this endpoint honours."""

    key: str
    label: str
    url: str
    geometry: str = "point"
    colour: str = "#1f5fbf"
    colour_by: str = ""
    colours: Mapping[str, str] = field(default_factory=dict)
    legend: Mapping[str, str] = field(default_factory=dict)
    table_url: str = ""
    filters: tuple[str, ...] = ()
    visible: bool = True
    radius: int = 5
    # The record's address with ``{id}`` for the feature's id, when features carry no ``url`` of their own
    # (a layer of ten thousand points saves the bytes).
    record_url: str = ""

    def config(self) -> dict:
        return {"key": self.key, "label": str(self.label), "url": self.url, "geometry": self.geometry,
                "recordUrl": self.record_url,
                "colour": self.colour, "colourBy": self.colour_by, "colours": dict(self.colours),
                "filters": list(self.filters), "visible": self.visible, "radius": self.radius}

    def legend_items(self) -> list[tuple[str, str]]:
        return [(self.colours.get(value, self.colour), str(label)) for value, label in self.legend.items()]


@dataclass(frozen=True)
class DrawTool:
    """Drawing a polygon into a form field (its ``name``), as GeoJSON Polygon text."""

    field: str
    label: str = ""


@dataclass
class MapView:
    id: str
    layers: list[Layer]
    filters: list[MapFilter] = field(default_factory=list)
    values: Mapping[str, str] = field(default_factory=dict)
    province: str = ""
    draw: DrawTool | None = None
    refresh_seconds: int | None = None
    label: str = ""

    @property
    def config_id(self) -> str:
        return f"{self.id}-config"

    @property
    def query(self) -> str:
        """The filters chosen, as a query string (the tables' links keep them)."""
        chosen = {f.name: self.values.get(f.name) for f in self.filters if self.values.get(f.name)}
        return urlencode(chosen)

    def selected(self, name: str) -> str:
        return str(self.values.get(name) or "")

    def filter_rows(self) -> list[dict]:
        return [{"filter": f, "value": self.selected(f.name)} for f in self.filters]

    def config(self) -> dict:
        code = self.province or settings.TINHSO_PROVINCE_CODE
        return {
            "id": self.id,
            "layers": [layer.config() for layer in self.layers],
            "filters": {f.name: self.selected(f.name) for f in self.filters},
            "bounds": province_bounds(code),
            "provinceName": province_name(code),
            "base": base_layers(),
            "draw": {"field": self.draw.field} if self.draw else None,
            "refresh": self.refresh_seconds,
            "texts": {"open": gettext("Xem chi tiết"), "loading": gettext("Đang tải lớp bản đồ…"),
                      "loaded": gettext("Đã tải"), "objects": gettext("đối tượng"),
                      "failed": gettext("Không tải được lớp")},
        }


def base_layers() -> dict:
    """What the background is drawn from: a deployment's tile server when set, else the offline data."""
    offline = "vendor/mapeo-offline-map/"
    return {
        "tiles": settings.TINHSO_MAP_TILE_URL,
        "attribution": settings.TINHSO_MAP_TILE_ATTRIBUTION,
        "maxZoom": settings.TINHSO_MAP_MAX_ZOOM,
        "land": static(offline + "land.json"),
        "lakes": static(offline + "lakes.json"),
        "rivers": static(offline + "rivers.json"),
        "borders": static(offline + "boundaries.json"),
        "provinces": static("common/map/provinces_2025.geojson"),
        "communes": "/ban-do/ranh-gioi-xa.geojson",
    }


def tile_origin() -> str:
    """The origin of a tile server on another host (allowed for images only in the CSP), or ""."""
    url = settings.TINHSO_MAP_TILE_URL
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def _name_key(name: str) -> str:
    """A province's name compared without accents and the "Tỉnh"/"TP"/"Thành phố" prefix."""
    key = fold(name).strip()
    for prefix in ("thanh pho ", "tp. ", "tp ", "tinh "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return key.strip()


@functools.cache
def _provinces() -> dict[str, dict]:
    data = json.loads(PROVINCES_FILE.read_text(encoding="utf-8"))
    return {_name_key(f["properties"]["name"]): f for f in data["features"]}


def province_feature(code: str) -> dict | None:
    """The boundary of a province of the 2025 list (by its code), matched by name in the boundaries file."""
    from tinhso.geo.models import Province

    name = Province.objects.filter(code=code).values_list("name", flat=True).first()
    return _provinces().get(_name_key(name)) if name else None


def province_name(code: str) -> str:
    from tinhso.geo.models import Province

    return Province.objects.filter(code=code).values_list("name", flat=True).first() or ""


def province_bounds(code: str) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the province (Vietnam's when the province is unknown)."""
    feature = province_feature(code)
    if feature is None:
        return [[8.2, 102.1], [23.4, 109.5]]
    from shapely.geometry import shape

    minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
    return [[miny, minx], [maxy, maxx]]


# -- GeoJSON endpoints ------------------------------------------------------------------------------------


def point(longitude, latitude, **properties) -> dict:
    """A point feature; ``properties`` should hold ``id``, ``title`` and ``url``."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(float(longitude), 6),
                                                                             round(float(latitude), 6)]},
            "properties": properties}


def feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


_string = json.encoder.encode_basestring  # the C encoder where available


def _value(value) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _string(str(value))


def point_collection(items: Iterable[tuple[object, object, dict]]) -> HttpResponse:
    """A FeatureCollection of points from ``(longitude, latitude, properties)`` written in one pass: for the
    large layers (a province's stations), where building dictionaries and encoding them costs more than the
    query. Property values are strings, numbers, booleans or None."""
    parts = []
    for longitude, latitude, properties in items:
        body = ",".join(f"{_string(name)}:{_value(value)}" for name, value in properties.items())
        parts.append(f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{round(float(longitude), 6)},'
                     f'{round(float(latitude), 6)}]}},"properties":{{{body}}}}}')
    content = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
    return HttpResponse(content.encode(), content_type=GEOJSON_CONTENT_TYPE)


LAYER_CACHE_SECONDS = 600


def cached_layer(request, key_parts: Iterable[object], build) -> HttpResponse:
    """A layer answered from the cache while its data has not changed: ``key_parts`` must name everything the
    answer depends on — the layer, the viewer's scope, the filters and a stamp of the data (e.g. the count and
    latest change of the records). The browser revalidates with the ETag and gets 304 when nothing changed.
    A built answer is kept ``LAYER_CACHE_SECONDS`` in the process's cache."""
    import hashlib

    from django.core.cache import cache

    etag = '"' + hashlib.sha256(repr(tuple(key_parts)).encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        key = f"map-layer:{etag}"
        content = cache.get(key)
        if content is None:
            content = build().content
            cache.set(key, content, LAYER_CACHE_SECONDS)
        response = HttpResponse(content, content_type=GEOJSON_CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def geojson_response(features: Iterable[dict], **members) -> JsonResponse:
    """A FeatureCollection (``application/geo+json``, RFC 7946); ``members`` add top-level members."""
    body = {"type": "FeatureCollection", "features": list(features), **members}
    return JsonResponse(body, content_type=GEOJSON_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False,
                                                                                     "separators": (",", ":")})


# -- layers registered for the operations room -------------------------------------------------------------

_LAYERS: dict[str, Callable[[], Layer]] = {}


def register_layer(key: str, build: Callable[[], Layer]) -> None:
    """Offer a module's layer to the maps that show every module's layers (the operations room's province
    map). ``build()`` returns the :class:`Layer` (it runs per request, so it may ``reverse`` URLs); its
    endpoint answers the operations-centre viewers it answers on the module's own pages."""
    known = _LAYERS.get(key)
    if known is not None and known is not build and getattr(known, "__qualname__", "") != build.__qualname__:
        raise ValueError(f"map layer {key!r} is already registered")
    _LAYERS[key] = build


def registered_layers() -> list[Layer]:
    """Every registered layer, in the order registered."""
    return [build() for build in _LAYERS.values()]
