"""Recognizers for who and where someone is: names after the phrases people introduce themselves with, and
street addresses.

There is no offline named-entity model for the shipped languages (see the README's dependency list), so names
are found where residents announce them: "ich heiße", "my name is", "اسمي", "меня зовут", "benim adım",
"اسم من", "ስመይ" and their kin in every shipped language, after a greeting ("Hallo, ich bin Ahmad"), a title
("Frau Yilmaz") or in a sign-off ("Viele Grüße, Max"). A name without such a cue is not found.
Addresses are German street addresses ("Hauptstraße 12", "Bahnhofstr. 7", "Am Markt 3a"), also transliterated
into Cyrillic, and "street + number" after the word for street in the shipped languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from surveys.core.free_text.findings import Finding, Kind

# ----------------------------------------------------------------------------------------------- names


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class _Cue(NamedTuple):
    pattern: str
    capitalised_only: bool = False  # the cue is also an ordinary word: take what follows only if capitalised
    only_after: frozenset[str] | None = None  # the cue names a person only after one of these words


# "Mein Sohn heißt Ali", but "der Kurs heißt Integrationskurs" and "das heißt" (that is)
_RELATIVES = _words(
    "sohn tochter mann frau ehemann ehefrau kind baby bruder schwester mutter vater oma opa enkel enkelin freund "
    "freundin nachbar nachbarin lehrer lehrerin betreuer betreuerin er sie "
    "son daughter husband wife child baby brother sister mother father friend neighbour neighbor teacher he she "
    "oğlumun kızımın eşimin annemin babamın kardeşimin arkadaşımın çocuğumun onun"
)
_APOSTROPHE = r"['’ʼ`]"
_NAME_CUES = (
    # German, German (plain), English, French
    _Cue(r"ich\s+hei(?:ß|ss|s)e?|meine?\s+(?:vor|nach|familien)?name\s+(?:ist|lautet)|(?:vor|nach|familien)?name\s*:"),
    _Cue(rf"my\s+(?:first\s+|last\s+|full\s+|sur)?name\s+is|my\s+name{_APOSTROPHE}s|i\s+am\s+called|(?:sur)?name\s*:"),
    # "ich bin" alone is followed by nouns ("ich bin Lehrer"); after a greeting it introduces a name
    _Cue(rf"(?:hallo|hi|hey|salam|salaam|moin|guten\s+tag|hello|good\s+morning)[,!.]?\s+"
         rf"(?:ich\s+bin|i\s+am|i{_APOSTROPHE}m|this\s+is|hier\s+ist)", capitalised_only=True),
    _Cue(rf"je\s+m{_APOSTROPHE}appelle|mon\s+nom\s+est"),
    # Arabic, Dari and Pashto (Arabic script)
    _Cue(r"(?:ا|أ|إ)سمي|(?:ا|أ|إ)سمى|اسم\s+من|نام\s+من|اسمم|نامم|زما\s+نوم|نوم\s+مې"),
    # Russian, Ukrainian
    _Cue(rf"меня\s+зовут|зовут\s+меня|мо[её]\s+имя|моя\s+фамилия|мене\s+звати|моє\s+ім{_APOSTROPHE}я|моє\s+прізвище"),
    # Turkish ("adım" alone is also "my step")
    _Cue(r"benim\s+ad[ıi]m|benim\s+ismim|ismim"),
    _Cue(r"ad[ıi]m", capitalised_only=True),
    # Somali, Kurmanji, Tigrinya
    _Cue(r"magacaygu(?:\s+waa)?|magacayga(?:\s+waa)?|nav[êe]\s+min|ስመይ|ሽመይ"),
    # someone else's name
    _Cue(r"hei(?:ß|ss)t|named|is\s+called|ad[ıi]|ismi", capitalised_only=True, only_after=_RELATIVES),
    _Cue(r"magaciisu(?:\s+waa)?|magaceedu(?:\s+waa)?|nav[êe]\s+w[îiêe]|его\s+зовут|её\s+зовут|ее\s+зовут"
         r"|його\s+звати|її\s+звати", capitalised_only=True),
    _Cue(r"اسمه|اسمها|اسمو|اسمش|نامش|نوم\s+یې|ስሙ|ስማ"),
    # sign-offs: the name must be capitalised
    _Cue(r"(?:viele\s+|liebe\s+|beste\s+)?gr(?:ü|ue)(?:ß|ss)e|gru(?:ß|ss)|lg|vg|mfg|(?:best\s+|kind\s+)?regards"
         r"|с\s+уважением|з\s+повагою|saygılarımla", capitalised_only=True),
)
_NAME_CUE = re.compile(
    r"(?<!\w)(?:" + "|".join(rf"(?P<cue{i}>{cue.pattern})" for i, cue in enumerate(_NAME_CUES)) + r")(?!\w)",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"(?<!\w)(?P<title>Herr|Frau|Hr\.|Fr\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.|Prof\.|господин|госпожа|пан|пані"
    r"|السيد|السيدة|الأستاذ|الاستاذ|الدكتور|آقای|خانم|ښاغلی|Mudane|Marwo|Birêz|Xanim|ኣቶ|ወይዘሮ)(?!\w)"
)
# A word before a title that makes it a common noun ("meine Frau", "the doctor"), not a form of address.
_NOUN_MARKERS = _words(
    "mein meine meinen meinem meiner dein deine sein seine ihr ihre ihren unser unsere euer eure eine einer "
    "einen einem ein die der den dem des jede jeder diese dieser keine junge alte ältere my a the his her our"
)
_TOKEN = re.compile(r"[ \t]*([^\s\d.,;:!?()\[\]{}\"“”„«»<>/\\|@#*+=።፣፤፥፦፧፨፡،؛؟]+)")
# Words that end a name: function words, copulas and pronouns of the shipped languages (lower case)
_AFTER_A_NAME = _words(
    # German, English, French
    "und ich bin aus von mit in bei seit wohne wohnt lebe komme habe hab ist oder aber auch hier nicht das es sie "
    "euch dich alle gut willkommen herzlich gerne geheim egal unwichtig "
    "and i am from with live living have but not here is or it my secret "
    "et je suis de "
    # Arabic, Dari, Pashto
    "و وانا وأنا انا أنا من في مع عمري عندي لدي أعيش اعيش أسكن اسكن هو هي "
    "است هست هستم اس ده از در با دارم ساله "
    "دی دے یم زه او له څخه کې لرم "
    # Russian, Ukrainian
    "и я из мне мені живу лет років а і з та но але не на в к по за у до "
    # Turkish, Somali, Kurmanji
    "ve ben ile yaşında yaşındayım ama waa waxaan iyo ka oo ahay jir sano e ye û ez ji im me li "
    # Tigrinya
    "እዩ እየ ኢየ ካብ ኣብ ኣነ ኣሎኒ እንታይ"
)
_MOST_WORDS_IN_A_NAME = 3


def names(text: str) -> Iterator[Finding]:
    """The words of a name after a cue phrase or a title: up to three, stopping at punctuation, a digit or a
    function word; after the first, a cased script continues only with capitalised words."""
    for match in _NAME_CUE.finditer(text):
        cue = _NAME_CUES[int(match.lastgroup.removeprefix("cue"))]
        if cue.only_after is not None and _word_before(text, match.start()) not in cue.only_after:
            continue
        span = _name_after(text, match.end(), capitalised_only=cue.capitalised_only)
        if span is not None:
            yield Finding(*span, Kind.NAME)
    for match in _TITLE.finditer(text):
        if _word_before(text, match.start()) in _NOUN_MARKERS:
            continue
        span = _name_after(text, match.end(), capitalised_only=True)
        if span is not None:
            yield Finding(*span, Kind.NAME)


def _word_before(text: str, position: int) -> str:
    words = text[max(0, position - 40) : position].split()
    return words[-1].lower() if words else ""


_BEFORE_A_NAME = re.compile(r"[ \t]*[:,\-–—]?(?:[ \t]*(?:هو|هي|ist|is|waa|est)(?=\s))?", re.IGNORECASE)


def _name_after(text: str, position: int, *, capitalised_only: bool) -> tuple[int, int] | None:
    position = _BEFORE_A_NAME.match(text, position).end()  # "اسمي هو محمد", "mein Name: ist Ali"
    start = end = None
    words = 0
    while words < _MOST_WORDS_IN_A_NAME:
        token = _TOKEN.match(text, position)
        if token is None:
            break
        word = token.group(1)
        cased = word[0].isupper() or word[0].islower()
        if word.lower() in _AFTER_A_NAME or (cased and not word[0].isupper() and (words or capitalised_only)):
            break
        if not cased and words == 2:  # caseless scripts: given name and family name at most
            break
        start = token.start(1) if start is None else start
        end, position, words = token.end(1), token.end(1), words + 1
    return None if start is None else (start, end)


# -------------------------------------------------------------------------------------------- addresses

# suffixes that make a word a street; the ambiguous ones ("Kindergarten 2 Plätze") need more evidence
_STREET_SUFFIXES = (
    r"stra(?:ß|ss|s)e|str\.?|weg|allee|gasse|platz|pl\.|damm|ufer|chaussee|steig|pfad|stieg|promenade|zeile"
    r"|штрас+е|штр\.|вег|плац|аллее"
)
_AMBIGUOUS_SUFFIXES = r"ring|markt|wall|kamp|graben|hof|berg|feld|garten|park|höhe|anger|tor|brücke|siedlung"
_HOUSE_NUMBER = r"\d{1,4}(?:[ ]?[a-zA-Z](?!\w))?(?:[ ]?[-/][ ]?\d{1,4}[a-z]?)?(?!\w)"
_NOT_A_HOUSE_NUMBER = (
    r"(?![ ]?(?:min|minuten|minutes|std|stunden?|h|km|m|meter|jahre?n?|monate?n?|tage?n?|wochen?|euro|€|%|uhr"
    r"|mal|x|kinder|personen|leute|prozent|years?|hours?|minutes?|kids|children)(?!\w))"
)
_NOT_A_COUNT = r"(?![ ]*(?-i:[A-ZÄÖÜ]))"  # "… 2 Plätze": a number before a German noun counts something
_POSTCODE_AND_TOWN = r"(?:,?[ ]*(?:D-)?\d{5}[ ]+[A-ZÄÖÜ][\w-]+(?:[ ][A-ZÄÖÜ][\w-]+)?)?"


# "Berliner Straße", "Alte Gasse", "Langer Weg": a capitalised adjective that is not an article or pronoun
_ADJECTIVE = (
    r"(?!(?-i:Die|Der|Den|Dem|Eine|Einen|Meine|Keine|Jede|Diese|Seine|Ihre|Unsere|Alle|Viele|Andere)\b)"
    r"(?-i:[A-ZÄÖÜ][\w-]*(?:er|e|en))"
)


def _street_address(suffixes: str, *, then: str = "") -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\w-])(?:{_ADJECTIVE}[ ]+(?:{suffixes})|[^\W\d_][\w-]*?(?:{suffixes}))"  # "Alte Gasse", "Hauptstraße"
        rf"[ ]*{_HOUSE_NUMBER}{then}{_NOT_A_HOUSE_NUMBER}{_POSTCODE_AND_TOWN}",
        re.IGNORECASE,
    )


_STREET_ADDRESSES = (_street_address(_STREET_SUFFIXES), _street_address(_AMBIGUOUS_SUFFIXES, then=_NOT_A_COUNT))
_ENDS_LIKE_A_STREET = re.compile(rf"(?:{_STREET_SUFFIXES})$", re.IGNORECASE)
_SUFFIX_BEFORE_A_NUMBER = re.compile(rf"(?:{_STREET_SUFFIXES}|{_AMBIGUOUS_SUFFIXES})[ ]*\d", re.IGNORECASE)
_ON_A_SQUARE = re.compile(  # "Am Markt 3a", "In der Aue 12", "Zur Mühle 1"
    rf"(?<!\w)(?i:Am|An der|An den|Auf der|Auf dem|Im|In der|In den|Zum|Zur|Hinter der|Unter den|Vor dem)"
    rf"[ ]+(?P<place>[A-ZÄÖÜ][\wäöüß-]+(?:[ ][A-ZÄÖÜ][\wäöüß-]+)?)[ ]+(?=\d{{1,3}}(?!\d)){_HOUSE_NUMBER}"
    rf"{_NOT_A_COUNT}{_NOT_A_HOUSE_NUMBER}{_POSTCODE_AND_TOWN}"
)
_NOT_A_PLACE = _words(
    "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Wochenende Januar Februar März April Mai Juni "
    "Juli August September Oktober November Dezember Jahr Monat Moment Anfang Ende Sommer Winter Herbst Frühling "
    "Alter Kurs Durchschnitt Schnitt Haus Heim Moment Prinzip Grunde Gegenteil Vergleich Team Job Klasse Stufe "
    "Gruppe Etage Stock Zimmer Raum Wohnung Reihe Woche Nacht Stunde Minute Schule Kita Modul Lektion Level Niveau"
)
_WORD_FOR_STREET = re.compile(  # the word for street (and house number) in the shipped languages, then a number
    r"(?<!\w)(?:ул\.|улица|улице|вул\.|вулиця|вулиці|شارع|خیابان|خیابانِ|سرک|سړک|Caddesi|Cad\.|Sokak|Sokağı|Sk\."
    r"|Waddada|Wadada|Kolana|ጎደና)[ \t]+(?:[^\s\d,.;:!?]+[ \t]+){0,3}?(?:(?:No|Nr|д|дом|буд|رقم|شماره|pelak)\.?[ :]*)?"
    r"\d{1,4}[a-zа-я]?(?!\d)"
)


def addresses(text: str) -> Iterator[Finding]:
    if not any(char.isdigit() for char in text):  # every address here has a house number
        return
    for pattern in _STREET_ADDRESSES if _SUFFIX_BEFORE_A_NUMBER.search(text) else ():
        for match in pattern.finditer(text):
            yield Finding(match.start(), match.end(), Kind.ADDRESS)
    for match in _ON_A_SQUARE.finditer(text):
        place = match.group("place")
        if place.split()[0] not in _NOT_A_PLACE:  # "in der Hauptstraße 12": "in der" is not part of the name
            start = match.start("place") if _ENDS_LIKE_A_STREET.search(place) else match.start()
            yield Finding(start, match.end(), Kind.ADDRESS)
    for match in _WORD_FOR_STREET.finditer(text):
        yield Finding(match.start(), match.end(), Kind.ADDRESS)
