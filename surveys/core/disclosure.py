"""Statistical disclosure control by the Cell Key Method: the one function every published number passes through.

Why this method: suppressing small cells ("<5", "–") is not enough. Someone who combines the published numbers
(a total minus the visible cells, one wave's table subtracted from all waves', a list beside a summary) can work
out what was hidden. The statistical offices of Germany protect the Zensus 2022 tables with the Cell Key Method
instead, and so does Heard:

- Every response gets a random *record key* when it is stored (`new_record_key`). It is never exported.
- A cell (any count of responses: an answer in a group, a group's size, a wave's total, a distributor's reach)
  gets a *cell key*: the sum of its records' keys modulo 2^32. The same set of records always has the same
  cell key, so the same logical cell shows the same number in every table, query, wave and command.
- A fixed perturbation table turns (count, cell key) into the published count. Zero stays zero. Counts from 1 to
  k-1 are never published: they become 0 or k. Larger counts move by at most `MAX_DEVIATION`.
- Totals and margins are cells like any other, perturbed on their own: rows need not add up, and nobody can
  subtract their way to a hidden count, because every number they would subtract carries its own noise.

The table for minimum cell size k (`[privacy] min_cell`, default 5; sensitive questions use at least 10):

  true count n       published
  0                  0
  1 .. k-1           0 with probability 1 - n/k, k with probability n/k (unbiased)
  k and more         n + d, d in -2..+2 with probabilities 2 %, 18 %, 60 %, 18 %, 2 % (variance 0.52),
                     never below k (near k the missing deviations go to "unchanged")

So a published 0 means 0 to k-1 people, a published k means 1 to k+2, and any other published v means v-2 to
v+2 (`possible_counts`). A group (a breakdown column, a wave, a whole table) with fewer than k responses is not
shown at all: its cells show the one marker `HIDDEN_MARK`.
"""

from __future__ import annotations

import secrets
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MIN_CELL = 5
SENSITIVE_MIN_CELL = 10
KEY_MODULUS = 2**32
"""Record keys are in [0, 2^32); a cell key is the sum of its records' keys modulo 2^32. Sums of a million keys
stay far inside a 64-bit integer, so the database can add them."""
MAX_DEVIATION = 2
DEVIATIONS = {-2: 0.02, -1: 0.18, 0: 0.60, 1: 0.18, 2: 0.02}
"""How far a count of at least k moves, and how often. Changing this changes every published number: keep it."""
HIDDEN_MARK = "•"
"""The one marker for every cell that is not shown (a group below the minimum size)."""


def new_record_key() -> int:
    """A response's random record key (drawn once, when it is stored)."""
    return secrets.randbelow(KEY_MODULUS)


def min_cell_for(k: int, sensitive: bool) -> int:
    """Sensitive questions (health, discrimination) need a larger group before anything is shown."""
    return max(k, SENSITIVE_MIN_CELL) if sensitive else k


@dataclass(frozen=True, slots=True)
class Tally:
    """What the database knows about a cell: how many records, and the sum of their record keys.

    Tallies add and subtract like the record sets they describe (disjoint union, removing a subset), so a
    derived cell ("not asked" = size - answered - declined) gets exactly the key its records would give."""

    n: int
    key_sum: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.n + other.n, (self.key_sum + other.key_sum) % KEY_MODULUS)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.n - other.n, (self.key_sum - other.key_sum) % KEY_MODULUS)

    @property
    def cell_key(self) -> float:
        """In [0, 1): where in the perturbation table's row this cell falls."""
        return (self.key_sum % KEY_MODULUS) / KEY_MODULUS


EMPTY = Tally(0, 0)


@dataclass(frozen=True, slots=True)
class Cell:
    """A published number: the perturbed count, or None where the cell is hidden. The true count never
    leaves this module."""

    value: int | None

    @property
    def shown(self) -> int | None:
        return self.value

    @property
    def hidden(self) -> bool:
        return self.value is None

    def display(self, k: int | None = None) -> str:
        """The text to print; `k` is accepted for symmetry with older callers and not needed."""
        return HIDDEN_MARK if self.value is None else str(self.value)


HIDDEN = Cell(None)


@lru_cache(maxsize=4096)
def _row(n: int, k: int) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """The perturbation table's row for a true count n: cumulative probabilities and published values."""
    if n == 0:
        return (1.0,), (0,)
    if n < k:
        return (1 - n / k, 1.0), (0, k)
    outcomes: dict[int, float] = {}
    for deviation, probability in DEVIATIONS.items():
        value = n + deviation if n + deviation >= k else n
        outcomes[value] = outcomes.get(value, 0.0) + probability
    values = tuple(sorted(outcomes))
    cumulative, running = [], 0.0
    for value in values:
        running += outcomes[value]
        cumulative.append(running)
    cumulative[-1] = 1.0
    return tuple(cumulative), values


def perturb(tally: Tally, k: int) -> int:
    """The published count of a cell: a function of its records only (count and cell key)."""
    if tally.n < 0:
        raise ValueError("a cell cannot hold a negative number of records")
    cumulative, values = _row(tally.n, k)
    return values[min(bisect_right(cumulative, tally.cell_key), len(values) - 1)]


def disclose(tally: Tally, k: int) -> Cell:
    """The one disclosure-control function: every number Heard publishes is `disclose(...).value`."""
    return Cell(perturb(tally, k))


def disclose_group(size: Tally, k: int) -> Cell:
    """A group's size, or HIDDEN when the group has fewer than k records and must not be shown at all."""
    return disclose(size, k) if group_shown(size, k) else HIDDEN


def group_shown(size: Tally, k: int, table_k: int | None = None) -> bool:
    """A whole group (a breakdown column, a wave, a question's table) is shown only with at least k records.

    A table with a larger minimum (`table_k`, sensitive questions) also needs the group's *published* size to
    reach it. Deciding on the published size, which anyone can see, tells nobody more than they knew; deciding
    on the true size would pin a group published as 11 but left out below 10 to exactly 9 or 8."""
    if size.n < k:
        return False
    return table_k is None or table_k <= k or perturb(size, k) >= table_k


def possible_counts(published: int, k: int) -> tuple[int, int]:
    """The true counts (lowest, highest) that can give `published`: what anyone who reads the README knows.
    The derivation test's attacker uses exactly this."""
    if published == 0:
        return 0, k - 1
    candidates = [n for n in range(max(1, published - MAX_DEVIATION - k), published + MAX_DEVIATION + 1)
                  if published in _row(n, k)[1]]
    return min(candidates), max(candidates)


def share(part: Cell, whole: Cell) -> float | None:
    """A share computed from published counts only, rounded to a whole percent so it adds nothing to them."""
    if part.value is None or not whole.value:
        return None
    return round(part.value / whole.value, 2)


def mean(points: dict[int, Cell]) -> float | None:
    """A mean of scale points from published counts only, rounded to one decimal."""
    counted = {point: cell.value for point, cell in points.items() if cell.value}
    total = sum(counted.values())
    if not total or any(cell.value is None for cell in points.values()):
        return None
    return round(sum(point * n for point, n in counted.items()) / total, 1)
