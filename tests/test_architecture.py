"""The layers hold: surveys/core imports no I/O library, surveys never imports the shells, bot and admin never
import each other (import-linter's contracts in pyproject.toml); and the core reads no Babel message tooling
(import-linter sees only whole external packages, so that one is checked here, on the source)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_core_reads_no_message_catalog_files():
    core = sorted((PROJECT / "surveys" / "core").rglob("*.py"))
    assert len(core) > 10, "the core's modules are where this test looks for them"
    for path in core:
        tooling = {m for m in imported_modules(path) if m == "babel.messages" or m.startswith("babel.messages.")}
        assert not tooling, f"{path.relative_to(PROJECT)} imports {sorted(tooling)}"
