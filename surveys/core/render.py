"""Turn engine prompts into messages with buttons, in the resident's language, for any channel.

Everything a resident reads comes from gettext catalogs: the bot's texts from the `bot` domain, survey
content from the survey's domain with msgctxt = stable names. Right-to-left languages get one option per row
and bidi isolation (see surveys.core.bidi).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from gettext import NullTranslations
from pathlib import Path
from typing import TYPE_CHECKING

from surveys.core import actions, xpath
from surveys.core.bidi import back_arrow, for_direction, forward_arrow, group_mark, isolate
from surveys.core.dates import date_example, show_date, show_time, time_example
from surveys.core.engine import (
    Acknowledge,
    Ask,
    AskLanguage,
    Back,
    Choose,
    Consent,
    Decline,
    Done,
    Finished,
    Intro,
    KeepAnswers,
    Notice,
    PickLanguage,
    Problem,
    Prompt,
    Restart,
    Returning,
    Review,
    Say,
    SetLanguage,
    ShowAnswers,
    Start,
    SurveyClosed,
    Toggle,
)
from surveys.core.languages import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Language, format_day, format_share, survey_domain
from surveys.core.model import DECLINED, AnswerValue, Question, QuestionType, Survey

if TYPE_CHECKING:  # the renderer only asks the catalogs for translations; it loads none itself
    from surveys.i18n.catalogs import Catalogs

_PIPED = re.compile(r"\$\{\s*([^}\s]+)\s*\}")

CHECKED = "✅"
UNCHECKED = "▫️"
GLOBE = "🌐"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str
    """Encoded event (surveys.core.actions); channels send it back unchanged when the button is pressed."""


@dataclass(frozen=True, slots=True)
class Recording:
    """An audio file to play before a message (a question or a choice read aloud), with a caption."""

    path: Path
    caption: str = ""


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    text: str
    rows: tuple[tuple[Button, ...], ...] = ()
    replaces_question: bool = False
    """An acknowledgement: channels that can edit show it in place of the question's message."""
    refresh: bool = False
    """Only the buttons changed (a toggle): channels that can edit update the buttons in place."""
    recordings: tuple[Recording, ...] = ()
    """Recordings in the resident's language, for channels that can play audio; the others show the text only."""

    @property
    def buttons(self) -> list[Button]:
        return [button for row in self.rows for button in row]


class Wording(StrEnum):
    """How the texts speak of the channel: a messenger chat (the resident's account there, /start again, /delete
    afterwards), or an assisted interview in a terminal (nobody's account, and nothing to delete afterwards:
    each interview is a new anonymous respondent that nobody can find again)."""

    CHAT = "chat"
    INTERVIEW = "interview"
    WORDS = "words"
    """A messenger without commands (WhatsApp): the texts name no platform, and what a chat does with /cancel
    or /delete the resident does by sending a word (“cancel”, “delete”), in their own language."""


#: Platforms whose residents type command words instead of /commands.
WORD_PLATFORMS = frozenset({"whatsapp"})


def wording_for(platform: str) -> Wording:
    if platform == "console":
        return Wording.INTERVIEW
    return Wording.WORDS if platform in WORD_PLATFORMS else Wording.CHAT


@dataclass(frozen=True, slots=True)
class Municipality:
    """What the renderer needs to say who is asking."""

    name: str
    privacy_contact: str


