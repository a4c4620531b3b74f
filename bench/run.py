"""`make bench`: run every bench/bench_*.py in its own process and collect the BENCH lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    selected = set(argv)
    scripts = sorted(p for p in HERE.glob("bench_*.py") if not selected or p.stem.removeprefix("bench_") in selected)
    failed = 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent / "src")])}
    for script in scripts:
        print(f"== {script.name}", flush=True)
        failed |= subprocess.run([sys.executable, str(script)], env=env).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
