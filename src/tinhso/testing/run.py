"""The whole test run behind `make test`: lint, migration check, the suite on SQLite, then on PostgreSQL.

Extra arguments go to pytest. With no PostgreSQL binaries the PostgreSQL half is skipped with a loud
warning, except when CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tinhso.testing import pgserver

ROOT = Path(__file__).resolve().parents[3]


def _step(title: str, command: list[str], env: dict[str, str] | None = None) -> int:
    print(f"\n=== {title} ===", flush=True)
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}).returncode


def main(argv: list[str]) -> int:
    py = sys.executable
    only = os.environ.get("TINHSO_TEST_DB", "both")
    if only == "both":
        if _step("ruff", [py, "-m", "ruff", "check", "src", "bench", "scripts"]):
            return 1
        if _step("migrations are complete", [py, "-m", "tinhso.manage", "makemigrations", "--check",
                                             "--dry-run"], {"DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test"}):
            return 1
    pytest = [py, "-m", "pytest", *argv]
    if only in {"both", "sqlite"}:
        code = _step("tests on SQLite", pytest, {"DATABASE_URL": "sqlite:///var/test.sqlite3"})
        if code:
            return code
    if only in {"both", "postgres"}:
        if pgserver.find_bindir() is None:
            message = "PostgreSQL binaries not found: the PostgreSQL half of the suite did NOT run."
            if os.environ.get("CI", "").lower() == "true":
                print(f"\nERROR: {message} (CI=true makes this a failure)", file=sys.stderr)
                return 1
            print("\n" + "!" * 78 + f"\nWARNING: {message}\nInstall `postgresql` to run it.\n" + "!" * 78,
                  file=sys.stderr)
            return 0
        # A hot standby of the throwaway server: the tests of the read-replica routing read from it.
        with pgserver.running(replicas=1) as server:
            code = _step(f"tests on PostgreSQL ({server.url}, replica {server.replica_urls})", pytest,
                         {"DATABASE_URL": server.url, "DATABASE_REPLICA_URLS": server.replica_urls})
        if code:
            return code
    print("\nAll tests passed.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