class Renderer:
    """Renders prompts of one survey in one language."""

    def __init__(
        self, catalogs: Catalogs, survey: Survey, language: str, municipality: Municipality,
        wording: Wording = Wording.CHAT,
    ) -> None:
        self.survey = survey
        self.wording = wording
        self.language = language
        self.rtl = catalogs.languages[language].rtl if language in catalogs.languages else False
        self.municipality = municipality
        self._catalogs = catalogs
        self._bot: NullTranslations = catalogs.translations(BOT_DOMAIN, language, BOT_SOURCE_LANGUAGE)
        self._content: NullTranslations = catalogs.translations(survey_domain(survey.id), language, survey.language)

    # -- lookups ------------------------------------------------------------------------------------------

    def _(self, message: str) -> str:
        return self._bot.gettext(message)

    def content(self, context: str, source: str) -> str:
        return self._content.pgettext(context, source)

    def command_words(self) -> dict[str, str]:
        """The words that stand for the commands where a channel has none, in this language (lower case)."""
        bot = self._bot
        return {
            "start": bot.pgettext("command word", "start"),
            "language": bot.pgettext("command word", "language"),
            "cancel": bot.pgettext("command word", "cancel"),
            "delete": bot.pgettext("command word", "delete"),
            "help": bot.pgettext("command word", "help"),
        }

    def question_label(self, question: Question, answers: Mapping[str, AnswerValue] | None = None) -> str:
        return self.piped(self.content(f"{question.name}.label", question.label), answers)

    def option_label(self, question: Question, option: str, answers: Mapping[str, AnswerValue] | None = None) -> str:
        choice = question.choice(option)
        if choice is not None:
            return self.piped(self.content(f"{question.name}.{choice.name}", choice.label), answers)
        return option

    def answer_text(self, question: Question, value: AnswerValue) -> str:
        if value == DECLINED:
            return self._("Prefer not to say")
        if isinstance(value, tuple):
            return ", ".join(self.option_label(question, v) for v in value) if value else self._("None")
        if question.type in (QuestionType.SINGLE, QuestionType.SCALE) and isinstance(value, str):
            return self.option_label(question, value)
        if question.type is QuestionType.DATE and isinstance(value, str):
            return show_date(value, self.language)
        if question.type is QuestionType.TIME and isinstance(value, str):
            return show_time(value, self.language)
        return str(value)

    def piped(self, text: str, answers: Mapping[str, AnswerValue] | None) -> str:
        """`text` with each `${name}` replaced by that answer (or calculation) as this resident reads it; an
        unanswered one reads empty, as in ODK."""
        if "${" not in text:
            return text
        stored = answers or {}
        values = self.survey.evaluated(stored)
        return _PIPED.sub(lambda match: self.value(self._piped_value(match.group(1), stored, values)), text)

    def _piped_value(self, name: str, stored: Mapping[str, AnswerValue], values: Mapping[str, object]) -> str:
        value = stored[name] if name in stored else values.get(name)
        if value is None or value == DECLINED:
            return ""
        if self.survey.has_question(name) and isinstance(value, str | int | tuple):
            return self.answer_text(self.survey.question(name), value)
        return xpath.string(xpath.answer_value(value))  # type: ignore[arg-type]

    # -- rendering ----------------------------------------------------------------------------------------

    def render(self, prompt: Prompt) -> RenderedMessage:
        match prompt:
            case PickLanguage(current=current):
                message = self._language_picker(current)
            case Intro(problem=problem, offer_reminder=offer_reminder):
                message = self._intro(problem, offer_reminder)
            case Ask():
                message = self._ask(prompt)
            case Acknowledge(question=name, value=value, answers=answers):
                question = self.survey.question(name)
                message = RenderedMessage(
                    f"{self.question_label(question, answers)}\n{forward_arrow(self.rtl)} "
                    f"{self.value(self.answer_text(question, value))}",
                    replaces_question=True,
                )
            case Finished(offer_results=offer_results):
                closing = self._("You can delete your answers at any time with /delete.")
                if self.wording is Wording.WORDS:
                    closing = self._("You can delete your answers at any time by sending “{delete}”.").format(
                        delete=self.command_words()["delete"])
                if self.wording is Wording.INTERVIEW:
                    closing = self._("Your answers are stored anonymously: nobody can trace them back to you.")
                thanks = self.content("survey.thanks", self.survey.thanks) if self.survey.thanks else ""
                rows: tuple[tuple[Button, ...], ...] = ()
                if offer_results:
                    rows = ((Button("📬 " + self._("Send me the results"), actions.SUBSCRIBE_RESULTS),),)
                message = RenderedMessage(f"{thanks}\n\n{closing}" if thanks else closing, rows)
            case SurveyClosed(next_opens=next_opens):
                message = RenderedMessage(self.closed_text(next_opens))
            case Returning(problem=problem):
                message = self._returning(problem)
            case ShowAnswers(answers=answers):
                message = RenderedMessage(self._answers_list(answers))
            case Say(notice=notice):
                message = RenderedMessage(self._notice(notice))
        return self._directed(message)

    def value(self, text: str) -> str:
        """A value inserted into a sentence (a name, an answer, a date): in a right-to-left language one
        isolated unit, so that its words keep their order (surveys.core.bidi)."""
        return isolate(text) if self.rtl else text

    def _directed(self, message: RenderedMessage) -> RenderedMessage:
        if not self.rtl:
            return message
        rows = tuple(tuple(Button(for_direction(b.label, True), b.action) for b in row) for row in message.rows)
        recordings = tuple(Recording(r.path, for_direction(r.caption, True)) for r in message.recordings)
        return RenderedMessage(for_direction(message.text, True), rows, message.replaces_question, message.refresh,
                       recordings)

    def _button(self, label: str, event: object) -> Button:
        return Button(label, actions.encode(self.survey, event))  # type: ignore[arg-type]

    def _language_picker(self, current: str | None) -> RenderedMessage:
        # before a language is known, the picker speaks the two languages of the town hall
        text = GLOBE + " " + (self._("Please choose your language:") if current else "Language · Sprache")
        rows = tuple(
            (self._button(CHECKED + " " + lang.name if lang.code == current else lang.name, SetLanguage(lang.code)),)
            for lang in sorted(self._catalogs.languages.values(), key=self._picker_order)
        )
        return RenderedMessage(text, rows)

    def _picker_order(self, language: Language) -> tuple[int, str]:
        """The survey's own language and its variants first (the town hall's), then English, then the rest."""
        source = self.survey.language
        if language.code == source or language.code.startswith(source + "_"):
            return (0, language.code)
        return (1 if language.code == "en" else 2, language.code)

    def consent_text(self) -> str:
        """The text a resident consents to; its hash is stored with the consent record."""
        _ = self._
        if self.wording is Wording.INTERVIEW:
            return "\n\n".join((
                _("This survey is run by {municipality}.").format(municipality=self.value(self.municipality.name)),
                _("Your answers are anonymous. We do not store your name or your phone number. Answering changes "
                  "nothing about your benefits or your residence status."),
                _("You can skip any question. You can stop at any time with /cancel; then your answers are "
                  "deleted. Questions about data protection: {contact}").format(
                    contact=self.value(self.municipality.privacy_contact)),
            ))
        if self.wording is Wording.WORDS:
            words = self.command_words()
            return "\n\n".join((
                _("This survey is run by {municipality}.").format(municipality=self.municipality.name),
                _("Your answers are anonymous. We do not store your name or your phone number with your answers. "
                  "Answering changes nothing about your benefits or your residence status."),
                _("You can skip any question. You can stop at any time by sending “{cancel}” and delete your "
                  "answers by sending “{delete}”. Questions about data protection: {contact}").format(
                    cancel=words["cancel"], delete=words["delete"], contact=self.municipality.privacy_contact),
            ))
        return "\n\n".join(
            (
                _("This survey is run by {municipality}.").format(municipality=self.value(self.municipality.name)),
                _(
                    "Your answers are anonymous. We do not store your name, your phone number or your "
                    "Telegram account. Answering changes nothing about your benefits or your residence status."
                ),
                _(
                    "You can skip any question. You can stop at any time with /cancel and delete your answers "
                    "with /delete. Questions about data protection: {contact}"
                ).format(contact=self.value(self.municipality.privacy_contact)),
            )
        )

    def consent_hash(self) -> str:
        return hashlib.sha256(self.consent_text().encode()).hexdigest()

    def closed_text(self, next_opens: str | None) -> str:
        parts = [self._("This survey is not open at the moment.")]
        if next_opens is not None:
            day = dt.date.fromisoformat(next_opens)
            shown = self.value(format_day(day, self.language))
            parts.append(self._("The next round starts on {date}.").format(date=shown))
        parts.append(self._("Thank you for your interest!"))
        return "\n".join(parts)

    def reminder(self, answered: int, total: int) -> RenderedMessage:
        """The one reminder for a resident who stopped midway; its button continues where they left off."""
        text = "\n\n".join((
            self._("You started the survey “{title}” and answered {answered} of {total} questions.").format(
                title=self.value(self.content("survey.title", self.survey.title)), answered=answered, total=total),
            self._("If you like, you can continue where you left off. This is the only reminder we send."),
        ))
        return self._directed(RenderedMessage(text, ((self._button(self._("Continue"), Start()),),)))

    def results(
        self, respondents: int | None, needs: list[tuple[Question, str, float]], next_steps: str | None,
        link: str | None,
    ) -> RenderedMessage:
        """The results message for a resident who asked for it: what came of their answers, in their
        language. Counts arrive already through disclosure control (None: too few to say)."""
        _ = self._
        parts = [_("Results of the survey “{title}”").format(
            title=self.value(self.content("survey.title", self.survey.title)))]
        if respondents is not None:
            parts.append(self._bot.ngettext("{count} person took part.", "{count} people took part.",
                                            respondents).format(count=respondents))
        if needs:
            lines = [_("The needs named most often:")]
            lines += [
                f"{rank}. {self.value(self.option_label(question, choice))}: "
                f"{self.value(format_share(share, self.language))}"
                for rank, (question, choice, share) in enumerate(needs, start=1)
            ]
            parts.append("\n".join(lines))
        else:
            parts.append(_("Too few people answered to show results without risking anyone's privacy."))
        parts.append(next_steps or _("What happens next: {municipality} uses these results to plan its offers "
                                     "for residents.").format(municipality=self.value(self.municipality.name)))
        if link:
            parts.append(_("More: {link}").format(link=self.value(link)))
        parts.append(_("You get this message because you asked for the results. Your chat has now been deleted "
                       "from our list."))
        return self._directed(RenderedMessage("\n\n".join(parts)))

    def _intro(self, problem: Problem | None, offer_reminder: bool = False) -> RenderedMessage:
        parts = [
            self.content("survey.title", self.survey.title),
            *((self.content("survey.intro", self.survey.intro),) if self.survey.intro else ()),
            self.consent_text(),
            self._("Do you want to take part?"),
        ]
        if problem is not None:
            parts.insert(0, self._problem(problem, None))
        rows = (
            (self._button(self._("Yes, let's start"), Consent(True)),),
            *(((self._button(self._("Yes, and remind me once if I stop"), Consent(True, remind=True)),),)
              if offer_reminder else ()),
            (self._button(self._("No, thanks"), Consent(False)),),
            (self._button(GLOBE + " " + self._("Language"), AskLanguage()),),
        )
        return RenderedMessage("\n\n".join(parts), rows)

    def _ask(self, ask: Ask) -> RenderedMessage:
        question = self.survey.question(ask.question)
        lines = []
        if ask.problem is not None:
            lines += [self._problem(ask.problem, question, ask.answers), ""]
        group = self.survey.group(question.group) if question.group else None
        if group is not None:
            title = self.piped(self.content(f"{group.name}.label", group.label), ask.answers)
            lines.append(f"{group_mark(self.rtl)} {title}")
        if question.type is not QuestionType.NOTE:
            lines.append(f"{ask.position}/{ask.total}")
        lines.append(self.question_label(question, ask.answers))
        if question.hint:
            lines.append(self.piped(self.content(f"{question.name}.hint", question.hint), ask.answers))
        if question.type is QuestionType.SCALE and question.low_label and question.high_label:
            low = self.content(f"{question.name}.low_label", question.low_label)
            high = self.content(f"{question.name}.high_label", question.high_label)
            lines.append(f"{question.minimum} = {low} … {question.maximum} = {high}")
        if question.type is QuestionType.TEXT and self.wording is Wording.INTERVIEW:
            lines.append(self._("Please type your answer."))
        elif question.type is QuestionType.TEXT:
            lines.append(self._("Please write your answer as a message."))
        if question.type in (QuestionType.NUMBER, QuestionType.DECIMAL) and question.minimum is None:
            lines.append(self._("Please send a number, using digits."))
        elif question.type in (QuestionType.NUMBER, QuestionType.DECIMAL):
            lines.append(
                self._("Please send a number from {minimum} to {maximum}.").format(
                    minimum=question.minimum, maximum=question.maximum
                )
            )
        if question.type is QuestionType.DATE:
            lines.append(self._date_instruction())
        if question.type is QuestionType.TIME:
            lines.append(self._time_instruction())
        return RenderedMessage("\n".join(lines), self._keyboard(question, ask), refresh=ask.refresh,
                       recordings=() if ask.refresh else self._recordings(question, ask))

    def _recordings(self, question: Question, ask: Ask) -> tuple[Recording, ...]:
        """The question read aloud, then each offered choice that has a recording (captioned with its label),
        in the resident's language only: a missing recording means text only, never another language."""
        recordings = []
        if (path := question.recording(self.language)) is not None:
            recordings.append(Recording(self._media(path)))
        for choice in question.choices:
            if (ask.options is None or choice.name in ask.options) and (path := choice.recording(self.language)):
                recordings.append(Recording(self._media(path), self.option_label(question, choice.name, ask.answers)))
        return tuple(recordings)

    def _media(self, path: str) -> Path:
        """A recording's file: relative paths are relative to the survey file's folder."""
        given = Path(path)
        source = Path(self.survey.source)
        return given if given.is_absolute() or not source.is_file() else source.parent / given

    def _keyboard(self, question: Question, ask: Ask) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = []
        mark = {True: f"{CHECKED} ", False: ""}
        choices = question.choices
        if ask.options is not None:
            choices = tuple(c for c in question.choices if c.name in ask.options)
        if question.type is QuestionType.SINGLE:
            rows += [
                (self._button(mark[c.name in ask.selected] + self.option_label(question, c.name, ask.answers),
                              Choose(question.name, c.name)),)
                for c in choices
            ]
        elif question.type is QuestionType.SCALE:
            points = [
                self._button(mark[str(p) in ask.selected] + str(p), Choose(question.name, str(p)))
                for p in question.scale_points()
            ]
            # one row reads as a scale in left-to-right clients; right-to-left gets one option per row
            rows += [(point,) for point in points] if self.rtl else [tuple(points)]
            rows += [
                (self._button(mark[c.name in ask.selected] + self.option_label(question, c.name),
                              Choose(question.name, c.name)),)
                for c in question.choices
            ]
        elif question.type is QuestionType.MULTI:
            rows += [
                (self._button(f"{CHECKED if c.name in ask.selected else UNCHECKED} "
                              + self.option_label(question, c.name, ask.answers), Toggle(question.name, c.name)),)
                for c in choices
            ]
            rows.append((self._button(self._done_label(len(ask.selected)) + " ✔", Done(question.name)),))
        elif question.type is QuestionType.NOTE:
            rows.append((self._button(self._("Continue"), Done(question.name)),))
        footer = []
        if ask.position > 1:
            footer.append(self._button(back_arrow(self.rtl) + " " + self._("Back"), Back()))
        if question.offers_decline:
            footer.append(self._button(self._("Prefer not to say"), Decline(question.name)))
        if footer:
            rows += [(b,) for b in footer] if self.rtl else [tuple(footer)]
        return tuple(rows)

    def _done_label(self, chosen: int) -> str:
        if not chosen:
            return self._("Done")
        return self._bot.ngettext("Done ({count} chosen)", "Done ({count} chosen)", chosen).format(count=chosen)

    def _date_instruction(self) -> str:
        return self._("Please send a date, for example {example}.").format(example=date_example(self.language))

    def _time_instruction(self) -> str:
        return self._("Please send a time, for example {example}.").format(example=time_example(self.language))

    def _problem(self, problem: Problem, question: Question | None,
                 answers: Mapping[str, AnswerValue] | None = None) -> str:
        _ = self._
        if question is not None:
            # the form's own words first: an XLSForm's constraint_message and required_message
            if problem is Problem.CONSTRAINT and question.constraint_message:
                message = self.content(f"{question.name}.constraint_message", question.constraint_message)
                return "⚠️ " + self.piped(message, answers)
            if problem in (Problem.REQUIRED, Problem.NOTHING_CHOSEN, Problem.EMPTY_TEXT) and question.required_message:
                message = self.content(f"{question.name}.required_message", question.required_message)
                return "⚠️ " + self.piped(message, answers)
            if problem is Problem.CONSTRAINT and question.type in (QuestionType.NUMBER, QuestionType.DECIMAL):
                problem = Problem.OUT_OF_RANGE
        texts = {
            Problem.USE_BUTTONS: _("Please answer with the buttons below."),
            Problem.NOT_A_NUMBER: _("Please send a number, using digits."),
            Problem.OUT_OF_RANGE: _("That number is outside the possible range."),
            Problem.TOO_LONG: _("That is too long. Please write at most {limit} characters.").format(
                limit=question.max_length if question else 500
            ),
            Problem.EMPTY_TEXT: _("Please write a short answer, or press “Prefer not to say”."),
            Problem.NOTHING_CHOSEN: _("Please choose at least one answer."),
            Problem.REQUIRED: _("This question needs an answer."),
            Problem.UNKNOWN_OPTION: _("I could not read that button. Please use the buttons below."),
            Problem.STALE_BUTTON: _("That button belongs to an earlier message. Here is the current question."),
            Problem.UNSUPPORTED_CONTENT: _("I can only read text messages and button presses."),
            Problem.FIRST_QUESTION: _("This is the first question."),
            Problem.CONSTRAINT: _("This answer is not possible here. Please check it and answer again."),
            Problem.NOT_A_DATE: self._date_instruction(),
            Problem.NOT_A_TIME: self._time_instruction(),
        }
        return "⚠️ " + texts[problem]

    def _returning(self, problem: Problem | None) -> RenderedMessage:
        text = self._("You have already answered this survey. Thank you!")
        if problem is not None:
            text = f"{self._problem(problem, None)}\n\n{text}"
        rows = (
            (self._button(self._("Show my answers"), Review()),),
            (self._button(self._("Start again"), Restart()),),
            (self._button(self._("Keep my answers"), KeepAnswers()),),
        )
        return RenderedMessage(text, rows)

    def _answers_list(self, answers: dict[str, AnswerValue] | object) -> str:
        lines = [self._("Your answers:")]
        for question in self.survey.answerable():
            if question.name in answers:  # type: ignore[operator]
                value = answers[question.name]  # type: ignore[index]
                lines.append(f"• {self.question_label(question, answers)} {forward_arrow(self.rtl)} "  # type: ignore[arg-type]
                             f"{self.value(self.answer_text(question, value))}")
        return "\n".join(lines)

    def _notice(self, notice: Notice) -> str:
        _ = self._
        if notice is Notice.DECLINED_CONSENT and self.wording is Wording.INTERVIEW:
            return _("No problem. Nothing has been stored.")
        if notice is Notice.DECLINED_CONSENT and self.wording is Wording.WORDS:
            return _("No problem. Nothing has been stored. If you change your mind, send “{start}”.").format(
                start=self.command_words()["start"])
        if notice is Notice.CANCELLED and self.wording is Wording.WORDS:
            return _("The survey was stopped and your unfinished answers were deleted. Send “{start}” to begin "
                     "again.").format(start=self.command_words()["start"])
        return {
            Notice.WELCOME_BACK: _("Welcome back! Let's continue where you left off."),
            Notice.RESTARTED: _("Starting again from the first question."),
            Notice.DECLINED_CONSENT: _("No problem. Nothing has been stored. If you change your mind, send /start."),
            Notice.CANCELLED: _(
                "The survey was stopped and your unfinished answers were deleted. Send /start to begin again."
            ),
            Notice.KEPT: _("Your answers stay as they are. Thank you!"),
            Notice.LANGUAGE_CHANGED: _("Language changed."),
            Notice.RESULTS_PROMISED: _(
                "Thank you! When the results of this survey round are ready, we will send them to you once. "
                "We keep your chat only until then."
            ),
        }[notice]


__all__ = [
    "WORD_PLATFORMS",
    "Back",
    "Button",
    "Decline",
    "Municipality",
    "RenderedMessage",
    "Renderer",
    "Restart",
    "Wording",
    "wording_for",
]
