"""Tasks the tests run in real worker processes (they must be importable by the worker, so not in a test file)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def hold(folder: str) -> int:
    """Say it started (a file named after the worker's process), wait until released, then say it finished."""
    here = Path(folder)
    (here / f"started-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not (here / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    with open(here / "finished", "a") as log:
        log.write(f"{os.getpid()}\n")
    return os.getpid()
