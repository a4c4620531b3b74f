"""`tinhso telecom coverage|recompute|import|export`: the telecom registry from the command line.

``coverage`` answers from files alone (no database): the codes of the villages left without mobile
broadband, one a line, sorted; a bad file gets its row and column on standard error and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tinhso.common import tabular


class Command(BaseCommand):
    help = "Hạ tầng viễn thông: coverage (tính từ tệp), recompute, import, export."
    # `coverage` must run without a database; the others check what they need themselves.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        coverage = sub.add_parser("coverage", help="In mã các thôn, bản không có băng rộng di động (3G/4G/5G), "
                                                   "tính từ tệp, không dùng cơ sở dữ liệu.")
        coverage.add_argument("--stations", required=True, type=Path, help="Trạm theo bố cục CSV của OpenCellID.")
        coverage.add_argument("--villages", required=True, type=Path,
                              help="Thôn, bản: CSV commune_code,code,name,latitude,longitude.")
        coverage.add_argument("--ranges", type=Path, help="Bán kính: CSV technology,range_m (mặc định theo "
                                                           "README).")
        sub.add_parser("recompute", help="Tính lại vùng phủ sóng từ các trạm đang phát sóng và tình trạng "
                                         "thôn, bản, xã.")
        imported = sub.add_parser("import", help="Nhập dữ liệu từ XLSX/CSV; có lỗi thì không ghi gì.")
        imported.add_argument("kind", choices=["stations", "opencellid", "routes", "coverage", "reports"])
        imported.add_argument("file", type=Path)
        imported.add_argument("--dry-run", action="store_true")
        exported = sub.add_parser("export", help="Xuất dữ liệu ra XLSX, CSV hoặc GeoJSON (theo đuôi tệp).")
        exported.add_argument("kind", choices=["stations", "routes", "villages", "uncovered", "communes",
                                               "reports", "service-points"])
        exported.add_argument("file", type=Path)

    def handle(self, *args, action: str, **options):
        getattr(self, "_" + action)(**options)

    def _coverage(self, stations: Path, villages: Path, ranges: Path | None, **options) -> None:
        from tinhso.telecom import coverage_files

        contents = {}
        for name, path in (("stations", stations), ("villages", villages), ("ranges", ranges)):
            if path is None:
                continue
            try:
                contents[name] = path.read_bytes()
            except OSError as error:
                raise CommandError(f"Không đọc được tệp {path}: {error.strerror}.", returncode=2) from error
        try:
            cells, points, table, reports = coverage_files.read_all(
                contents["stations"], contents["villages"], contents.get("ranges"))
        except tabular.ImportFileError as error:
            raise CommandError(str(error), returncode=2) from error
        paths = {"stations": stations, "villages": villages, "ranges": ranges}
        failed = False
        for name, report in reports.items():
            for error in report.errors:
                failed = True
                self.stderr.write(f"{paths[name]}: dòng {error.row}, cột {error.column}: {error.message}")
        if failed:
            raise CommandError("Tệp có lỗi; không tính.", returncode=2)
        for code in coverage_files.uncovered(cells, points, table):
            self.stdout.write(code)

    def _recompute(self, **options) -> None:
        from tinhso.telecom import services

        result = services.recompute_coverage()
        self.stdout.write(self.style.SUCCESS(
            f"{result.villages} thôn, bản: {result.broadband} có băng rộng di động, {result.uncovered} trắng sóng."))

    def _import(self, kind: str, file: Path, dry_run: bool = False, **options) -> None:
        from tinhso.telecom import imports

        importer = {"stations": imports.import_stations, "opencellid": imports.import_opencellid,
                    "routes": imports.import_routes, "coverage": imports.import_coverage,
                    "reports": imports.import_reports}[kind]
        try:
            report = importer(file.read_bytes(), user=None, dry_run=dry_run,
                              format="csv" if kind == "opencellid" else tabular.format_of(file))
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {file}: {error.strerror}.", returncode=2) from error
        except tabular.ImportFileError as error:
            raise CommandError(str(error), returncode=2) from error
        if not report.ok:
            for line in report.lines():
                self.stderr.write(line)
            raise CommandError(report.summary(), returncode=2)
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _export(self, kind: str, file: Path, **options) -> None:
        from tinhso.telecom import exports

        suffix = file.suffix.lstrip(".").lower()
        if suffix not in ("xlsx", "csv", "geojson"):
            raise CommandError("Tệp xuất phải có đuôi .xlsx, .csv hoặc .geojson.")
        file.write_bytes(exports.export_all(kind, suffix))
        self.stdout.write(self.style.SUCCESS(f"Đã xuất {file}."))
