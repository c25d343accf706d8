"""Microdata that holds against someone who looks for a person they know: a pure function over records (no I/O),
applied by admin/export.py before any record leaves.

The attacker knows that someone took part and some facts about them that people around them can know: the
quasi-identifiers. Those of an export are the response's language, channel, wave and month of submission, and
the questions about the person (admin/export.py decides which: area, age band, gender, years here and every
other question of the survey's `core` field). Any name among `variables` that Heard does not know by name
(QUASI_IDENTIFIERS) is such a further question about the person. A missing value (not asked, not answered, or
blanked here) is a value of its own, and so is "prefer not to say".

What leaves must satisfy three rules:

1. k-anonymity: every combination of quasi-identifier values among the released records occurs at least k times
   (k = `[privacy] min_cell`), so a record can never be narrowed down to fewer than k people.
2. Waves, as in the summaries: a wave with fewer than k records is never shown; the wave of its records becomes
   "other" (before anything else).
3. Sensitive questions (l-diversity): records with the same quasi-identifiers form a class. A sensitive question's
   answers are shown in a class only if the class has at least max(k, SENSITIVE_MIN_CELL) records and no answer
   (for a multi-choice question: no option) is shared by every answer in it, so at least two differ. Otherwise
   they are blanked in the whole class: whoever finds a person's class learns nothing of their answer.
   "Prefer not to say" and not asked are not answers and stay as they are.

With `Mode.coarsen`, after rule 2, these steps run in order, each only while records are in groups below k, and
each changing only those records (except f, which merges bands in every record):

  a. month of submission blanked;        f. age bands merged into under_30, from_30_to_64, over_64;
  b. channel replaced by "other";        g. area replaced by "other";
  c. further questions about the person  h. language replaced by "other";
     blanked, in the survey's order;     i. age band blanked;
  d. years here blanked;                 j. wave replaced by "other";
  e. gender blanked;                     k. the records still in groups below k withheld.

The order gives up first what officers' analyses need least. A step only moves records out of groups below k
(or merges groups), so a group never shrinks and a record once in a group of k stays in one. The records still
below k after step j went through every step and so look alike: they form one group, of fewer than k, and at
least k others remain. That is why fewer than k records are ever withheld, and why coarsening never fails when
there are k records at all. Then coarsening is given back where it was not needed: variable by variable, the last
step's first, the records of a class that had the same value before get it back when they, and the rest of their
class, still form groups of at least k (or they join a group that already has k). Rule 3 comes last.

With `Mode.refuse` nothing is changed: any group below k, or any answer rule 3 would blank, refuses the export.
Fewer than k records are refused in either mode. Messages never state a count from 1 to k-1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from surveys.core.disclosure import SENSITIVE_MIN_CELL
from surveys.core.model import DECLINED

AREA, AGE_BAND, GENDER, LANGUAGE, YEARS_HERE = "area", "age_band", "gender", "language", "years_here"
CHANNEL, WAVE, MONTH = "channel", "wave", "submitted_month"
QUASI_IDENTIFIERS = (AREA, AGE_BAND, GENDER, LANGUAGE, YEARS_HERE, CHANNEL, WAVE, MONTH)
"""The quasi-identifiers Heard knows by name, in this order in messages (further questions follow)."""

BLANK = ""
OTHER = "other"
AGE_MERGES = {
    "under_18": "under_30",
    "from_18_to_29": "under_30",
    "from_30_to_49": "from_30_to_64",
    "from_50_to_64": "from_30_to_64",
}
"""Age bands merged by step f; other values (over_64, prefer_not_to_say, blank) stay as they are."""
MERGED_AGE_BANDS = ("under_30", "from_30_to_64", "over_64")


class Mode(StrEnum):
    coarsen = "coarsen"
    refuse = "refuse"


class Action(StrEnum):
    blanked = "blanked"
    merged = "merged"
    other = "other"
    withheld = "withheld"
    sensitive = "sensitive"
    """A sensitive question's answers blanked (rule 3)."""


FURTHER = "*"
"""Stands for the further questions about the person in COARSENING."""
COARSENING: tuple[tuple[str, Action], ...] = (
    (MONTH, Action.blanked),
    (CHANNEL, Action.other),
    (FURTHER, Action.blanked),
    (YEARS_HERE, Action.blanked),
    (GENDER, Action.blanked),
    (AGE_BAND, Action.merged),
    (AREA, Action.other),
    (LANGUAGE, Action.other),
    (AGE_BAND, Action.blanked),
    (WAVE, Action.other),
)
"""Steps a to j, in order."""


def stated(n: int, k: int) -> str:
    """A count as a message may state it: never one from 1 to k-1."""
    return f"fewer than {k}" if 0 < n < k else str(n)


