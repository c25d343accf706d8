"""Flyers and paper questionnaires, rendered for real (WeasyPrint, Noto fonts, pdftocairo) and read back from
the PDF's text layer with poppler's pdftotext, as a person copying text out of the PDF would get it.

Expected texts come from the catalogs at test time: translations of the printed texts are being filled in, and
until a language has them gettext gives the English msgid, which must then be what is printed.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from surveys.config import load_settings
from surveys.core.model import DECLINED, QuestionType, Survey
from surveys.forms.loader import parse_survey
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain
from surveys.printing import PrintingError, render_flyer, render_questionnaire
from surveys.printing.texts import flyer_texts, questionnaire_texts
from surveys.registry import SurveyRegistry
from tests.support.commands import run
from tests.support.config import AREAS, write_config
from tests.support.pdf import pdf_fonts, pdf_pages, pdf_text, pdf_words

LINK = "https://t.me/heard_testhausen_bot?start=d-k7f2q9_l-ar"
MUNICIPALITY = "Stadt Testhausen"
A4_WIDTH_PT = 595.28
FLYER_MARGIN_PT = 14 / 25.4 * 72


# -- reading PDFs back ----------------------------------------------------------------------------------------


def _squashed(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _arabic_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)  # presentation forms -> letters
    text = re.sub(r"\s+(?=[\u064b-\u065f\u0670])", "", text)  # pdftotext sets a lone shadda apart
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Cf") and ch != "\u0640")
    words = re.sub(r"\W", " ", text)
    return re.findall(r"[\u0600-\u06ff]+|[^\s\u0600-\u06ff]+", words)  # "10سنوات" is two words


class TextLayer:
    """What pdftotext reads from a PDF, and checks that printed texts are in it.

    Latin, Cyrillic and Ge'ez text must be there as printed (whitespace aside). Arabic script is compared word by
    word on the letters of each word, since poppler gives the letters of a lam-alef ligature in visual order
    (الأسئلة comes out as األسئلة), sometimes repeats a letter around a vowel mark and sometimes puts part of a
    word with a shadda on the line above. So most words of each Arabic text, and 90% of all its Arabic words,
    must be found."""

    def __init__(self, pdf: Path) -> None:
        self.plain = pdf_text(pdf)
        self._squashed = _squashed(self.plain)
        self._arabic = {"".join(sorted(word)) for word in _arabic_words(self.plain)}
        self.wanted = 0
        self.missing: list[str] = []

    def __contains__(self, text: str) -> bool:
        return text in self.plain

    def assert_has(self, expected: str) -> None:
        if not _ARABIC.search(expected):
            assert _squashed(expected) in self._squashed, f"not in the PDF's text: {expected!r}"
            return
        wanted = _arabic_words(expected)
        missing = [word for word in wanted if "".join(sorted(word)) not in self._arabic]
        assert len(missing) * 2 <= len(wanted), f"not in the PDF's text: {missing} of {expected!r}"
        self.wanted += len(wanted)
        self.missing += missing

    def assert_mostly_complete(self) -> None:
        assert len(self.missing) * 10 <= self.wanted, f"not in the PDF's text: {self.missing}"


# -- fixtures: render each document once ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Survey:
    """The bundled survey as the registry loads it: the area question has the municipality's areas."""
    settings = load_settings(write_config(tmp_path_factory.mktemp("config")), environ={})
    loaded = SurveyRegistry(settings).current("needs")
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, catalogs: Catalogs, survey: Survey) -> Callable[..., Path]:
    folder = tmp_path_factory.mktemp("printed")
    made: dict[tuple[str, str, str], Path] = {}

    def get(kind: str, language: str, suffix: str = ".pdf") -> Path:
        key = (kind, language, suffix)
        if key not in made:
            output = folder / f"{kind}-{language.replace(',', '+')}{suffix}"
            if kind == "flyer":
                made[key] = render_flyer(LINK, language.split(","), catalogs, MUNICIPALITY, output)
            else:
                made[key] = render_questionnaire(survey, language, catalogs, MUNICIPALITY, output)
            assert made[key] == output and output.stat().st_size > 0
        return made[key]

    return get


def bot(catalogs: Catalogs, language: str):  # type: ignore[no-untyped-def]
    return catalogs.translations(BOT_DOMAIN, language, BOT_SOURCE_LANGUAGE)


