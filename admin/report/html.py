"""Step 3a: the document as one self-contained HTML file, with inline SVG bar charts (hatched, so they stay
legible in greyscale print), a table beside every chart, print CSS for A4, and nothing loaded from the network."""

from __future__ import annotations

import html
import re
import textwrap

from admin.report.document import Block, Bullets, Chart, Document, Heading, Paragraph, Quotes, Table
from admin.report.words import ReportTexts
from surveys.i18n.catalogs import Catalogs

CSS = """
:root { --ink: #16202b; --muted: #4a5663; --rule: #c9d1da; --accent: #1f3b63; --paper: #ffffff; }
* { box-sizing: border-box; }
html { background: #eef1f4; }
body { margin: 0 auto; max-width: 60rem; padding: 2rem 2.5rem 3rem; background: var(--paper); color: var(--ink);
  font: 16px/1.5 "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
header.cover { border-bottom: 3px solid var(--accent); padding-bottom: 1rem; margin-bottom: 1.5rem; }
.kicker { text-transform: uppercase; letter-spacing: .06em; font-size: .8rem; color: var(--muted); margin: 0; }
h1 { font-size: 2rem; line-height: 1.2; margin: .3rem 0 .4rem; }
.subtitle { margin: 0; color: var(--muted); }
nav ol { margin: .8rem 0 0; padding-left: 1.4rem; columns: 2; }
nav a { color: var(--accent); }
h2 { font-size: 1.45rem; margin: 2.5rem 0 .8rem; padding-bottom: .2rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
h4 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
p { margin: .5rem 0; }
p.note, ul.notes { color: var(--muted); font-size: .9rem; }
ul.notes { margin: .3rem 0 0; padding-left: 1.1rem; }
figure { margin: .6rem 0 1.4rem; }
.pair { display: grid; grid-template-columns: minmax(0, 11fr) minmax(0, 9fr); gap: 1.2rem; align-items: start; }
.pair svg { width: 100%; height: auto; display: block; }
.pair.wide { grid-template-columns: minmax(0, 1fr); }
.pair.wide svg { max-width: 34rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { font-weight: 600; background: #f3f5f7; }
tbody th { font-weight: normal; background: none; }
figure caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
td.count, td.number, th.count, th.number { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
blockquote { margin: .5rem 0; padding: .4rem .8rem; border-inline-start: 3px solid var(--accent); background: #f6f8fa; }
ul.limits li { margin: .3rem 0; }
footer { margin-top: 3rem; padding-top: .6rem; border-top: 1px solid var(--rule); color: var(--muted);
  font-size: .85rem; }
@media (max-width: 46rem) { body { padding: 1rem; } .pair { grid-template-columns: 1fr; } nav ol { columns: 1; } }
@page { size: A4; margin: 16mm 15mm 18mm; }
@media print {
  html, body { background: #fff; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.chapter + section.chapter { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  figure, tr, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  th { background: none; }
}
"""

_SVG_WIDTH = 430
_TRACK_X = 0
_TRACK_WIDTH = 300
_LINE_HEIGHT = 16
_BAR_HEIGHT = 14
_LABEL_CHARS = 56


def escaped(text: str) -> str:
    return html.escape(text, quote=True)


class _Ids:
    def __init__(self) -> None:
        self.next = 0

    def __call__(self, prefix: str) -> str:
        self.next += 1
        return f"{prefix}{self.next}"