def stated_records(n: int, k: int) -> str:
    return f"{stated(n, k)} record" + ("" if stated(n, k) == "1" else "s")


@dataclass(frozen=True, slots=True)
class Step:
    """What protection changed in the released records, for one variable."""

    variable: str
    action: Action
    records: int
    """How many records it changed (or withheld)."""
    k: int
    """Counts from 1 to k-1 are not stated."""

    def describe(self) -> str:
        n = stated_records(self.records, self.k)
        if self.action is Action.merged:
            return f"age bands merged into {', '.join(MERGED_AGE_BANDS)} in {n}"
        if self.action is Action.blanked:
            return f"{self.variable} blanked in {n}"
        if self.action is Action.withheld:
            return f"{n} withheld (still in groups below k)"
        if self.action is Action.sensitive:
            return (f"answers to the sensitive question {self.variable} blanked in {n} (groups of fewer than "
                    f"{self.k} people, or answers all alike)")
        return f'{self.variable} replaced by "{OTHER}" in {n}'


@dataclass(frozen=True, slots=True)
class Protected:
    records: list[dict[str, Any]]
    """The records in the same order: quasi-identifiers coarsened, sensitive answers blanked, the rest as it was."""
    steps: tuple[Step, ...]
    variables: tuple[str, ...]
    released: frozenset[int]
    """Positions of the records that leave."""
    withheld: frozenset[int] = frozenset()
    """Positions of records (of the wave asked for) that stay in groups below k after every step: they do not
    leave."""

    def describe(self) -> str:
        return "; ".join(step.describe() for step in self.steps)


class Refused(Exception):
    """The export may not happen: some records stay in groups smaller than k, or (refuse mode) sensitive answers
    would need blanking, or there are too few records (in the wave asked for)."""

    def __init__(
        self,
        *,
        total: int,
        k: int,
        violating: int,
        variables: tuple[str, ...],
        mode: Mode,
        steps: tuple[Step, ...] = (),
        sensitive: tuple[str, ...] = (),
        sensitive_k: int = SENSITIVE_MIN_CELL,
        wave: str | None = None,
    ) -> None:
        self.total = total
        self.k = k
        self.violating = violating
        self.variables = variables
        self.mode = mode
        self.steps = steps
        self.sensitive = sensitive
        self.sensitive_k = sensitive_k
        self.wave = wave
        super().__init__(self.explain())

    @property
    def too_few(self) -> bool:
        return self.total < self.k

    def explain(self) -> str:
        """Why, and what to do, in one line of plain words, with no count from 1 to k-1."""
        summary = "use `heard-admin results summary` for protected counts"
        if self.too_few and self.wave:
            return (
                f"Export refused: wave '{self.wave}' has fewer than k = {self.k} completed responses, and a wave "
                f"this small is never exported on its own (the summaries do not show it either); nothing was "
                f'written. Export all waves together instead (its records then carry the wave "{OTHER}"), or '
                f"{summary}."
            )
        if self.too_few:
            return (
                f"Export refused: fewer than k = {self.k} completed responses, and microdata this small could "
                f"identify people; nothing was written. Wait until at least {self.k} responses are in, or "
                f"{summary}."
            )
        over = " × ".join(self.variables)
        if self.mode is Mode.refuse and self.sensitive:
            return (
                f"Export refused: the answers to the sensitive question {', '.join(self.sensitive)} would be "
                f"shown in groups of fewer than {self.sensitive_k} people with the same {over}, or in groups "
                "whose answers are all alike; nothing was written. Run it again with `--k-anonymity coarsen` to "
                f"blank those answers there, or {summary}."
            )
        if self.mode is Mode.refuse:
            return (
                f"Export refused: {stated(self.violating, self.k)} of {stated_records(self.total, self.k)} would be in "
                f"groups of fewer than k = {self.k} people with the same {over}; nothing was written. Run it "
                f"again with `--k-anonymity coarsen` to coarsen these variables where needed, or {summary}."
            )
        done = "; ".join(step.describe() for step in self.steps) or "nothing could be coarsened"
        return (
            f"Export refused: even after coarsening ({done}), every record would still be in a group of fewer "
            f"than k = {self.k} people with the same {over}; nothing was written. Wait for more responses, "
            f"export all waves together instead of one, or {summary}."
        )


