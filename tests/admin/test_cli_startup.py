"""`heard-admin` imports only the command group it runs: `--version` and a small command start without loading
the spreadsheet, chat and PDF libraries other groups need (they cost seconds on an officer's laptop)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("aiogram", "openpyxl", "pyxform", "pandas", "weasyprint")


def loaded_after(args: list[str]) -> set[str]:
    """Which heavy libraries building the command line for `args` imports, in a fresh interpreter."""
    probe = ("import sys; from admin.cli import build_app, commands_needed; "
             f"build_app(commands_needed({args!r})); "
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_version_and_a_wave_command_load_no_heavy_library():
    assert loaded_after(["--version"]) == set()
    assert loaded_after(["waves", "list", "needs"]) == set()


def test_help_still_lists_every_command_group():
    from admin.cli import COMMANDS, build_app, commands_needed

    assert commands_needed(["--help"]) == tuple(COMMANDS)
    assert commands_needed(["nosuch"]) == tuple(COMMANDS)
    assert commands_needed(["--debug", "surveys", "list"]) == ("surveys",)
    app = build_app(commands_needed([]))
    names = {group.name for group in app.registered_groups} | {c.name for c in app.registered_commands}
    assert names == set(COMMANDS)
