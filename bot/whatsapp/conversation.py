"""One message from a resident on WhatsApp -> the conversation service -> the reply, laid out for WhatsApp.

The WhatsApp id is the resident's phone number. It is turned into the per-survey pseudonym here, on arrival,
and otherwise used only as the address of the reply, and of the one reminder or the results a resident asks
for: then it is kept as a contact under the same rules as a Telegram chat id (filed under a contact key, never
beside a pseudonym of answers, deleted once sent). It is never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import texts
from bot.channel import WHATSAPP, Capabilities
from bot.telegram.app import COMMANDS as COMMAND_DESCRIPTIONS
from bot.whatsapp import words
from bot.whatsapp import workers as worker_words
from bot.whatsapp.deliveries import Incoming
from bot.whatsapp.graph import GraphClient
from bot.whatsapp.layout import Layout, LayoutTexts, lay_out, shortened, typed_numbers
from bot.whatsapp.payloads import Audio, Buttons, Choice, ListMessage, Payload, Text
from bot.whatsapp.replies import Replies
from bot.whatsapp.workers import WhatsAppWorkers
from surveys import distribution
from surveys.conversation import Conversations, Pressed, Reply
from surveys.core import actions
from surveys.core.bidi import for_direction
from surveys.core.engine import Ask, AskLanguage, Cancel, Done, Event, Start, Toggle, Unsupported
from surveys.core.engine import Text as TypedText
from surveys.core.payload import parse_payload
from surveys.core.privacy import pseudonym_for
from surveys.core.render import RenderedMessage, Renderer, Wording
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE
from surveys.outreach import reply_window
from surveys.store.database import DbSession
from surveys.workers import Workers

log = logging.getLogger(__name__)

PLATFORM = "whatsapp"
CHANNEL = "whatsapp"
CONFIRM_DELETE = "del:yes"
KEEP = "del:no"
COMMAND_PREFIX = "cmd:"
MAX_PAYLOAD = 64
REMEMBERED_MENUS = 10_000


class WhatsAppChannel:
    """The WhatsApp channel (bot.channel.Channel): receives what the webhook parsed, answers through Graph."""

    platform = PLATFORM
    capabilities: Capabilities = WHATSAPP
    wording = Wording.WORDS

    def __init__(self, conversations: Conversations, graph: GraphClient, secret: bytes,
                 number: str | None = None, workers: Workers | None = None, *,
                 db: async_sessionmaker[DbSession], reads: async_sessionmaker[DbSession] | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.conversations = conversations
        self._db = db
        self._clock = clock
        self.replies = Replies(conversations, graph, db, reads)
        self.workers = WhatsAppWorkers(conversations, workers, secret, number) if workers is not None else None
        self.graph = graph
        self._secret = secret
        self._number = number
        self.words = words.CommandWords(conversations.catalogs)
        self._menus: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        """pseudonym -> the actions of the numbered options last sent (what a typed "3" means); in memory, so
        another worker falls back to the current question's options."""

    def link(self, payload: str | None = None) -> str | None:
        """wa.me link that opens the chat with the start word (and the distributor's code) typed in."""
        if not self._number:
            return None
        hints = parse_payload(payload)
        return distribution.whatsapp_link(self._number, hints.distributor, hints.language, hints.survey)

    # ------------------------------------------------------------------------------------------ inbound

    def _respondent_for(self, wa_id: str) -> Callable[[str], str]:
        return partial(_pseudonym, self._secret, wa_id)

    async def receive(self, incoming: Incoming) -> None:
        await self._receive(incoming)
        await self._note_inbound(incoming)

    async def _note_inbound(self, incoming: Incoming) -> None:
        """Keep when the resident wrote (to the hour) with whatever may still be sent to them on its own, in
        every survey: the 24-hour window is then known before a reminder or the results go out."""
        respondent_for = self._respondent_for(incoming.wa_id)
        keys = [self.conversations.contact_key_for(respondent_for(survey.id))
                for survey in self.conversations.registry.all_current()]
        async with self._db() as db, db.begin():
            await reply_window.note_inbound(db, PLATFORM, keys, self._clock())

    async def _receive(self, incoming: Incoming) -> None:
        respondent_for = self._respondent_for(incoming.wa_id)
        if incoming.kind == "button" and incoming.button in (CONFIRM_DELETE, KEEP):
            await self._answer_deletion(incoming, respondent_for)
            return
        if incoming.kind == "button" and incoming.button.startswith(COMMAND_PREFIX):
            await self._command(incoming, respondent_for, words.Command(incoming.button[len(COMMAND_PREFIX):]))
            return
        if incoming.kind == "button":
            await self._apply(incoming, respondent_for, [Pressed(incoming.button)])
            return
        if incoming.kind != "text":
            await self._apply(incoming, respondent_for, [Unsupported(incoming.kind)])
            return
        if self.workers is not None and words.normalized(incoming.text) in worker_words.WORDS:
            language = await self.conversations.language_of(respondent_for, None)
            answer = await self.workers.answer(incoming.wa_id, words.normalized(incoming.text), language)
            if answer is not None:
                await self._send(incoming.wa_id, respondent_for, [Text(for_direction(answer, self._rtl(language)))])
                return
        command = self.words.command(incoming.text)
        if command is not None:
            await self._command(incoming, respondent_for, command)
            return
        typed = await self._typed(incoming.text, respondent_for)
        if isinstance(typed, int):  # not a number of the options shown: say which numbers there are
            language = await self.conversations.language_of(respondent_for, None)
            _ = texts.translator(self.conversations, language)
            warning = "⚠️ " + _("Please type the number of an option (1 to {last}).").format(last=typed)
            await self._send(incoming.wa_id, respondent_for, [Text(for_direction(warning, self._rtl(language)))])
            return
        await self._apply(incoming, respondent_for, typed)

    async def _typed(self, text: str, respondent_for: Callable[[str], str]) -> Sequence[Event | Pressed] | int:
        """A typed reply: the options it names by number, if the options went out numbered; else text. Where
        the options went out numbered and the reply names none of them: how many there are."""
        reply = await self.conversations.current(respondent_for)
        menu = self._menus.get(respondent_for(self.conversations.registry.default.id))
        if menu is None and reply is not None:  # another worker sent the question: lay it out again
            menu = next((layout.numbered for layout in reversed(self._lay_out_reply(reply)) if layout.numbered), ())
        if not menu:
            return [TypedText(text)]
        numbers = typed_numbers(text, len(menu))
        if numbers is None:
            return len(menu)
        chosen = [menu[number - 1] for number in numbers]
        if reply is None:
            return [Pressed(chosen[0])] if len(chosen) == 1 else [TypedText(text)]
        toggles = [event for action in chosen if isinstance(event := actions.decode(reply.survey, action), Toggle)]
        if toggles and len(toggles) == len(chosen):  # "1, 3, 5": exactly these options, and done
            question = toggles[0].question
            ask = next((prompt for prompt in reply.prompts if isinstance(prompt, Ask)), None)
            selected = set(ask.selected) if ask is not None else set()
            order = menu_options(menu, reply)
            flips = sorted({t.option for t in toggles} ^ selected, key=lambda o: order.index(o) if o in order else 0)
            return [*(Pressed(actions.encode(reply.survey, Toggle(question, option))) for option in flips),
                    Pressed(actions.encode(reply.survey, Done(question)))]
        return [Pressed(chosen[0])] if len(chosen) == 1 else [TypedText(text)]

    async def _command(self, incoming: Incoming, respondent_for: Callable[[str], str], command: words.Command) -> None:
        if command.name == words.START and self.workers is not None and (command.argument or "").startswith(
                distribution.INVITE_PREFIX):
            language = await self.conversations.language_of(respondent_for, None)
            answer = await self.workers.link(incoming.wa_id, command.argument[len(distribution.INVITE_PREFIX):],
                                             language)
            await self._send(incoming.wa_id, respondent_for, [Text(answer)])
        elif command.name == words.START:
            payload = (command.argument or "")[:MAX_PAYLOAD] or None
            hints = parse_payload(payload)
            language = hints.language if hints.language in self.conversations.catalogs.languages else None
            await self._apply(incoming, respondent_for, [Start(payload=payload, language=language)],
                              survey_id=hints.survey)
        elif command.name == words.LANGUAGE:
            await self._apply(incoming, respondent_for, [AskLanguage()])
        elif command.name == words.CANCEL:
            await self._apply(incoming, respondent_for, [Cancel()])
        elif command.name == words.DELETE:
            language = await self.conversations.language_of(respondent_for, None)
            question, yes, no = texts.delete_question(self.conversations, language)
            rtl = self._rtl(language)
            await self._send(incoming.wa_id, respondent_for, [Buttons(for_direction(question, rtl), (
                Choice(CONFIRM_DELETE, _title(yes, rtl)), Choice(KEEP, _title(no, rtl))))])
        else:
            await self._help(incoming, respondent_for)

    async def _help(self, incoming: Incoming, respondent_for: Callable[[str], str]) -> None:
        """What the bot does, and the commands as a menu (each row does what typing its word does)."""
        language = await self.conversations.language_of(respondent_for, None)
        code = language or self.conversations.registry.default.language
        translations = self.conversations.catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE)
        _ = translations.gettext
        rtl = self._rtl(language)
        body = "\n".join((
            _("This bot asks a few short questions about what people in {municipality} need.").format(
                municipality=self.conversations.municipality.name),
            _("Your answers are anonymous."),
        ))
        rows = []
        for name, description in COMMAND_DESCRIPTIONS:
            word = translations.pgettext("command word", name)
            rows.append(Choice(COMMAND_PREFIX + name, _title(word, rtl, 24), _title(_(description), rtl, 72)))
        opener = _title(translations.pgettext("list button", "Choose"), rtl)
        await self._send(incoming.wa_id, respondent_for, [ListMessage(for_direction(body, rtl), opener, tuple(rows))])

    async def _answer_deletion(self, incoming: Incoming, respondent_for: Callable[[str], str]) -> None:
        language = await self.conversations.language_of(respondent_for, None)
        if incoming.button == CONFIRM_DELETE:
            worker = self.workers.worker(incoming.wa_id) if self.workers is not None else None
            count = await self.conversations.erase(respondent_for, worker=worker)
            self._menus.pop(respondent_for(self.conversations.registry.default.id), None)
            text = texts.deleted(self.conversations, language, count)
        else:
            text = texts.not_deleted(self.conversations, language)
        await self._send(incoming.wa_id, respondent_for, [Text(for_direction(text, self._rtl(language)))])

    async def _apply(self, incoming: Incoming, respondent_for: Callable[[str], str],
                     events: Sequence[Event | Pressed], survey_id: str | None = None) -> None:
        reply: Reply | None = None
        for number, event in enumerate(events):
            update_id = incoming.message_id if number == 0 else f"{incoming.message_id}#{number}"
            reply = await self.conversations.handle(
                respondent_for, event, channel=CHANNEL, platform=PLATFORM, update_id=update_id,
                contact=incoming.wa_id, survey_id=survey_id,
            )
        assert reply is not None
        layouts = self._lay_out_reply(reply)
        key = respondent_for(self.conversations.registry.default.id)
        menus = [layout.numbered for layout in layouts if layout.numbered]
        self._menus.pop(key, None)
        if menus:
            self._menus[key] = menus[-1]
            while len(self._menus) > REMEMBERED_MENUS:
                self._menus.popitem(last=False)
        await self._send(incoming.wa_id, respondent_for, [payload for layout in layouts for payload in layout.payloads],
                         reply.survey.id)

    # ------------------------------------------------------------------------------------------ outbound

    def _rtl(self, language: str | None) -> bool:
        known = self.conversations.catalogs.languages
        return bool(language and language in known and known[language].rtl)

    def renderer(self, reply: Reply) -> Renderer:
        return self.conversations.renderer(reply.survey, reply.language, Wording.WORDS)

    def layout_texts(self, renderer: Renderer) -> LayoutTexts:
        translations = self.conversations.catalogs.translations(BOT_DOMAIN, renderer.language, BOT_SOURCE_LANGUAGE)
        _ = translations.gettext
        return LayoutTexts(
            opener=_title(translations.pgettext("list button", "Choose"), renderer.rtl),
            type_number=_("Type the number of your answer."),
            type_numbers=_("Type the numbers of all answers that apply, for example: 1, 3, 5"),
            rtl=renderer.rtl,
        )

    def _lay_out_reply(self, reply: Reply) -> list[Layout]:
        renderer = self.renderer(reply)
        layout_texts = self.layout_texts(renderer)
        layouts = []
        for prompt in reply.prompts:
            message = renderer.render(prompt)
            if message.replaces_question:
                continue  # WhatsApp shows the pressed button's title as the resident's reply already
            several = any(isinstance(actions.decode(reply.survey, b.action), Toggle) for b in message.buttons)
            layout = lay_out(message, layout_texts, several=several)
            recordings = tuple(Audio(recording.path) for recording in message.recordings)  # read aloud first
            layouts.append(replace(layout, payloads=(*recordings, *layout.payloads)))
        return layouts

    async def send(self, address: str, message: RenderedMessage) -> None:
        """Channel.send, for messages Heard starts (a reminder, the results): they carry at most one button,
        so the layout's own words (used only for lists and numbered options) are never shown."""
        neutral = LayoutTexts("Choose", "Type the number of your answer.", "Type the numbers of your answers.")
        for payload in lay_out(message, neutral).payloads:
            await self.graph.reply(address, payload)

    async def _send(self, wa_id: str, respondent_for: Callable[[str], str], payloads: Sequence[Payload],
                    survey_id: str | None = None) -> None:
        """Send a reply; what WhatsApp does not take goes to the outbox (bot.whatsapp.replies). The queued part is
        filed under the resident's contact key in `survey_id` (the default survey for replies outside one)."""
        survey_id = survey_id or self.conversations.registry.default.id
        await self.replies.send(wa_id, payloads, survey_id, respondent_for(survey_id))


def _pseudonym(secret: bytes, wa_id: str, survey_id: str) -> str:
    return pseudonym_for(secret, survey_id, PLATFORM, wa_id)


def _title(text: str, rtl: bool, limit: int = 20) -> str:
    return shortened(text, limit, rtl)


def menu_options(menu: Sequence[str], reply: Reply) -> list[str]:
    """The options of a numbered menu in the order shown (for toggling in that order)."""
    options = []
    for action in menu:
        event = actions.decode(reply.survey, action)
        if isinstance(event, Toggle):
            options.append(event.option)
    return options


__all__ = ["CHANNEL", "PLATFORM", "WhatsAppChannel"]
