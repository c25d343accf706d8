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

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

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
    return protect_lines(counts, [(None, list(counts))], k)


def protect_lines(
    counts: Mapping[K, int],
    lines: Sequence[tuple[K | None, Sequence[K]]],
    k: int,
    force_hidden: Iterable[K] = (),
) -> dict[K, Cell]:
    """Cells of a table whose lines (rows, columns, margins) add up to totals.

    Each line is (total cell, member cells); a total of None is known anyway (e.g. the number of responses).
    Primary suppression hides counts 1..k-1 and the `force_hidden` cells (e.g. a dropped group's column);
    then, while some line whose total is shown has exactly one hidden non-zero member, or hidden members
    summing to less than k, the smallest visible non-zero member of that line is hidden as well."""
    hidden: dict[K, Hidden] = {key: Hidden.PRIMARY for key, n in counts.items() if 0 < n < k}
    for key in force_hidden:
        hidden.setdefault(key, Hidden.PRIMARY)
    changed = True
    while changed:
        changed = False
        for total, members in lines:
            if total is not None and total in hidden:
                continue
            concealed = [m for m in members if m in hidden and counts[m] > 0]
            concealed_sum = sum(counts[m] for m in concealed)
            if not concealed or (len(concealed) > 1 and concealed_sum >= k):
                continue
            candidates = sorted((counts[m], str(m), m) for m in members if m not in hidden and counts[m] > 0)
            if candidates:
                hidden[candidates[0][2]] = Hidden.SECONDARY
                changed = True
            elif total is not None:  # nothing left to hide beside it: the total itself would give it away
                hidden[total] = Hidden.SECONDARY
                changed = True
    return {key: Cell(n, hidden.get(key)) for key, n in counts.items()}


def group_shown(total: int, k: int) -> bool:
    """A whole group (a breakdown column, a question's table) is shown only with at least k respondents."""
    return total >= k
