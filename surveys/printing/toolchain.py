"""The printing toolchain: WeasyPrint (HTML + CSS to PDF, text shaped by HarfBuzz through Pango), the Noto fonts,
segno for QR codes, and pdftocairo (poppler) for .svg and .png; a missing tool is a `PrintingError` that says what
to install, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SUFFIXES = (".pdf", ".svg", ".png")
PAPER_SIZES = ("A4", "A5")
PNG_DPI = 150
"""Resolution of .png output: sharp on screens and in messengers, small enough to send (an A4 page is
1240 x 1754 pixels). Print from the PDF."""

class PrintingError(Exception):
    """Printing cannot be done as asked; the message says why and what to install or change."""


# -- tools and fonts ------------------------------------------------------------------------------------------


def load_weasyprint() -> Any:
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


def load_segno() -> Any:
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


LATIN = _FontFamily("Noto Sans", "NotoSans", "Latin, Cyrillic")
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


def script_families(text: str) -> list[_FontFamily]:
    needed = [LATIN]
    if re.search(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]", text):
        needed.append(_ARABIC)
    if re.search(r"[\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f]", text):
        needed.append(_ETHIOPIC)
    return needed


def require_fonts(text: str) -> None:
    """Without the right font Pango draws empty boxes instead of letters: refuse rather than print those."""
    missing = [f for f in script_families(text) if f.file_stem not in _installed_font_stems()]
    if missing:
        names = ", ".join(f"{f.family} ({f.script})" for f in missing)
        raise PrintingError(
            f"Printing these texts needs the fonts {names}: on Debian/Ubuntu apt-get install fonts-noto-core."
        )


# -- output ---------------------------------------------------------------------------------------------------


def check_output(output: Path) -> str:
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise PrintingError(f"{output}: unknown format '{output.suffix}'; use .pdf, .svg or .png.")
    if suffix != ".pdf":
        _pdftocairo()  # before the typesetting, not after it
    return suffix


def typeset(document_html: str, output: Path) -> Path:
    """Typeset the document and write it in the format the output's suffix names."""
    suffix = check_output(output)
    weasyprint = load_weasyprint()
    require_fonts(document_html)
    document = weasyprint.HTML(string=document_html).render()
    return save(document, output, suffix)


def save(document: Any, output: Path, suffix: str) -> Path:
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
