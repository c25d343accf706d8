"""The needs-analysis report (Bestandsaufnahme): one self-contained HTML file or Markdown, German or English.

Three steps, each testable alone, each a module here:

1. `collect()` (collect.py) reads everything the report needs from the database: the overall summary,
   summaries broken down by area and by language, who answered, the free texts and the period. Every number in
   it is a `Cell` that has passed disclosure control (surveys.core.disclosure); the report only ever prints
   `cell.display(k)` and shares of shown cells, and never adds hidden counts back together.
2. `build()` (document.py) turns that into a small document model (sections of paragraphs, tables, charts,
   quotes) in the report's language. The report's own texts live in words.py (English source) and the
   `report` gettext catalog (`locales/<lang>/LC_MESSAGES/report.po`); survey texts come from the survey's
   gettext catalog (German source, other languages from `locales/<lang>/LC_MESSAGES/survey-<id>.po`).
3. `to_html()` (html.py) and `to_markdown()` (markdown.py) render the same document: HTML with inline SVG bar
   charts (hatched, so they stay legible in greyscale print), a table beside every chart, print CSS for A4, and
   nothing loaded from the network; Markdown with the tables only.

Wording follows the digest's advice for reports to the neighbourhood, the council and the public: state method
and limits, keep small groups out, describe differences neutrally (share here vs. overall, in percentage
points) and never as rankings of areas or language groups.
"""

from __future__ import annotations

from admin.report.collect import FREE_TEXT_LIMIT, STEPS, ReportData, collect
from admin.report.document import (
    Bar,
    Block,
    Bullets,
    Chart,
    Document,
    Figure,
    Heading,
    Paragraph,
    Quotes,
    Section,
    Table,
    build,
)
from admin.report.html import to_html
from admin.report.markdown import to_markdown
from admin.report.words import LANGUAGES, TEXTS, ReportTexts, Words
from surveys.i18n.catalogs import Catalogs

FORMATS = ("html", "md")

__all__ = [
    "FORMATS", "FREE_TEXT_LIMIT", "LANGUAGES", "STEPS", "TEXTS", "Bar", "Block", "Bullets", "Chart", "Document",
    "Figure", "Heading", "Paragraph", "Quotes", "ReportData", "ReportTexts", "Section", "Table", "Words", "build",
    "collect", "render", "to_html", "to_markdown",
]


def render(data: ReportData, output_format: str, lang: str = "de", catalogs: Catalogs | None = None) -> str:
    document = build(data, lang, catalogs)
    return to_html(document, catalogs) if output_format == "html" else to_markdown(document)
