"""A web process loads what its first request would otherwise load, as it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
before = {name: name in sys.modules for name in ("tinhso.conf.urls", "tinhso.api", "weasyprint")}
import MODULE
from django.db import connections
from django.utils.translation import trans_real
from tinhso.common import workdays
print(json.dumps({
    "connections": [alias for alias in connections if connections[alias].connection is not None],
    "before": before,
    "after": {name: name in sys.modules for name in before},
    "catalogues": sorted(trans_real._translations),
    "holidays": workdays.statutory_days.cache_info().currsize,
}))
"""


@pytest.mark.parametrize("module", ["tinhso.conf.wsgi", "tinhso.conf.asgi"])
def test_the_application_module_loads_the_urls_catalogues_and_holidays(module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test",
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", PROBE.replace("MODULE", module)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert not any(found["before"].values())  # nothing was loaded before the application module
    assert all(found["after"].values()), found["after"]
    assert found["catalogues"] == ["en", "vi"]
    assert found["holidays"] == 1
    # Nothing connects to a database while loading, so gunicorn's --preload (the application loaded once in the
    # master, the workers forked from it) gives each worker connections of its own.
    assert found["connections"] == []
