"""What an import reports: each problem as `sheet!cell: why` (the cell an officer has to change), one line each.

A problem stops the import; an unsupported construct stops it too unless the officer asked to leave such things
out (`--skip-unsupported`), in which case it is listed as skipped; a warning never stops anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class XlsProblem:
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: {self.message}" if self.cell else f"{self.sheet}: {self.message}"


class XlsFormError(Exception):
    """Raised with every problem found; nothing was imported."""

    def __init__(self, problems: Iterable[XlsProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Report:
    """Collects an import's problems, what it left out and what the officer should know."""

    skip_unsupported: bool
    problems: list[XlsProblem] = field(default_factory=list)
    skipped: list[XlsProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, sheet: str, cell: str, message: str) -> None:
        self._add(self.problems, XlsProblem(sheet, cell, message))

    def unsupported(self, sheet: str, cell: str, message: str) -> None:
        self._add(self.skipped if self.skip_unsupported else self.problems, XlsProblem(sheet, cell, message))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    @staticmethod
    def _add(target: list[XlsProblem], problem: XlsProblem) -> None:
        if problem not in target:  # the same cell and reason, met twice (e.g. a shared choice list): one line
            target.append(problem)
