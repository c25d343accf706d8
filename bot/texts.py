"""Texts the Telegram shell says itself (help, deletion), from the same `bot` gettext catalog."""

from __future__ import annotations

from surveys.conversation import Conversations
from surveys.i18n import BOT_DOMAIN, BOT_SOURCE_LANGUAGE


def translator(conversations: Conversations, language: str | None):  # type: ignore[no-untyped-def]
    code = language if language in conversations.catalogs.languages else conversations.registry.default.language
    return conversations.catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE).gettext


def help_text(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return "\n".join(
        (
            _("This bot asks a few short questions about what people in {municipality} need.").format(
                municipality=conversations.municipality.name
            ),
            _("Your answers are anonymous."),
            "",
            _("/start – start or continue the survey"),
            _("/language – change the language"),
            _("/cancel – stop and delete your unfinished answers"),
            _("/delete – delete everything you have answered"),
            _("/help – show this help"),
        )
    )


def delete_question(conversations: Conversations, language: str | None) -> tuple[str, str, str]:
    _ = translator(conversations, language)
    return (
        _("Do you want to delete all your answers? This cannot be undone."),
        _("Yes, delete everything"),
        _("No, keep them"),
    )


def deleted(conversations: Conversations, language: str | None, count: int) -> str:
    _ = translator(conversations, language)
    if count:
        return _("All your answers have been deleted.")
    return _("There was nothing stored about you.")


def not_deleted(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return _("Nothing was deleted.")


def failure(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return _("Sorry, something went wrong. Please try again.")
