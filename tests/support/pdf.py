"""Reading PDFs back with poppler's tools (pdftotext, pdfinfo, pdffonts), as a person copying text out of the PDF
would get it."""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path


def pdf_text(pdf: Path | bytes) -> str:
    """The PDF's text layer (a file, or a PDF's bytes as the bot sent them)."""
    if isinstance(pdf, bytes):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            return pdf_text(Path(handle.name))
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True)
    return without_controls(done.stdout)


def without_controls(text: str) -> str:
    """pdftotext marks right-to-left lines with bidi embeddings; they are not part of the printed text."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def y_mid(self) -> float:
        return (self.y_min + self.y_max) / 2


def pdf_words(path: Path, page: int = 1) -> list[Word]:
    done = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True)
    return [
        Word(without_controls(m["text"]), float(m["x0"]), float(m["y0"]), float(m["x1"]), float(m["y1"]))
        for m in re.finditer(
            r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" xMax="(?P<x1>[\d.]+)" yMax="(?P<y1>[\d.]+)">'
            r"(?P<text>.*?)</word>",
            done.stdout,
        )
    ]


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))  # type: ignore[union-attr]


def pdf_fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
