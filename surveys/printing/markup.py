"""HTML shared by the flyer and the questionnaire: escaping, bidi isolation, language attributes, page frame and
the checks of the languages and paper size asked for."""

from __future__ import annotations

import html
from collections.abc import Iterable

from surveys.i18n.catalogs import Catalogs
from surveys.printing.toolchain import LATIN, PAPER_SIZES, PrintingError, script_families


def escaped(text: str) -> str:
    return html.escape(text, quote=True)


def isolated(text: str) -> str:
    """A text from a catalog, isolated (FSI ... PDI): it takes its direction from its own first letter, so a text
    still in the source language inside a right-to-left form keeps its full stop at its end. (Right-to-left
    catalog texts start with a right-to-left letter: `translations check` sees to that.)"""
    return f"\u2068{escaped(text)}\u2069"


def html_lang(code: str) -> str:
    """The HTML lang of a catalog code: fa_AF -> fa-AF (Pango picks Dari letter forms), de_plain -> de."""
    base, _, region = code.partition("_")
    return f"{base}-{region}" if region.isalpha() and region.isupper() else base


def direction_of(catalogs: Catalogs, code: str) -> str:
    return "rtl" if catalogs.languages[code].rtl else "ltr"


def font_families(text: str) -> str:
    """The font-family list, the language's own script first (its punctuation and digits then match)."""
    order = [f.family for f in reversed(script_families(text)[1:])] + [LATIN.family]
    return ", ".join(f'"{name}"' for name in order) + ", sans-serif"


BASE_CSS = """
@page { size: %(paper)s; margin: %(margin)s; background: white; }
html { color: #111; line-height: 1.35; font-size: %(size).2fpt; }
body { margin: 0; }
p { margin: 0 0 0.45em 0; }
h1, h2 { line-height: 1.2; margin: 0 0 0.3em 0; }
a { color: inherit; text-decoration: none; }
.code { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 0.68em; color: #555;
        font-weight: normal; white-space: nowrap; }
.link { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; overflow-wrap: anywhere; }
"""


def html_page(title: str, lang: str, direction: str, css: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{escaped(lang)}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{escaped(title)}</title><style>{css}</style></head><body>{body}</body></html>"
    )


def language_block_attributes(catalogs: Catalogs, code: str, sample: str) -> str:
    return (
        f'lang="{html_lang(code)}" dir="{direction_of(catalogs, code)}" '
        f"style='font-family: {font_families(sample)}'"
    )


def known_languages(languages: Iterable[str], catalogs: Catalogs) -> list[str]:
    codes = list(dict.fromkeys(languages))
    if not codes:
        raise PrintingError("Name at least one language.")
    unknown = [code for code in codes if code not in catalogs.languages]
    if unknown:
        raise PrintingError(
            f"Unknown language {', '.join(repr(c) for c in unknown)}. Shipped: {', '.join(catalogs.languages)}."
        )
    return codes


def paper_size(paper: str) -> str:
    normalised = paper.upper()
    if normalised not in PAPER_SIZES:
        raise PrintingError(f"Unknown paper size {paper!r}; use {' or '.join(PAPER_SIZES)}.")
    return normalised
