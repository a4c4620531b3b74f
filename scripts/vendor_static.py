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
}
DESTINATION = {"htmx.org": "htmx", "echarts": "echarts"}


def main() -> int:
    for package, files in FILES.items():
        for name in files:
            source = ROOT / "node_modules" / package / name
            if not source.exists():
                print(f"missing {source}: run `npm ci` first", file=sys.stderr)
                return 1
            dest = TARGET / DESTINATION[package] / Path(name).name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