def _value(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    return BLANK if value is None else value


def _key(record: Mapping[str, Any], variables: Sequence[str]) -> tuple[Any, ...]:
    get = record.get  # called for every record after every step: kept lean
    return tuple([BLANK if (value := get(v)) is None else value for v in variables])


def violating(records: Sequence[Mapping[str, Any]], variables: Sequence[str], k: int) -> list[int]:
    """Positions of the records whose combination of `variables` occurs fewer than k times."""
    keys = [_key(r, variables) for r in records]
    counts = Counter(keys)
    return [i for i, key in enumerate(keys) if counts[key] < k]


def ordered(variables: Iterable[str]) -> tuple[str, ...]:
    """The known quasi-identifiers in their order, then the further questions in the order given."""
    given = list(dict.fromkeys(variables))
    return (*(v for v in QUASI_IDENTIFIERS if v in given), *(v for v in given if v not in QUASI_IDENTIFIERS))


def _classes(out: Sequence[Mapping[str, Any]], positions: Iterable[int], variables: Sequence[str]
             ) -> dict[tuple[Any, ...], set[int]]:
    classes: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for i in positions:
        classes[_key(out[i], variables)].add(i)
    return dict(classes)


def protect(
    records: Sequence[Mapping[str, Any]],
    variables: Sequence[str],
    k: int,
    mode: Mode = Mode.coarsen,
    *,
    sensitive: Sequence[str] = (),
    sensitive_k: int = SENSITIVE_MIN_CELL,
    wave: str | None = None,
) -> Protected:
    """The records with their quasi-identifiers (`variables`) coarsened and their `sensitive` answers blanked as
    the module's rules say; raises Refused if the export may not happen. Pure: the input records are not changed.
    A missing key and None count as blank; a multi-choice answer is a tuple of option names.

    With `wave`, only that wave's records are released (`Protected.released`). They are protected as part of all
    the records, so an export of one wave is exactly the part of an export of all waves that carries its name:
    putting the two side by side (they share response ids) tells nothing new. Its records that the export of all
    waves shows only under wave "other" are withheld; fewer than k, as explained above."""
    variables = ordered(variables)
    sensitive = tuple(s for s in dict.fromkeys(sensitive) if s not in variables)
    class_k = max(k, sensitive_k)
    original = [dict(r) for r in records]
    out = [dict(r) for r in records]
    everyone = range(len(out))
    scope = [i for i in everyone if wave is None or _value(out[i], WAVE) == wave]
    refuse: dict[str, Any] = {"total": len(scope), "k": k, "variables": variables, "mode": mode, "wave": wave}
    if len(scope) < k:
        raise Refused(violating=len(scope), **refuse)
    if mode is Mode.refuse:
        small = violating([out[i] for i in scope], variables, k)
        if small:
            raise Refused(violating=len(small), **refuse)
        alike = tuple(_diversify([dict(r) for r in out], scope, variables, sensitive, class_k))
        if alike:
            raise Refused(violating=0, sensitive=alike, sensitive_k=class_k, **refuse)
        return Protected(out, (), variables, frozenset(scope))

    small_waves = _hide_small_waves(out, variables, k)
    small = _coarsen(out, variables, k)
    if small and len(out) - len(small) < k:  # cannot happen with COARSENING as it is (see above); if the steps
        # ever change so that it can, the export is refused rather than released
        steps = _changes(original, out, everyone, variables, k)
        raise Refused(violating=len(small), steps=steps, **{**refuse, "total": len(out)})
    still_small = set(small)
    kept = [i for i in everyone if i not in still_small]
    _give_back(out, original, kept, variables, k, small_waves)
    blanked = _diversify(out, kept, variables, sensitive, class_k)
    released = frozenset(i for i in kept if wave is None or _value(out[i], WAVE) == wave).intersection(scope)
    withheld = frozenset(scope) - released
    steps = [*_changes(original, out, sorted(released), variables, k)]
    if withheld:
        steps.append(Step("record", Action.withheld, len(withheld), k))
    for question, positions in blanked.items():
        if positions & released:
            steps.append(Step(question, Action.sensitive, len(positions & released), class_k))
    return Protected(out, tuple(steps), variables, released, withheld)


def _hide_small_waves(out: list[dict[str, Any]], variables: Sequence[str], k: int) -> frozenset[Any]:
    """Rule 2: the wave of records of waves with fewer than k records becomes "other". Returns those waves."""
    if WAVE not in variables:
        return frozenset()
    sizes = Counter(_value(r, WAVE) for r in out)
    small = frozenset(w for w, n in sizes.items() if n < k and w not in (BLANK, OTHER))
    for record in out:
        if _value(record, WAVE) in small:
            record[WAVE] = OTHER
    return small


def _coarsen(out: list[dict[str, Any]], variables: Sequence[str], k: int) -> list[int]:
    """Steps a to j; the positions of the records still in groups below k."""
    further = [v for v in variables if v not in QUASI_IDENTIFIERS]
    keys = [_key(r, variables) for r in out]  # kept up to date record by record: a step changes few

    def still_small() -> list[int]:
        counts = Counter(keys)
        return [i for i, key in enumerate(keys) if counts[key] < k]

    small = still_small()
    for name, action in COARSENING:
        for variable in further if name == FURTHER else [name]:
            if not small or variable not in variables:
                continue
            if action is Action.merged:
                changed = [i for i, r in enumerate(out) if _value(r, variable) in AGE_MERGES]
                for i in changed:
                    out[i][variable] = AGE_MERGES[_value(out[i], variable)]
            else:
                changed = small
                for i in changed:
                    out[i][variable] = OTHER if action is Action.other else BLANK
            for i in changed:
                keys[i] = _key(out[i], variables)
            small = still_small()
    return small


def _give_back(
    out: list[dict[str, Any]],
    original: Sequence[Mapping[str, Any]],
    released: Sequence[int],
    variables: Sequence[str],
    k: int,
    small_waves: frozenset[Any],
) -> None:
    """Undo coarsening where it was not needed, keeping every class of released records at k or more."""
    classes = _classes(out, released, variables)
    before_coarsening = {i: _key(original[i], variables) for i in released}
    position = {v: n for n, v in enumerate(variables)}
    last_first = [v for v in reversed(variables) if v not in QUASI_IDENTIFIERS]
    order = [v for v in (WAVE, AGE_BAND, LANGUAGE, AREA, GENDER, YEARS_HERE) if v in position]
    order += [*last_first, *(v for v in (CHANNEL, MONTH) if v in position)]
    changed = True
    while changed:
        changed = False
        for variable in order:
            at = position[variable]
            for key in list(classes):
                members = classes.get(key)
                if not members:
                    continue
                before: dict[Any, list[int]] = defaultdict(list)
                for i in members:
                    value = before_coarsening[i][at]
                    if value != key[at]:
                        before[value].append(i)
                if variable == WAVE:
                    for wave in small_waves:
                        before.pop(wave, None)
                for value, group in sorted(before.items(), key=lambda item: (-len(item[1]), str(item[0]))):
                    target = (*key[:at], value, *key[at + 1:])
                    rest = len(members) - len(group)
                    if len(group) + len(classes.get(target, ())) < k or 0 < rest < k:
                        continue
                    for i in group:
                        if variable in original[i]:
                            out[i][variable] = original[i][variable]
                        else:
                            out[i].pop(variable, None)
                    members.difference_update(group)
                    classes.setdefault(target, set()).update(group)
                    changed = True
                if not members:
                    del classes[key]


def _changes(
    original: Sequence[Mapping[str, Any]],
    out: Sequence[Mapping[str, Any]],
    positions: Iterable[int],
    variables: Sequence[str],
    k: int,
) -> tuple[Step, ...]:
    """What coarsening changed in the records at `positions`, variable by variable, in the order of the steps
    (the wave first: rule 2 comes before them)."""
    positions = list(positions)
    further = [v for v in variables if v not in QUASI_IDENTIFIERS]
    steps: list[Step] = []
    order = [(WAVE, Action.other), *((n, a) for n, a in COARSENING if n != WAVE)]
    for name, action in order:
        for variable in further if name == FURTHER else [name]:
            if variable not in variables:
                continue
            changed = 0
            for i in positions:
                before, after = _value(original[i], variable), _value(out[i], variable)
                if before == after:
                    continue
                if action is Action.merged:
                    changed += after in MERGED_AGE_BANDS
                elif action is Action.blanked:
                    changed += after == BLANK
                else:
                    changed += 1
            if changed:
                steps.append(Step(variable, action, changed, k))
    return tuple(steps)


def is_answer(value: Any) -> bool:
    """Not "prefer not to say", not asked, not blanked."""
    return value is not None and value != BLANK and value != DECLINED and value != ()


def _options(value: Any) -> set[Any]:
    return set(value) if isinstance(value, tuple | list | set | frozenset) else {value}


def diverse(answers: Sequence[Any]) -> bool:
    """Whether answers reveal nothing that all of them share: no answer, and no option of a multi-choice answer,
    is common to every one of them (so at least two differ)."""
    return bool(answers) and not set.intersection(*(_options(a) for a in answers))


def _diversify(
    out: list[dict[str, Any]],
    positions: Iterable[int],
    variables: Sequence[str],
    sensitive: Sequence[str],
    class_k: int,
) -> dict[str, set[int]]:
    """Rule 3: blank each sensitive question's answers in the classes that are too small or not diverse.
    Returns the positions blanked, by question (only questions with any)."""
    classes = _classes(out, positions, variables)
    blanked: dict[str, set[int]] = {}
    for question in sensitive:
        for members in classes.values():
            answered = [i for i in members if is_answer(out[i].get(question))]
            if not answered or (len(members) >= class_k and diverse([out[i][question] for i in answered])):
                continue
            for i in answered:
                out[i][question] = BLANK
            blanked.setdefault(question, set()).update(answered)
    return blanked
