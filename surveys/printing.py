"""Printed material: flyers with a QR code and paper questionnaires, in any shipped language.

Layout is HTML + CSS, typeset by WeasyPrint, which shapes text with HarfBuzz through Pango: Arabic letters
join, Ge'ez syllables and Cyrillic come out right, right-to-left languages (the catalog header's
`X-Heard-Direction: rtl`) are laid out right-to-left, and the PDF's text layer holds real text. Fonts are
Noto Sans, Noto Sans Arabic and Noto Sans Ethiopic (Debian: fonts-noto-core). .svg and .png outputs are
converted from the rendered PDF with pdftocairo (Debian: poppler-utils), so text is shaped once, by the same
engine, whatever the format; a multi-page document becomes one tall image with the pages one below the other.

All texts come from the catalogs: the flyer and the paper instructions from the `bot` domain
(surveys.printed_texts), the survey content from the survey's domain with msgctxt from the stable names. The
questionnaire prints each question's stable `name` and each choice's `name` small beside it: they are the
columns and values whoever types the paper forms in uses.

Missing tools never end in a traceback: `PrintingError` says what to install.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from surveys.i18n import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain
from surveys.model import DECLINED, Question, QuestionType, Survey
from surveys.printed_texts import QuestionnaireTexts, flyer_texts, questionnaire_texts

SUFFIXES = (".pdf", ".svg", ".png")
PAPER_SIZES = ("A4", "A5")
PNG_DPI = 150
"""Resolution of .png output: sharp on screens and in messengers, small enough to send (an A4 page is
1240 x 1754 pixels). Print from the PDF."""

class PrintingError(Exception):
    """Printing cannot be done as asked; the message says why and what to install or change."""


# -- tools and fonts ------------------------------------------------------------------------------------------


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:
        raise PrintingError(
            "Printing needs the Python package WeasyPrint: pip install weasyprint (into Heard's environment)."
        ) from exc
    except OSError as exc:  # WeasyPrint is there, but the Pango/HarfBuzz libraries it loads are not
        raise PrintingError(
            "Printing needs the Pango text layout libraries that WeasyPrint uses: on Debian/Ubuntu "
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b ({exc})."
        ) from exc
    return weasyprint


def _segno() -> Any:
    try:
        import segno
    except ImportError as exc:
        raise PrintingError("Flyers need the Python package segno for the QR code: pip install segno.") from exc
    return segno


def _pdftocairo() -> str:
    found = shutil.which("pdftocairo")
    if found is None:
        raise PrintingError(
            "Writing .svg or .png needs pdftocairo: on Debian/Ubuntu apt-get install poppler-utils "
            "(or write a .pdf)."
        )
    return found


@dataclass(frozen=True)
class _FontFamily:
    family: str
    file_stem: str
    script: str


_LATIN = _FontFamily("Noto Sans", "NotoSans", "Latin, Cyrillic")
_ARABIC = _FontFamily("Noto Sans Arabic", "NotoSansArabic", "Arabic")
_ETHIOPIC = _FontFamily("Noto Sans Ethiopic", "NotoSansEthiopic", "Ethiopic")


def _font_folders() -> list[Path]:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    # fontconfig's usual folders, where Pango finds them too
    return [data_home / "fonts", Path.home() / ".fonts", Path("/usr/local/share/fonts"), Path("/usr/share/fonts")]


@cache
def _installed_font_stems() -> frozenset[str]:
    """The family part of every font file's name (NotoSansArabic-Bold.ttf -> NotoSansArabic)."""
    stems = set()
    for folder in _font_folders():
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.suffix.lower() in (".ttf", ".otf", ".ttc"):
                    stems.add(re.split(r"[-\[]", path.stem, maxsplit=1)[0])
    return frozenset(stems)


