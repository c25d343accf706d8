"""Statistical disclosure control: the one function every count passes through before it leaves the database.

Rules (also in the README):
- Primary suppression: a count of 1 .. k-1 respondents is never shown; it prints as "<k".
- Secondary suppression: where cells add up to a total that is shown, a single hidden cell could be
  recomputed by subtraction, and so could a group of hidden cells whose sum is below k. In that case the
  smallest visible non-zero cells are hidden too (printed "–") until the hidden cells sum to at least k.
- A group (a question's whole table) with fewer than k respondents is not shown at all.
- Zero stays zero: it tells nobody anything about a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_MIN_CELL = 5
SENSITIVE_MIN_CELL = 10


class Hidden(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True, slots=True)
class Cell:
    count: int
    hidden: Hidden | None = None

    def display(self, k: int) -> str:
        if self.hidden is Hidden.PRIMARY:
            return f"<{k}"
        if self.hidden is Hidden.SECONDARY:
            return "–"
        return str(self.count)

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.count


def min_cell_for(k: int, sensitive: bool) -> int:
    """Sensitive questions (health, discrimination) need a larger group before anything is shown."""
    return max(k, SENSITIVE_MIN_CELL) if sensitive else k


def protect_independent(counts: Mapping[str, int], k: int) -> dict[str, Cell]:
    """Cells that do not add up to a shown total (e.g. options of a multi-choice question): primary only."""
    return {key: Cell(n, Hidden.PRIMARY if 0 < n < k else None) for key, n in counts.items()}


def protect_additive(counts: Mapping[str, int], k: int) -> dict[str, Cell]:
    """Cells that add up to a total which is shown: primary, then secondary suppression."""
    cells = protect_independent(counts, k)
    while True:
        hidden = [key for key, cell in cells.items() if cell.hidden]
        hidden_sum = sum(cells[key].count for key in hidden)
        recomputable = len(hidden) == 1 or 0 < hidden_sum < k
        if not hidden or not recomputable:
            return cells
        candidates = sorted((cell.count, key) for key, cell in cells.items() if not cell.hidden and cell.count > 0)
        if not candidates:
            return cells
        _, key = candidates[0]
        cells[key] = Cell(cells[key].count, Hidden.SECONDARY)


def group_shown(total: int, k: int) -> bool:
    """A whole group (a breakdown column, a question's table) is shown only with at least k respondents."""
    return total >= k
