"""The bare aiogram bot: per button press the same three Bot API calls Heard makes (answer the button, edit the
pressed message, send the next question), per text a new message, and nothing stored. The framework's own
ceiling on this machine, run in its own process beside `heard-bot` (bench.bot_speed).

Run: TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE=http://127.0.0.1:PORT python -m bench.bare_bot
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher, F
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message


def echo_dispatcher() -> Dispatcher:
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="next", callback_data="x")]])
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "", reply_markup=keyboard)

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.edit_text("ok")
        await query.message.answer("next", reply_markup=keyboard)

    return dispatcher


async def main() -> None:
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    await echo_dispatcher().start_polling(bot, handle_signals=True, close_bot_session=True)


if __name__ == "__main__":
    asyncio.run(main())
