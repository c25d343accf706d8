"""PostgreSQL is never skipped silently where it is required: under HEARD_REQUIRE_POSTGRES=1 (make test, CI)
missing binaries fail the run; without the flag the PostgreSQL variants are skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(require: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEARD_PG_BIN": "/nonexistent/postgresql/bin", "HEARD_REQUIRE_POSTGRES": require}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/surveys/test_store_postgres.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_missing_postgres_fails_loudly_when_required():
    result = _run("1")
    assert result.returncode != 0
    assert "HEARD_REQUIRE_POSTGRES=1" in result.stdout
    assert "passed" not in result.stdout.splitlines()[-1]


def test_missing_postgres_is_skipped_when_not_required():
    result = _run("")
    assert result.returncode == 0, result.stdout
    assert "skipped" in result.stdout.splitlines()[-1]