# -- the flyer ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "uk", "ti"])
def test_flyer_pdf_has_link_and_texts_in_its_text_layer(rendered, catalogs, language):
    pdf = rendered("flyer", language)
    text = TextLayer(pdf)
    assert LINK in text
    assert MUNICIPALITY in text
    texts = flyer_texts(bot(catalogs, language), MUNICIPALITY)
    for printed in (texts.headline, texts.invitation, texts.how, texts.scan, texts.privacy):
        text.assert_has(printed)
    text.assert_has(catalogs.languages[language].name)
    text.assert_mostly_complete()
    assert pdf_pages(pdf) == 1


def test_flyer_embeds_the_fonts_of_each_script(rendered):
    assert "Noto-Sans-Arabic" in pdf_fonts(rendered("flyer", "ar"))
    assert "Noto-Sans-Ethiopic" in pdf_fonts(rendered("flyer", "ti"))
    assert "Noto-Sans" in pdf_fonts(rendered("flyer", "uk"))


@pytest.mark.parametrize(("language", "rtl"), [("ar", True), ("uk", False)])
def test_flyer_text_block_runs_in_the_languages_direction(rendered, language, rtl):
    """The link under "open this link:" sits at the start side of its block: right in Arabic, left in Ukrainian.
    (The link in the header, under the QR code, is left-aligned in every language.)"""
    links = [w for w in pdf_words(rendered("flyer", language)) if w.text == LINK]
    assert len(links) == 2
    in_block = max(links, key=lambda w: w.y_min)
    if rtl:
        assert in_block.x_max == pytest.approx(A4_WIDTH_PT - FLYER_MARGIN_PT, abs=3)
    else:
        assert in_block.x_min == pytest.approx(FLYER_MARGIN_PT, abs=3)


def test_flyer_with_many_languages_stays_on_one_page(rendered, catalogs):
    languages = "de,ar,uk,ti,fa_AF,ru"
    pdf = rendered("flyer", languages)
    assert pdf_pages(pdf) == 1
    text = TextLayer(pdf)
    for language in languages.split(","):
        text.assert_has(flyer_texts(bot(catalogs, language), MUNICIPALITY).headline)


# -- the questionnaire ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_questionnaire_pdf_has_every_question_with_number_name_and_choices(rendered, catalogs, survey, language):
    text = TextLayer(rendered("questionnaire", language))
    content = catalogs.translations(survey_domain(survey.id), language, survey.language)
    paper = questionnaire_texts(bot(catalogs, language))

    text.assert_has(content.pgettext("survey.title", survey.title))
    text.assert_has(content.pgettext("survey.intro", survey.intro))
    text.assert_has(content.pgettext("survey.thanks", survey.thanks))
    for printed in (paper.instructions, paper.tick_one, paper.tick_any, paper.tick_scale, paper.write_text,
                    paper.declined, paper.thanks):
        text.assert_has(printed)

    numbers = set(re.findall(r"^\s*(\d+)\s*$", text.plain, re.MULTILINE))  # the number boxes
    tokens = set(re.findall(r"[a-z0-9_]+", text.plain))
    for number, question in enumerate(survey.answerable(), start=1):
        assert str(number) in numbers, f"question number {number} ({question.name})"
        assert question.name in tokens, question.name
        text.assert_has(content.pgettext(f"{question.name}.label", question.label))
        if question.hint:
            text.assert_has(content.pgettext(f"{question.name}.hint", question.hint))
        for choice in question.choices:
            assert choice.name in tokens, f"{question.name}.{choice.name}"
            text.assert_has(content.pgettext(f"{question.name}.{choice.name}", choice.label))
        if question.type is QuestionType.SCALE and question.low_label:
            text.assert_has(content.pgettext(f"{question.name}.low_label", question.low_label))
    assert text.plain.count(DECLINED) == sum(q.offers_decline for q in survey.questions)
    for name, label in AREAS:  # the area question's choices come from the municipality's configuration
        assert name in tokens and label in text
    text.assert_mostly_complete()


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_questionnaire_says_which_questions_to_skip(rendered, catalogs, survey, language):
    text = TextLayer(rendered("questionnaire", language))
    translations = bot(catalogs, language)
    content = catalogs.translations(survey_domain(survey.id), language, survey.language)
    paper = questionnaire_texts(translations)
    numbers = {q.name: n for n, q in enumerate(survey.answerable(), start=1)}
    conditional = [q for q in survey.questions if q.show_if]
    assert conditional
    for question in conditional:
        for condition in question.show_if:
            earlier = survey.question(condition.question)
            answers = " / ".join(
                content.pgettext(f"{earlier.name}.{c.name}", c.label) for c in earlier.choices
                if c.name in condition.any_of
            )
            text.assert_has(paper.only_if(translations, numbers[earlier.name], answers))
    text.assert_mostly_complete()