def _svg(chart: Chart, texts: ReportTexts, ids: _Ids) -> str:
    """A horizontal bar chart on a 0-100 % axis: the label above each bar, the value written beside it,
    hatched bars (dotted for "prefer not to say" and "not asked"), hidden values as an empty dashed bar."""
    chart_id = ids("chart")
    hatch, dots = f"{chart_id}-hatch", f"{chart_id}-dots"
    parts = []
    y = 22
    rows = []
    for bar in chart.bars:
        lines = textwrap.wrap(bar.label, _LABEL_CHARS) or [""]
        rows.append((bar, lines, y))
        y += len(lines) * _LINE_HEIGHT + _BAR_HEIGHT + 12
    height = y
    parts.append(
        f'<svg viewBox="0 0 {_SVG_WIDTH} {height}" width="{_SVG_WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-t" font-family="Noto Sans, DejaVu Sans, '
        f'Liberation Sans, Arial, sans-serif">')
    parts.append(f'<title id="{chart_id}-t">{escaped(texts("chart_label", title=chart.title))}</title>')
    parts.append(
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d5deea"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#1f3b63" stroke-width="3"/></pattern>'
        f'<pattern id="{dots}" patternUnits="userSpaceOnUse" width="5" height="5">'
        f'<rect width="5" height="5" fill="#ffffff"/><circle cx="2.5" cy="2.5" r="1.1" fill="#4a5663"/>'
        f'</pattern></defs>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = _TRACK_X + tick * _TRACK_WIDTH
        parts.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - 6}" stroke="#c9d1da" '
                     f'stroke-width="1" stroke-dasharray="{"none" if tick == 0 else "2 3"}"/>')
        anchor = "start" if tick == 0 else ("end" if tick == 1 else "middle")
        parts.append(f'<text x="{x:.1f}" y="10" font-size="10" fill="#4a5663" text-anchor="{anchor}">'
                     f'{escaped(texts.percent(tick))}</text>')
    for bar, lines, top in rows:
        for index, line in enumerate(lines):
            parts.append(f'<text x="{_TRACK_X}" y="{top + 12 + index * _LINE_HEIGHT}" font-size="13" '
                         f'fill="#16202b">{escaped(line)}</text>')
        bar_y = top + len(lines) * _LINE_HEIGHT + 3
        if bar.share is None:
            width = 28.0
            parts.append(f'<rect x="{_TRACK_X + 0.5}" y="{bar_y}" width="{width}" height="{_BAR_HEIGHT}" '
                         f'fill="none" stroke="#4a5663" stroke-width="1" stroke-dasharray="3 2"/>')
            value = f"{bar.value} ({texts('chart_hidden')})"
        else:
            width = max(bar.share, 0.0) * _TRACK_WIDTH
            if width > 0:
                fill = dots if bar.secondary else hatch
                parts.append(f'<rect x="{_TRACK_X + 0.5}" y="{bar_y}" width="{max(width, 1.5):.1f}" '
                             f'height="{_BAR_HEIGHT}" fill="url(#{fill})" stroke="#16202b" stroke-width="1"/>')
            value = bar.value
        parts.append(f'<text class="value" x="{_TRACK_X + width + 6:.1f}" y="{bar_y + 11}" font-size="12" '
                     f'font-weight="600" fill="#16202b">{escaped(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_table(table: Table) -> str:
    out = ['<table>', f"<caption>{escaped(table.caption)}</caption>", "<thead><tr>"]
    for name, kind in zip(table.header, table.kinds, strict=True):
        out.append(f'<th scope="col" class="{kind}">{escaped(name)}</th>')
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>")
        for index, (value, kind) in enumerate(zip(row, table.kinds, strict=True)):
            if index == 0 and kind == "text":
                out.append(f'<th scope="row">{escaped(value)}</th>')
            else:
                out.append(f'<td class="{kind}">{escaped(value)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _html_block(block: Block, texts: ReportTexts, ids: _Ids) -> str:
    if isinstance(block, Paragraph):
        return f'<p class="note">{escaped(block.text)}</p>' if block.note else f"<p>{escaped(block.text)}</p>"
    if isinstance(block, Heading):
        return f"<h{block.level}>{escaped(block.text)}</h{block.level}>"
    if isinstance(block, Bullets):
        return '<ul class="limits">' + "".join(f"<li>{escaped(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Quotes):
        return "".join(f'<blockquote dir="auto">{escaped(item)}</blockquote>' for item in block.items)
    if isinstance(block, Table):
        return _html_table(block)
    level = block.level
    out = [f"<figure><h{level}>{escaped(block.heading)}</h{level}>"]
    if block.chart is not None and block.table is not None:
        layout = "pair wide" if block.wide else "pair"
        out.append(f'<div class="{layout}">{_svg(block.chart, texts, ids)}{_html_table(block.table)}</div>')
    elif block.table is not None:
        out.append(_html_table(block.table))
    if block.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{escaped(n)}</li>" for n in block.notes) + "</ul>")
    out.append("</figure>")
    return "".join(out)


def to_html(document: Document, catalogs: Catalogs | None = None) -> str:
    """One self-contained HTML file: inline CSS and SVG, no scripts, nothing from the network."""
    texts = ReportTexts(document.lang, catalogs)
    ids = _Ids()
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{document.lang}" dir="ltr">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escaped(document.title)} – {escaped(document.kicker)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        '<header class="cover">',
        f'<p class="kicker">{escaped(document.kicker)}</p>',
        f"<h1>{escaped(document.title)}</h1>",
        f'<p class="subtitle">{escaped(document.subtitle)}</p>',
        f'<nav aria-label="{escaped(texts("contents"))}"><ol>',
        *(f'<li><a href="#{s.key}">{escaped(re.sub(r"^[0-9]+[.] ", "", s.title))}</a></li>' for s in document.sections),
        "</ol></nav>",
        "</header>",
        "<main>",
    ]
    for section in document.sections:
        out.append(f'<section class="chapter" id="{section.key}" aria-labelledby="{section.key}-h">')
        out.append(f'<h2 id="{section.key}-h">{escaped(section.title)}</h2>')
        out.extend(_html_block(block, texts, ids) for block in section.blocks)
        out.append("</section>")
    out += ["</main>", f"<footer>{escaped(document.footer)}</footer>", "</body>", "</html>", ""]
    return "\n".join(out)


# -------------------------------------------------------------------------------------------- Markdown
