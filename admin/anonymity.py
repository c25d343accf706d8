"""k-anonymity for microdata exports: a pure function over records, applied before any record leaves.

Quasi-identifiers are the answers an outsider could know about a person: area, age band, gender and the
language of the interview (whichever of these the survey has). Every combination of their values that occurs
in an export must occur at least k times (k = `[privacy] min_cell`). A missing value (not asked, or blanked
here) counts as one value of its own, and so does "prefer not to say".

With `coarsen`, these steps are applied in order until every combination occurs at least k times:

  a. gender is blanked in the records that are in too small groups;
  b. age bands are merged into broader bands in all records (under_30, from_30_to_64, over_64);
  c. area is replaced by "other" in the records still in too small groups;
  d. language is replaced by "other" in the records still in too small groups;
  e. the age band is blanked in the records still in too small groups;
  f. the few records still in too small groups are withheld from the export (and the message says how many).

With `refuse` at the first too small group, or if there are fewer than k records at all, or if withholding would
leave fewer than k records, the export is refused (`Refused`). A step never makes an untouched record's group
smaller (a/c/d only change records in too small groups, b only merges groups), so each step can only help.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

QUASI_IDENTIFIERS = ("area", "age_band", "gender", "language")
"""In this order in messages; questions of these names, and the response's language."""

BLANK = ""
OTHER = "other"
AGE_MERGES = {
    "under_18": "under_30",
    "from_18_to_29": "under_30",
    "from_30_to_49": "from_30_to_64",
    "from_50_to_64": "from_30_to_64",
}
"""Age bands merged by step b; other values (over_64, prefer_not_to_say, blank) stay as they are."""
MERGED_AGE_BANDS = ("under_30", "from_30_to_64", "over_64")


class Mode(StrEnum):
    coarsen = "coarsen"
    refuse = "refuse"


@dataclass(frozen=True, slots=True)
class Step:
    """One coarsening step that changed something."""

    variable: str
    action: str
    """"blanked", "merged" or "other"."""
    records: int
    """How many records it changed."""

    def describe(self) -> str:
        if self.action == "merged":
            return f"age bands merged into {', '.join(MERGED_AGE_BANDS)} ({_records(self.records)} changed)"
        if self.action == "blanked":
            return f"{self.variable} blanked in {_records(self.records)}"
        if self.action == "withheld":
            return f"{_records(self.records)} withheld (still in groups below k)"
        return f'{self.variable} replaced by "{OTHER}" in {_records(self.records)}'


@dataclass(frozen=True, slots=True)
class Protected:
    records: list[dict[str, Any]]
    """The records in the same order, quasi-identifiers coarsened; everything else as it was."""
    steps: tuple[Step, ...]
    variables: tuple[str, ...]
    withheld: frozenset[int] = frozenset()
    """Positions of records that stay in groups below k after every coarsening step: they do not leave."""

    def describe(self) -> str:
        return "; ".join(step.describe() for step in self.steps)


class Refused(Exception):
    """The export may not happen: some records stay in groups smaller than k."""

    def __init__(
        self,
        *,
        total: int,
        k: int,
        violating: int,
        variables: tuple[str, ...],
        mode: Mode,
        steps: tuple[Step, ...] = (),
    ) -> None:
        self.total = total
        self.k = k
        self.violating = violating
        self.variables = variables
        self.mode = mode
        self.steps = steps
        super().__init__(self.explain())

    @property
    def too_few(self) -> bool:
        return self.total < self.k

    def explain(self) -> str:
        """Why, and what to do, in plain words."""
        if self.too_few:
            return (
                f"Export refused: {_records(self.total)} in total, fewer than k = {self.k}; microdata this small "
                "could identify people. Nothing was written.\n"
                f"Wait until at least {self.k} responses are in (or export all waves together), or use "
                "`heard-admin results summary` for protected counts."
            )
        over = " × ".join(self.variables)
        why = (
            f"Export refused: {self.violating} of {_records(self.total)} would be in groups of fewer than "
            f"k = {self.k} people with the same {over}"
        )
        if self.mode is Mode.refuse:
            return (
                f"{why}. Nothing was written.\n"
                "Run it again with `--k-anonymity coarsen` to blank or merge these variables where needed, wait for "
                "more responses, or use `heard-admin results summary` for protected counts."
            )
        done = "; ".join(step.describe() for step in self.steps) or "nothing could be coarsened"
        return (
            f"{why}, even after coarsening ({done}). Nothing was written.\n"
            "Wait for more responses, export all waves together instead of one, or use "
            "`heard-admin results summary` for protected counts."
        )


def _records(n: int) -> str:
    return f"{n} record" if n == 1 else f"{n} records"


def _value(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    return BLANK if value is None else value


def _key(record: Mapping[str, Any], variables: Sequence[str]) -> tuple[Any, ...]:
    return tuple(_value(record, v) for v in variables)


def violating(records: Sequence[Mapping[str, Any]], variables: Sequence[str], k: int) -> list[int]:
    """Positions of the records whose combination of `variables` occurs fewer than k times."""
    keys = [_key(r, variables) for r in records]
    counts = Counter(keys)
    return [i for i, key in enumerate(keys) if counts[key] < k]


def protect(
    records: Sequence[Mapping[str, Any]],
    variables: Sequence[str],
    k: int,
    mode: Mode = Mode.coarsen,
) -> Protected:
    """The records with their quasi-identifiers (`variables`, a subset of QUASI_IDENTIFIERS) coarsened so that
    every combination occurs at least k times; raises Refused if that cannot be reached. Pure: the input
    records are not changed. A missing key and None count as blank."""
    variables = tuple(v for v in QUASI_IDENTIFIERS if v in variables)
    out = [dict(r) for r in records]
    refuse = {"total": len(out), "k": k, "variables": variables, "mode": mode}
    if len(out) < k:
        raise Refused(violating=len(out), **refuse)
    small = violating(out, variables, k)
    if small and mode is Mode.refuse:
        raise Refused(violating=len(small), **refuse)
    steps: list[Step] = []

    def replace_in_small(variable: str, value: str, action: str) -> None:
        nonlocal small
        if not small or variable not in variables:
            return
        changed = 0
        for i in small:
            if _value(out[i], variable) != value:
                out[i][variable] = value
                changed += 1
        if changed:
            steps.append(Step(variable, action, changed))
            small = violating(out, variables, k)

    replace_in_small("gender", BLANK, "blanked")
    if small and "age_band" in variables:
        changed = 0
        for record in out:
            band = _value(record, "age_band")
            if band in AGE_MERGES:
                record["age_band"] = AGE_MERGES[band]
                changed += 1
        if changed:
            steps.append(Step("age_band", "merged", changed))
            small = violating(out, variables, k)
    replace_in_small("area", OTHER, "other")
    replace_in_small("language", OTHER, "other")
    replace_in_small("age_band", BLANK, "blanked")
    if small and len(out) - len(small) >= k:
        steps.append(Step("record", "withheld", len(small)))
        return Protected(out, tuple(steps), variables, frozenset(small))
    if small:
        raise Refused(violating=len(small), steps=tuple(steps), **refuse)
    return Protected(out, tuple(steps), variables)
