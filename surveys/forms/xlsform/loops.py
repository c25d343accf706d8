"""ODK's `begin loop over LIST`: the block is asked once per choice of the list. Each round is the block with
its names and the references among them renamed for that choice, and `%(label)s` / `%(name)s` in its texts
filled in with the choice's label (per language) and name."""

from __future__ import annotations

import re
from typing import Any

from surveys.core import xpath


def one_round(element: dict[str, Any], copies: dict[str, str], column: dict[str, Any]) -> dict[str, Any]:
    """One round of a loop: names and references to the block's rows renamed for this choice, `%(label)s` and
    `%(name)s` in texts replaced by the choice's label and name (per language)."""
    labels = column.get("label") or {}
    if not isinstance(labels, dict):
        labels = {"default": labels}

    def texts(value: Any) -> Any:
        if isinstance(value, dict):
            return {language: texts_in(text, language) for language, text in value.items()}
        return texts_in(value, "default") if isinstance(value, str) else value

    def texts_in(text: str, language: str) -> str:
        label = str(labels.get(language) or labels.get("default") or next(iter(labels.values()), column["name"]))
        return text.replace("%(label)s", label).replace("%(name)s", str(column["name"]))

    def expression(text: str) -> str:
        text = re.sub(r"\.\./([A-Za-z_][\w.-]*)", lambda m: "${" + copies.get(m.group(1), m.group(1)) + "}", text)
        return xpath.rename_references(text, copies)

    copied = {**element, "name": copies[str(element["name"])]}
    for key in ("label", "hint"):
        if key in copied:
            copied[key] = texts(copied[key])
    if "bind" in copied:
        copied["bind"] = {key: expression(value) if key in ("relevant", "constraint", "calculate") and
                          isinstance(value, str) else texts(value) for key, value in copied["bind"].items()}
    return copied
