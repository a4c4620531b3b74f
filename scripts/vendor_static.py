"""Copy the pinned front-end libraries from node_modules into the static tree (run by `make static`)."""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "tinhso" / "static" / "vendor"
# package → files to serve (relative to the package in node_modules)
FILES = {
    "htmx.org": ["dist/htmx.min.js"],
    "echarts": ["dist/echarts.min.js"],
    # The source map too: the manifest storage of production follows the script's sourceMappingURL.
    "leaflet": ["dist/leaflet.js", "dist/leaflet.js.map", "dist/leaflet.css", "dist/images/layers.png",
                "dist/images/layers-2x.png",
                "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png",
                "LICENSE"],
    # The offline world base map (Natural Earth via Digital Democracy, MIT): land, lakes, rivers, borders.
    "mapeo-offline-map": ["dist/land.json", "dist/lakes.json", "dist/rivers.json", "dist/boundaries.json",
                          "style.json"],
}
DESTINATION = {"htmx.org": "htmx", "echarts": "echarts", "leaflet": "leaflet",
               "mapeo-offline-map": "mapeo-offline-map"}


def main() -> int:
    for package, files in FILES.items():
        for name in files:
            source = ROOT / "node_modules" / package / name
            if not source.exists():
                print(f"missing {source}: run `npm ci` first", file=sys.stderr)
                return 1
            # Leaflet's stylesheet finds its images in images/ beside it.
            folder = "images" if "/images/" in name else ""
            dest = TARGET / DESTINATION[package] / folder / Path(name).name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