def test_questionnaire_only_if_names_the_earlier_question_and_its_answers_in_german(rendered, catalogs, survey):
    text = TextLayer(rendered("questionnaire", "de"))
    paper = questionnaire_texts(bot(catalogs, "de"))
    language_course = survey.answerable().index(survey.question("language_course")) + 1
    expected = paper.only_if(bot(catalogs, "de"), language_course, "Ja / Nein, aus anderen Gründen")
    text.assert_has(expected)


def test_questionnaire_prints_notes_numbers_and_required_questions(catalogs, tmp_path):
    survey = parse_survey(
        """
id: mini
version: 3
language: de
title: Kurzer Fragebogen
intro: Drei Fragen.
thanks: Danke schön.
questions:
  - {name: welcome, type: note, field: core, label: Willkommen beim Fragebogen}
  - {name: household, type: number, field: core, label: "Wie viele Menschen leben im Haushalt?", min: 1, max: 20,
     required: true}
  - {name: wish, type: text, field: closing, label: "Was wünschen Sie sich?", max_length: 300}
""",
        "mini.yaml",
    )
    pdf = render_questionnaire(survey, "de", catalogs, MUNICIPALITY, tmp_path / "mini.pdf")
    text = TextLayer(pdf)
    paper = questionnaire_texts(bot(catalogs, "de"))
    text.assert_has("Willkommen beim Fragebogen")
    text.assert_has(paper.number_range(1, 20))
    text.assert_has(paper.write_text)
    numbered = re.findall(r"^(\d+)\s*$", text.plain, re.MULTILINE)
    assert numbered == ["1", "2"]  # the note has no number, as in the bot's "1/2"
    assert "welcome" not in text.plain and "household" in text.plain and "wish" in text.plain
    assert text.plain.count(DECLINED) == 1  # the required number question has no "prefer not to say"
    assert "mini v3" in text.plain  # the footer: which survey version the typed-in answers belong to


@pytest.mark.parametrize(("language", "rtl"), [("ar", True), ("uk", False)])
def test_questionnaire_runs_in_the_languages_direction(rendered, language, rtl):
    """On the first question's line, the number comes first: rightmost in Arabic, leftmost in Ukrainian, with
    the [area] column name at the other end of the label."""
    words = pdf_words(rendered("questionnaire", language))
    code = next(w for w in words if re.search(r"\barea\b", w.text))
    number = next(w for w in words if w.text == "1" and abs(w.y_mid - code.y_mid) < 4)
    if rtl:
        assert number.x_min > code.x_max and number.x_max > A4_WIDTH_PT - 60
    else:
        assert number.x_max < code.x_min and number.x_min < 60


# -- paper speaks of paper, and Leichte Sprache prints large ----------------------------------------------------

# How each shipped language says "button", "press", "tap" or "click" (taken from its catalog's chat texts, e.g.
# "Please answer with the buttons below."). Latin and Cyrillic words match at a word start, others anywhere.
BUTTON_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("knopf", "knöpf", "drück", "tippen", "klick", "schaltfläche", "button", "taste"),
    "en": ("button", "press", "tap", "click"),
    "am": ("ቁልፍ", "ቁልፎ", "ይጫኑ"), "ti": ("ቁልፍ", "ጠውቑ"),
    "ar": ("أزرار", "الزر", "الضغط", "اضغط"), "fa": ("دکمه", "کلیک"), "ps": ("تڼۍ", "تڼیو", "کېکاږ"),
    "ckb": ("دوگمە", "دابگرن"),
    "bg": ("бутон", "натисн"), "ru": ("кнопк", "нажм", "нажим"), "uk": ("кнопк", "натисн"),
    "bs": ("dugm", "pritisn", "klikn"), "es": ("botón", "botones", "pulse", "pulsa", "toque"),
    "fr": ("bouton", "appuy", "cliqu"), "kmr": ("bişkok", "bitikîn"), "pl": ("przycisk", "nacisn", "klikn"),
    "ro": ("buton", "butoan", "apăs", "apas"), "so": ("badhan", "badham", "riix"), "sq": ("buton", "shtypni", "kliko"),
    "tr": ("düğme", "tıkla", "basın"), "vi": ("nút", "bấm", "nhấn"),
}


