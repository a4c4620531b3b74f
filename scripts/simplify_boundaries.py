"""Simplify the 34 provinces' 2025 boundaries for the browser (run once when the source changes).

Source: ``../shared/data/boundaries/provinces_2025.geojson`` (TaliaCao/Vietnam-Shape-Map, MIT; a third
party's dissolve of Open Development Vietnam's 63 provinces along NQ 202/2025/QH15 — fine for maps, not
for legal boundaries). Output: ``src/tinhso/common/static/common/map/provinces_2025.geojson`` with each
province's name and the file's own code, the outline simplified to about 500 m and coordinates rounded to
4 decimals (about 10 m), the licence beside it.

    python3 scripts/simplify_boundaries.py ../shared/data/boundaries/provinces_2025.geojson
"""

import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "boundaries" / "provinces_2025.geojson"
TARGET = ROOT / "src" / "tinhso" / "common" / "static" / "common" / "map" / "provinces_2025.geojson"
TOLERANCE_DEGREES = 0.005


def rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def main(source: Path) -> int:
    data = json.loads(source.read_text(encoding="utf-8"))
    features = []
    for feature in data["features"]:
        geometry = shape(feature["geometry"]).simplify(TOLERANCE_DEGREES, preserve_topology=True)
        properties = feature["properties"]
        features.append({"type": "Feature",
                         "properties": {"name": properties["ten_tinh"], "code": properties["code"]},
                         "geometry": {"type": geometry.geom_type,
                                      "coordinates": rounded(mapping(geometry)["coordinates"])}})
    features.sort(key=lambda f: f["properties"]["code"])
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                                 separators=(",", ":")), encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(features)} provinces, {TARGET.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE))
