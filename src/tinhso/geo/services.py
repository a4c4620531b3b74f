"""Every change to administrative units: loading the code lists, importing and generating villages."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, models, transaction

from tinhso.common.audit import record
from tinhso.geo import sources
from tinhso.geo.models import (
    Commune,
    LegacyDistrict,
    LegacyProvince,
    LegacyWard,
    Province,
    SuccessorMethod,
    Village,
)
from tinhso.geo.naming import fold, spelling_key, without_kind
from tinhso.geo.village_file import (
    COLUMNS,
    RowProblem,
    VillageFileInvalid,
    VillageRow,
    read_village_file,
)


@transaction.atomic
def load_units() -> dict[str, int]:
    """Create or update the 2025 provinces and communes and the former units with their successors.

    Idempotent: a second run creates nothing and updates only what the sources changed. Rows go in
    bulk (about a second on SQLite), so they are not audited one by one: the run appends one entry.
    Returns the number of rows of each kind and how many were created and updated.
    """
    tally = _Tally()
    tally.sync(Province, {
        row.code: {"name": row.name, "kind": row.kind, "codename": row.codename, "phone_code": row.phone_code}
        for row in sources.provinces()
    })
    province_ids = dict(Province.objects.values_list("code", "id"))
    tally.sync(Commune, {
        row.code: {
            "name": row.name, "kind": row.kind, "province_id": province_ids[row.province_code],
            "codename": row.codename, "search_name": fold(row.name),
        }
        for row in sources.communes()
    })
    _load_legacy_units(tally, province_ids)
    counts = {
        "provinces": Province.objects.count(),
        "communes": Commune.objects.count(),
        "legacy_provinces": LegacyProvince.objects.count(),
        "legacy_districts": LegacyDistrict.objects.count(),
        "legacy_wards": LegacyWard.objects.count(),
        "created": tally.created,
        "updated": tally.updated,
    }
    record(
        "action", "geo.load", "units",
        summary=(
            f"Nạp đơn vị hành chính: {counts['provinces']} tỉnh, {counts['communes']} xã/phường/đặc khu, "
            f"{counts['legacy_wards']} xã/phường cũ; thêm {tally.created}, cập nhật {tally.updated}."
        ),
    )
    return counts


class _Tally:
    """Bulk create-or-update keyed by code, counting what changed."""

    def __init__(self) -> None:
        self.created = 0
        self.updated = 0

    def sync(self, model: type[models.Model], rows: dict[str, dict]) -> None:
        existing = {obj.code: obj for obj in model._default_manager.all()}
        fields = list(next(iter(rows.values())))
        to_create, to_update = [], []
        for code, values in rows.items():
            obj = existing.get(code)
            if obj is None:
                to_create.append(model(code=code, **values))
            elif any(getattr(obj, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(obj, name, value)
                to_update.append(obj)
        model._default_manager.bulk_create(to_create, batch_size=500)
        model._default_manager.bulk_update(to_update, fields, batch_size=500)
        self.created += len(to_create)
        self.updated += len(to_update)


def _load_legacy_units(tally: _Tally, province_ids: dict[str, int]) -> None:
    """The 63 provinces, their districts and wards, each linked to the unit that replaced it."""
    legacy = sources.legacy_units()
    successions = {s.legacy_code: s.code for s in sources.province_successions()}
    missing = {row[0] for row in legacy.provinces} ^ set(successions)
    if missing:
        raise ValueError(f"province_mapping_2025.csv and legacy_units.json.gz disagree on {sorted(missing)}")
    tally.sync(LegacyProvince, {
        code: {"name": name, "kind": kind, "successor_id": province_ids[successions[code]]}
        for code, name, kind in legacy.provinces
    })

    # Successors are commune names, matched inside the successor province (why: data/README.md).
    communes = _CommunesByName(Commune.objects.values_list("province__code", "name", "id"))
    legacy_province_ids = dict(LegacyProvince.objects.values_list("code", "id"))
    new_province_of_district = {}
    districts = {}
    for code, name, kind, province_code, successor in legacy.districts:
        new_province = successions[province_code]
        new_province_of_district[code] = new_province
        districts[code] = {
            "name": name, "kind": kind, "province_id": legacy_province_ids[province_code],
            "successor_id": communes.get(new_province, successor) if successor else None,
        }
    tally.sync(LegacyDistrict, districts)

    district_ids = dict(LegacyDistrict.objects.values_list("code", "id"))
    wards, parts = {}, {}
    for code, name, kind, district_code, successor_names in legacy.wards:
        new_province = new_province_of_district[district_code]
        successor_ids = [i for i in (communes.get(new_province, n) for n in successor_names) if i is not None]
        method = SuccessorMethod.TABLE
        if not successor_ids:
            guess = communes.same_name(new_province, name)
            successor_ids, method = ([guess], SuccessorMethod.SAME_NAME) if guess else ([], "")
        wards[code] = {
            "name": name, "kind": kind, "district_id": district_ids[district_code],
            "successor_id": successor_ids[0] if successor_ids else None, "successor_method": method,
        }
        parts[code] = set(successor_ids[1:])
    tally.sync(LegacyWard, wards)
    _sync_parts(parts)


class _CommunesByName:
    def __init__(self, rows) -> None:
        self.by_spelling: dict[tuple[str, str], int] = {}
        self.by_short_name: dict[tuple[str, str], list[int]] = {}
        for province_code, name, pk in rows:
            self.by_spelling[province_code, spelling_key(name)] = pk
            self.by_short_name.setdefault((province_code, without_kind(spelling_key(name))), []).append(pk)

    def get(self, province_code: str, name: str) -> int | None:
        return self.by_spelling.get((province_code, spelling_key(name)))

    def same_name(self, province_code: str, legacy_name: str) -> int | None:
        """The one 2025 commune of the province whose name, kind word aside, is the legacy unit's."""
        found = self.by_short_name.get((province_code, without_kind(spelling_key(legacy_name))), [])
        return found[0] if len(found) == 1 else None


