"""Texts the Telegram shell says itself (help, deletion), from the same `bot` gettext catalog."""

from __future__ import annotations

from surveys.conversation import Conversations
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE


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


# ------------------------------------------------------------------------------------ outreach workers


def worker_linked(conversations: Conversations, language: str | None, name: str) -> str:
    _ = translator(conversations, language)
    return "\n".join(
        (
            _("This Telegram account is now linked to {name}.").format(name=name),
            _("/mystats – how many people started and finished through your link"),
            _("/mylink – your personal link to hand out"),
            _("/myflyer – your flyer with QR code, ready to print"),
            _("/assist – enter one questionnaire for someone you are helping"),
        )
    )


def invitation_invalid(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return _("This invitation is not valid any more. Please ask the office for a new one.")


def worker_stats(
    conversations: Conversations, language: str | None, rows: list[tuple[str, str, str]], min_cell: int
) -> str:
    _ = translator(conversations, language)
    lines = [_("People reached through your link:")]
    for survey_title, started, completed in rows:
        lines.append(f"• {survey_title}")
        lines.append("  " + _("started: {started}, finished: {completed}").format(started=started, completed=completed))
    if not rows:
        lines.append(_("Nobody yet. Hand out your link or flyer: /mylink, /myflyer"))
    lines.append("")
    lines.append(_("To protect people's privacy, every number is changed a little, and numbers below {k} show as 0 or "
                   "{k}.").format(k=min_cell))
    return "\n".join(lines)


def worker_link(conversations: Conversations, language: str | None, link: str) -> str:
    _ = translator(conversations, language)
    return _("Your personal link (it counts who starts through it, nothing else): {link}").format(link=link)


def worker_flyer_caption(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return _("Your flyer: print it, or share it.")


def assist_started(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return _(
        "Assisted entry: the next questions are for the person you are helping. Their answers are stored "
        "anonymously and counted for your organisation. Send /cancel to stop."
    )


def assist_finished(conversations: Conversations, language: str | None) -> str:
    _ = translator(conversations, language)
    return _("The questionnaire is saved. Thank you! Send /assist for the next one.")
