"""Plain German (`de_plain`) is Leichte Sprache: the rules of Netzwerk Leichte Sprache that a machine can check.

Checked on every msgstr of every de_plain catalog (the bot's texts, the printed texts, the bundled survey):
- a sentence makes one statement: at most 15 words (the rules say "short"; 15 is the ceiling, most are shorter);
- no genitive: "des"/"dessen"/"deren" anywhere, "der" right after a noun ("die Regeln der Schule"); write "von";
- active voice: no form of "werden" together with a past participle ("wird gespeichert");
- main clauses only: no subordinating conjunction and no relative or indirect-question clause after a comma.
  "wenn" is not allowed either: the rules turn "Wenn Sie Fragen haben, ..." into "Haben Sie Fragen? Dann ...";
- no Konjunktiv ("könnte", "würde", ...), no abbreviations ("z. B."), numbers as digits ("1-mal", not "einmal");
- compound words split with a hyphen, the Netzwerk style ("Zusammen-Arbeit"): never a Mediopunkt, the part after
  the hyphen capitalised, each compound spelled one way throughout, no unsplit word longer than 14 letters;
- hard words are explained where they are used: a text with "anonym", "Aufenthalts-Status" or "Divers" also says
  what it means ("Das heißt: ..." or in brackets);
- the reader is addressed as "Sie", never "du".
Whether a text is really easy to understand only readers can tell (the Netzwerk has texts checked by a reading
group); these checks keep the catalog from drifting back into ordinary German.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PLAIN = Path(__file__).parents[2] / "locales" / "de_plain" / "LC_MESSAGES"

MAX_WORDS = 15


def _set(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


SUBORDINATORS = _set(
    "dass weil obwohl obgleich obschon damit wenn falls sofern sobald solange nachdem bevor ehe während indem "
    "sodass seitdem ob wobei wodurch weshalb weswegen wohingegen"
)
AFTER_COMMA = _set(
    "der die das dem den deren dessen welcher welche welches welchem welchen wo was wie wer wen wem wohin woher "
    "warum wieso womit worüber"
)
WERDEN = _set("werde wirst wird werden werdet wurde wurdest wurden worden")
NOT_PARTICIPLES = _set("gegen genug gern gestern gerade genau geben gehen gelten gewinnen gegenüber")
KONJUNKTIV = _set("hätte hätten könnte könnten müsste müssten sollte sollten wäre wären würde würden")
NUMBER_WORDS = _set(
    "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig hundert tausend einmal zweimal "
    "dreimal"
)
ABBREVIATIONS = re.compile(r"\b(z\.\s?B|d\.\s?h|u\.\s?a|bzw|usw|ca|evtl|ggf|inkl|Nr)\.", re.IGNORECASE)
INFORMAL = _set("du dich dir dein deine deinen deinem deiner euch euer eure")
PRONOUNS = _set("Sie Ihr Ihre Ihren Ihrem Ihrer Ihres Ihnen")
HARD_WORDS = ("anonym", "aufenthalts-status", "divers")
EXPLAINED = re.compile(r"heißt|\(")
LONGEST_UNSPLIT = 14


@dataclass(frozen=True)
class Text:
    where: str
    text: str


def plain_texts() -> list[Text]:
    texts = []
    for po in sorted(PLAIN.glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                where = f"{po.name} {message.context + ' ' if message.context else ''}{ids[0]!r}"
                texts.append(Text(where, string))
    return texts


TEXTS = plain_texts()


def _readable(text: str) -> str:
    """The words as a reader sees them: tags gone, each {placeholder} one word."""
    return re.sub(r"\{[^}]*\}", "X", re.sub(r"<[^>]+>", " ", text))


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", _readable(text))
    return [part.strip() for part in parts if part.strip()]


def words(sentence: str) -> list[str]:
    return [w for w in re.split(r"\s+", sentence) if re.search(r"\w", w)]


def _bare(word: str) -> str:
    return re.sub(r"^\W+|\W+$", "", word)


def _is_participle(word: str) -> bool:
    word = _bare(word).lower()
    if word in NOT_PARTICIPLES or word in WERDEN:
        return False
    return bool(re.fullmatch(r"\w*ge\w+(t|en)|\w+iert|(be|ver|er|ent|zer)\w+t", word))


def too_long(text: str) -> list[str]:
    return [s for s in sentences(text) if len(words(s)) > MAX_WORDS]


def genitives(text: str) -> list[str]:
    found = []
    for sentence in sentences(text):
        tokens = words(sentence)
        for i, token in enumerate(tokens):
            word = _bare(token).lower()
            if word in ("des", "dessen", "deren"):
                found.append(sentence)
            elif word == "der" and i > 1:
                before = tokens[i - 1]
                noun = before[0].isupper() and before.isalpha() and before not in PRONOUNS
                if noun and not re.search(r"[:;,–]$", tokens[i - 2]):
                    found.append(sentence)
    return found


def passives(text: str) -> list[str]:
    found = []
    for sentence in sentences(text):
        tokens = words(sentence)
        if any(_bare(t).lower() in WERDEN for t in tokens) and any(_is_participle(t) for t in tokens):
            found.append(sentence)
    return found


def subordinate_clauses(text: str) -> list[str]:
    found = []
    for sentence in sentences(text):
        tokens = [_bare(t).lower() for t in words(sentence)]
        # "Ja, das nächste Interview": a comma after an answer word opens no clause
        after_comma = re.findall(r"(?<!\bJa)(?<!\bNein)(?<!\bDanke)(?<!\bBitte),\s+(\w+)", sentence)
        if SUBORDINATORS & set(tokens) or AFTER_COMMA & {w.lower() for w in after_comma}:
            found.append(sentence)
    return found


def forbidden_words(text: str) -> list[str]:
    tokens = {_bare(t).lower() for s in sentences(text) for t in words(s)}
    return sorted((KONJUNKTIV | NUMBER_WORDS | INFORMAL) & tokens) + ABBREVIATIONS.findall(text)


def unexplained_hard_words(text: str) -> list[str]:
    lower = text.lower()
    return [word for word in HARD_WORDS if word in lower and not EXPLAINED.search(text)]


def badly_split_words(text: str) -> list[str]:
    found = []
    for token in re.findall(r"[\w·-]+", _readable(text)):
        if "·" in token:
            found.append(token)  # a Mediopunkt: we split with hyphens
        for _left, right in re.findall(r"([A-Za-zÄÖÜäöüß]+)-([A-Za-zÄÖÜäöüß]+)", token):
            if not right[0].isupper():
                found.append(token)  # "Sprach-kurs": the Netzwerk style capitalises the second part
        if "-" not in token and token.isalpha() and len(token) > LONGEST_UNSPLIT:
            found.append(token)
    return found


def test_the_checks_find_what_they_look_for():
    """Each check on a sentence that breaks its rule, and on the same meaning in Leichte Sprache."""
    assert too_long("Sie können Ihre Antworten zu jeder Zeit und an jedem Ort mit dem Befehl hier unten wieder "
                    "löschen.")
    assert not too_long("Sie können Ihre Antworten immer löschen. Schreiben Sie dazu: /delete")
    assert genitives("Die Ergebnisse der Umfrage kommen bald.") and genitives("Der Schutz des Kindes.")
    assert not genitives("Die Ergebnisse von der Umfrage kommen bald. Geben Sie es der Person. Kinder in der Kita.")
    assert passives("Jedes Interview wird ohne Namen gespeichert.") and passives("Ich werde unfair behandelt.")
    assert not passives("Wir speichern jedes Interview ohne Namen. Die Menschen werden mehr.")
    assert subordinate_clauses("Beantworten Sie die Frage nur, wenn es passt.")
    assert subordinate_clauses("Geben Sie es der Person, die es Ihnen gegeben hat.")
    assert subordinate_clauses("Ich weiß nicht, wo ich suchen soll.")
    assert not subordinate_clauses("Passt die Frage für Sie? Dann antworten Sie. Ja, gern.")
    found = forbidden_words("Das dauert z. B. zehn Minuten. Sie könnten mitmachen. Kommst du?")
    assert {"zehn", "könnten", "du", "z. B"} <= set(found)
    assert not forbidden_words("Das dauert zum Beispiel 10 Minuten. Möchten Sie mitmachen?")
    assert unexplained_hard_words("Ihre Antworten sind anonym.") == ["anonym"]
    assert not unexplained_hard_words("Ihre Antworten sind anonym. Das heißt: Ihr Name steht nicht dabei.")
    assert badly_split_words("Sprach·Kurse, Sprach-kurse, Kinderbetreuungen")
    assert not badly_split_words("Sprach-Kurse und Kinder-Betreuung, 1-mal, QR-Code, Telegram-Konto")


@pytest.mark.parametrize(
    "check",
    [too_long, genitives, passives, subordinate_clauses, forbidden_words, unexplained_hard_words,
     badly_split_words],
)
def test_every_plain_german_text_keeps_the_rule(check):
    assert TEXTS, f"no catalogs in {PLAIN}"
    broken = [f"{t.where}: {found}" for t in TEXTS if (found := check(t.text))]
    assert not broken, f"{len(broken)} texts break the rule ({check.__name__}):\n" + "\n".join(broken)


def test_each_compound_is_spelled_one_way():
    """"Zusammen-Leben" in one text and "Zusammenleben" in another reads as two different words."""
    all_words = {w.lower() for t in TEXTS for w in re.findall(r"[\w-]+", _readable(t.text))}
    hyphenated = {w for w in all_words if re.fullmatch(r"[^\W\d_]+(-[^\W\d_]+)+", w)}
    both = sorted(
        w for w in hyphenated
        if any(other.startswith(w.replace("-", "")) for other in all_words if "-" not in other)
    )
    assert not both, f"written both with and without hyphen: {both}"
