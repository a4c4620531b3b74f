"""Geodesic distances and a spatial index, in Python on every database (shapely + pyproj).

SpatiaLite cannot be loaded by the Python the platform runs on, so distances, nearest neighbours and
"within range" questions are answered here rather than in SQL, identically on SQLite and PostgreSQL:

- every distance is geodesic on the WGS 84 ellipsoid (:data:`GEOD`, Karney's algorithm in PROJ), in metres;
- an index (:class:`PointIndex`) puts the points on a local azimuthal equidistant projection centred on
  them and keeps them in a shapely ``STRtree``. On that projection a length is never shorter than on the
  ellipsoid and, within 1,000 km of the centre, at most 0.5 % longer, so a search in the plane with a 1 %
  margin finds every candidate; each candidate is then measured geodesically and kept or dropped on that
  geodesic distance alone. The index only makes the search fast; it never decides an answer.

Positions are ``(latitude, longitude)`` in degrees, in that order, as people read them; GeoJSON and
shapely take ``(longitude, latitude)``, and the conversion happens here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import shape
from shapely.ops import nearest_points

GEOD = Geod(ellps="WGS84")
# The plane search widens a radius by this share (and one metre) before the geodesic check.
SEARCH_MARGIN = 0.01
# A position exactly at the range is within it: distances are compared to the millimetre.
EDGE_M = 0.001


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The geodesic distance in metres between two positions."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def distances_m(lats1, lons1, lats2, lons2) -> np.ndarray:
    """Geodesic distances between paired positions, vectorised (arrays of the same length)."""
    lats1, lons1, lats2, lons2 = (np.asarray(a, dtype=float) for a in (lats1, lons1, lats2, lons2))
    if lats1.size == 0:
        return np.zeros(0)
    return np.asarray(GEOD.inv(lons1, lats1, lons2, lats2)[2], dtype=float)


def line_length_m(coordinates: Sequence[Sequence[float]]) -> float:
    """The geodesic length in metres of a line given as GeoJSON ``[longitude, latitude]`` pairs."""
    if len(coordinates) < 2:
        return 0.0
    lons = [float(c[0]) for c in coordinates]
    lats = [float(c[1]) for c in coordinates]
    return float(GEOD.line_length(lons, lats))


class LocalPlane:
    """An azimuthal equidistant projection centred on a set of positions: metres on a plane."""

    def __init__(self, centre_lat: float, centre_lon: float):
        self.centre = (centre_lat, centre_lon)
        crs = f"+proj=aeqd +lat_0={centre_lat:.6f} +lon_0={centre_lon:.6f} +ellps=WGS84 +units=m +no_defs"
        self._forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, lats, lons) -> LocalPlane:
        lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
        if lats.size == 0:
            return cls(16.0, 106.0)
        return cls((float(lats.min()) + float(lats.max())) / 2, (float(lons.min()) + float(lons.max())) / 2)

    def xy(self, lats, lons) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._forward.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        return np.asarray(x), np.asarray(y)

    def geometry(self, geometry):
        """A shapely geometry in longitude/latitude, projected onto the plane."""
        return shapely.transform(geometry, lambda xy: np.column_stack(self._forward.transform(xy[:, 0], xy[:, 1])))

    def to_lonlat(self, geometry):
        return shapely.transform(geometry, lambda xy: np.column_stack(self._back.transform(xy[:, 0], xy[:, 1])))


@dataclass(frozen=True)
class Hit:
    """A point of the index found by a query: its position in the index and its geodesic distance."""

    index: int
    distance_m: float


class PointIndex:
    """Points indexed for "which lie within R metres" and "which is nearest", answered geodesically."""

    def __init__(self, lats, lons, plane: LocalPlane | None = None):
        self.lats = np.asarray(lats, dtype=float)
        self.lons = np.asarray(lons, dtype=float)
        self.plane = plane or LocalPlane.around(self.lats, self.lons)
        x, y = self.plane.xy(self.lats, self.lons)
        self.points = shapely.points(x, y) if self.lats.size else np.array([], dtype=object)
        self.tree = shapely.STRtree(self.points)

    def __len__(self) -> int:
        return int(self.lats.size)

    def _query_points(self, lats, lons):
        x, y = self.plane.xy(lats, lons)
        return shapely.points(x, y)

    def within(self, lat: float, lon: float, radius_m: float) -> list[Hit]:
        """Every point at most ``radius_m`` from the position, nearest first."""
        if not len(self):
            return []
        candidates = self.tree.query(self._query_points([lat], [lon])[0], predicate="dwithin",
                                     distance=radius_m * (1 + SEARCH_MARGIN) + 1)
        if candidates.size == 0:
            return []
        found = distances_m(np.full(candidates.size, lat), np.full(candidates.size, lon),
                            self.lats[candidates], self.lons[candidates])
        keep = found <= radius_m + EDGE_M
        hits = [Hit(int(i), float(d)) for i, d in zip(candidates[keep], found[keep], strict=True)]
        return sorted(hits, key=lambda hit: (hit.distance_m, hit.index))

    def nearest(self, lat: float, lon: float, count: int = 1, exclude: set[int] | None = None) -> list[Hit]:
        """The ``count`` nearest points (geodesically), nearest first; ``exclude`` leaves some out."""
        exclude = exclude or set()
        available = len(self) - len(exclude)
        if available <= 0:
            return []
        wanted = min(count, available)
        point = self._query_points([lat], [lon])[0]
        radius = 0.0
        # Grow the plane radius until it holds enough candidates, then settle the order geodesically.
        for _ in range(64):
            radius = max(radius * 4, 200.0)
            candidates = [i for i in self.tree.query(point, predicate="dwithin", distance=radius)
                          if int(i) not in exclude]
            if len(candidates) >= wanted:
                break
        else:
            candidates = [i for i in range(len(self)) if i not in exclude]
        candidates = np.asarray(candidates, dtype=int)
        found = distances_m(np.full(candidates.size, lat), np.full(candidates.size, lon),
                            self.lats[candidates], self.lons[candidates])
        order = np.lexsort((candidates, found))[:wanted]
        bound = float(found[order[-1]])
        # Anything within the k-th geodesic distance (widened for the plane) is a candidate too.
        extra = [int(i) for i in self.tree.query(point, predicate="dwithin",
                                                 distance=bound * (1 + SEARCH_MARGIN) + 1)
                 if int(i) not in exclude and int(i) not in set(candidates.tolist())]
        if extra:
            candidates = np.concatenate([candidates, np.asarray(extra, dtype=int)])
            found = distances_m(np.full(candidates.size, lat), np.full(candidates.size, lon),
                                self.lats[candidates], self.lons[candidates])
            order = np.lexsort((candidates, found))[:wanted]
        return [Hit(int(candidates[i]), float(found[i])) for i in order]

    def pairs_within(self, lats, lons, radii) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For query positions each with its own radius: the (query, point, distance) pairs within range.

        One vectorised tree query for all positions, then one vectorised geodesic computation over the
        candidate pairs.
        """
        lats = np.asarray(lats, dtype=float)
        lons = np.asarray(lons, dtype=float)
        radii = np.broadcast_to(np.asarray(radii, dtype=float), lats.shape)
        if not len(self) or lats.size == 0:
            empty = np.zeros(0, dtype=int)
            return empty, empty, np.zeros(0)
        queries = self._query_points(lats, lons)
        query_index, point_index = self.tree.query(queries, predicate="dwithin",
                                                   distance=radii * (1 + SEARCH_MARGIN) + 1)
        found = distances_m(lats[query_index], lons[query_index], self.lats[point_index], self.lons[point_index])
        keep = found <= radii[query_index] + EDGE_M
        return query_index[keep], point_index[keep], found[keep]


