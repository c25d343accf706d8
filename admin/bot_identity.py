"""The bot's public username, needed for t.me links: from the configuration, or asked from Telegram."""

from __future__ import annotations

from surveys.config import Settings


class UnknownBotUsername(Exception):
    pass


async def bot_username(settings: Settings) -> str:
    if settings.telegram.bot_username:
        return settings.telegram.bot_username.lstrip("@")
    if not settings.telegram.token:
        raise UnknownBotUsername(
            "set [telegram] bot_username in heard.toml (or HEARD_BOT_USERNAME), or TELEGRAM_BOT_TOKEN so that "
            "Heard can ask Telegram for it"
        )
    # imported here: aiogram takes seconds to import, and most commands never need it
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram.api_base))
    bot = Bot(settings.telegram.token, session=session)
    try:
        me = await bot.get_me()
    except Exception as exc:
        raise UnknownBotUsername(f"could not ask Telegram for the bot's username ({type(exc).__name__}); "
                                 "set [telegram] bot_username in heard.toml") from exc
    finally:
        await session.close()
    if not me.username:
        raise UnknownBotUsername("the bot has no username")
    return me.username
