"""Summaries count WhatsApp as a channel of its own."""

from __future__ import annotations

from admin.summary import who_answered


async def test_summaries_list_whatsapp_as_a_channel_even_before_anybody_answered_through_it(core):
    """Every channel is listed, used or not: a channel listed only once somebody used it would tell so."""
    async with core.db() as db:
        profiles = await who_answered(db, core.registry.default, core.settings.privacy.min_cell)
    channels = next(p for p in profiles if p.dimension == "channel")
    assert sorted(row.key for row in channels.rows) == ["assisted", "paper", "telegram", "whatsapp"]