def button_words(language: str) -> tuple[str, ...]:
    base = {"de_plain": "de", "fa_AF": "fa"}.get(language, language)
    return BUTTON_WORDS[base] + (BUTTON_WORDS["en"] if base != "en" else ())  # English loanwords too


def named_buttons(text: str, language: str) -> list[str]:
    lower = unicodedata.normalize("NFC", text).lower()
    return [
        word for word in button_words(language)
        if re.search((r"\b" if re.match(r"[a-zà-ɏЀ-ӿ]", word) else "") + re.escape(word), lower)
    ]


def paper_texts(catalogs: Catalogs, survey: Survey, language: str) -> list[str]:
    """Every catalog text a printed flyer or questionnaire shows in `language`: the printed texts of the bot
    catalog, and the survey's title, introduction, questions, hints, choices and closing words."""
    translations = bot(catalogs, language)
    flyer = flyer_texts(translations, MUNICIPALITY)
    form = questionnaire_texts(translations)
    content = catalogs.translations(survey_domain(survey.id), language, survey.language)
    texts = [flyer.headline, flyer.invitation, flyer.how, flyer.scan, flyer.privacy, form.instructions,
             form.tick_one, form.tick_any, form.tick_scale, form.write_number, form.write_text, form.declined,
             form.thanks, form.only_if(translations, 3, "…")]
    texts += [content.pgettext(f"survey.{part}", getattr(survey, part)) for part in ("title", "intro", "thanks")]
    for question in survey.questions:
        for part in ("label", "hint", "low_label", "high_label"):
            if getattr(question, part, None):
                texts.append(content.pgettext(f"{question.name}.{part}", getattr(question, part)))
        texts += [content.pgettext(f"{question.name}.{c.name}", c.label) for c in question.choices]
    return texts


def test_button_words_are_found_in_each_languages_chat_texts(catalogs):
    """The list is right: each language's own "answer with the buttons below" names a button by it."""
    for language in catalogs.languages:
        chat = bot(catalogs, language).gettext("Please answer with the buttons below.")
        assert named_buttons(chat, language), f"{language}: no button word found in {chat!r}"


def test_paper_texts_in_every_language_name_no_buttons(catalogs, survey):
    """A paper form has boxes to cross, not buttons to press: no printed text, in any shipped language, tells the
    reader to press, tap or click."""
    assert len(catalogs.languages) >= 23
    found = {
        language: [(text, words) for text in paper_texts(catalogs, survey, language)
                   if (words := named_buttons(text, language))]
        for language in catalogs.languages
    }
    assert not {language: hits for language, hits in found.items() if hits}


@pytest.mark.parametrize("language", ["de", "de_plain", "en"])
def test_printed_questionnaire_names_no_buttons(rendered, language):
    text = pdf_text(rendered("questionnaire", language))
    assert "[area]" in text  # the form really is in the text layer
    assert not named_buttons(text, language)


def _body_size(pdf: Path) -> float:
    """The most common word height on the first page: the size of the questions' and answers' text."""
    heights = [round(w.y_max - w.y_min, 1) for w in pdf_words(pdf) if w.text.isalpha()]
    return max(set(heights), key=heights.count)


def test_leichte_sprache_questionnaire_is_printed_at_14_pt(rendered, catalogs):
    """Leichte Sprache asks for at least 14 pt; the other languages keep 10 pt on A4."""
    assert catalogs.languages["de_plain"].print_size == 14
    plain, german = _body_size(rendered("questionnaire", "de_plain")), _body_size(rendered("questionnaire", "de"))
    assert plain / german == pytest.approx(14 / 10, rel=0.04)
    assert german == pytest.approx(_body_size(rendered("questionnaire", "en")), rel=0.04)


# -- other formats --------------------------------------------------------------------------------------------


