"""A form's expressions as Heard runs them: references renamed to safe keys, checked against what is asked
before the row, and a reason in plain words for any Heard cannot use (never a false one: a question that was
left out is named as left out, not as "asked later")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from surveys.core import xpath


@dataclass
class Names:
    """What the importer knows about the form's names while it walks the rows."""

    keys: dict[str, str] = field(default_factory=dict)
    """form name -> safe key, for everything the survey keeps (questions, calculations, groups)."""
    left_out: dict[str, str] = field(default_factory=dict)
    """form name -> where it was left out (`survey!A4`)."""
    everything: set[str] = field(default_factory=set)
    """Every name the survey sheet has, to tell "asked later" from "not in the form"."""
    available: set[str] = field(default_factory=set)
    """Safe keys an expression may read at this row: questions asked before it, and calculations."""


@dataclass(frozen=True)
class Outcome:
    expression: str | None
    """The expression with safe keys, or None when it cannot be used."""
    problem: str | None = None
    reads_left_out: str | None = None
    """The form name of a left-out question the expression reads (then it is left out too)."""
    unsupported: bool = False
    """The problem is something Heard does not run (a function such as today()), not a mistake in the form."""


def translate(text: str, column: str, names: Names, own: str | None = None,
              choice_columns: set[str] | None = None) -> Outcome:
    """`text` of a `relevant`, `constraint`, `choice_filter` or `calculation` cell, as Heard runs it."""
    renamed_keys: dict[str, str] = {}
    for reference in xpath.text_references(text):
        if reference in names.left_out:
            return Outcome(None, reads_left_out=reference)
        if reference == own and own is not None:
            renamed_keys[reference] = names.keys.get(own, own)  # the answer being checked, as in ODK
        elif reference in names.keys:
            renamed_keys[reference] = names.keys[reference]
        elif reference not in names.everything:
            return Outcome(None, problem=f"{column} refers to ${{{reference}}}, which is not a question of the form")
    renamed = xpath.rename_references(text, renamed_keys)
    try:
        node = xpath.parse(renamed)
    except xpath.ExpressionError as exc:  # Heard reads a subset of ODK's XPath: what it cannot read, it skips
        why = str(exc).split(" (supported: ")[0]
        return Outcome(None, problem=f"{column} {text!r}: {why}", unsupported=True)
    by_key = {key: name for name, key in renamed_keys.items()}
    own_key = names.keys.get(own) if own else None
    for key in sorted(xpath.references(node)):
        if column == "constraint" and key == own_key:
            continue  # as in ODK: the answer being checked
        if column == "calculation":
            break  # a calculation follows the answers of the moment, wherever they are asked
        if key not in names.available:
            written = by_key.get(key, key)
            return Outcome(None, problem=f"{column} reads ${{{written}}}, which is asked after this row (Heard asks "
                                         "in order, so it would read no answer)", unsupported=True)
    if xpath.uses_current(node) and column != "constraint":
        return Outcome(None, problem=f"{column}: '.' (this answer) can only be used in a constraint")
    if xpath.columns(node) and column != "choice_filter":
        return Outcome(None, problem=f"{column} reads {', '.join(sorted(xpath.columns(node)))}: "
                                     "refer to questions as ${name}")
    if column == "choice_filter" and choice_columns is not None:
        missing = sorted(xpath.columns(node) - choice_columns)
        if missing:
            return Outcome(None, problem=f"choice_filter reads '{', '.join(missing)}', which no choice has",
                           unsupported=True)
    return Outcome(renamed)


def rename_in_text(text: str, keys: Mapping[str, str], left_out: Mapping[str, str]) -> str:
    """A label or hint with `${name}` written with safe keys; a left-out question shows nothing there."""
    emptied = {name: "" for name in left_out}
    renamed = xpath.rename_references(text, {**keys})
    if not emptied:
        return renamed
    return re.sub(r"\$\{\s*(" + "|".join(re.escape(n) for n in emptied) + r")\s*\}", "", renamed)