def _script_families(text: str) -> list[_FontFamily]:
    needed = [_LATIN]
    if re.search(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]", text):
        needed.append(_ARABIC)
    if re.search(r"[\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f]", text):
        needed.append(_ETHIOPIC)
    return needed


def _require_fonts(text: str) -> None:
    """Without the right font Pango draws empty boxes instead of letters: refuse rather than print those."""
    missing = [f for f in _script_families(text) if f.file_stem not in _installed_font_stems()]
    if missing:
        names = ", ".join(f"{f.family} ({f.script})" for f in missing)
        raise PrintingError(
            f"Printing these texts needs the fonts {names}: on Debian/Ubuntu apt-get install fonts-noto-core."
        )


# -- output ---------------------------------------------------------------------------------------------------


def _check_output(output: Path) -> str:
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise PrintingError(f"{output}: unknown format '{output.suffix}'; use .pdf, .svg or .png.")
    if suffix != ".pdf":
        _pdftocairo()  # before the typesetting, not after it
    return suffix


def _write(document_html: str, output: Path) -> Path:
    """Typeset the document and write it in the format the output's suffix names."""
    suffix = _check_output(output)
    weasyprint = _weasyprint()
    _require_fonts(document_html)
    document = weasyprint.HTML(string=document_html).render()
    return _save(document, output, suffix)


def _save(document: Any, output: Path, suffix: str) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        document.write_pdf(output)
        return output
    with tempfile.TemporaryDirectory(prefix="heard-print-") as folder:
        pdf = Path(folder) / "document.pdf"
        document.write_pdf(pdf)
        pages = len(document.pages)
        if suffix == ".svg":
            svgs = [_pdftocairo_run(pdf, Path(folder) / f"page-{n}.svg", "-svg", page=n) for n in range(1, pages + 1)]
            output.write_text(_stack_svgs([p.read_text(encoding="utf-8") for p in svgs]), encoding="utf-8")
        else:
            pngs = [
                _pdftocairo_run(pdf, Path(folder) / f"page-{n}", "-png", "-r", str(PNG_DPI), "-singlefile", page=n)
                for n in range(1, pages + 1)
            ]
            _stack_pngs(pngs, output)
    return output


def _pdftocairo_run(pdf: Path, target: Path, *options: str, page: int) -> Path:
    command = [_pdftocairo(), *options, "-f", str(page), "-l", str(page), str(pdf), str(target)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintingError(f"pdftocairo failed: {exc}") from exc
    written = target.with_name(target.name + ".png") if "-png" in options else target
    if done.returncode != 0 or not written.is_file():
        raise PrintingError(f"pdftocairo could not convert the PDF: {done.stderr.strip() or done.returncode}")
    return written


_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_PAGE_GAP_PT = 12.0


def _stack_svgs(pages: Sequence[str]) -> str:
    """One SVG with the pages one below the other (an SVG viewer shows only one page of a multi-page file).
    Each page's ids (glyphs, clip paths) get a page prefix so that pages do not take each other's glyphs."""
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    if len(pages) == 1:
        return pages[0]
    roots = [ET.fromstring(_prefix_ids(text, f"p{n}-")) for n, text in enumerate(pages, start=1)]
    width = max(_points(root.get("width", "0")) for root in roots)
    heights = [_points(root.get("height", "0")) for root in roots]
    total = sum(heights) + _PAGE_GAP_PT * (len(roots) - 1)
    stacked = ET.Element(f"{{{_SVG}}}svg", {
        "width": f"{width:.3f}pt", "height": f"{total:.3f}pt", "viewBox": f"0 0 {width:.3f} {total:.3f}",
        "version": "1.1",
    })
    ET.SubElement(stacked, f"{{{_SVG}}}rect", {"width": "100%", "height": "100%", "fill": "#c8c8c8"})
    top = 0.0
    for root, height in zip(roots, heights, strict=True):
        # inside the stack, lengths are the outer viewBox's units (points): "595pt" would mean 595 * 4/3
        root.set("width", f"{_points(root.get('width', '0')):.3f}")
        root.set("height", f"{height:.3f}")
        root.set("y", f"{top:.3f}")
        root.set("x", "0")
        stacked.append(root)
        top += height + _PAGE_GAP_PT
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(stacked, encoding="unicode")


def _prefix_ids(svg: str, prefix: str) -> str:
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)


