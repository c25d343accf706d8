"""The paper questionnaire: numbered questions with tick boxes, the stable names printed small beside them."""

from __future__ import annotations

from gettext import NullTranslations
from pathlib import Path

from surveys.core.model import DECLINED, Question, QuestionType, Survey
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain
from surveys.printing.markup import (
    BASE_CSS,
    direction_of,
    escaped,
    font_families,
    html_lang,
    html_page,
    isolated,
    known_languages,
    paper_size,
)
from surveys.printing.texts import QuestionnaireTexts, questionnaire_texts
from surveys.printing.toolchain import check_output, typeset

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
    code = known_languages([language], catalogs)[0]
    paper = paper_size(paper)
    check_output(output)
    form = _Form(survey, code, catalogs)
    title = form.content("survey.title", survey.title)
    body = (
        f'<header><div class="municipality">{escaped(municipality)}</div>'
        f"<h1>{isolated(title)}</h1>"
        f"<p>{isolated(form.content('survey.intro', survey.intro))}</p>"
        f'<div class="instructions">{isolated(form.texts.instructions)}</div></header>'
        + "".join(form.question(question) for question in survey.questions)
        + f'<div class="thanks"><p>{isolated(form.content("survey.thanks", survey.thanks))}</p>'
        f'<p class="back">{isolated(form.texts.thanks)}</p></div>'
    )
    css = (BASE_CSS + _QUESTIONNAIRE_CSS) % {
        "paper": paper, "margin": "12mm 13mm 15mm 13mm", "size": _questionnaire_size(catalogs, code, paper),
        "footer": f"{survey.id} v{survey.version} · {code}",
    }
    css += f"html {{ font-family: {font_families(body)}; }}"
    return typeset(html_page(title, html_lang(code), direction_of(catalogs, code), css, body), output)


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
            parts = [f'<p class="label">{isolated(label)}</p>']
            if hint:
                parts.append(f"<p>{isolated(hint)}</p>")
            return f'<div class="question note">{"".join(parts)}</div>'
        number = self.numbers[question.name]
        parts = [self._skip(condition.question, condition.any_of) for condition in question.show_if]
        parts.append(
            f'<div class="head"><span class="number">{number}</span>'
            f'<span class="label">{isolated(label)} '
            f'<span class="code" dir="ltr">[{escaped(question.name)}]</span></span>'
            "</div>"
        )
        if hint:
            parts.append(f'<p class="hint">{isolated(hint)}</p>')
        parts.append(f'<p class="how">{isolated(self._how(question))}</p>')
        parts.append(f'<div class="choices">{self._answers(question)}</div>')
        return f'<div class="question" id="q-{escaped(question.name)}">{"".join(parts)}</div>'

    def _skip(self, earlier: str, allowed: frozenset[str]) -> str:
        question = self.survey.question(earlier)
        ordered = [c.name for c in question.choices if c.name in allowed]
        ordered += sorted(allowed - set(ordered), key=lambda v: (len(v), v))  # scale points, if any
        # " / " rather than a comma: labels such as "Nein, aus anderen Gründen" carry commas themselves
        answers = " / ".join(self.choice_label(question, name) for name in ordered)
        text = self.texts.only_if(self.bot, self.numbers[earlier], answers)
        return f'<p class="skip">{isolated(text)}</p>'

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
                    f'<p class="anchors"><bdi>{question.minimum}</bdi> = {isolated(low)} … '
                    f"<bdi>{question.maximum}</bdi> = {isolated(high)}</p>"
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
            f'<div class="choice {extra}"><span class="box"></span>{isolated(label)} '
            f'<span class="code" dir="ltr">{escaped(name)}</span></div>'
        )
