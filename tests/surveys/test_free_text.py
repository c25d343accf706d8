"""Free-text scrubbing (`surveys.core.free_text`): what could name or reach a resident goes, ordinary content stays.

Each variant is something a resident might type, in the languages and scripts Heard ships: the fragments that
must be gone, the placeholder that stands in their place, and the fragments that must stay exactly as written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from surveys.core.engine import Consent, SessionState, Start, Text, advance
from surveys.core.free_text import scrub_free_text
from surveys.core.free_text.normalise import fold
from surveys.forms.loader import parse_survey


class Variant(NamedTuple):
    text: str
    gone: tuple[str, ...]
    placeholder: str
    kept: tuple[str, ...] = ()


ZWSP, ZWJ, LRM, SOFT_HYPHEN, WORD_JOINER = "\u200b", "\u200d", "\u200e", "\u00ad", "\u2060"

VARIANTS = [
    # names after the phrase people introduce themselves with, in every shipped language
    Variant("Ich heiße Max Mustermann und wohne seit 2019 hier.", ("Max", "Mustermann"), "[name]",
            ("Ich heiße", "und wohne seit 2019 hier.")),
    Variant("Hallo, ich bin Ahmad, ruf mich an", ("Ahmad",), "[name]", ("Hallo, ich bin", ", ruf mich an")),
    Variant("Meine Name ist Ali und ich lerne Deutsch", ("Ali",), "[name]", ("und ich lerne Deutsch",)),
    Variant("ich heisse leyla, mache B1 Kurs", ("leyla",), "[name]", ("ich heisse", ", mache B1 Kurs")),
    Variant("Mein Name ist Anna Schmidt, 3 Kinder", ("Anna", "Schmidt"), "[name]", ("Mein Name ist", ", 3 Kinder")),
    Variant("Mein Sohn heißt Yusuf und ist 7 Jahre alt", ("Yusuf",), "[name]", ("Mein Sohn heißt", "7 Jahre alt")),
    Variant("kızımın adı Elif, 6 yaşında", ("Elif",), "[name]", ("kızımın adı", "6 yaşında")),
    Variant("его зовут Артём, ему 5 лет", ("Артём",), "[name]", ("его зовут", "ему 5 лет")),
    Variant("My name is John Smith, I am 45 years old.", ("John", "Smith"), "[name]", ("I am 45 years old.",)),
    Variant("Je m'appelle Marie et j'ai 2 enfants", ("Marie",), "[name]", ("et j'ai 2 enfants",)),
    Variant("اسمي محمد أحمد وأنا من سوريا", ("محمد", "أحمد"), "[name]", ("اسمي", "وأنا من سوريا")),
    Variant("اسمي هو محمد", ("محمد",), "[name]", ("اسمي هو",)),
    Variant("Меня зовут Иван Петров, живу тут 3 года", ("Иван", "Петров"), "[name]", ("Меня зовут", "живу тут 3 года")),
    Variant("Мене звати Оксана і я шукаю роботу", ("Оксана",), "[name]", ("Мене звати", "і я шукаю роботу")),
    Variant("Benim adım Ahmet Yılmaz ve Almanca öğreniyorum", ("Ahmet", "Yılmaz"), "[name]",
            ("Benim adım", "ve Almanca öğreniyorum")),
    Variant("اسم من علی رضایی است و ۳ فرزند دارم", ("علی", "رضایی"), "[name]", ("اسم من", "است و ۳ فرزند دارم")),
    Variant("زما نوم احمد دی او کار غواړم", ("احمد",), "[name]", ("زما نوم", "دی او کار غواړم")),
    Variant("Magacaygu waa Xasan Cali, 30 sano jir", ("Xasan", "Cali"), "[name]", ("Magacaygu waa", "30 sano jir")),
    Variant("ስመይ ዮናስ እዩ፣ ካብ ኤርትራ", ("ዮናስ",), "[name]", ("ስመይ", "እዩ፣ ካብ ኤርትራ")),
    Variant("Navê min Azad e û ez li vir dixebitim", ("Azad",), "[name]", ("Navê min", "e û ez li vir dixebitim")),
    Variant("Frau Schneider vom Jobcenter hilft mir", ("Schneider",), "[name]", ("Frau", "vom Jobcenter hilft mir")),
    Variant("Danke für alles. Viele Grüße, Max Mustermann", ("Max", "Mustermann"), "[name]", ("Danke für alles.",)),
    # German street addresses
    Variant("Ich wohne in der Hauptstraße 12, 12345 Musterstadt.", ("Hauptstraße 12", "12345", "Musterstadt"),
            "[address]", ("Ich wohne in der",)),
    Variant("wir wohnen am Alten Markt 3a, 1. Etage", ("Alten Markt 3a",), "[address]", ("wir wohnen", "1. Etage")),
    Variant("Am Markt 3a ist meine Wohnung", ("Markt 3a",), "[address]", ("ist meine Wohnung",)),
    Variant("lindenweg 5, 2. Stock", ("lindenweg 5",), "[address]", ("2. Stock",)),
    Variant("Bahnhofstr. 7 bei Familie Kaya", ("Bahnhofstr. 7",), "[address]", ("bei Familie",)),
    Variant("Karl-Marx-Straße 101 b, Hinterhaus", ("Karl-Marx-Straße 101",), "[address]", ("Hinterhaus",)),
    Variant("wir wohnen Berliner Str. 5 seit 2021", ("Berliner Str. 5",), "[address]", ("wir wohnen", "seit 2021")),
    Variant("живу на Бахнхофштрассе 7 с семьёй", ("Бахнхофштрассе 7",), "[address]", ("живу на", "с семьёй")),
    # phone numbers: international prefixes, spaces, slashes, invisible characters, other scripts' digits
    Variant("Ruf an: +49 171 2345678 bitte", ("+49 171 2345678",), "[phone]", ("Ruf an:", "bitte")),
    Variant("0049 171 2345678 (abends)", ("0049 171 2345678",), "[phone]", ("(abends)",)),
    Variant("Handy 0171 / 234 / 5678, 2 Kinder", ("0171", "234", "5678"), "[phone]", ("Handy", "2 Kinder")),
    Variant("0171 234 56 78 nach 18 Uhr", ("0171 234 56 78",), "[phone]", ("nach 18 Uhr",)),
    Variant(f"0171{ZWSP}234{ZWSP}56{ZWJ}78 WhatsApp", ("0171", "56"), "[phone]", ("WhatsApp",)),
    Variant(f"Nummer 0171{SOFT_HYPHEN}2345{LRM}678", ("0171", "2345"), "[phone]", ("Nummer",)),
    Variant("رقمي ٠١٧١٢٣٤٥٦٧٨ شكرا", ("٠١٧١٢٣٤٥٦٧٨",), "[phone]", ("رقمي", "شكرا")),
    Variant("شماره من ۰۱۷۶ ۱۲۳ ۴۵ ۶۷ است", ("۰۱۷۶", "۱۲۳ ۴۵ ۶۷"), "[phone]", ("شماره من", "است")),
    Variant("０１７１ ２３４５６７８ anrufen", ("０１７１", "２３４５６７８"), "[phone]", ("anrufen",)),
    Variant("+963 944 123 456 is my Syrian number", ("+963 944 123 456",), "[phone]", ("is my Syrian number",)),
    Variant("звоните +7 912 345-67-89", ("+7 912 345-67-89",), "[phone]", ("звоните",)),
    Variant("0 1 7 1 - 2 3 4 5 6 7 8", ("2 3 4 5 6 7 8",), "[phone]"),
    Variant("(0171) 2345678 oder Tel0302345678", ("(0171) 2345678", "0302345678"), "[phone]", ("oder Tel",)),
    Variant("Telefon: 23456 (Festnetz)", ("23456",), "[phone]", ("Telefon:", "(Festnetz)")),
    # e-mail, written out and obfuscated
    Variant("mail: amira.k@example.org!", ("amira.k", "example.org"), "[email]", ("mail:", "!")),
    Variant("max (at) example (dot) de", ("max", "example", "(dot) de"), "[email]"),
    Variant("schreib an max [at] gmx [dot] net", ("max", "gmx", "net"), "[email]", ("schreib an",)),
    Variant("max.mustermann at gmail dot com bitte", ("max.mustermann", "gmail"), "[email]", ("bitte",)),
    Variant("leyla ät web punkt de", ("leyla", "web punkt de"), "[email]"),
    Variant("meine mail ist amira at gmail", ("amira", "gmail"), "[email]", ("meine mail ist",)),
    Variant("почта ivan собака mail точка ru", ("ivan", "mail точка ru"), "[email]", ("почта",)),
    Variant("max＠example．de", ("max", "example"), "[email]"),
    Variant(f"max{ZWSP}@{WORD_JOINER}example.de danke", ("max", "example.de"), "[email]", ("danke",)),
    # IBANs, with and without spaces, mistyped, foreign
    Variant("IBAN: DE89 3704 0044 0532 0130 00 danke", ("3704 0044", "0532 0130 00"), "[iban]", ("IBAN:", "danke")),
    Variant("IBAN DE 89 3704 0044 0532 0130 00", ("DE 89", "3704 0044 0532 0130 00"), "[iban]", ("IBAN",)),
    Variant("Konto DE89370400440532013000.", ("DE89370400440532013000",), "[iban]", ("Konto", ".")),
    Variant("de89 3704 0044 0532 0130 01 (vertippt)", ("3704 0044 0532 0130 01",), "[iban]", ("(vertippt)",)),
    Variant("TR33 0006 1005 1978 6457 8413 26 Türkiye", ("TR33", "8413 26"), "[iban]", ("Türkiye",)),
    # messenger usernames, with and without @
    Variant("schreib @amira_k oder t.me/amira", ("amira_k", "t.me/amira"), "[handle]", ("schreib", "oder")),
    Variant("tg: max_mustermann", ("max_mustermann",), "[handle]", ("tg:",)),
    Variant("telegram max_mustermann, 3 Kinder", ("max_mustermann",), "[handle]", ("telegram", "3 Kinder")),
    Variant("Instagram: leyla.k", ("leyla.k",), "[handle]", ("Instagram:",)),
    Variant("auf Telegram als maxmuster", ("maxmuster",), "[handle]", ("auf Telegram als",)),
    Variant("телеграм maxmuster", ("maxmuster",), "[handle]", ("телеграм",)),
    Variant("تلگرام: ahmad99 لطفا", ("ahmad99",), "[handle]", ("تلگرام:", "لطفا")),
    Variant("ali.karimi92 auf Insta", ("ali.karimi92",), "[handle]", ("auf Insta",)),
    # links
    Variant("siehe https://example.com/x?y=1 und www.stadt.de", ("example.com", "stadt.de"), "[link]",
            ("siehe", "und")),
    Variant("wa.me/491712345678 schreiben", ("491712345678",), "[link]", ("schreiben",)),
]

ORDINARY = [
    "Ich wohne seit 2019 hier, 3 Kinder, 45 Jahre.",
    "B1 Kurs fertig, jetzt A2-Kurs für die Eltern. Ich bin Lehrer und suche Arbeit",
    "Von 2015-2019 in der Türkei, seit 12.03.2020 in Deutschland",
    "Wir zahlen 1.250 Euro Miete für 65 qm, Kaution 2.500.000 wäre zu viel",
    "Der Arbeitsweg dauert 30 Minuten, ich bin auf Platz 3 der Warteliste",
    "Im Jahr 2019 kam ich, am Montag 3 Termine, im Kindergarten 2 Plätze frei",
    "das heißt, wir brauchen mehr Kita-Plätze. Ich heiße Sie willkommen",
    "Der Kurs heißt Integrationskurs, in der Klasse 5a sind 20 Kinder",
    "Okulun adı Goethe Enstitüsü, меня зовут на работу",
    "Я учусь в институте Goethe, я никогда Telegram не использую",
    "Eine Telegram Gruppe für Eltern wäre gut",
    "عمري ٤٥ سنة ولدي ٣ أطفال",
    "من می‌خواهم کار پیدا کنم",  # a zero-width non-joiner inside the word stays
    "ሰላም ንኹልኹም፣ ቋንቋ ጀርመን ክመሃር ደልየ",
    "Мне 34 года, двое детей, ищу работу с 8:30 до 16:30",
    "bir adım attım, 2 çocuğum var, Almanca kursu B1",
    "Waxaan u baahanahay shaqo, 4 carruur ayaan leeyahay",
    "Kurdî û Almanî, 2 zarok",
    "زه ۲ ماشومان لرم",
    "Wir sind 7 Personen: 1) 2) 3) 4) 5) 6) 7) brauchen Hilfe",
]


def digits_of(text: str) -> str:
    return "".join(char for char in fold(text).text if char.isdigit())


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.text)
def test_personal_data_is_replaced_and_the_rest_stays(variant: Variant):
    scrubbed = scrub_free_text(variant.text)
    folded = fold(scrubbed).text
    for fragment in variant.gone:
        assert fragment not in scrubbed and fold(fragment).text not in folded, (fragment, scrubbed)
        if len(digits_of(fragment)) >= 5:
            assert digits_of(fragment) not in digits_of(scrubbed), (fragment, scrubbed)
    assert variant.placeholder in scrubbed
    for fragment in variant.kept:
        assert fragment in scrubbed, (fragment, scrubbed)
    assert scrub_free_text(scrubbed) == scrubbed  # summaries scrub stored texts again


def test_the_table_covers_every_kind_of_personal_data_in_many_scripts():
    assert len(VARIANTS) >= 40
    assert {variant.placeholder for variant in VARIANTS} == {
        "[name]", "[address]", "[phone]", "[email]", "[iban]", "[handle]", "[link]"
    }
    scripts = {"Latin": r"[A-Za-z]", "Arabic": r"[\u0600-\u06ff]", "Cyrillic": r"[\u0400-\u04ff]",
               "Ethiopic": r"[\u1200-\u137f]"}
    for script, letters in scripts.items():
        assert any(re.search(letters, "".join(variant.gone)) for variant in VARIANTS), script


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_content_comes_back_exactly_as_written(text: str):
    assert scrub_free_text(text) == text


def translated_texts() -> list[tuple[str, str]]:
    """Every translation Heard ships (bot, survey and report catalogs): ordinary text in all its languages and
    scripts. Placeholders (`{wave_period}`) are the code's names, filled in before anyone reads the text: left out."""
    texts = []
    for path in sorted((Path(__file__).parents[2] / "locales").glob("*/LC_MESSAGES/*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                texts += [(path.parts[-3], re.sub(r"\{\w+\}", " ", text)) for text in strings if message.id and text]
    return texts


def test_no_shipped_translation_is_mistaken_for_personal_data():
    texts = translated_texts()
    assert len({language for language, _ in texts}) >= 11 and len(texts) > 1000
    mistaken = [(language, text) for language, text in texts if scrub_free_text(text) != text]
    assert mistaken == []


INVISIBLE = st.sampled_from([ZWSP, ZWJ, LRM, SOFT_HYPHEN, WORD_JOINER, "\u2063", "\ufeff"])


@given(st.sampled_from(VARIANTS), st.lists(st.tuples(st.integers(0, 200), INVISIBLE), max_size=6))
def test_invisible_characters_anywhere_do_not_let_personal_data_through(variant: Variant, insertions):
    text = variant.text
    for position, invisible in insertions:
        position %= len(text) + 1
        text = text[:position] + invisible + text[position:]
    folded = fold(scrub_free_text(text)).text
    for fragment in variant.gone:
        assert fold(fragment).text not in folded, (fragment, folded)
    for fragment in variant.kept:
        assert fold(fragment).text in folded, (fragment, folded)


DIGIT_SCRIPTS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９"]
SEPARATORS = st.sampled_from(["", " ", "  ", "/", " / ", "-", " - ", ".", ZWSP, f" {ZWJ}", "\u00a0", "\u202f"])


@given(
    st.sampled_from(["0", "+49", "0049", "+49 (0)", "+963", "00963", "+90", "+7", "+380", "+93", "+252", "+291"]),
    st.text(alphabet="0123456789", min_size=7, max_size=10),
    st.lists(st.tuples(st.integers(1, 4), SEPARATORS), max_size=5),
    st.sampled_from(DIGIT_SCRIPTS),
    st.sampled_from(["Meine Nummer: {} danke", "{}", "رقمي {} شكرا", "звоните {}!", "Tel.{}"]),
)
def test_no_phone_number_survives_whatever_its_spelling(prefix, digits, splits, script, sentence):
    spelled, rest = prefix, digits
    for length, separator in splits:
        spelled, rest = spelled + rest[:length] + separator, rest[length:]
    spelled += rest
    spelled = spelled.translate(str.maketrans("0123456789", script))
    scrubbed = scrub_free_text(sentence.format(spelled))
    assert digits not in digits_of(scrubbed), scrubbed
    assert "[phone]" in scrubbed


def test_a_text_answer_is_stored_scrubbed():
    survey = parse_survey(
        "id: t\nversion: 1\ntitle: T\nintro: I\nthanks: D\nquestions:\n"
        "  - {name: wish, type: text, field: core, label: 'Wunsch?', max_length: 300}\n",
        "t.yaml",
    )
    state = advance(survey, SessionState.new(survey), Start(language="de")).state
    state = advance(survey, state, Consent(True)).state
    state = advance(survey, state, Text("Mehr Kurse. Ich heiße Leyla, Hauptstraße 12, tg: leyla_k")).state
    assert state.answers["wish"] == "Mehr Kurse. Ich heiße [name], [address], tg: [handle]"
