"""Printed material: flyers with a QR code and paper questionnaires, in any shipped language (toolchain.py,
markup.py, flyer.py, questionnaire.py).

Layout is HTML + CSS, typeset by WeasyPrint, which shapes text with HarfBuzz through Pango: Arabic letters
join, Ge'ez syllables and Cyrillic come out right, right-to-left languages (the catalog header's
`X-Heard-Direction: rtl`) are laid out right-to-left, and the PDF's text layer holds real text. Fonts are
Noto Sans, Noto Sans Arabic and Noto Sans Ethiopic (Debian: fonts-noto-core). .svg and .png outputs are
converted from the rendered PDF with pdftocairo (Debian: poppler-utils), so text is shaped once, by the same
engine, whatever the format; a multi-page document becomes one tall image with the pages one below the other.

All texts come from the catalogs: the flyer and the paper instructions from the `bot` domain
(surveys.printing.texts), the survey content from the survey's domain with msgctxt from the stable names. The
questionnaire prints each question's stable `name` and each choice's `name` small beside it: they are the
columns and values whoever types the paper forms in uses.

Missing tools never end in a traceback: `PrintingError` says what to install.
"""

from surveys.printing.flyer import render_flyer
from surveys.printing.questionnaire import render_questionnaire
from surveys.printing.toolchain import PAPER_SIZES, PNG_DPI, SUFFIXES, PrintingError

__all__ = ["PAPER_SIZES", "PNG_DPI", "SUFFIXES", "PrintingError", "render_flyer", "render_questionnaire"]
