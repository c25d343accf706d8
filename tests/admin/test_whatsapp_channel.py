"""Summaries count WhatsApp as a channel of its own."""

from __future__ import annotations

from admin.summary import who_answered


async def test_summaries_list_whatsapp_as_a_channel_even_before_anybody_answered_through_it(core):
    """Every channel is listed, used or not: a channel listed only once somebody used it would tell so."""
    async with core.db() as db:
        profiles = await who_answered(db, core.registry.default, core.settings.privacy.min_cell)
    channels = next(p for p in profiles if p.dimension == "channel")
    assert sorted(row.key for row in channels.rows) == ["assisted", "paper", "telegram", "whatsapp"]


def test_a_whatsapp_flyer_carries_the_wa_me_link_and_says_whatsapp(tmp_path):
    from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
    from surveys.printing import render_flyer
    from surveys.printing.texts import flyer_texts
    from tests.admin.test_printing import TextLayer

    catalogs = Catalogs()
    link = "https://wa.me/4930123456789?text=start%20Xk29fQ7pAb"
    pdf = render_flyer(link, ["ar", "de"], catalogs, "Stadt Testhausen", tmp_path / "flyer.pdf", messenger="whatsapp")
    text = TextLayer(pdf)
    assert link in text
    for language, messenger in (("ar", "واتساب"), ("de", "WhatsApp")):
        how = flyer_texts(catalogs.translations(BOT_DOMAIN, language, BOT_SOURCE_LANGUAGE), "Stadt Testhausen",
                          "whatsapp").how
        assert messenger in how and "Telegram" not in how and "تيليغرام" not in how
        text.assert_has(how)
