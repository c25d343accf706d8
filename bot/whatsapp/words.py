"""Commands as words: WhatsApp has no /commands, so a resident sends “start”, “cancel”, “help”... in any
shipped language (the `command word` entries of the bot catalogs), or in English. Only a message that is the
word alone counts (a start word may carry a distributor's code after it, as a wa.me link prefills it), so an
answer that merely contains the word stays an answer."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs

START, LANGUAGE, CANCEL, DELETE, HELP = "start", "language", "cancel", "delete", "help"
COMMANDS = (START, LANGUAGE, CANCEL, DELETE, HELP)
MENU = "menu"
"""Also understood as help, in every language: what people try first in a chat with an organisation."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argument: str | None = None
    """For start: the distributor's code (and language hint) that followed the word."""


def normalized(text: str) -> str:
    """Case, surrounding punctuation, a leading slash and invisible direction marks do not matter."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return text.strip().strip(".!?¡¿،؟።").lstrip("/").strip().casefold()


class CommandWords:
    """Every command word of every shipped language -> its command."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._words: dict[str, str] = {name: name for name in COMMANDS}
        self._words[MENU] = HELP
        for code in catalogs.languages:
            translations = catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE)
            for name in COMMANDS:
                self._words.setdefault(normalized(translations.pgettext("command word", name)), name)

    def command(self, text: str) -> Command | None:
        whole = normalized(text)
        if whole in self._words:
            return Command(self._words[whole])
        starts = sorted((word for word, name in self._words.items() if name == START), key=len, reverse=True)
        for word in starts:  # "start ABC123" (some languages' start word has two words: "bắt đầu ABC123")
            if whole.startswith(word + " "):
                argument = text.strip().split()[len(word.split()):]
                return Command(START, " ".join(argument) or None)
        return None
