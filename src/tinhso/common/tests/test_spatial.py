"""Geodesic distances and the spatial index (``common.spatial``): distances agree with an independent geodesic
reference (Vincenty's inverse formula, written here) to 0.5 % and better, and every answer the index gives is
the one measuring every pair gives."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from tinhso.common import spatial

A, F = 6378137.0, 1 / 298.257223563
B = A * (1 - F)


def vincenty(lat1, lon1, lat2, lon2) -> float:
    """Vincenty (1975) inverse on the WGS 84 ellipsoid: the reference, independent of PROJ."""
    big_l = math.radians(lon2 - lon1)
    u1 = math.atan((1 - F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - F) * math.tan(math.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = F / 16 * cos2_alpha * (4 + F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * F * sin_alpha * (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (
            -1 + 2 * cos_2sm**2)))
        if abs(lam - previous) < 1e-12:
            break
    u_sq = cos2_alpha * (A**2 - B**2) / B**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = big_b * sin_sigma * (cos_2sm + big_b / 4 * (cos_sigma * (-1 + 2 * cos_2sm**2) - big_b / 6 * cos_2sm * (
        -3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)))
    return B * big_a * (sigma - delta)


@pytest.mark.parametrize(("a", "b", "expected"), [
    # One degree of longitude and of latitude at the equator (textbook values for WGS 84).
    ((0.0, 105.0), (0.0, 106.0), 111_319.49),
    ((0.0, 105.0), (1.0, 105.0), 110_574.39),
    # Hà Nội (Hoàn Kiếm lake) to Vinh and to Hồ Chí Minh City (Bến Thành), through the reference formula.
    ((21.0285, 105.8542), (18.6796, 105.6813), None),
    ((21.0285, 105.8542), (10.7725, 106.6980), None),
    ((18.6796, 105.6813), (18.6805, 105.6822), None),
])
def test_distances_agree_with_the_geodesic_reference_to_half_a_percent(a, b, expected):
    reference = expected if expected is not None else vincenty(*a, *b)
    found = spatial.distance_m(*a, *b)
    assert abs(found - reference) / reference < 0.005
    assert abs(found - vincenty(*a, *b)) < 0.01  # and in fact to the centimetre


def test_the_index_finds_exactly_the_points_measuring_every_pair_finds():
    rng = random.Random(7)
    lats = [18.5 + rng.random() * 1.5 for _ in range(400)]
    lons = [104.5 + rng.random() * 1.5 for _ in range(400)]
    index = spatial.PointIndex(lats, lons)
    for _ in range(25):
        lat, lon, radius = 18.5 + rng.random() * 1.5, 104.5 + rng.random() * 1.5, rng.choice([500, 3000, 9000])
        every = spatial.distances_m(np.full(400, lat), np.full(400, lon), lats, lons)
        expected = sorted((int(i) for i in np.nonzero(every <= radius)[0]), key=lambda i: (every[i], i))
        assert [hit.index for hit in index.within(lat, lon, radius)] == expected
        nearest = index.nearest(lat, lon, 3)
        assert [hit.index for hit in nearest] == [int(i) for i in np.lexsort((np.arange(400), every))[:3]]
        assert nearest[0].distance_m == pytest.approx(float(every.min()))


def test_coverage_with_the_index_equals_the_naive_all_pairs_answer():
    rng = np.random.default_rng(3)
    villages = (rng.uniform(18.5, 19.5, 800), rng.uniform(104.8, 105.8, 800))
    stations = (rng.uniform(18.5, 19.5, 300), rng.uniform(104.8, 105.8, 300))
    ranges = rng.choice([500.0, 2000.0, 3000.0], 300)
    fast = spatial.covered_points(*villages, *stations, ranges)
    naive = spatial.covered_points_naive(*villages, *stations, ranges)
    assert fast.tolist() == naive.tolist()
    assert 0 < fast.sum() < 800


def test_a_point_on_the_edge_of_its_range_counts_and_one_a_metre_beyond_does_not():
    lat, lon = 18.7, 105.7
    # 1,000 m due north: the geodesic distance decides, to the metre.
    north = spatial.GEOD.fwd(lon, lat, 0, 1000.0)
    beyond = spatial.GEOD.fwd(lon, lat, 0, 1001.0)
    covered = spatial.covered_points([north[1], beyond[1]], [north[0], beyond[0]], [lat], [lon], [1000.0])
    assert covered.tolist() == [True, False]


def test_areas_contain_measure_and_clip_lines():
    square = {"type": "Polygon", "coordinates": [[[105.0, 18.0], [105.01, 18.0], [105.01, 18.01], [105.0, 18.01],
                                                  [105.0, 18.0]]]}
    area = spatial.area_geometry(square)
    assert spatial.contains(area, 18.005, 105.005)
    assert spatial.distance_to_area_m(area, 18.005, 105.005) == 0
    # Due west of the square's west edge, at its middle latitude.
    outside = spatial.GEOD.fwd(105.0, 18.005, 270, 500.0)
    assert spatial.distance_to_area_m(area, outside[1], outside[0]) == pytest.approx(500.0, rel=0.005)
    line = [[104.99, 18.005], [105.02, 18.005]]
    inside = spatial.length_inside_m(line, area)
    assert inside == pytest.approx(spatial.distance_m(18.005, 105.0, 18.005, 105.01), rel=0.001)
    with pytest.raises(ValueError, match="Polygon"):
        spatial.area_geometry({"type": "LineString", "coordinates": line})