def _sync_parts(parts: dict[str, set[int]]) -> None:
    """Make ``LegacyWard.also_into`` hold exactly ``parts`` (legacy ward code → commune ids)."""
    through = LegacyWard.also_into.through
    ward_ids = dict(LegacyWard.objects.values_list("code", "id"))
    wanted = {(ward_ids[code], commune_id) for code, ids in parts.items() for commune_id in ids}
    existing = {(w, c): pk for pk, w, c in through.objects.values_list("id", "legacyward_id", "commune_id")}
    through.objects.bulk_create(
        [through(legacyward_id=w, commune_id=c) for w, c in wanted - existing.keys()], batch_size=500,
    )
    stale = [pk for pair, pk in existing.items() if pair not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()


@dataclass
class VillageImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"thêm {self.created}, cập nhật {self.updated}, không đổi {self.unchanged}"


def import_villages(content: bytes | str) -> VillageImportResult:
    """Import a villages CSV file (format in :mod:`tinhso.geo.village_file`), all or nothing.

    A village already stored is found by its code or, failing that, its name in the commune, and
    updated; importing the same file twice changes nothing. Any problem in any row raises
    :class:`VillageFileInvalid` listing every problem, and nothing is written.
    """
    parsed = read_village_file(content)
    return _save_villages(parsed.rows, parsed.columns, parsed.problems)


def _save_villages(
    rows: list[VillageRow], columns: tuple[str, ...], problems: list[RowProblem],
) -> VillageImportResult:
    problems = list(problems)
    communes = {c.code: c for c in Commune.objects.filter(code__in={r.commune_code for r in rows})}
    stored = list(Village.objects.filter(commune__in=communes.values()))
    by_name = {(v.commune_id, spelling_key(v.name)): v for v in stored}
    by_code = {(v.commune_id, v.code): v for v in stored if v.code}
    plan: list[tuple[VillageRow, Village]] = []
    for row in rows:
        commune = communes.get(row.commune_code)
        if commune is None:
            problems.append(RowProblem(
                row.row, "commune_code",
                f"Không có xã/phường/đặc khu mã {row.commune_code} trong danh mục 2025.",
            ))
            continue
        named = by_name.get((commune.pk, spelling_key(row.name)))
        coded = by_code.get((commune.pk, row.code)) if "code" in columns and row.code else None
        if named is not None and coded is not None and named.pk != coded.pk:
            problems.append(RowProblem(
                row.row, "code",
                f"Mã “{row.code}” đang là của “{coded.name}”, "
                f"còn “{named.name}” là một nơi khác trong cùng xã.",
            ))
            continue
        plan.append((row, coded or named or Village(commune=commune)))
    if problems:
        raise VillageFileInvalid(problems)

    result = VillageImportResult()
    written = ("name", "kind", *(c for c in ("code", "latitude", "longitude") if c in columns))
    with transaction.atomic():
        for row, village in plan:
            values = {name: getattr(row, name) for name in written}
            if village.pk is not None and all(getattr(village, k) == v for k, v in values.items()):
                result.unchanged += 1
                continue
            created = village.pk is None
            for name, value in values.items():
                setattr(village, name, value)
            try:
                village.save()  # one audit entry per village (track(Village))
            except IntegrityError as error:
                problem = RowProblem(row.row, "", f"Không lưu được dòng này: {error}")
                raise VillageFileInvalid([problem]) from error
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result


# Syllables of Thai and Khơ Mú place names in the uplands of western Nghệ An (demo data only).
_UPLAND_FIRST = (
    "Huồi", "Nậm", "Xốp", "Pha", "Na", "Hủa", "Cha", "Phà", "Piêng", "Tà", "Keng", "Cò", "Pà", "Kẻo",
)
_UPLAND_SECOND = (
    "Pục", "Càn", "Mạt", "Khảo", "Đu", "Lống", "Ca", "Tạt", "Cọ", "Lầm", "Thái", "Mọi", "Ngân", "Lìn", "Xái",
    "Tông", "Nhọt", "Búng",
)
MAX_DEMO_VILLAGES_PER_COMMUNE = 50


def generate_demo_villages(province_code: str, per_commune: int = 4) -> VillageImportResult:
    """Give each commune of a province that has no village yet ``per_commune`` plausible ones.

    The same villages on every run, and a commune that already has villages (demo or real) is left
    alone, so running it again changes nothing. Phường get "Tổ dân phố 1…", xã "Thôn 1…", except upland
    xã (the western 40% of the province by longitude) which get bản with local-sounding names.
    Coordinates scatter around the commune's approximate centre. Goes through the same path as a CSV
    import, so every village is audited.
    """
    if not 1 <= per_commune <= MAX_DEMO_VILLAGES_PER_COMMUNE:
        raise ValueError(f"Số thôn mỗi xã phải từ 1 đến {MAX_DEMO_VILLAGES_PER_COMMUNE}.")
    code = sources.province_code(province_code)
    communes = list(Commune.objects.filter(province__code=code).order_by("code"))
    if not communes:
        raise ValueError(f"Chưa có xã/phường nào của tỉnh mã {code}: hãy chạy `tinhso geo load` trước.")
    centroids = sources.commune_centroids()
    centre = {c.pk: centroids.get((code, c.name)) for c in communes}
    longitudes = sorted(point[1] for point in centre.values() if point)
    upland_below = longitudes[int(len(longitudes) * 0.4)] if longitudes else None

    settled = Village.objects.filter(commune__in=communes)
    settled_communes = set(settled.values_list("commune_id", flat=True))
    rows = []
    for commune in communes:
        if commune.pk in settled_communes:
            continue
        rng = random.Random(f"tinhso-demo-village-{commune.code}")
        point = centre[commune.pk]
        upland = (
            commune.kind == Commune.Kind.COMMUNE and point is not None and upland_below is not None
            and point[1] < upland_below
        )
        if upland:
            names = rng.sample([f"Bản {a} {b}" for a in _UPLAND_FIRST for b in _UPLAND_SECOND], per_commune)
            kind = Village.Kind.HIGHLAND_HAMLET
        elif commune.kind == Commune.Kind.WARD:
            names = [f"Tổ dân phố {i}" for i in range(1, per_commune + 1)]
            kind = Village.Kind.RESIDENTIAL_GROUP
        else:
            names = [f"Thôn {i}" for i in range(1, per_commune + 1)]
            kind = Village.Kind.HAMLET
        for i, name in enumerate(names, start=1):
            latitude = longitude = None
            if point is not None:
                latitude = Decimal(f"{point[0] + rng.uniform(-0.02, 0.02):.6f}")
                longitude = Decimal(f"{point[1] + rng.uniform(-0.02, 0.02):.6f}")
            rows.append(VillageRow(
                row=0, commune_code=commune.code, name=name, kind=kind, code=f"{i:02d}",
                latitude=latitude, longitude=longitude,
            ))
    result = _save_villages(rows, COLUMNS, [])
    result.unchanged = settled.filter(commune__in=settled_communes).count()
    return result



# -- commune boundaries -------------------------------------------------------------------------------------

BOUNDARY_MAX_BYTES = 200 * 1024 * 1024
# About 50 m: the browser draws a province's communes quickly and the outline still reads at street level.
BOUNDARY_SIMPLIFY_DEGREES = 0.0005


def import_commune_boundaries(content: bytes, *, source: str, dry_run: bool = False):
    """Commune boundaries from a GeoJSON FeatureCollection (see the README: one feature per commune, the
    2025 code in ``ma_xa`` or ``code``, a Polygon or MultiPolygon in WGS 84 longitude/latitude).

    Every feature is checked first; any problem is reported with the feature's number (row) and the member
    concerned (column), and nothing is written. Importing the same file again changes nothing.
    """
    import json

    import shapely
    from shapely.geometry import mapping, shape

    from tinhso.common.tabular import ImportReport
    from tinhso.geo.models import CommuneBoundary

    report = ImportReport(dry_run=dry_run)
    if len(content) > BOUNDARY_MAX_BYTES:
        report.add_error(0, "—", f"Tệp quá lớn (tối đa {BOUNDARY_MAX_BYTES // (1024 * 1024)} MB).")
        return report
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.add_error(0, "—", f"Không đọc được tệp GeoJSON (UTF-8, JSON): {error}")
        return report
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        report.add_error(0, "type", "Tệp phải là một GeoJSON FeatureCollection.")
        return report
    communes = {c.code: c for c in Commune.objects.all()}
    seen: dict[str, int] = {}
    rows = []
    for number, feature in enumerate(data["features"], start=1):
        report.rows += 1
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.add_error(number, "type", "Phần tử không phải là một Feature.")
            continue
        properties = feature.get("properties") or {}
        code = str(properties.get("ma_xa") or properties.get("code") or "").strip()
        if code.isdigit() and len(code) < 5:
            code = code.zfill(5)
        commune = communes.get(code)
        if commune is None:
            report.add_error(number, "properties.ma_xa", f"Không có xã, phường mã “{code}” trong danh mục 2025.")
            continue
        if code in seen:
            report.add_error(number, "properties.ma_xa", f"Xã mã {code} đã có ở phần tử {seen[code]}.")
            continue
        seen[code] = number
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            report.add_error(number, "geometry", "Ranh giới phải là Polygon hoặc MultiPolygon.")
            continue
        try:
            shaped = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as error:
            report.add_error(number, "geometry.coordinates", f"Toạ độ không hợp lệ: {error}")
            continue
        if shaped.is_empty:
            report.add_error(number, "geometry", "Ranh giới rỗng.")
            continue
        if not shaped.is_valid:
            shaped = shapely.make_valid(shaped)
        minx, miny, maxx, maxy = shaped.bounds
        if minx < 102 or maxx > 118 or miny < 6 or maxy > 24:
            report.add_error(number, "geometry.coordinates",
                             "Toạ độ nằm ngoài Việt Nam: phải là [kinh độ, vĩ độ] theo WGS 84.")
            continue
        simplified = shaped.simplify(BOUNDARY_SIMPLIFY_DEGREES, preserve_topology=True)
        rows.append((commune, mapping(shaped), mapping(simplified), (minx, miny, maxx, maxy)))
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        for commune, geometry, simplified, (minx, miny, maxx, maxy) in rows:
            geometry = json.loads(json.dumps(geometry))
            simplified = json.loads(json.dumps(simplified))
            existing = CommuneBoundary.objects.filter(commune=commune).first()
            if existing is not None and existing.geometry == geometry:
                report.unchanged.append(commune.code)
                continue
            CommuneBoundary.objects.update_or_create(commune=commune, defaults={
                "geometry": geometry, "simplified": simplified, "min_longitude": minx, "min_latitude": miny,
                "max_longitude": maxx, "max_latitude": maxy, "source": source[:300]})
            (report.updated if existing else report.created).append(commune.code)
    return report
