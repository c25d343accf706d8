"""The texts of a form by language: which column language is the source (the text residents read when no
translation is chosen), and the translations of every other language, keyed by the same stable contexts Heard's
catalogs use (`age.label`, `yes_no.yes`).

pyxform gives a translatable value as a plain string (one language) or as `{language: text}`; texts without a
language (plain `label`) are pyxform's `default` and stand in for the source language where it has none, as
ODK shows them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyxform.parsing.sheet_headers import clean_text_values

from surveys.forms.xlsform.cells import Cells
from surveys.forms.xlsform.languages import Languages
from surveys.forms.xlsform.problems import Report

DEFAULT = "default"
_TRANSLATABLE_KEYS = ("label", "hint", "jr:constraintMsg", "jr:requiredMsg", "constraint_message",
                      "required_message", "heard_low_label", "heard_high_label")


@dataclass
class FormLanguages:
    """pyxform's language keys (as the columns spell them) resolved to Heard codes."""

    source: str
    codes: dict[str, str] = field(default_factory=dict)
    """column language -> Heard code (the default key included when it stands for the source)."""
    unknown: set[str] = field(default_factory=set)

    def spelled(self) -> dict[str, str]:
        """Heard code -> the language as the workbook names it (the first spelling of each)."""
        found: dict[str, str] = {}
        for spelled, code in self.codes.items():
            if spelled != DEFAULT:
                found.setdefault(code, spelled)
        return found


def language_keys(form: Mapping[str, Any]) -> list[str]:
    """Every language key pyxform's form uses, in the order first met."""
    seen: dict[str, None] = {}

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in _TRANSLATABLE_KEYS and isinstance(inner, dict):
                    seen.update((language, None) for language in inner)
                elif key in ("label", "hint") or (":" in key and key.split(":", 1)[0] in _TRANSLATABLE_KEYS):
                    language = key.split(":", 1)[1] if ":" in key else DEFAULT
                    seen.setdefault(language.strip() or DEFAULT, None)
                visit(inner)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(form.get("children", []))
    visit(list(form.get("choices", {}).values()))
    return list(seen)


def resolve_languages(form: Mapping[str, Any], cells: Cells, languages: Languages, report: Report,
                      asked: str | None) -> FormLanguages:
    """Resolve every column language once (one line for a language Heard cannot identify, however many rows
    it has), and decide the source language: the settings' default_language, else `asked` (--language) for
    plain columns, else the first label column's language, else English, said once."""
    default_key = str(form.get("default_language") or DEFAULT)
    keys = language_keys(form)
    resolved = FormLanguages(source="")
    for key in keys:
        if key == DEFAULT:
            continue
        code = languages.code(key)
        if code is None:
            resolved.unknown.add(key)
            where = _header_of(cells, key)
            report.unsupported(
                "survey" if where[0] == "survey" else where[0], where[1],
                f"language '{key}' is not one Heard can identify: name it as '{key} (xx)' with its language code",
            )
        else:
            resolved.codes[key] = code
    if default_key != DEFAULT and default_key in resolved.codes:
        resolved.source = resolved.codes[default_key]
    elif default_key != DEFAULT:
        code = languages.code(default_key)
        if code is None:
            report.problem("settings", cells.cell("settings", 2, "default_language"),
                           f"default_language '{default_key}' is not a language Heard can identify: write it as "
                           f"'{default_key} (xx)' with its code")
            code = "en"
        resolved.source = code
        resolved.codes[default_key] = code
    elif asked:
        resolved.source = asked
    else:
        ordered = [language for language in cells.languages("survey", "label") if language in resolved.codes]
        named = ordered or [key for key in keys if key in resolved.codes]
        if named:
            resolved.source = resolved.codes[named[0]]
        else:
            resolved.source = "en"
            report.warn("nothing says which language the 'label' column is in: Heard takes it as English (en); "
                        "if it is another, import again with --language (e.g. --language de)")
    if DEFAULT in keys and DEFAULT not in resolved.codes:
        resolved.codes[DEFAULT] = resolved.source
    return resolved


def _header_of(cells: Cells, language: str) -> tuple[str, str]:
    for sheet in ("survey", "choices"):
        for key in ("label", "hint", "constraint_message", "required_message"):
            if cells.has(sheet, key, language):
                return sheet, cells.header_cell(sheet, key, language)
    return "survey", ""


class TextCollector:
    """Stores the translations of each text under its context; hands back the source-language text."""

    def __init__(self, languages: FormLanguages) -> None:
        self.languages = languages
        self.translations: dict[str, dict[str, str]] = {}

    def take(self, value: Any, context: str, rewrite: Callable[[str], str] = lambda text: text,
             extra: Mapping[str, str] | None = None, written: Iterable[Any] = ()) -> str | None:
        """The source text of a translatable value (None if it has none); other languages are kept.

        `written` are the row's cells as the officer wrote them: pyxform straightens typographic quotes („…“)
        and collapses line breaks, and the text is taken as written where it was."""
        by_language = _by_language(value)
        by_language.update(extra or {})
        cells = [str(cell) for cell in written if isinstance(cell, str)]
        source: str | None = None
        fallback: str | None = None
        for spelled, text in by_language.items():
            text = rewrite(as_written(str(text).strip(), cells)) if text is not None else ""
            if not text:
                continue
            code = self.languages.codes.get(spelled, self.languages.source if spelled == DEFAULT else None)
            if code is None:
                continue
            if code == self.languages.source:
                if spelled == DEFAULT:
                    fallback = fallback or text
                else:
                    source = source or text
            else:
                self.translations.setdefault(code, {}).setdefault(context, text)
        return source or fallback

    def put(self, code: str, context: str, text: str) -> None:
        self.translations.setdefault(code, {})[context] = text

    def drop(self, contexts: Iterable[str]) -> None:
        for texts in self.translations.values():
            for context in contexts:
                texts.pop(context, None)


def as_written(text: str, cells: list[str]) -> str:
    """`text` as the cell it came from has it, before pyxform cleaned it."""
    for cell in cells:
        if cell != text and (clean_text_values(cell, strip_whitespace=True) == text
                             or clean_text_values(cell).strip() == text):
            return cell.strip()
    return text


def _by_language(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    return {DEFAULT: value}


def single_colon_texts(element: Mapping[str, Any], base: str) -> dict[str, str]:
    """`label:العربية` columns pyxform leaves as they are (it splits languages at `::` only)."""
    return {key.split(":", 1)[1].strip(): value for key, value in element.items()
            if isinstance(key, str) and key.startswith(f"{base}:") and not key.startswith(f"{base}::")
            and isinstance(value, str)}
