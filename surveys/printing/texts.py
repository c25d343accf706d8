"""Texts of printed material (flyers, paper questionnaires) in one language, from the `bot` catalog.

Kept here, beside the chat texts, so that `translations extract` finds them and translators see every text a
resident reads in one catalog; the layout lives in surveys/printing/.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import NullTranslations


@dataclass(frozen=True)
class FlyerTexts:
    headline: str
    invitation: str
    how: str
    scan: str
    privacy: str


@dataclass(frozen=True)
class QuestionnaireTexts:
    instructions: str
    tick_one: str
    tick_any: str
    tick_scale: str
    write_number: str
    write_text: str
    declined: str
    thanks: str

    def only_if(self, translations: NullTranslations, number: int, answers: str) -> str:
        return translations.gettext(
            "Only answer this question if your answer to question {number} was: {answers}."
        ).format(number=number, answers=answers)

    def number_range(self, minimum: int, maximum: int) -> str:
        return self.write_number.format(minimum=minimum, maximum=maximum)


def flyer_texts(translations: NullTranslations, municipality: str, messenger: str = "telegram") -> FlyerTexts:
    """The flyer's texts; `messenger` ("telegram" or "whatsapp") is where its link opens the survey."""
    _ = translations.gettext
    how = _("Answer a few short questions on Telegram, in your language. It takes about 5 minutes.")
    if messenger == "whatsapp":
        how = _("Answer a few short questions on WhatsApp, in your language. It takes about 5 minutes.")
    return FlyerTexts(
        headline=_("Your voice counts"),
        invitation=_(
            "{municipality} wants to know what you need: language courses, work, school, health, housing and "
            "living together."
        ).format(municipality=municipality),
        how=how,
        scan=_("Scan the code with your phone camera, or open this link:"),
        privacy=_(
            "Anonymous: we do not ask for your name or phone number. Answering changes nothing about your "
            "benefits or your residence status."
        ),
    )


def questionnaire_texts(translations: NullTranslations) -> QuestionnaireTexts:
    _ = translations.gettext
    return QuestionnaireTexts(
        instructions=_(
            "Please answer on this paper. Your answers are anonymous: do not write your name. You can leave out "
            "any question."
        ),
        tick_one=_("Tick one box."),
        tick_any=_("Tick all that apply."),
        tick_scale=_("Tick one number."),
        write_number=_("Write a number from {minimum} to {maximum}."),
        write_text=_("Write your answer here. Please no names or phone numbers."),
        declined=_("Prefer not to say"),
        thanks=_("Thank you! Please give this paper back to the person who gave it to you."),
    )
