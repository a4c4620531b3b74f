"""Telecom coverage and the map's data endpoint.

- **coverage**: which of 20,000 villages have mobile broadband from 10,000 stations (3G/4G/5G cells with their
  technology's range), with the spatial index (``common.spatial.covered_points``: an STRtree on a local
  equidistant plane, then the geodesic check of the candidate pairs), timed as the median of 3 runs. Baseline:
  the naive all-pairs computation (every village measured geodesically against every station, vectorised per
  village) on a sample of 2,000 villages in the same run, scaled to 20,000 (its time is linear in the number
  of villages); the bench fails unless both give the same answer on the sample, the indexed run takes at most
  1 s and beats the naive one 50 times.
- **map-stations**: GET /vien-thong/ban-do/tram.geojson for the whole province (10,000 stations of three
  operators) by a department officer, through Django's test client on a throwaway SQLite database, median of
  10 warm requests; it must stay under 200 ms. Baseline: the same features built the naive way (model
  instances with their operator, then ``json.dumps``).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

DATABASE = os.path.join(tempfile.mkdtemp(prefix="tinhso-bench-telecom-"), "bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ["ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

import harness  # noqa: E402
from tinhso.common import spatial  # noqa: E402

VILLAGES, STATIONS, SAMPLE = 20_000, 10_000, 2_000
RANGES = {"3G": 3000.0, "4G": 2000.0, "5G": 500.0}


def coverage() -> int:
    rng = np.random.default_rng(2026)
    # A province of about 16,500 km² (Nghệ An's size): 18.5–20.0°N, 103.9–105.9°E.
    v_lat, v_lon = rng.uniform(18.5, 20.0, VILLAGES), rng.uniform(103.9, 105.9, VILLAGES)
    s_lat, s_lon = rng.uniform(18.5, 20.0, STATIONS), rng.uniform(103.9, 105.9, STATIONS)
    ranges = np.array([RANGES[t] for t in rng.choice(list(RANGES), STATIONS, p=[0.25, 0.65, 0.10])])
    times = []
    for _ in range(3):
        started = time.perf_counter()
        fast = spatial.covered_points(v_lat, v_lon, s_lat, s_lon, ranges)
        times.append(time.perf_counter() - started)
    indexed = statistics.median(times)
    started = time.perf_counter()
    naive = spatial.covered_points_naive(v_lat[:SAMPLE], v_lon[:SAMPLE], s_lat, s_lon, ranges)
    naive_seconds = (time.perf_counter() - started) * VILLAGES / SAMPLE
    if naive.tolist() != fast[:SAMPLE].tolist():
        print("FAIL: the index and the naive computation disagree", file=sys.stderr)
        return 1
    harness.report("coverage", indexed, "s", "naive-all-pairs", naive_seconds, "s", higher_is_better=False,
                   extra=f"{VILLAGES:,} villages × {STATIONS:,} stations, {int(fast.sum()):,} covered; naive timed "
                         f"on {SAMPLE:,} villages and scaled; {harness.machine()}")
    if indexed > 1.0 or naive_seconds < 50 * indexed:
        print("FAIL: coverage must take at most 1 s and beat the naive computation 50 times", file=sys.stderr)
        return 1
    return 0


def map_endpoint() -> int:
    from django.core.management import call_command
    from django.test import Client

    from tinhso.directory.models import Agency, Membership, Role
    from tinhso.telecom.models import Operator, Station, TelecomOffice

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(7)
    from django.contrib.auth import get_user_model

    agency = Agency.objects.create(identifier="000.00.02.H41", name="Sở Khoa học và Công nghệ", level="province",
                                   kind="department")
    TelecomOffice.objects.create(agency=agency)
    user = get_user_model().objects.create(username="bench")
    Membership.objects.create(user=user, agency=agency, role=Role.HANDLER)
    operators = [Operator.objects.create(code=code, name=code) for code in ("viettel", "vnpt", "mobifone")]
    lats, lons = rng.uniform(18.5, 20.0, STATIONS), rng.uniform(103.9, 105.9, STATIONS)
    Station.objects.bulk_create([
        Station(operator=operators[i % 3], code=f"S{i:05d}", name=f"Trạm {i}", latitude=f"{lats[i]:.6f}",
                longitude=f"{lons[i]:.6f}", has_4g=True, has_3g=bool(i % 2), state="in_service")
        for i in range(STATIONS)], batch_size=2000)
    client = Client()
    client.force_login(user)
    url = "/vien-thong/ban-do/tram.geojson"
    first = client.get(url)
    if first.status_code != 200 or len(json.loads(first.content)["features"]) != STATIONS:
        print(f"FAIL: the layer answered {first.status_code}: {first.content[:200]!r}", file=sys.stderr)
        return 1
    times = []
    for _ in range(10):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    endpoint = statistics.median(times) * 1000
    # The same whole layer asked through a filter every station passes: a new key, built from the database.
    built = []
    for technology in ("4G", "4g"):
        started = time.perf_counter()
        client.get(f"{url}?cong-nghe={technology}")
        built.append(time.perf_counter() - started)
    cold = min(built) * 1000

    def naive():
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(s.longitude),
                                                                                       float(s.latitude)]},
                     "properties": {"id": s.pk, "title": f"{s.code} — {s.operator.name}", "state": s.state,
                                    "technologies": s.technologies}}
                    for s in Station.objects.all()]  # one query per station for its operator
        return json.dumps({"type": "FeatureCollection", "features": features})

    started = time.perf_counter()
    naive()
    baseline = (time.perf_counter() - started) * 1000
    harness.report("map-stations", endpoint, "ms", "naive-instances", baseline, "ms", higher_is_better=False,
                   extra=f"GET {url}, {STATIONS:,} stations, median of 10 warm requests (the layer cached until a "
                         f"station changes; the first, built, took {cold:.0f} ms), SQLite; {harness.machine()}")
    if endpoint > 200:
        print("FAIL: the map's station layer must answer in under 200 ms", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    return map_endpoint() | coverage()


if __name__ == "__main__":
    raise SystemExit(main())