def test_flyer_png_is_an_a4_picture_with_content(rendered):
    from PIL import Image

    png = rendered("flyer", "ti", ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as image:
        assert image.size[0] == pytest.approx(1240, abs=2) and image.size[1] == pytest.approx(1754, abs=2)
        grey = image.convert("L").resize((124, 175))
        dark = sum(grey.histogram()[:128])
        assert 0.02 < dark / (124 * 175) < 0.5


def test_questionnaire_svg_has_all_pages_as_outlines(rendered):
    pages = pdf_pages(rendered("questionnaire", "ar"))
    svg = rendered("questionnaire", "ar", ".svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    nested = root.findall("{http://www.w3.org/2000/svg}svg")
    assert len(nested) == pages > 1
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids)), "pages must not share glyph ids"
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) > 200
    assert svg.stat().st_size > 50_000


def test_flyer_svg_is_written(rendered):
    svg = rendered("flyer", "uk", ".svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    assert len(list(root.iter("{http://www.w3.org/2000/svg}use"))) > 100  # the glyphs of the text


# -- problems -------------------------------------------------------------------------------------------------


def test_unknown_format_and_language_are_refused_with_a_message(catalogs, tmp_path):
    with pytest.raises(PrintingError, match=r"use \.pdf, \.svg or \.png"):
        render_flyer(LINK, ["de"], catalogs, MUNICIPALITY, tmp_path / "flyer.docx")
    with pytest.raises(PrintingError, match="Unknown language 'xx'"):
        render_flyer(LINK, ["de", "xx"], catalogs, MUNICIPALITY, tmp_path / "flyer.pdf")
    with pytest.raises(PrintingError, match="paper size"):
        render_flyer(LINK, ["de"], catalogs, MUNICIPALITY, tmp_path / "flyer.pdf", paper="Letter")


def test_missing_converter_is_named(catalogs, survey, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pdftocairo anywhere
    with pytest.raises(PrintingError, match="apt-get install poppler-utils"):
        render_flyer(LINK, ["de"], catalogs, MUNICIPALITY, tmp_path / "flyer.png")
    with pytest.raises(PrintingError, match="apt-get install poppler-utils"):
        render_questionnaire(survey, "de", catalogs, MUNICIPALITY, tmp_path / "form.svg")
    assert not list(tmp_path.iterdir())


def test_a5_flyer(catalogs, tmp_path):
    pdf = render_flyer(LINK, ["de", "ar"], catalogs, MUNICIPALITY, tmp_path / "flyer.pdf", paper="a5")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+419\.\d+ x 595\.\d+ pts", info)
    assert pdf_pages(pdf) == 1
    assert LINK in pdf_text(pdf)


# -- the command line -----------------------------------------------------------------------------------------


def test_print_command_writes_the_questionnaire(cli_env, tmp_path, catalogs):
    output = tmp_path / "out" / "fragebogen-uk.pdf"
    output.parent.mkdir()  # a missing folder is refused (admin/output.py), not created
    done = run("heard-admin", "surveys", "print", "needs", "--language", "uk", "-o", str(output), env=cli_env)
    assert done.returncode == 0, done.stderr
    assert str(output) in done.stdout
    text = TextLayer(output)
    assert "[area]" in text and "Südstadt" in text
    content = catalogs.translations(survey_domain("needs"), "uk", "de")
    text.assert_has(content.pgettext("survey.title", "Was brauchen Sie in unserer Stadt?"))


def test_print_command_refuses_unknown_survey_and_language(cli_env, tmp_path):
    output = tmp_path / "x.pdf"
    unknown_survey = run("heard-admin", "surveys", "print", "nosuch", "-l", "de", "-o", str(output), env=cli_env)
    assert unknown_survey.returncode == 1
    assert "No survey 'nosuch'" in unknown_survey.stderr and "needs" in unknown_survey.stderr
    unknown_language = run("heard-admin", "surveys", "print", "--language", "xx", "-o", str(output), env=cli_env)
    assert unknown_language.returncode == 1
    assert "No language 'xx'" in unknown_language.stderr and "uk" in unknown_language.stderr
    bad_format = run("heard-admin", "surveys", "print", "-l", "de", "-o", str(tmp_path / "x.doc"), env=cli_env)
    assert bad_format.returncode == 1 and ".pdf, .svg or .png" in bad_format.stderr
    assert "Traceback" not in unknown_survey.stderr + unknown_language.stderr + bad_format.stderr
    assert not output.exists()
