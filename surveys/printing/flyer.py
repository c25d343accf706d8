"""The flyer: a QR code and the survey link, with the invitation in one or several languages side by side."""

from __future__ import annotations

from pathlib import Path

from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from surveys.printing.markup import (
    BASE_CSS,
    escaped,
    font_families,
    html_lang,
    html_page,
    isolated,
    known_languages,
    language_block_attributes,
    paper_size,
)
from surveys.printing.texts import flyer_texts
from surveys.printing.toolchain import check_output, load_segno, load_weasyprint, require_fonts, save

_FLYER_CSS = """
header { margin-bottom: 6mm; padding-bottom: 4mm; border-bottom: 0.6mm solid #111; }
header .top { display: flex; align-items: center; gap: 7mm; }
header img.qr { width: %(qr)s; height: %(qr)s; flex: none; }
header .who { flex: 1; }
header .municipality { font-size: 1.5em; font-weight: bold; margin-bottom: 0.3em; }
header .names span { white-space: nowrap; }
header .link { display: block; font-weight: bold; margin-top: 2mm; }
main { display: grid; grid-template-columns: repeat(%(columns)d, 1fr); gap: 5mm %(gap)smm; }
section { break-inside: avoid; padding: 0 0 2mm 0; }
section .language { font-size: 0.75em; color: #555; text-transform: uppercase; letter-spacing: 0.05em;
                    margin-bottom: 0.2em; }
section h2 { font-size: 1.55em; }
section .scan { font-weight: bold; }
section .scan .link { font-weight: normal; display: block; margin-top: 0.15em; }
section[dir="rtl"] .scan .link { text-align: right; }
section .privacy { font-size: 0.85em; color: #333; }
"""

_PAPER_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
_MONO_ADVANCE = 0.602
"""Advance width of a DejaVu Sans Mono character, in em: how wide a link in the monospaced font will be."""
_COLUMN_GAP_MM = 7.0


def render_flyer(
    link: str, languages: list[str], catalogs: Catalogs, municipality: str, output: Path, *, paper: str = "A4",
    messenger: str = "telegram",
) -> Path:
    """A one-page flyer: a QR code for `link`, the link as text, and a block of invitation text for each
    language in the order given (right-to-left languages laid out right-to-left). The type gets smaller until
    all blocks fit one page (many languages on A5 may still take two). Writes .pdf, .svg or .png after the
    output's suffix and returns `output`."""
    codes = known_languages(languages, catalogs)
    paper = paper_size(paper)
    check_output(output)
    weasyprint = load_weasyprint()
    qr = load_segno().make(link, error="m", micro=False).svg_data_uri(dark="#000", light="#fff", border=4)
    texts = {
        code: flyer_texts(catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE), municipality, messenger)
        for code in codes
    }
    small = paper == "A5"
    margin = 10.0 if small else 14.0
    width = _PAPER_MM[paper][0] - 2 * margin
    columns = 1 if len(codes) <= 2 else 2
    column_width = (width - _COLUMN_GAP_MM * (columns - 1)) / columns
    base = (14.0 if len(codes) == 1 else 12.0 if len(codes) == 2 else 10.5) * (0.75 if small else 1.0)

    def blocks(size: float) -> str:
        made = []
        for code in codes:
            text = texts[code]
            sample = " ".join((text.headline, text.invitation, text.how))
            made.append(
                f"<section {language_block_attributes(catalogs, code, sample)}>"
                f'<div class="language">{escaped(catalogs.languages[code].name)}</div>'
                f"<h2>{isolated(text.headline)}</h2>"
                f"<p>{isolated(text.invitation)}</p>"
                f"<p>{isolated(text.how)}</p>"
                f'<p class="scan">{isolated(text.scan)} {_link(link, column_width, size)}</p>'
                f'<p class="privacy">{isolated(text.privacy)}</p>'
                "</section>"
            )
        return "".join(made)

    # each name isolated (FSI ... PDI): two right-to-left names side by side must not swap places
    names = " · ".join(
        f"<span {language_block_attributes(catalogs, code, catalogs.languages[code].name)}>"
        f"{isolated(catalogs.languages[code].name)}</span>"
        for code in codes
    )
    document = None
    for factor in (1.0, 0.9, 0.8, 0.7, 0.62):  # shrink until everything is on one page
        size = base * factor
        body = (
            f'<header><div class="top"><img class="qr" src="{qr}" alt="{escaped(link)}">'
            f'<div class="who"><div class="municipality">{escaped(municipality)}</div>'
            f'<div class="names">{names}</div></div></div>{_link(link, width, 1.3 * size)}</header>'
            f"<main>{blocks(size)}</main>"
        )
        if document is None:
            require_fonts(body)
        css = (BASE_CSS + _FLYER_CSS) % {
            "paper": paper, "margin": f"{margin:.0f}mm", "size": size, "columns": columns, "gap": _COLUMN_GAP_MM,
            "qr": f"{(42 if small else 60) * max(factor, 0.8):.0f}mm",
        }
        css += f"html {{ font-family: {font_families(body)}; }}"
        page = html_page(f"{municipality}: {link}", html_lang(codes[0]), "ltr", css, body)
        document = weasyprint.HTML(string=page).render()
        if len(document.pages) == 1:
            break
    assert document is not None
    return save(document, output, output.suffix.lower())


def _link(link: str, width_mm: float, largest_pt: float, smallest_pt: float = 6.5) -> str:
    """The link on one line where it fits at a readable size, else wrapped anywhere. dir=ltr keeps
    "https://t.me/...?start=..." in one piece inside right-to-left text."""
    fitting = width_mm / (max(len(link), 1) * _MONO_ADVANCE) * 72 / 25.4 * 0.97
    if fitting >= smallest_pt:
        style = f"font-size: {min(largest_pt, fitting):.2f}pt; white-space: nowrap"
    else:
        style = f"font-size: {smallest_pt:.2f}pt; overflow-wrap: anywhere"
    return f'<a class="link" dir="ltr" href="{escaped(link)}" style="{style}">{escaped(link)}</a>'
