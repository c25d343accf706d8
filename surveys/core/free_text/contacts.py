"""Recognizers for the ways to reach someone: e-mail, links, IBANs, phone numbers and messenger usernames.

Each reads the folded text (see `normalise`) and yields `Finding`s. Phone numbers in any country's format come
from `phonenumbers` (Google's libphonenumber metadata, Germany as the default region); IBANs are checked
against the IBAN registry and their checksum by `python-stdnum`, which also finds where an IBAN ends when words
follow it. What neither library knows is Heard's own: the obfuscations residents use (`name (at) host (dot)
de`, `0171 / 234 / 5678`, `tg: max_mustermann`) and messenger names written in every shipped script.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from stdnum import iban

from surveys.core.free_text.findings import Finding, Kind

DEFAULT_REGION = "DE"

# ------------------------------------------------------------------------------------------ e-mail, links

_TLDS = r"(?:de|com|org|net|eu|info|me|io|ru|ua|tr|ir|af|at|ch|uk|nl|fr|app|online|biz)"
_MAIL_PROVIDERS = r"(?:gmail|googlemail|gmx|hotmail|yahoo|outlook|icloud|yandex|protonmail|t-online)"
_LOCAL = r"[\w][\w.+-]*"
_LABEL = r"[\w-]+"
_BRACKETED_AT = r"\s*[(\[{<]\s*(?:at|ät|@|a|собака)\s*[)\]}>]\s*"
_WORD_AT = r"\s+(?:at|ät|@|собака)\s+"
_BRACKETED_DOT = r"\s*[(\[{<]\s*(?:dot|punkt|\.|точка|nokta|نقطة|نقطه)\s*[)\]}>]\s*"
_WORD_DOT = r"\s+(?:dot|punkt|точка|nokta)\s+"
_DOT = rf"(?:\.|{_BRACKETED_DOT}|{_WORD_DOT})"

_EMAIL = re.compile(
    rf"(?<![\w.+-]){_LOCAL}(?:"
    rf"@{_LABEL}(?:{_DOT}{_LABEL})*"  # plain, top-level domain optional
    rf"|{_BRACKETED_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[^\W\d_]{{2,12}}\b"  # max (at) host (dot) de
    rf"|(?:{_BRACKETED_AT}|{_WORD_AT}){_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLDS}\b"  # max at host dot de
    rf"|(?:{_BRACKETED_AT}|{_WORD_AT}){_MAIL_PROVIDERS}\b)",  # max at gmail
    re.IGNORECASE,
)
_LINK_DOT = r"(?:\.|\s*[(\[]\s*(?:dot|punkt)\s*[)\]]\s*)"
_WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# a whole dotted name at once (a match never starts inside another), so a long "a.a.a…" costs linear time
_DOTTED_NAME = re.compile(rf"(?<![\w.-]){_LABEL}(?:{_LINK_DOT}{_LABEL})+(?P<path>/\S*)?", re.IGNORECASE)
_LABEL_IN_NAME = re.compile(_LABEL)
_TLD = re.compile(_TLDS, re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}»\"'"


def emails(text: str) -> Iterator[Finding]:
    for match in _EMAIL.finditer(text):
        yield Finding(match.start(), match.end(), Kind.EMAIL)


def links(text: str) -> Iterator[Finding]:
    """Web addresses, and names like `stadt.de` or `t.me/amira` up to their last known top-level domain."""
    for match in _WEB_ADDRESS.finditer(text):
        yield Finding(match.start(), match.start() + len(match.group().rstrip(_TRAILING_PUNCTUATION)), Kind.LINK)
    for match in _DOTTED_NAME.finditer(text):
        name_end = match.start("path") if match.group("path") else match.end()
        labels = list(_LABEL_IN_NAME.finditer(text, match.start(), name_end))
        domains = [label for label in labels[1:] if _TLD.fullmatch(label.group())]
        if not domains:
            continue
        end = domains[-1].end()
        if domains[-1] is labels[-1] and match.group("path"):
            end = match.start("path") + len(match.group("path").rstrip(_TRAILING_PUNCTUATION))
        yield Finding(match.start(), end, Kind.LINK)


# ------------------------------------------------------------------------------------------------- IBANs

_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}[ ]?\d{2}(?:[ \-]?[A-Z0-9]){10,30}", re.IGNORECASE)
_SHORTEST_IBAN = 15  # Norway


def ibans(text: str) -> Iterator[Finding]:
    """IBANs with or without spaces; where the checksum fails (a typo), the digits still go."""
    for match in _IBAN_CANDIDATE.finditer(text):
        positions = [match.start() + i for i, char in enumerate(match.group()) if char.isalnum()]
        compact = "".join(text[p] for p in positions).upper()
        for length in range(len(compact), _SHORTEST_IBAN - 1, -1):
            if iban.is_valid(compact[:length]):
                yield Finding(match.start(), positions[length - 1] + 1, Kind.IBAN)
                break
        else:
            end = _iban_shaped_end(match)
            if end is not None:
                yield Finding(match.start(), end, Kind.IBAN)


def _iban_shaped_end(match: re.Match[str]) -> int | None:
    """Where a mistyped IBAN ends: its groups up to the first one without a digit; None if too few digits."""
    end, digits = match.start(), 0
    for group in re.finditer(r"[A-Z0-9]+", match.group(), re.IGNORECASE):
        if not any(char.isdigit() for char in group.group()):
            break
        end, digits = match.start() + group.end(), digits + sum(char.isdigit() for char in group.group())
    return end if digits >= 12 else None


# ----------------------------------------------------------------------------------------- phone numbers

# A run of digits split by spaces, slashes, dots, dashes or brackets (zero-width characters are already gone);
# always the whole run, so that a long one costs linear time.
_DIGIT_RUN = re.compile(r"\+?\d(?:[ \t./()\-–—_·]{0,3}\d)*")
_FEWEST_DIGITS_IN_A_RUN = 7
_PHONE_CUE = re.compile(
    r"\b(?:tel|telefon\w*|phone|handy\w*|mobil\w*|\w*nummer|number|whats\s?app|signal|viber"
    r"|номер\w*|тел|телефон\w*|вайбер|ватсап|вотсап"
    r"|رقم\w*|هاتف\w*|موبايل\w*|جوال\w*|واتساب|واتس|شماره\w*|تلفن\w*|موبایل\w*|شمېره\w*|ټیلفون\w*"
    r"|numara\w*|telefon\w*|lambar\w*|taleefan\w*|hejmar\w*|ቁጽሪ\w*|ስልኪ\w*|ተሌፎን\w*)"
    r"[\s:.=\-]*(?:(?:ist|is|lautet|waa|:)\s*)?(\+?\d(?:[ ./\-]?\d){4,})",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{1,2}([./-])\d{1,2}\1(?:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}|(?:19|20)\d\d")
# Where `phonenumbers` looks: digits with what can separate them. Its matcher is slow on long runs of digits and
# separators (a quarter of a second for 4,000 characters), which a resident's message must not cost.
_NUMBER_LIKE = re.compile(r"(?<![+(])[+(]*\d[\d \t()./\-–—]*")
_FEWEST_DIGITS_IN_A_NUMBER = 5
_LONGEST_SPELLED_NUMBER = 40
_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:[. ']\d{3})+")


def phone_numbers(text: str) -> Iterator[Finding]:
    """Valid numbers of any country (+49, 0049, national, with any separators), and what only looks like one:
    seven or more digits in a run, or five after a word for phone in any shipped language."""
    for region in _NUMBER_LIKE.finditer(text):
        spelled = region.group()
        if len(spelled) > _LONGEST_SPELLED_NUMBER or sum(c.isdigit() for c in spelled) < _FEWEST_DIGITS_IN_A_NUMBER:
            continue  # not one number: too long (its digit runs are found below) or too short
        start = max(0, region.start() - 1)  # one character around it: a letter there makes it no number
        window = text[start : region.end() + 1]
        for match in phonenumbers.PhoneNumberMatcher(window, DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID):
            yield Finding(start + match.start, start + match.end, Kind.PHONE)
    for match in _DIGIT_RUN.finditer(text):
        run = match.group()
        if sum(char.isdigit() for char in run) >= _FEWEST_DIGITS_IN_A_RUN and not _ordinary_number(run):
            yield Finding(match.start(), match.end(), Kind.PHONE)
    for match in _PHONE_CUE.finditer(text):
        yield Finding(match.start(1), match.end(1), Kind.PHONE)


def _ordinary_number(run: str) -> bool:
    """Dates, date or year ranges, amounts with thousands separators and short counts in a row."""
    pieces = re.split(r"\s*[-–—/ ]\s*", run) if not _DATE.fullmatch(run) else [run]
    if all(_DATE.fullmatch(piece) for piece in pieces):
        return True
    if _AMOUNT.fullmatch(run):
        return True
    groups = re.findall(r"\d+", run)
    return all(len(group) <= 2 for group in groups) and not run.startswith(("0", "+"))


# ------------------------------------------------------------------------------------ messenger usernames

_AT_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.]*[A-Za-z0-9_]")
_UNDERSCORED = re.compile(r"(?<![\w@.])[A-Za-z][A-Za-z0-9]*(?:_+[A-Za-z0-9]+)+(?![\w@])")
_LATIN_PLATFORMS = (
    r"telegramm?|tg|insta(?:gram)?|ig|snap(?:chat)?|tik\s?tok|facebook|fb|twitter|signal|threema|discord|skype"
    r"|vk|user\s?name|user|benutzername|nutzername|nick(?:name)?|handle|kullanıcı\s+adı[mı]?"
)
_OTHER_PLATFORMS = (
    r"телеграмм?\w*|телег[аеуи]|тг|инста(?:грам\w*)?|інста(?:грам\w*)?|тикток\w*|тікток\w*|ник(?:нейм\w*)?"
    r"|нік(?:нейм\w*)?|вк|вконтакт\w*|фейсбук\w*"
    r"|скайп\w*|تلگرام|تلغرام|تيليجرام|تليجرام|تلیگرام|انستا|انستغرام|انستقرام|انستجرام|اینستاگرام|اینستا"
    r"|فيسبوك|فیسبوک|تيك\s?توك|ቴሌግራም"
)
_USERNAME = r"@?(?P<name>[A-Za-z][A-Za-z0-9_.]{2,31}(?<!\.))"
# a colon or arrow, a dash after a space ("Telegram-Konto" is one word), or a word for "is"
_EXPLICIT = r"\s*[:=>→]+\s*|\s+[-–—]+\s*|\s+(?:ist|is|als|as|unter|under|es|est)\s+"
_CUED_USERNAME = re.compile(
    rf"\b(?:(?P<latin>{_LATIN_PLATFORMS})|(?P<other>{_OTHER_PLATFORMS}))(?P<separator>{_EXPLICIT}|\s+){_USERNAME}",
    re.IGNORECASE,
)
_USERNAME_BEFORE_PLATFORM = re.compile(
    rf"(?<![\w@.])(?P<name>[A-Za-z](?=[A-Za-z0-9_.]*[0-9_.])[A-Za-z0-9_.]*[A-Za-z0-9_])\s+"
    rf"(?:auf|bei|on|in|at|via|über|в|на|da|de|'da|'de)\s+(?:{_LATIN_PLATFORMS}|{_OTHER_PLATFORMS})\b",
    re.IGNORECASE,
)
_ENDS_A_CLAUSE = re.compile(r"\s*(?:$|[,.;:!?)\]])")
_NOT_A_USERNAME = frozenset({"nein", "yes", "gruppe", "group", "kanal", "channel", "app", "nicht", "not",
                             "oder", "und", "and", "auch", "also", "nur", "only", "oft", "often", "bitte",
                             "please", "danke", "thanks"})


def handles(text: str) -> Iterator[Finding]:
    """@names, names with an underscore, and names after a messenger's name (`tg: max`, `telegram max_m`)."""
    for pattern in (_AT_HANDLE, _UNDERSCORED):
        for match in pattern.finditer(text):
            yield Finding(match.start(), match.end(), Kind.HANDLE)
    for match in _CUED_USERNAME.finditer(text):
        name = match.group("name")
        if name.lower() in _NOT_A_USERNAME:
            continue
        spelled_like_a_username = re.search(r"[0-9_.]|.[A-Z]", name) is not None
        separator = match.group("separator").strip()
        if separator.isalpha() and not spelled_like_a_username and not _ENDS_A_CLAUSE.match(text, match.end("name")):
            continue  # "Telegram est maintenant lié": a word for "is" followed by more sentence, not a name
        if separator or match.group("other") or spelled_like_a_username:
            yield Finding(match.start("name"), match.end("name"), Kind.HANDLE)
    for match in _USERNAME_BEFORE_PLATFORM.finditer(text):
        yield Finding(match.start("name"), match.end("name"), Kind.HANDLE)
