"""Heard's own `show_if` from the `relevant`s that say the same: `selected(${q}, 'a') or selected(${q}, 'b')`
over an earlier choice question. Paper questionnaires print it as a skip instruction, and exporting a survey and
importing it again gives back the same survey."""

from __future__ import annotations

import re
from typing import Any

_SHOW_IF_TERM = re.compile(r"^selected\(\$\{(?P<q>[a-z][a-z0-9_]*)\}, '(?P<v>[^']*)'\)$")


def relevant_to_show_if(question: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    """`selected(${q}, 'a') or selected(${q}, 'b')` over an earlier choice question is Heard's `show_if`: use
    it, so paper questionnaires print the skip instruction and the round trip gives back the same survey."""
    relevant = question.get("relevant")
    if not relevant:
        return
    conditions: dict[str, list[str]] = {}
    for conjunct in _split_top(relevant, " and "):
        stripped = conjunct.strip()
        terms = _split_top(stripped[1:-1] if _wrapped(stripped) else stripped, " or ")
        names = set()
        values = []
        for term in terms:
            match = _SHOW_IF_TERM.match(term.strip())
            if match is None:
                return
            names.add(match["q"])
            values.append(match["v"])
        if len(names) != 1:
            return
        (name,) = names
        source = next((q for q in earlier if q["name"] == name), None)
        if source is None or source["type"] not in ("single", "multi", "scale") or name in conditions:
            return
        valid = {c["name"] for c in source.get("choices", []) if "source_name" not in c}  # expressions use
        if source["type"] == "scale":  # the form's choice names, show_if the stored keys: same only then
            valid |= {str(p) for p in range(source["min"], source["max"] + 1)}
        if not set(values) <= valid:
            return
        conditions[name] = values
    question["show_if"] = conditions
    del question["relevant"]
    choices = question.pop("choices", None)  # keep the key order of hand-written files: show_if before choices
    if choices is not None:
        question["choices"] = choices


def _wrapped(text: str) -> bool:
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and index < len(text) - 1:
            return False
    return True


def _split_top(text: str, separator: str) -> list[str]:
    """Split at `separator` outside parentheses and quotes."""
    parts, depth, quote, start, index = [], 0, "", 0, 0
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            index += len(separator)
            start = index
            continue
        index += 1
    parts.append(text[start:])
    return parts
