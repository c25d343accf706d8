"""Texts the Telegram shell says itself (help, deletion, outreach workers), from the same `bot` gettext catalog.

Like the survey's own messages (surveys.core.render), a text in a right-to-left language goes out shaped for that
direction: inserted values isolated as one unit, and every line starting right to left (surveys.core.bidi)."""

from __future__ import annotations

from collections.abc import Callable

from surveys.conversation import Conversations
from surveys.core.bidi import for_direction, isolate
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE


def _code(conversations: Conversations, language: str | None) -> str:
    return language if language in conversations.catalogs.languages else conversations.registry.default.language


def translator(conversations: Conversations, language: str | None) -> Callable[[str], str]:
    return conversations.catalogs.translations(BOT_DOMAIN, _code(conversations, language), BOT_SOURCE_LANGUAGE).gettext


def is_rtl(conversations: Conversations, language: str | None) -> bool:
    """The language's own metadata says its direction (X-Heard-Direction, else CLDR)."""
    shipped = conversations.catalogs.languages.get(_code(conversations, language))
    return shipped is not None and shipped.rtl


def directed(conversations: Conversations, language: str | None, text: str) -> str:
    """`text` as it is sent in `language`: shaped for right-to-left languages, unchanged otherwise."""
    return for_direction(text, is_rtl(conversations, language))


def value(conversations: Conversations, language: str | None, text: str) -> str:
    """A value inserted into a sentence: one isolated unit in a right-to-left language."""
    return isolate(text) if is_rtl(conversations, language) else text


def help_text(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, "\n".join(
        (
            _("This bot asks a few short questions about what people in {municipality} need.").format(
                municipality=value(conversations, language, conversations.municipality.name)
            ),
            _("Your answers are anonymous."),
            "",
            _("/start – start or continue the survey"),
            _("/language – change the language"),
            _("/cancel – stop and delete your unfinished answers"),
            _("/delete – delete everything you have answered"),
            _("/help – show this help"),
        )
    ))


def delete_question(conversations: Conversations, language: str | None) -> tuple[str, str, str]:
    _ = translator(conversations, language)
    return tuple(directed(conversations, language, text) for text in (  # type: ignore[return-value]
        _("Do you want to delete all your answers? This cannot be undone."),
        _("Yes, delete everything"),
        _("No, keep them"),
    ))


def deleted(conversations: Conversations, language: str | None, count: int) -> str:
    _ = translator(conversations, language)
    if count:
        return directed(conversations, language, _("All your answers have been deleted."))
    return directed(conversations, language, _("There was nothing stored about you."))


def not_deleted(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, _("Nothing was deleted."))


def failure(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, _("Sorry, something went wrong. Please try again."))


# ------------------------------------------------------------------------------------ outreach workers


def worker_linked(conversations: Conversations, language: str | None, name: str) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, "\n".join(
        (
            _("This Telegram account is now linked to {name}.").format(name=value(conversations, language, name)),
            _("/mystats – how many people started and finished through your link"),
            _("/mylink – your personal link to hand out"),
            _("/myflyer – your flyer with QR code, ready to print"),
            _("/assist – enter one questionnaire for someone you are helping"),
        )
    ))


def invitation_invalid(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language,
                    _("This invitation is not valid any more. Please ask the office for a new one."))


def worker_stats(
    conversations: Conversations, language: str | None, rows: list[tuple[str, str, str]], min_cell: int,
    *, link: str | None = None,
) -> str:
    """With nobody reached yet, the worker is pointed to what to hand out: on Telegram (no `link`) the /mylink
    and /myflyer commands; on WhatsApp, which has neither, their own wa.me `link` itself."""
    _ = translator(conversations, language)
    lines = [_("People reached through your link:")]
    for survey_title, started, completed in rows:
        lines.append(f"• {value(conversations, language, survey_title)}")
        lines.append("  " + _("started: {started}, finished: {completed}").format(started=started, completed=completed))
    if not rows:
        lines.append(_link_line(conversations, language, link) if link else
                     _("Nobody yet. Hand out your link or flyer: /mylink, /myflyer"))
    lines.append("")
    lines.append(_("To protect people's privacy, every number is changed a little, and numbers below {k} show as 0 or "
                   "{k}.").format(k=min_cell))
    return directed(conversations, language, "\n".join(lines))


def worker_link(conversations: Conversations, language: str | None, link: str) -> str:
    return directed(conversations, language, _link_line(conversations, language, link))


def _link_line(conversations: Conversations, language: str | None, link: str) -> str:
    _ = translator(conversations, language)
    return _("Your personal link (it counts who starts through it, nothing else): {link}").format(
        link=value(conversations, language, link))


def worker_flyer_caption(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, _("Your flyer: print it, or share it."))


def assist_started(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, _(
        "Assisted entry: the next questions are for the person you are helping. Their answers are stored "
        "anonymously and counted for your organisation. Send /cancel to stop."
    ))


def assist_finished(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return directed(conversations, language, _("The questionnaire is saved. Thank you! Send /assist for the next one."))