def _points(length: str) -> float:
    match = re.match(r"\s*([0-9.]+)\s*(pt|px)?", length)
    return float(match.group(1)) if match else 0.0


def _stack_pngs(pages: Sequence[Path], output: Path) -> None:
    if len(pages) == 1:
        shutil.move(pages[0], output)
        return
    try:
        from PIL import Image
    except ImportError as exc:  # Pillow comes with WeasyPrint; only a broken install lacks it
        raise PrintingError("Writing a multi-page .png needs Pillow: pip install pillow.") from exc
    images = [Image.open(path).convert("RGB") for path in pages]
    gap = round(_PAGE_GAP_PT / 72 * PNG_DPI)
    width = max(image.width for image in images)
    sheet = Image.new("RGB", (width, sum(i.height for i in images) + gap * (len(images) - 1)), (200, 200, 200))
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height + gap
    sheet.save(output, optimize=True)


# -- shared markup --------------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _t(text: str) -> str:
    """A text from a catalog, isolated (FSI ... PDI): it takes its direction from its own first letter, so a text
    still in the source language inside a right-to-left form keeps its full stop at its end. (Right-to-left
    catalog texts start with a right-to-left letter: `translations check` sees to that.)"""
    return f"\u2068{_e(text)}\u2069"


def _bcp47(code: str) -> str:
    """The HTML lang of a catalog code: fa_AF -> fa-AF (Pango picks Dari letter forms), de_plain -> de."""
    base, _, region = code.partition("_")
    return f"{base}-{region}" if region.isalpha() and region.isupper() else base


def _direction(catalogs: Catalogs, code: str) -> str:
    return "rtl" if catalogs.languages[code].rtl else "ltr"


def _families(text: str) -> str:
    """The font-family list, the language's own script first (its punctuation and digits then match)."""
    order = [f.family for f in reversed(_script_families(text)[1:])] + [_LATIN.family]
    return ", ".join(f'"{name}"' for name in order) + ", sans-serif"


