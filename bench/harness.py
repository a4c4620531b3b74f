"""What every benchmark shares: the summary line format and where results are kept."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"


def report(name: str, value: float, unit: str, baseline_what: str, baseline_value: float,
           baseline_unit: str, *, higher_is_better: bool = True, extra: str = "") -> str:
    """Print `BENCH <name>: <value> <unit>; baseline <what> <value> <unit>; ratio <r>` and keep it.

    The ratio is value/baseline, so for rates (higher is better) a ratio above 1 beats the baseline and
    for times (lower is better) a ratio below 1 does.
    """
    ratio = value / baseline_value if baseline_value else float("inf")
    line = (f"BENCH {name}: {value:.6g} {unit}; baseline {baseline_what} {baseline_value:.6g} {baseline_unit}; "
            f"ratio {ratio:.4g}")
    if extra:
        line += f"  ({extra})"
    print(line, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.txt").write_text(line + "\n", encoding="utf-8")
    return line
