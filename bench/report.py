"""Writes benchmark figures into bench/results.md, one section per benchmark, with the machine and versions."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

RESULTS = Path(__file__).parent / "results.md"


@dataclass
class Section:
    title: str
    command: str
    header: list[str]
    rows: list[list[str]]
    notes: str = ""


def machine() -> str:
    packages = ", ".join(f"{name} {version(name)}" for name in ("aiogram", "SQLAlchemy", "aiosqlite"))
    return (f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {packages}")


def write_section(section: Section) -> None:
    intro = "# Heard benchmarks\n\nFigures written by the scripts in bench/; rerun them to reproduce.\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else intro
    body = [f"## {section.title}", "", f"Machine: {machine()}  ", f"Command: `{section.command}`", "",
            "| " + " | ".join(section.header) + " |", "|" + "---|" * len(section.header)]
    body += ["| " + " | ".join(row) + " |" for row in section.rows]
    if section.notes:
        body += ["", section.notes]
    block = "\n".join(body) + "\n"
    pattern = re.compile(rf"^## {re.escape(section.title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(block + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")