def covered_points(point_lats, point_lons, source_lats, source_lons, source_ranges) -> np.ndarray:
    """Which points lie within the range of at least one source (each source with its own range in metres):
    a boolean array over the points. The index is built over the points, the sources query it."""
    points = PointIndex(point_lats, point_lons)
    result = np.zeros(len(points), dtype=bool)
    if not len(points):
        return result
    _, reached, _ = points.pairs_within(source_lats, source_lons, source_ranges)
    result[reached] = True
    return result


def covered_points_naive(point_lats, point_lons, source_lats, source_lons, source_ranges) -> np.ndarray:
    """The same answer as :func:`covered_points` by measuring every point against every source: the
    reference the index is checked and benchmarked against."""
    source_lats = np.asarray(source_lats, dtype=float)
    source_lons = np.asarray(source_lons, dtype=float)
    ranges = np.asarray(source_ranges, dtype=float)
    result = []
    for lat, lon in zip(point_lats, point_lons, strict=True):
        found = distances_m(np.full(source_lats.size, lat), np.full(source_lons.size, lon), source_lats,
                            source_lons)
        result.append(bool((found <= ranges + EDGE_M).any()) if found.size else False)
    return np.asarray(result, dtype=bool)


# -- areas --------------------------------------------------------------------------------------------------

POLYGON_TYPES = ("Polygon", "MultiPolygon")


def area_geometry(geojson: dict):
    """A shapely (multi)polygon from a GeoJSON geometry in longitude/latitude; ValueError when it is not
    a valid polygon."""
    if not isinstance(geojson, dict) or geojson.get("type") not in POLYGON_TYPES:
        raise ValueError("Vùng phải là hình đa giác GeoJSON (Polygon hoặc MultiPolygon).")
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise ValueError(f"Toạ độ của hình đa giác không hợp lệ: {error}") from error
    if geometry.is_empty:
        raise ValueError("Hình đa giác rỗng.")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        if geometry.geom_type not in POLYGON_TYPES:
            geometry = shapely.MultiPolygon([g for g in getattr(geometry, "geoms", []) if g.geom_type == "Polygon"])
        if geometry.is_empty:
            raise ValueError("Hình đa giác tự cắt, không sửa được.")
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError("Toạ độ phải là [kinh độ, vĩ độ] trong WGS 84.")
    return geometry


def contains(geometry, lat: float, lon: float) -> bool:
    """Whether the position lies inside (or on the edge of) the area."""
    return bool(geometry.covers(shapely.Point(lon, lat)))


def distance_to_area_m(geometry, lat: float, lon: float) -> float:
    """Geodesic metres from a position to the nearest point of an area (0 inside it)."""
    if contains(geometry, lat, lon):
        return 0.0
    plane = LocalPlane(lat, lon)
    projected = plane.geometry(geometry)
    nearest = nearest_points(projected, shapely.Point(0, 0))[0]
    back = plane.to_lonlat(nearest)
    return distance_m(lat, lon, back.y, back.x)


def length_inside_m(line_coordinates: Sequence[Sequence[float]], geometry) -> float:
    """Metres of a line (GeoJSON ``[longitude, latitude]`` pairs) that run inside an area."""
    if len(line_coordinates) < 2:
        return 0.0
    line = shapely.LineString([(float(c[0]), float(c[1])) for c in line_coordinates])
    inside = line.intersection(geometry)
    if inside.is_empty:
        return 0.0
    total = 0.0
    for part in getattr(inside, "geoms", [inside]):
        if part.geom_type == "LineString":
            total += line_length_m(list(part.coords))
    return total

