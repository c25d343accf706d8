"""The Telegram side of one resident event: call the conversation service with who is writing, deliver the
reply, and close an assisted entry when its questionnaire ends."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot

from bot import texts
from bot.telegram.delivery import Delivery
from bot.telegram.identity import Author
from surveys.conversation import Conversations, Pressed
from surveys.core.engine import Event, Stage
from surveys.workers import Workers


@dataclass(frozen=True)
class Relay:
    """What the handlers need besides the update: registered once as `chat` in the dispatcher."""

    conversations: Conversations
    workers: Workers
    delivery: Delivery

    async def handle(
        self, bot: Bot, resident: Author, event: Event | Pressed, pressed_message_id: int | None = None,
        survey_id: str | None = None,
    ) -> None:
        conversations = self.conversations
        reply = await conversations.handle(
            resident.respondent_for,
            event,
            channel=resident.channel,
            update_id=resident.update_id,
            contact=resident.contact,
            client_language=resident.client_language,
            survey_id=resident.assisting.survey_id if resident.assisting else survey_id,
        )
        await self.delivery.deliver(
            bot, resident.chat_id, reply, resident.own_respondent_for(reply.survey.id), pressed_message_id
        )
        if resident.assisting is not None and reply.state.finished:
            await self.workers.end_assist(resident.worker)
            if reply.state.stage is Stage.COMPLETED:
                await bot.send_message(resident.chat_id, texts.assist_finished(conversations, reply.language))