_BASE_CSS = """
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


def _page(title: str, lang: str, direction: str, css: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{_e(lang)}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{css}</style></head><body>{body}</body></html>"
    )


def _language_block_attributes(catalogs: Catalogs, code: str, sample: str) -> str:
    return (
        f'lang="{_bcp47(code)}" dir="{_direction(catalogs, code)}" '
        f"style='font-family: {_families(sample)}'"
    )


# -- the flyer ------------------------------------------------------------------------------------------------

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
    codes = _known_languages(languages, catalogs)
    paper = _paper(paper)
    _check_output(output)
    weasyprint = _weasyprint()
    qr = _segno().make(link, error="m", micro=False).svg_data_uri(dark="#000", light="#fff", border=4)
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
                f"<section {_language_block_attributes(catalogs, code, sample)}>"
                f'<div class="language">{_e(catalogs.languages[code].name)}</div>'
                f"<h2>{_t(text.headline)}</h2>"
                f"<p>{_t(text.invitation)}</p>"
                f"<p>{_t(text.how)}</p>"
                f'<p class="scan">{_t(text.scan)} {_link(link, column_width, size)}</p>'
                f'<p class="privacy">{_t(text.privacy)}</p>'
                "</section>"
            )
        return "".join(made)

    # each name isolated (FSI ... PDI): two right-to-left names side by side must not swap places
    names = " · ".join(
        f"<span {_language_block_attributes(catalogs, code, catalogs.languages[code].name)}>"
        f"{_t(catalogs.languages[code].name)}</span>"
        for code in codes
    )
    document = None
    for factor in (1.0, 0.9, 0.8, 0.7, 0.62):  # shrink until everything is on one page
        size = base * factor
        body = (
            f'<header><div class="top"><img class="qr" src="{qr}" alt="{_e(link)}">'
            f'<div class="who"><div class="municipality">{_e(municipality)}</div>'
            f'<div class="names">{names}</div></div></div>{_link(link, width, 1.3 * size)}</header>'
            f"<main>{blocks(size)}</main>"
        )
        if document is None:
            _require_fonts(body)
        css = (_BASE_CSS + _FLYER_CSS) % {
            "paper": paper, "margin": f"{margin:.0f}mm", "size": size, "columns": columns, "gap": _COLUMN_GAP_MM,
            "qr": f"{(42 if small else 60) * max(factor, 0.8):.0f}mm",
        }
        css += f"html {{ font-family: {_families(body)}; }}"
        page = _page(f"{municipality}: {link}", _bcp47(codes[0]), "ltr", css, body)
        document = weasyprint.HTML(string=page).render()
        if len(document.pages) == 1:
            break
    assert document is not None
    return _save(document, output, output.suffix.lower())


def _link(link: str, width_mm: float, largest_pt: float, smallest_pt: float = 6.5) -> str:
    """The link on one line where it fits at a readable size, else wrapped anywhere. dir=ltr keeps
    "https://t.me/...?start=..." in one piece inside right-to-left text."""
    fitting = width_mm / (max(len(link), 1) * _MONO_ADVANCE) * 72 / 25.4 * 0.97
    if fitting >= smallest_pt:
        style = f"font-size: {min(largest_pt, fitting):.2f}pt; white-space: nowrap"
    else:
        style = f"font-size: {smallest_pt:.2f}pt; overflow-wrap: anywhere"
    return f'<a class="link" dir="ltr" href="{_e(link)}" style="{style}">{_e(link)}</a>'


def _known_languages(languages: Iterable[str], catalogs: Catalogs) -> list[str]:
    codes = list(dict.fromkeys(languages))
    if not codes:
        raise PrintingError("Name at least one language.")
    unknown = [code for code in codes if code not in catalogs.languages]
    if unknown:
        raise PrintingError(
            f"Unknown language {', '.join(repr(c) for c in unknown)}. Shipped: {', '.join(catalogs.languages)}."
        )
    return codes


def _paper(paper: str) -> str:
    normalised = paper.upper()
    if normalised not in PAPER_SIZES:
        raise PrintingError(f"Unknown paper size {paper!r}; use {' or '.join(PAPER_SIZES)}.")
    return normalised


# -- the paper questionnaire ----------------------------------------------------------------------------------

_QUESTIONNAIRE_CSS = """
@page { @bottom-left { content: "%(footer)s"; font-family: "DejaVu Sans Mono", monospace; font-size: 7pt;
                       color: #555; }
        @bottom-right { content: "\\2066" counter(page) " / " counter(pages) "\\2069"; font-size: 8pt;
                        color: #555; } }
header { margin-bottom: 5mm; }
header .municipality { font-size: 0.9em; color: #444; margin-bottom: 0.3em; }
header h1 { font-size: 1.6em; }
.instructions { border: 0.4mm solid #111; padding: 2.5mm 3.5mm; margin: 3mm 0 2mm 0; font-weight: bold; }
.question { break-inside: avoid; margin: 0 0 4.5mm 0; }
.question .head { display: flex; align-items: baseline; gap: 2.5mm; }
.question .number { flex: none; min-width: 6.5mm; padding: 0.3mm 1mm; background: #111; color: white;
                    text-align: center; font-weight: bold; border-radius: 1mm; }
.question .label { flex: 1; font-weight: bold; }
.question .skip { margin: 0 0 1.2mm 0; padding: 0.8mm 2mm; background: #e6e6e6; font-weight: bold; }
.question .hint, .question .how { color: #333; font-size: 0.92em; margin: 0.5mm 0 0.5mm 9mm; }
.question .choices { margin: 1mm 0 0 9mm; }
.question .choice { margin: 0 0 1.2mm 0; }
.question .choice.declined { color: #444; }
.question .note { margin-left: 0; }
[dir="rtl"] .question .hint, [dir="rtl"] .question .how, [dir="rtl"] .question .choices {
    margin-left: 0; margin-right: 9mm; }
.box { display: inline-block; width: 4.2mm; height: 4.2mm; border: 0.35mm solid #111; vertical-align: -0.8mm;
       margin: 0 1.8mm; background: white; }
.points .point { display: inline-block; margin: 0 3mm 1mm 0; white-space: nowrap; }
.points .point .box { margin: 0 1mm; }
.anchors { font-size: 0.9em; color: #333; margin: 0 0 1mm 0; }
.numberbox { display: inline-block; width: 22mm; height: 8mm; border: 0.35mm solid #111; margin: 1mm 1.8mm; }
.lines div { border-bottom: 0.25mm solid #555; height: 8mm; }
.thanks { margin-top: 6mm; break-inside: avoid; }
.thanks .back { font-weight: bold; font-size: 1.1em; }
"""


def render_questionnaire(
    survey: Survey, language: str, catalogs: Catalogs, municipality: str, output: Path, *, paper: str = "A4"
) -> Path:
    """The survey as a paper form in `language`: numbered questions with tick boxes, the stable question and
    choice names printed small beside them (the paper-import columns and values), skip instructions, and a
    "prefer not to say" box where the bot offers that button. Load the survey through the registry so that the
    area question has the municipality's areas. Writes .pdf, .svg or .png after the suffix; returns `output`."""
    code = _known_languages([language], catalogs)[0]
    paper = _paper(paper)
    _check_output(output)
    form = _Form(survey, code, catalogs)
    title = form.content("survey.title", survey.title)
    body = (
        f'<header><div class="municipality">{_e(municipality)}</div>'
        f"<h1>{_t(title)}</h1>"
        f"<p>{_t(form.content('survey.intro', survey.intro))}</p>"
        f'<div class="instructions">{_t(form.texts.instructions)}</div></header>'
        + "".join(form.question(question) for question in survey.questions)
        + f'<div class="thanks"><p>{_t(form.content("survey.thanks", survey.thanks))}</p>'
        f'<p class="back">{_t(form.texts.thanks)}</p></div>'
    )
    css = (_BASE_CSS + _QUESTIONNAIRE_CSS) % {
        "paper": paper, "margin": "12mm 13mm 15mm 13mm", "size": _questionnaire_size(catalogs, code, paper),
        "footer": f"{survey.id} v{survey.version} · {code}",
    }
    css += f"html {{ font-family: {_families(body)}; }}"
    return _write(_page(title, _bcp47(code), _direction(catalogs, code), css, body), output)


def _questionnaire_size(catalogs: Catalogs, code: str, paper: str) -> float:
    """10 pt on A4, 8.5 pt on A5, unless the language asks for larger print (Leichte Sprache: 14 pt, on any paper:
    its readers need the size more than the form needs few pages)."""
    usual = 10.0 if paper == "A4" else 8.5
    return max(usual, catalogs.languages[code].print_size or 0.0)


class _Form:
    """One survey's questions as form markup in one language."""

    def __init__(self, survey: Survey, code: str, catalogs: Catalogs) -> None:
        self.survey = survey
        self.bot: NullTranslations = catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE)
        self._content: NullTranslations = catalogs.translations(survey_domain(survey.id), code, survey.language)
        self.texts: QuestionnaireTexts = questionnaire_texts(self.bot)
        # numbered as the bot counts them ("3/15"): notes carry no number and no answer
        self.numbers = {q.name: n for n, q in enumerate(survey.answerable(), start=1)}

    def content(self, context: str, source: str) -> str:
        return self._content.pgettext(context, source)

    def choice_label(self, question: Question, name: str) -> str:
        choice = question.choice(name)
        return self.content(f"{question.name}.{name}", choice.label) if choice is not None else name

    def question(self, question: Question) -> str:
        label = self.content(f"{question.name}.label", question.label)
        hint = self.content(f"{question.name}.hint", question.hint) if question.hint else None
        if question.type is QuestionType.NOTE:
            parts = [f'<p class="label">{_t(label)}</p>']
            if hint:
                parts.append(f"<p>{_t(hint)}</p>")
            return f'<div class="question note">{"".join(parts)}</div>'
        number = self.numbers[question.name]
        parts = [self._skip(condition.question, condition.any_of) for condition in question.show_if]
        parts.append(
            f'<div class="head"><span class="number">{number}</span>'
            f'<span class="label">{_t(label)} <span class="code" dir="ltr">[{_e(question.name)}]</span></span>'
            "</div>"
        )
        if hint:
            parts.append(f'<p class="hint">{_t(hint)}</p>')
        parts.append(f'<p class="how">{_t(self._how(question))}</p>')
        parts.append(f'<div class="choices">{self._answers(question)}</div>')
        return f'<div class="question" id="q-{_e(question.name)}">{"".join(parts)}</div>'

    def _skip(self, earlier: str, allowed: frozenset[str]) -> str:
        question = self.survey.question(earlier)
        ordered = [c.name for c in question.choices if c.name in allowed]
        ordered += sorted(allowed - set(ordered), key=lambda v: (len(v), v))  # scale points, if any
        # " / " rather than a comma: labels such as "Nein, aus anderen Gründen" carry commas themselves
        answers = " / ".join(self.choice_label(question, name) for name in ordered)
        text = self.texts.only_if(self.bot, self.numbers[earlier], answers)
        return f'<p class="skip">{_t(text)}</p>'

    def _how(self, question: Question) -> str:
        texts = self.texts
        match question.type:
            case QuestionType.SINGLE:
                return texts.tick_one
            case QuestionType.MULTI:
                return texts.tick_any
            case QuestionType.SCALE:
                return texts.tick_scale
            case QuestionType.NUMBER | QuestionType.DECIMAL if question.minimum is not None:
                return texts.number_range(question.minimum or 0, question.maximum or 0)
            case _:
                return texts.write_text

    def _answers(self, question: Question) -> str:
        rows: list[str] = []
        if question.type is QuestionType.SCALE:
            points = "".join(
                f'<span class="point"><span class="box"></span>{p}</span>' for p in question.scale_points()
            )
            if question.low_label and question.high_label:
                low = self.content(f"{question.name}.low_label", question.low_label)
                high = self.content(f"{question.name}.high_label", question.high_label)
                rows.append(
                    f'<p class="anchors"><bdi>{question.minimum}</bdi> = {_t(low)} … '
                    f"<bdi>{question.maximum}</bdi> = {_t(high)}</p>"
                )
            rows.append(f'<div class="points">{points}</div>')
        elif question.type is QuestionType.NUMBER:
            rows.append('<div><span class="numberbox"></span></div>')
        elif question.type is QuestionType.TEXT:
            lines = max(3, min(8, question.max_length // 100))
            rows.append('<div class="lines">' + "<div></div>" * lines + "</div>")
        rows += [self._choice(self.choice_label(question, c.name), c.name) for c in question.choices]
        if question.offers_decline:
            rows.append(self._choice(self.texts.declined, DECLINED, "declined"))
        return "".join(rows)

    @staticmethod
    def _choice(label: str, name: str, extra: str = "") -> str:
        return (
            f'<div class="choice {extra}"><span class="box"></span>{_t(label)} '
            f'<span class="code" dir="ltr">{_e(name)}</span></div>'
        )

