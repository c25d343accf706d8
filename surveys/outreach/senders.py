"""The outbox's sender as every process builds it: each message through its own platform's transport, paced by
that platform's limits, retried by the `[sending]` policy. The bot's scheduled jobs and `heard-admin results
publish` both build it here, each with the transports it has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram import Bot

from surveys.config import Settings
from surveys.outreach.pacing import PlatformPacers, SendPacer
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.sending import RetryPolicy, Send, Sender, by_platform
from surveys.outreach.telegram import telegram_send

if TYPE_CHECKING:
    from surveys.wiring import Runtime


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def retry_policy_of(settings: Settings) -> RetryPolicy:
    """[sending]'s retry settings; a message is never kept past retention's contacts_days either."""
    sending = settings.sending
    return RetryPolicy(
        first=dt.timedelta(seconds=sending.retry_first_seconds),
        longest=dt.timedelta(minutes=sending.retry_max_minutes),
        give_up_after=min(dt.timedelta(hours=sending.give_up_after_hours),
                          dt.timedelta(days=settings.retention.contacts_days)),
    )


#: The platforms an outbox row can be for.
PLATFORMS = ("telegram", "whatsapp")


def sender_for(core: Runtime, bot: Bot | None, clock: Callable[[], dt.datetime] = utc_now,
               whatsapp: Send | None = None) -> Sender:
    """The outbox's sender: each message through its platform (Telegram where `bot` is given; WhatsApp where
    `whatsapp` is, see bot.whatsapp.outbound), paced by that platform's limits. A row for a platform not given
    stays queued for a process that can send it."""
    sending, settings = core.settings.sending, core.settings.whatsapp
    senders: dict[str, Send] = {}
    if bot is not None:
        senders["telegram"] = telegram_send(bot)
    if whatsapp is not None:
        senders["whatsapp"] = whatsapp
    pacers = PlatformPacers({
        "telegram": SendPacer(sending.messages_per_second, sending.seconds_per_chat),
        "whatsapp": SendPacer(settings.messages_per_second, settings.seconds_per_resident),
    })
    return Sender(core.db, by_platform(senders), pacers, quiet_hours_of(core.settings), clock,
                  retry=retry_policy_of(core.settings), reads=core.reads, leaves=set(PLATFORMS) - set(senders))
