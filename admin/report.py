"""The needs-analysis report (Bestandsaufnahme): one self-contained HTML file or Markdown, German or English.

Three steps, each testable alone:

1. `collect()` reads everything the report needs from the database: the overall summary, summaries broken
   down by area and by language, who answered, the free texts and the period. Every number in it is a `Cell`
   that has passed disclosure control (surveys.disclosure); this module only ever prints `cell.display(k)` and
   shares of shown cells, and never adds hidden counts back together.
2. `build()` turns that into a small document model (sections of paragraphs, tables, charts, quotes) in the
   report's language. The report's own texts live in `TEXTS` below; survey texts come from the survey's
   gettext catalog (German source, other languages from `locales/<lang>/LC_MESSAGES/survey-<id>.po`).
3. `to_html()` and `to_markdown()` render the same document: HTML with inline SVG bar charts (hatched, so they
   stay legible in greyscale print), a table beside every chart, print CSS for A4, and nothing loaded from the
   network; Markdown with the tables only.

Wording follows the digest's advice for reports to the neighbourhood, the council and the public: state method
and limits, keep small groups out, describe differences neutrally (share here vs. overall, in percentage
points) and never as rankings of areas or language groups.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from gettext import NullTranslations
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from sqlalchemy import func, select

from admin.summary import (
    ALL,
    ANSWERED,
    META_DIMENSIONS,
    NO_ANSWER,
    Profile,
    QuestionTable,
    Summary,
    UnknownDimension,
    differences,
    free_texts,
    summarize,
    who_answered,
)
from surveys.disclosure import HIDDEN_MARK, MAX_DEVIATION, Cell, min_cell_for
from surveys.disclosure import share as disclosed_share
from surveys.i18n import Catalogs, survey_domain
from surveys.model import DECLINED, THEMATIC_FIELDS, Question, QuestionType, Survey
from surveys.store.database import DbSession
from surveys.store.schema import Response, Wave

LANGUAGES = ("de", "en")
FORMATS = ("html", "md")
PROFILE_QUESTIONS = {"area": "area", "age": "age_band", "years": "years_here", "gender": "gender"}
"""Profile dimensions that are survey questions: shown under "who answered", not again under the results."""
RANKING_LENGTH = 15
DIFFERENCES_LENGTH = 8
FREE_TEXT_LIMIT = 20
STEPS = ("summary", "who answered", "areas", "languages", "free texts")
"""What `collect()` reports doing, in order (for a progress bar)."""

# --------------------------------------------------------------------------------------------- texts

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "kicker": "Bedarfsanalyse · {municipality}",
        "subtitle": "Umfrage „{title}“, Version {version}",
        "subtitle_wave": "Umfrage „{title}“, Version {version}, Erhebungswelle {wave}",
        "contents": "Inhalt",
        "section_method": "Methode und Reichweite",
        "section_who": "Wer hat geantwortet?",
        "section_results": "Ergebnisse nach Handlungsfeldern",
        "section_ranking": "Genannte Bedarfe und Hürden im Überblick",
        "section_differences": "Unterschiede nach Stadtteil und Sprache",
        "section_free": "Freitext-Antworten",
        "section_limits": "Grenzen und ausgeblendete Werte",
        "asked": "Gefragt wurde mit der Umfrage „{title}“ (Version {version}): {questions} Fragen aus den "
                 "Handlungsfeldern {fields}. Jede Frage konnte mit „Keine Angabe“ übersprungen werden, wo die "
                 "Umfrage es vorsieht.",
        "when_wave": "Erhebungswelle: {wave}{wave_period}.",
        "when_all": "Ausgewertet sind alle Antworten auf Version {version} der Umfrage, über alle Erhebungswellen.",
        "wave_period": " (geöffnet {start} bis {end})",
        "wave_open_end": " (geöffnet ab {start})",
        "period": "Die Antworten gingen zwischen dem {first} und dem {last} ein.",
        "responses": "Abgeschlossene Antworten: n={n}.",
        "too_few": "Zu wenige abgeschlossene Antworten: Ergebnisse werden erst ab {k} Antworten gezeigt, "
                   "damit niemand an seinen Antworten erkannt werden kann.",
        "channels": "Wege und Vertrauenspersonen: Die Umfrage wurde über mehrere Wege verteilt und von "
                    "Vertrauenspersonen (Verteilerinnen und Verteilern, zum Beispiel Vereinen, Beratungsstellen, "
                    "Lotsinnen und Lotsen) weitergegeben. Die Tabellen zeigen, wie viele Antworten über welchen Weg "
                    "und welche Vertrauensperson kamen. Wer einen Link weitergab, sagt nichts darüber, wo jemand "
                    "wohnt.",
        "disclosure": "Schutz kleiner Gruppen (Cell-Key-Methode, wie beim Zensus 2022): Jede Zahl in diesem "
                      "Bericht ist leicht verändert, um höchstens {deviation}, und dieselbe Zahl ist überall gleich. "
                      "Zahlen von 1 bis {below} erscheinen als 0 oder {k}.{sensitive} Summen und Anteile passen "
                      "deshalb nicht immer genau zusammen. Gruppen mit weniger als {k} Antworten fehlen in "
                      "Vergleichen („{hidden}“). Null bleibt null.",
        "disclosure_sensitive": " Bei sensiblen Fragen ({questions}) erscheinen Zahlen unter {ks} als 0 oder {ks}.",
        "caveat": "Keine Zufallsstichprobe: Geantwortet haben Menschen, die über diese Wege erreicht wurden und "
                  "antworten wollten. Die Ergebnisse beschreiben diese Menschen; sie lassen sich nicht auf die "
                  "ganze Bevölkerung übertragen. Alle Anteile beziehen sich auf die Antwortenden.",
        "who_intro": "Zusammensetzung der Antwortenden. Anteile beziehen sich auf alle n={n} abgeschlossenen "
                     "Antworten.",
        "who_rates": " Die Rücklaufquote ist die Zahl der Antworten je Einwohnerin und Einwohner des Stadtteils "
                     "(Einwohnerzahlen aus der mitgegebenen Datei).",
        "results_intro": "Alle Fragen nach Handlungsfeld. Anteile beziehen sich auf alle n={n} abgeschlossenen "
                         "Antworten; „Nicht gefragt“ zählt, wer die Frage wegen einer vorherigen Antwort nicht "
                         "gesehen hat.",
        "ranking_intro": "Antworten, die einen Bedarf oder eine Hürde ausdrücken, geordnet nach ihrem Anteil unter "
                         "den Personen, denen die Frage gestellt wurde. Die Reihenfolge zeigt, was häufig genannt "
                         "wurde; sie sagt nichts darüber, wie dringend ein Bedarf ist.",
        "ranking_none": "Keine Bedarfe darstellbar.",
        "differences_intro": "Wo sich der Anteil einer Antwort in einer Gruppe vom Anteil unter allen Antwortenden "
                             "unterscheidet, in Prozentpunkten, jeweils unter den Personen, denen die Frage gestellt "
                             "wurde. Gezeigt sind die größten Unterschiede, nur aus gezeigten Zahlen; Gruppen mit "
                             "weniger als {k2} Antworten fehlen, weil der Schutz kleiner Gruppen ihre Anteile stark "
                             "verschieben kann. Die Unterschiede beschreiben die Antwortenden, nicht "
                             "alle Menschen eines Stadtteils oder einer Sprache, und sind nicht auf Zufall geprüft: "
                             "Sie sind ein Anlass für Gespräche vor Ort, kein Befund.",
        "differences_by_area": "Nach Stadtteil",
        "differences_by_language": "Nach Sprache der Antwort",
        "differences_none": "Keine Unterschiede darstellbar (zu wenige Antworten in den Gruppen).",
        "free_intro": "Antworten in eigenen Worten, so wie sie geschrieben wurden (Telefonnummern, E-Mail-Adressen, "
                      "Namen von Konten und Links sind entfernt). Gezeigt nur, wenn mindestens {k} Personen etwas "
                      "geschrieben haben.",
        "free_count": "n={n} Personen haben hier etwas geschrieben.",
        "free_more": "Gezeigt sind {shown} Antworten, in alphabetischer Reihenfolge.",
        "free_hidden": "Nicht gezeigt: weniger als {k} Personen haben hier etwas geschrieben.",
        "limits_intro": "Was dieser Bericht nicht zeigt, und warum.",
        "limit_sample": "Die Antwortenden sind keine Zufallsstichprobe; Menschen, die über die genutzten Wege nicht "
                        "erreicht wurden, fehlen.",
        "limit_self": "Alle Angaben sind Selbstauskünfte. Unterschiede zwischen Gruppen sind nicht auf statistische "
                      "Signifikanz geprüft.",
        "limit_table_hidden": "„{question}“: ganz ausgeblendet, weil weniger als {k} Personen geantwortet haben.",
        "limit_groups": "{dimension}: im Vergleich fehlen {groups}, weil dort weniger als {k} Antworten sind.",
        "limit_unranked": "Nicht in der Übersicht der Bedarfe, weil eine nötige Zahl verborgen ist: {items}.",
        "limit_free": "Freitext „{question}“: nicht gezeigt, weniger als {k} Personen haben etwas geschrieben.",
        "limit_nothing": "Keine Werte verborgen.",
        "sensitive_note": "Sensible Frage: Zahlen unter {k} erscheinen als 0 oder {k}.",
        "multi_note": "Mehrere Antworten möglich: Die Anteile ergeben zusammen nicht 100 %.",
        "show_if_note": "Nur gefragt, wenn bei „{question}“ geantwortet wurde: {choices}.",
        "mean_note": "Mittelwert {mean} auf der Skala von {low} bis {high}.",
        "mean_plain_note": "Mittelwert {mean}.",
        "no_mean_note": "Kein Mittelwert: zu wenige Antworten.",
        "table_hidden": "Nicht gezeigt: weniger als {k} Personen haben diese Frage beantwortet.",
        "or": "oder",
        "col_answer": "Antwort",
        "col_count": "Anzahl",
        "col_share": "Anteil",
        "col_rate": "Rücklaufquote",
        "col_group": "Gruppe",
        "col_rank": "Rang",
        "col_field": "Handlungsfeld",
        "col_question": "Frage",
        "col_here": "Anteil in der Gruppe",
        "col_overall": "Anteil insgesamt",
        "col_points": "Unterschied",
        "points": "{value} Pp.",
        "chart_label": "Balkendiagramm: {title}. Die Werte stehen auch in der Tabelle daneben.",
        "chart_hidden": "verborgen",
        "declined": "Keine Angabe",
        "not_asked": "Nicht gefragt oder keine Antwort",
        "answered": "Hat geantwortet",
        "organic": "Ohne Vertrauensperson (direkt)",
        "dimension_language": "Sprache der Antwort",
        "dimension_area": "Stadtteil",
        "dimension_age": "Alter",
        "dimension_years": "Wohndauer",
        "dimension_gender": "Geschlecht",
        "dimension_channel": "Weg der Antwort",
        "dimension_distributor": "Vertrauensperson (Verteiler)",
        "channel_telegram": "Chat (Telegram)",
        "channel_assisted": "Begleitetes Interview (zum Beispiel am Infostand)",
        "channel_paper": "Papierfragebogen",
        "footer": "Erstellt mit Heard. Alle Zahlen mit Schutz kleiner Gruppen (k = {k}).",
    },
    "en": {
        "kicker": "Needs analysis · {municipality}",
        "subtitle": "Survey “{title}”, version {version}",
        "subtitle_wave": "Survey “{title}”, version {version}, wave {wave}",
        "contents": "Contents",
        "section_method": "Method and reach",
        "section_who": "Who answered?",
        "section_results": "Results by thematic field",
        "section_ranking": "Needs and barriers reported, at a glance",
        "section_differences": "Differences by area and by language",
        "section_free": "Answers in people's own words",
        "section_limits": "Limits and what was left out",
        "asked": "The survey “{title}” (version {version}) asked {questions} questions in the thematic fields "
                 "{fields}. Every question could be skipped with “prefer not to say” where the survey allows it.",
        "when_wave": "Wave: {wave}{wave_period}.",
        "when_all": "All responses to version {version} of the survey are included, across all waves.",
        "wave_period": " (open {start} to {end})",
        "wave_open_end": " (open from {start})",
        "period": "Responses came in between {first} and {last}.",
        "responses": "Completed responses: n={n}.",
        "too_few": "Too few completed responses: results are shown from {k} responses on, so that nobody "
                   "can be recognised by their answers.",
        "channels": "Channels and trusted messengers: the survey was handed out through several channels and passed "
                    "on by trusted messengers (distributors such as associations, advice centres and community "
                    "guides). The tables show how many responses came through which channel and which trusted "
                    "messenger. Who passed on a link says nothing about where someone lives.",
        "disclosure": "Small-group protection (the Cell Key Method, as in the German census 2022): every number in "
                      "this report is changed slightly, by at most {deviation}, and the same number is the same "
                      "everywhere. Counts from 1 to {below} appear as 0 or {k}.{sensitive} Totals and shares "
                      "therefore do not always add up exactly. Groups with fewer than {k} responses are left out of "
                      "comparisons (“{hidden}”). Zero stays zero.",
        "disclosure_sensitive": " For sensitive questions ({questions}) counts below {ks} appear as 0 or {ks}.",
        "caveat": "Not a random sample: these are the people who were reached through these channels and chose to "
                  "answer. The results describe them; they cannot be generalised to the whole population. All "
                  "shares are shares of those who answered.",
        "who_intro": "Who the respondents are. Shares are of all n={n} completed responses.",
        "who_rates": " The response rate is the number of responses per resident of the area (population figures "
                     "from the file given).",
        "results_intro": "All questions by thematic field. Shares are of all n={n} completed responses; “not asked” "
                         "counts those who did not see the question because of an earlier answer.",
        "ranking_intro": "Answers that report a need or a barrier, ordered by their share among the people who were "
                         "asked the question. The order shows what was reported often; it says nothing about how "
                         "urgent a need is.",
        "ranking_none": "No needs can be shown.",
        "differences_intro": "Where the share of an answer in a group differs from its share among all respondents, "
                             "in percentage points, each among the people who were asked the question. The largest "
                             "differences are shown, from shown numbers only; groups with fewer than {k2} responses "
                             "are left out, as the protection of small groups can move their shares a lot. The "
                             "differences describe the respondents, not everyone in an area or "
                             "language, and are not tested against chance: they are a reason to talk with people on "
                             "the ground, not a finding.",
        "differences_by_area": "By area",
        "differences_by_language": "By language of the response",
        "differences_none": "No differences can be shown (too few responses in the groups).",
        "free_intro": "Answers in people's own words, as written (phone numbers, e-mail addresses, account names and "
                      "links removed). Shown only where at least {k} people wrote something.",
        "free_count": "n={n} people wrote something here.",
        "free_more": "{shown} answers are shown, in alphabetical order.",
        "free_hidden": "Not shown: fewer than {k} people wrote something here.",
        "limits_intro": "What this report does not show, and why.",
        "limit_sample": "The respondents are not a random sample; people the channels used did not reach are "
                        "missing.",
        "limit_self": "All answers are self-reported. Differences between groups are not tested for statistical "
                      "significance.",
        "limit_table_hidden": "“{question}”: left out entirely, fewer than {k} people answered.",
        "limit_groups": "{dimension}: left out of the comparison: {groups}, because they have fewer than {k} "
                        "responses.",
        "limit_unranked": "Not in the overview of needs because a number it needs is hidden: {items}.",
        "limit_free": "Free text “{question}”: not shown, fewer than {k} people wrote something.",
        "limit_nothing": "No values hidden.",
        "sensitive_note": "Sensitive question: counts below {k} appear as 0 or {k}.",
        "multi_note": "Several answers possible: the shares do not add up to 100%.",
        "show_if_note": "Asked only of those who answered “{question}” with: {choices}.",
        "mean_note": "Mean {mean} on the scale from {low} to {high}.",
        "mean_plain_note": "Mean {mean}.",
        "no_mean_note": "No mean: too few answers.",
        "table_hidden": "Not shown: fewer than {k} people answered this question.",
        "or": "or",
        "col_answer": "Answer",
        "col_count": "Count",
        "col_share": "Share",
        "col_rate": "Response rate",
        "col_group": "Group",
        "col_rank": "Rank",
        "col_field": "Thematic field",
        "col_question": "Question",
        "col_here": "Share in the group",
        "col_overall": "Share overall",
        "col_points": "Difference",
        "points": "{value} pp",
        "chart_label": "Bar chart: {title}. The values are also in the table beside it.",
        "chart_hidden": "hidden",
        "declined": "Prefer not to say",
        "not_asked": "Not asked or no answer",
        "answered": "Answered",
        "organic": "No trusted messenger (direct)",
        "dimension_language": "Language of the response",
        "dimension_area": "Area",
        "dimension_age": "Age",
        "dimension_years": "Years living here",
        "dimension_gender": "Gender",
        "dimension_channel": "Channel",
        "dimension_distributor": "Trusted messenger (distributor)",
        "channel_telegram": "Chat (Telegram)",
        "channel_assisted": "Assisted interview (e.g. at an info stand)",
        "channel_paper": "Paper questionnaire",
        "footer": "Made with Heard. All numbers with small-group protection (k = {k}).",
    },
}

FIELD_NAMES: dict[str, dict[str, str]] = {
    "de": {"core": "Angaben zur Person", "information": "Information und Zugang", "language": "Sprache",
           "work": "Arbeit", "education": "Bildung und Kinder", "health": "Gesundheit",
           "housing": "Wohnen und Nachbarschaft", "living_together": "Zusammenleben", "participation": "Teilhabe",
           "closing": "Anregungen"},
    "en": {"core": "About the respondents", "information": "Information and access", "language": "Language",
           "work": "Work", "education": "Education and children", "health": "Health",
           "housing": "Housing and neighbourhood", "living_together": "Living together",
           "participation": "Participation", "closing": "Suggestions"},
}

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "de": {"de_plain": "Deutsch (Leichte Sprache)", "fa_AF": "Dari", "kmr": "Kurdisch (Kurmandschi)",
           "ckb": "Kurdisch (Sorani)", "bs": "Bosnisch / Kroatisch / Serbisch"},
    "en": {"de_plain": "Plain German", "fa_AF": "Dari", "kmr": "Kurdish (Kurmanji)", "ckb": "Kurdish (Sorani)",
           "bs": "Bosnian / Croatian / Serbian"},
}
"""Names Babel's language data does not give the way residents and officers say them; every other language
is named by Babel (CLDR) in the report's language."""


def language_name(code: str, lang: str) -> str:
    if code in LANGUAGE_NAMES[lang]:
        return LANGUAGE_NAMES[lang][code]
    try:
        name = Locale.parse(code).get_language_name(lang)
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


# ---------------------------------------------------------------------------------------- collected data


@dataclass
class ReportData:
    """Everything the report shows, read from the database; every count already protected."""

    survey: Survey
    municipality: str
    k: int
    wave: str | None
    overall: Summary
    profiles: list[Profile]
    by_area: Summary | None = None
    by_language: Summary | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)
    period: tuple[dt.date, dt.date] | None = None
    """First and last day a response came in; only when results are shown at all."""
    wave_period: tuple[dt.date, dt.date | None] | None = None
    population: bool = False


async def collect(
    db: DbSession, survey: Survey, k: int, *, municipality: str, wave: str | None = None,
    population: dict[str, int] | None = None, time_zone: str = "Europe/Berlin",
    step: Callable[[str], None] = lambda _: None, languages: Sequence[str] = (),
) -> ReportData:
    """Read the report's numbers. `step` is told what is being done next (for a progress bar); wave dates are
    days in the municipality's `time_zone`."""
    step("summary")
    overall = await summarize(db, survey, k, wave=wave)
    step("who answered")
    profiles = await who_answered(db, survey, k, wave, population, languages)
    data = ReportData(survey, municipality, k, wave, overall, profiles, population=bool(population))
    if wave:
        opened = await db.execute(
            select(Wave.opens_at, Wave.closes_at).where(Wave.survey_id == survey.id, Wave.name == wave).limit(1))
        row = opened.first()
        if row is not None:
            data.wave_period = (_local_day(row[0], time_zone), _local_day(row[1], time_zone) if row[1] else None)
    if not overall.shown:
        return data
    step("areas")
    data.by_area = await _breakdown(db, survey, k, "area", wave)
    step("languages")
    data.by_language = await _breakdown(db, survey, k, "language", wave)
    step("free texts")
    data.texts = await free_texts(db, survey, k, wave, limit=FREE_TEXT_LIMIT)
    statement = select(func.min(Response.submitted_on), func.max(Response.submitted_on)).where(
        Response.survey_id == survey.id, Response.survey_version == survey.version)
    if wave:
        statement = statement.where(Response.wave == wave)
    first, last = (await db.execute(statement)).one()
    if first is not None and last is not None:
        data.period = (first, last)
    return data


def _local_day(moment: dt.datetime, time_zone: str) -> dt.date:
    if moment.tzinfo is None:  # SQLite hands back UTC without a zone
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(time_zone)).date()


async def _breakdown(db: DbSession, survey: Survey, k: int, by: str, wave: str | None) -> Summary | None:
    try:
        return await summarize(db, survey, k, by=by, wave=wave)
    except UnknownDimension:
        return None


# --------------------------------------------------------------------------------------------- document


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    """What is written beside the bar: a count with its share, the hidden marker or a share alone."""
    share: float | None
    """Bar length as a share of the full axis; None draws an empty bar (a hidden value)."""
    secondary: bool = False
    """"Prefer not to say" and "not asked": a different pattern, so they stand apart in greyscale too."""


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    kinds: list[str]
    """Per column: "text", "count" (a protected count) or "number" (shares, rates, ranks)."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Quotes:
    items: list[str]


@dataclass(frozen=True)
class Figure:
    """A question or a profile: its heading, a chart with the table beside it, and notes."""

    heading: str
    table: Table | None
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)
    level: int = 3
    wide: bool = False
    """A wide table: the chart above it rather than beside it."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 3


Block = Paragraph | Bullets | Quotes | Figure | Heading | Table


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    lang: str
    kicker: str
    title: str
    subtitle: str
    sections: list[Section]
    footer: str


def format_percent(lang: str, share: float | None) -> str:
    if share is None:
        return ""
    value = share * 100
    text = f"{value:.1f}" if 0 < value < 1 else f"{value:.0f}"
    return text.replace(".", ",") + "\u00a0%" if lang == "de" else text + "%"


class Words:
    """The report's own texts and the survey's texts in one language."""

    def __init__(self, lang: str, survey: Survey, catalogs: Catalogs | None = None) -> None:
        if lang not in TEXTS:
            raise ValueError(f"report language {lang!r} is not one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.survey = survey
        self.texts = TEXTS[lang]
        self.catalog: NullTranslations = (catalogs or Catalogs()).translations(
            survey_domain(survey.id), lang, survey.language)

    def __call__(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)

    def survey_text(self, context: str, source: str) -> str:
        return self.catalog.pgettext(context, source) or source

    def title(self) -> str:
        return self.survey_text("survey.title", self.survey.title)

    def question(self, question: Question) -> str:
        return self.survey_text(f"{question.name}.label", question.label)

    def choice(self, question: Question, name: str, label: str) -> str:
        if name == DECLINED:
            return self("declined")
        if name == NO_ANSWER:
            return self("not_asked")
        if name == ANSWERED:
            return self("answered")
        return self.survey_text(f"{question.name}.{name}", label)

    def row(self, question: Question, key: str, label: str) -> str:
        if question.type is QuestionType.SCALE and key.isdigit():
            point = int(key)
            end = (question.low_label, "low_label") if point == question.minimum else (
                (question.high_label, "high_label") if point == question.maximum else (None, ""))
            if end[0]:
                return f"{point} – {self.survey_text(f'{question.name}.{end[1]}', end[0])}"
            return key
        return self.choice(question, key, label)

    def field(self, name: str) -> str:
        return FIELD_NAMES[self.lang].get(name, name.replace("_", " ").capitalize())

    def language(self, code: str) -> str:
        if code == NO_ANSWER:
            return self("not_asked")
        return language_name(code, self.lang)

    def channel(self, code: str) -> str:
        return self.texts.get(f"channel_{code}", code)

    def dimension(self, name: str) -> str:
        return self.texts.get(f"dimension_{name}", name)

    def percent(self, share: float | None) -> str:
        return format_percent(self.lang, share)

    def rate(self, share: float | None) -> str:
        if share is None:
            return ""
        text = f"{share * 100:.1f}"
        return text.replace(".", ",") + "\u00a0%" if self.lang == "de" else text + "%"

    def decimal(self, value: float) -> str:
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.lang == "de" else text

    def points(self, value: float) -> str:
        rounded = round(value)
        sign = "+" if rounded > 0 else ("−" if rounded < 0 else "±")
        return self("points", value=f"{sign}{abs(rounded)}")

    def date(self, day: dt.date) -> str:
        return day.strftime("%d.%m.%Y") if self.lang == "de" else day.isoformat()

    def join(self, items: Sequence[str]) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self('or')} " + items[-1]


def build(data: ReportData, lang: str = "de", catalogs: Catalogs | None = None) -> Document:
    """The report as a document in `lang`, ready for to_html() or to_markdown()."""
    words = Words(lang, data.survey, catalogs)
    survey, k = data.survey, data.k
    subtitle = words("subtitle_wave" if data.wave else "subtitle", title=words.title(), version=survey.version,
                     wave=data.wave)
    sections = [_method(data, words)]
    if data.overall.shown:
        sections += [_who(data, words), _results(data, words), _ranking(data, words),
                     _differences(data, words)]
        if any(q.type is QuestionType.TEXT for q in survey.questions):
            sections.append(_free(data, words))
    sections.append(_limits(data, words))
    for number, section in enumerate(sections, start=1):
        section.title = f"{number}. {section.title}"
    return Document(lang, words("kicker", municipality=data.municipality), words.title(), subtitle, sections,
                    words("footer", k=k))


def _count(cell: Cell, k: int) -> str:
    return cell.display(k)


def _method(data: ReportData, words: Words) -> Section:
    survey, overall, k = data.survey, data.overall, data.k
    section = Section("method", words("section_method"))
    asked = [q for q in survey.answerable()]
    fields = [words.field(f) for f in dict.fromkeys(q.field for q in asked) if f != "core"]
    section.blocks.append(Paragraph(words("asked", title=words.title(), version=survey.version,
                                          questions=len(asked), fields=", ".join(fields))))
    if data.wave:
        period = ""
        if data.wave_period:
            start, end = data.wave_period
            period = words("wave_period", start=words.date(start), end=words.date(end)) if end else words(
                "wave_open_end", start=words.date(start))
        section.blocks.append(Paragraph(words("when_wave", wave=data.wave, wave_period=period)))
    else:
        section.blocks.append(Paragraph(words("when_all", version=survey.version)))
    if data.period:
        section.blocks.append(Paragraph(words("period", first=words.date(data.period[0]),
                                              last=words.date(data.period[1]))))
    responses = _count(overall.responses, k)
    if not overall.shown:
        section.blocks.append(Paragraph(words("too_few", n=responses, k=k)))
    else:
        section.blocks.append(Paragraph(words("responses", n=responses)))
        section.blocks.append(Paragraph(words("channels")))
        for profile in data.profiles:
            if profile.dimension in ("channel", "distributor"):
                section.blocks.append(_profile_figure(profile, data, words))
    sensitive = [q for q in survey.answerable() if q.sensitive]
    sensitive_text = ""
    if sensitive:
        ks = min_cell_for(k, True)
        sensitive_text = words("disclosure_sensitive", ks=ks,
                               questions=", ".join(f"„{words.question(q)}“" if words.lang == "de"
                                                   else f"“{words.question(q)}”" for q in sensitive))
    section.blocks.append(Paragraph(words("disclosure", k=k, below=k - 1, sensitive=sensitive_text,
                                          deviation=MAX_DEVIATION, hidden=HIDDEN_MARK)))
    section.blocks.append(Paragraph(words("caveat")))
    return section


def _profile_label(profile: Profile, key: str, label: str, words: Words) -> str:
    if profile.dimension == "language":
        return words.language(key)
    if profile.dimension == "channel":
        return words.channel(key) if key != NO_ANSWER else words("not_asked")
    if profile.dimension == "distributor":
        return words("organic") if key == NO_ANSWER else label
    question = words.survey.question(PROFILE_QUESTIONS[profile.dimension])
    return words.choice(question, key, label)


def _profile_figure(profile: Profile, data: ReportData, words: Words) -> Figure:
    k = data.k
    total = data.overall.responses
    rates = data.population and profile.dimension == "area"
    header = [words.dimension(profile.dimension), words("col_count"), words("col_share")]
    kinds = ["text", "count", "number"]
    if rates:
        header.append(words("col_rate"))
        kinds.append("number")
    rows, bars = [], []
    for row in profile.rows:
        shown = row.count.display(k)
        if shown == "0" and (row.key in (DECLINED, NO_ANSWER) or profile.dimension in META_DIMENSIONS):
            continue  # every language, channel and distributor is listed; the report names those with answers
        label = _profile_label(profile, row.key, row.label, words)
        share = disclosed_share(row.count, total)
        cells = [label, shown, words.percent(share)]
        if rates:
            cells.append(words.rate(row.rate))
        rows.append(cells)
        secondary = row.key in (DECLINED, NO_ANSWER) and profile.dimension not in META_DIMENSIONS
        bars.append(_bar(label, row.count, share, k, words, secondary=secondary))
    title = words.dimension(profile.dimension)
    return Figure(title, Table(title, header, rows, kinds), Chart(title, bars))


def _bar(label: str, cell: Cell, share: float | None, k: int, words: Words, secondary: bool = False) -> Bar:
    shown = cell.display(k)
    if cell.hidden:
        return Bar(label, shown, None, secondary)
    value = f"{shown} · {words.percent(share)}" if share is not None else shown
    return Bar(label, value, share or 0.0, secondary)


def _who(data: ReportData, words: Words) -> Section:
    section = Section("who", words("section_who"))
    intro = words("who_intro", n=_count(data.overall.responses, data.k))
    if data.population:
        intro += words("who_rates")
    section.blocks.append(Paragraph(intro))
    for profile in data.profiles:
        if profile.dimension not in ("channel", "distributor"):
            section.blocks.append(_profile_figure(profile, data, words))
    return section


def _table_hidden(table: QuestionTable) -> bool:
    return not table.groups


def _question_figure(table: QuestionTable, words: Words, level: int = 4) -> Figure:
    question = table.question
    title = words.question(question)
    notes = []
    if question.sensitive:
        notes.append(words("sensitive_note", k=table.k))
    if _table_hidden(table):
        return Figure(title, None, None, [*notes, words("table_hidden", k=table.k)], level)
    for condition in question.show_if:
        asked_by = words.survey.question(condition.question)
        choices = [words.choice(asked_by, c.name, c.label) for c in asked_by.choices if c.name in condition.any_of]
        notes.append(words("show_if_note", question=words.question(asked_by), choices=words.join(
            [f"„{c}“" if words.lang == "de" else f"“{c}”" for c in choices])))
    if question.type is QuestionType.MULTI:
        notes.append(words("multi_note"))
    if question.type in (QuestionType.SCALE, QuestionType.NUMBER):
        mean = table.means.get(ALL)
        if mean is None:
            notes.append(words("no_mean_note"))
        elif question.type is QuestionType.SCALE:
            notes.append(words("mean_note", mean=words.decimal(mean), low=question.minimum, high=question.maximum))
        else:
            notes.append(words("mean_plain_note", mean=words.decimal(mean)))
    rows, bars = [], []
    for row in table.rows:
        cell = table.cell(row.key)
        if row.key == ANSWERED and question.type is QuestionType.MULTI:
            continue  # "answered at least one option": the shares of the options say more
        label = words.row(question, row.key, row.label)
        share = table.share(row.key)
        rows.append([label, cell.display(table.k), words.percent(share)])
        bars.append(_bar(label, cell, share, table.k, words, secondary=row.key in (DECLINED, NO_ANSWER)))
    header = [words("col_answer"), words("col_count"), words("col_share")]
    return Figure(title, Table(title, header, rows, ["text", "count", "number"]), Chart(title, bars), notes, level)


def _results(data: ReportData, words: Words) -> Section:
    section = Section("results", words("section_results"))
    section.blocks.append(Paragraph(words("results_intro", n=_count(data.overall.responses, data.k))))
    profile_questions = {q for name, q in PROFILE_QUESTIONS.items()
                         if any(p.dimension == name for p in data.profiles)}
    tables = [t for t in data.overall.tables
              if t.question.name not in profile_questions and t.question.type is not QuestionType.TEXT]
    order = {name: i for i, name in enumerate(THEMATIC_FIELDS)}
    fields = sorted(dict.fromkeys(t.question.field for t in tables), key=lambda f: order.get(f, len(order)))
    for name in fields:
        section.blocks.append(Heading(words.field(name), 3))
        for table in (t for t in tables if t.question.field == name):
            section.blocks.append(_question_figure(table, words))
    return section


def _ranking(data: ReportData, words: Words) -> Section:
    section = Section("ranking", words("section_ranking"))
    section.blocks.append(Paragraph(words("ranking_intro")))
    ranked = [item for item in data.overall.ranking if item.share is not None][:RANKING_LENGTH]
    if not ranked:
        section.blocks.append(Paragraph(words("ranking_none")))
        return section
    rows, bars = [], []
    for rank, item in enumerate(ranked, start=1):
        k = min_cell_for(data.k, item.question.sensitive)
        question, answer = words.question(item.question), words.choice(item.question, item.choice, item.label)
        rows.append([f"{rank}.", words.field(item.question.field), question, answer, item.count.display(k),
                     words.percent(item.share)])
        bars.append(Bar(f"{rank}. {answer} ({question})", words.percent(item.share), item.share))
    title = words("section_ranking")
    header = [words("col_rank"), words("col_field"), words("col_question"), words("col_answer"), words("col_count"),
              words("col_share")]
    section.blocks.append(Figure(title, Table(title, header, rows, ["number", "text", "text", "text", "count",
                                                                    "number"]), Chart(title, bars), level=3,
                                 wide=True))
    return section


def _asked_share(table: QuestionTable, choice: str, group: str) -> float | None:
    """A choice's share among those in `group` who were asked the question (answered or declined)."""
    return table.share_of_asked(choice, group)


def _differences_table(overall: Summary, broken: Summary, words: Words, title: str) -> Table | None:
    """The largest differences between a group and everyone, both as shares of those asked (like the ranking)."""
    tables = {t.question.name: t for t in overall.tables}
    found = []
    for difference in differences(overall, broken, limit=10**6):
        question = difference.item.question
        broken_table = next(t for t in broken.tables if t.question.name == question.name)
        here = _asked_share(broken_table, difference.item.choice, difference.group)
        base = _asked_share(tables[question.name], difference.item.choice, ALL)
        if here is None or base is None:
            continue
        found.append((-abs(here - base), question.name, difference.item.choice, difference.group, difference, here,
                      base))
    found.sort(key=lambda f: f[:4])
    if not found:
        return None
    rows = []
    for *_, difference, here, base in found[:DIFFERENCES_LENGTH]:
        question = difference.item.question
        if broken.by == "language":
            group = words.language(difference.group)
        else:
            group = words.choice(words.survey.question(broken.by or ""), difference.group, difference.group_label)
        need = (f"{words.question(question)} – "
                f"{words.choice(question, difference.item.choice, difference.item.label)}")
        rows.append([group, need, words.percent(here), words.percent(base), words.points((here - base) * 100)])
    header = [words("col_group"), words("col_question"), words("col_here"), words("col_overall"),
              words("col_points")]
    return Table(title, header, rows, ["text", "text", "number", "number", "number"])


def _differences(data: ReportData, words: Words) -> Section:
    section = Section("differences", words("section_differences"))
    section.blocks.append(Paragraph(words("differences_intro", k2=2 * data.k)))
    for broken, key in ((data.by_area, "differences_by_area"), (data.by_language, "differences_by_language")):
        if broken is None:
            continue
        title = words(key)
        table = _differences_table(data.overall, broken, words, title) if broken.shown else None
        section.blocks.append(Figure(title, table, None, [] if table else [words("differences_none")], 3))
    return section


def _free(data: ReportData, words: Words) -> Section:
    section = Section("free", words("section_free"))
    section.blocks.append(Paragraph(words("free_intro", k=data.k)))
    tables = {t.question.name: t for t in data.overall.tables}
    for question in (q for q in data.survey.questions if q.type is QuestionType.TEXT):
        texts = sorted(data.texts.get(question.name, []), key=str.casefold)
        section.blocks.append(Heading(words.question(question), 3))
        table = tables.get(question.name)
        if not texts:
            section.blocks.append(Paragraph(words("free_hidden", k=data.k), note=True))
            continue
        if table is not None and not _table_hidden(table):
            section.blocks.append(Paragraph(words("free_count", n=table.cell(ANSWERED).display(table.k)), note=True))
        section.blocks.append(Paragraph(words("free_more", shown=len(texts)), note=True))
        section.blocks.append(Quotes(texts))
    return section


def _limits(data: ReportData, words: Words) -> Section:
    section = Section("limits", words("section_limits"))
    section.blocks.append(Paragraph(words("limits_intro")))
    items = [words("limit_sample"), words("limit_self")]
    overall = data.overall
    hidden_any = False
    if overall.shown:
        for table in overall.tables:
            question = words.question(table.question)
            if _table_hidden(table):
                items.append(words("limit_table_hidden", question=question, k=table.k))
                hidden_any = True
                continue
        for broken, name in ((data.by_area, "area"), (data.by_language, "language")):
            profile = next((p for p in data.profiles if p.dimension == name), None)
            if broken is None or profile is None or not broken.tables:
                continue
            shown_groups = {g.key for t in broken.tables for g in t.groups}
            left_out = [f"{_profile_label(profile, r.key, r.label, words)} ({r.count.display(data.k)})"
                        for r in profile.rows if r.count.display(data.k) != "0" and r.key not in shown_groups]
            if left_out:
                hidden_any = True
                items.append(words("limit_groups", dimension=words.dimension(name), groups=", ".join(left_out),
                                   k=data.k))
        unranked = [f"{words.question(i.question)} – {words.choice(i.question, i.choice, i.label)}"
                    for i in overall.ranking if i.share is None]
        if unranked:
            hidden_any = True
            items.append(words("limit_unranked", items="; ".join(unranked)))
        for question in (q for q in data.survey.questions if q.type is QuestionType.TEXT):
            if not data.texts.get(question.name):
                hidden_any = True
                items.append(words("limit_free", question=words.question(question), k=data.k))
    if overall.shown and not hidden_any:
        items.append(words("limit_nothing"))
    section.blocks.append(Bullets(items))
    return section


# ------------------------------------------------------------------------------------------------ HTML

CSS = """
:root { --ink: #16202b; --muted: #4a5663; --rule: #c9d1da; --accent: #1f3b63; --paper: #ffffff; }
* { box-sizing: border-box; }
html { background: #eef1f4; }
body { margin: 0 auto; max-width: 60rem; padding: 2rem 2.5rem 3rem; background: var(--paper); color: var(--ink);
  font: 16px/1.5 "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
header.cover { border-bottom: 3px solid var(--accent); padding-bottom: 1rem; margin-bottom: 1.5rem; }
.kicker { text-transform: uppercase; letter-spacing: .06em; font-size: .8rem; color: var(--muted); margin: 0; }
h1 { font-size: 2rem; line-height: 1.2; margin: .3rem 0 .4rem; }
.subtitle { margin: 0; color: var(--muted); }
nav ol { margin: .8rem 0 0; padding-left: 1.4rem; columns: 2; }
nav a { color: var(--accent); }
h2 { font-size: 1.45rem; margin: 2.5rem 0 .8rem; padding-bottom: .2rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
h4 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
p { margin: .5rem 0; }
p.note, ul.notes { color: var(--muted); font-size: .9rem; }
ul.notes { margin: .3rem 0 0; padding-left: 1.1rem; }
figure { margin: .6rem 0 1.4rem; }
.pair { display: grid; grid-template-columns: minmax(0, 11fr) minmax(0, 9fr); gap: 1.2rem; align-items: start; }
.pair svg { width: 100%; height: auto; display: block; }
.pair.wide { grid-template-columns: minmax(0, 1fr); }
.pair.wide svg { max-width: 34rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { font-weight: 600; background: #f3f5f7; }
tbody th { font-weight: normal; background: none; }
figure caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
td.count, td.number, th.count, th.number { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
blockquote { margin: .5rem 0; padding: .4rem .8rem; border-inline-start: 3px solid var(--accent); background: #f6f8fa; }
ul.limits li { margin: .3rem 0; }
footer { margin-top: 3rem; padding-top: .6rem; border-top: 1px solid var(--rule); color: var(--muted);
  font-size: .85rem; }
@media (max-width: 46rem) { body { padding: 1rem; } .pair { grid-template-columns: 1fr; } nav ol { columns: 1; } }
@page { size: A4; margin: 16mm 15mm 18mm; }
@media print {
  html, body { background: #fff; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.chapter + section.chapter { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  figure, tr, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  th { background: none; }
}
"""

_SVG_WIDTH = 430
_TRACK_X = 0
_TRACK_WIDTH = 300
_LINE_HEIGHT = 16
_BAR_HEIGHT = 14
_LABEL_CHARS = 56


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class _Ids:
    def __init__(self) -> None:
        self.next = 0

    def __call__(self, prefix: str) -> str:
        self.next += 1
        return f"{prefix}{self.next}"


def _svg(chart: Chart, lang: str, ids: _Ids) -> str:
    """A horizontal bar chart on a 0-100 % axis: the label above each bar, the value written beside it,
    hatched bars (dotted for "prefer not to say" and "not asked"), hidden values as an empty dashed bar."""
    texts = TEXTS[lang]
    chart_id = ids("chart")
    hatch, dots = f"{chart_id}-hatch", f"{chart_id}-dots"
    parts = []
    y = 22
    rows = []
    for bar in chart.bars:
        lines = textwrap.wrap(bar.label, _LABEL_CHARS) or [""]
        rows.append((bar, lines, y))
        y += len(lines) * _LINE_HEIGHT + _BAR_HEIGHT + 12
    height = y
    parts.append(
        f'<svg viewBox="0 0 {_SVG_WIDTH} {height}" width="{_SVG_WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-t" font-family="Noto Sans, DejaVu Sans, '
        f'Liberation Sans, Arial, sans-serif">')
    parts.append(f'<title id="{chart_id}-t">{_e(texts["chart_label"].format(title=chart.title))}</title>')
    parts.append(
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d5deea"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#1f3b63" stroke-width="3"/></pattern>'
        f'<pattern id="{dots}" patternUnits="userSpaceOnUse" width="5" height="5">'
        f'<rect width="5" height="5" fill="#ffffff"/><circle cx="2.5" cy="2.5" r="1.1" fill="#4a5663"/>'
        f'</pattern></defs>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = _TRACK_X + tick * _TRACK_WIDTH
        parts.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - 6}" stroke="#c9d1da" '
                     f'stroke-width="1" stroke-dasharray="{"none" if tick == 0 else "2 3"}"/>')
        anchor = "start" if tick == 0 else ("end" if tick == 1 else "middle")
        parts.append(f'<text x="{x:.1f}" y="10" font-size="10" fill="#4a5663" text-anchor="{anchor}">'
                     f'{_e(format_percent(lang, tick))}</text>')
    for bar, lines, top in rows:
        for index, line in enumerate(lines):
            parts.append(f'<text x="{_TRACK_X}" y="{top + 12 + index * _LINE_HEIGHT}" font-size="13" '
                         f'fill="#16202b">{_e(line)}</text>')
        bar_y = top + len(lines) * _LINE_HEIGHT + 3
        if bar.share is None:
            width = 28.0
            parts.append(f'<rect x="{_TRACK_X + 0.5}" y="{bar_y}" width="{width}" height="{_BAR_HEIGHT}" '
                         f'fill="none" stroke="#4a5663" stroke-width="1" stroke-dasharray="3 2"/>')
            value = f"{bar.value} ({texts['chart_hidden']})"
        else:
            width = max(bar.share, 0.0) * _TRACK_WIDTH
            if width > 0:
                fill = dots if bar.secondary else hatch
                parts.append(f'<rect x="{_TRACK_X + 0.5}" y="{bar_y}" width="{max(width, 1.5):.1f}" '
                             f'height="{_BAR_HEIGHT}" fill="url(#{fill})" stroke="#16202b" stroke-width="1"/>')
            value = bar.value
        parts.append(f'<text class="value" x="{_TRACK_X + width + 6:.1f}" y="{bar_y + 11}" font-size="12" '
                     f'font-weight="600" fill="#16202b">{_e(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_table(table: Table) -> str:
    out = ['<table>', f"<caption>{_e(table.caption)}</caption>", "<thead><tr>"]
    for name, kind in zip(table.header, table.kinds, strict=True):
        out.append(f'<th scope="col" class="{kind}">{_e(name)}</th>')
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>")
        for index, (value, kind) in enumerate(zip(row, table.kinds, strict=True)):
            if index == 0 and kind == "text":
                out.append(f'<th scope="row">{_e(value)}</th>')
            else:
                out.append(f'<td class="{kind}">{_e(value)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _html_block(block: Block, lang: str, ids: _Ids) -> str:
    if isinstance(block, Paragraph):
        return f'<p class="note">{_e(block.text)}</p>' if block.note else f"<p>{_e(block.text)}</p>"
    if isinstance(block, Heading):
        return f"<h{block.level}>{_e(block.text)}</h{block.level}>"
    if isinstance(block, Bullets):
        return '<ul class="limits">' + "".join(f"<li>{_e(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Quotes):
        return "".join(f'<blockquote dir="auto">{_e(item)}</blockquote>' for item in block.items)
    if isinstance(block, Table):
        return _html_table(block)
    level = block.level
    out = [f"<figure><h{level}>{_e(block.heading)}</h{level}>"]
    if block.chart is not None and block.table is not None:
        layout = "pair wide" if block.wide else "pair"
        out.append(f'<div class="{layout}">{_svg(block.chart, lang, ids)}{_html_table(block.table)}</div>')
    elif block.table is not None:
        out.append(_html_table(block.table))
    if block.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in block.notes) + "</ul>")
    out.append("</figure>")
    return "".join(out)


def to_html(document: Document) -> str:
    """One self-contained HTML file: inline CSS and SVG, no scripts, nothing from the network."""
    texts = TEXTS[document.lang]
    ids = _Ids()
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{document.lang}" dir="ltr">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(document.title)} – {_e(document.kicker)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        '<header class="cover">',
        f'<p class="kicker">{_e(document.kicker)}</p>',
        f"<h1>{_e(document.title)}</h1>",
        f'<p class="subtitle">{_e(document.subtitle)}</p>',
        f'<nav aria-label="{_e(texts["contents"])}"><ol>',
        *(f'<li><a href="#{s.key}">{_e(re.sub(r"^[0-9]+[.] ", "", s.title))}</a></li>' for s in document.sections),
        "</ol></nav>",
        "</header>",
        "<main>",
    ]
    for section in document.sections:
        out.append(f'<section class="chapter" id="{section.key}" aria-labelledby="{section.key}-h">')
        out.append(f'<h2 id="{section.key}-h">{_e(section.title)}</h2>')
        out.extend(_html_block(block, document.lang, ids) for block in section.blocks)
        out.append("</section>")
    out += ["</main>", f"<footer>{_e(document.footer)}</footer>", "</body>", "</html>", ""]
    return "\n".join(out)


# -------------------------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


_MARKUP = re.compile(r"([\\`*_\[\]<>#|~!])")


def _md_untrusted(text: str) -> str:
    """Residents' own words: nothing in them may become Markdown or HTML markup."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split())).replace("&", "&amp;")


def _md_table(table: Table, caption: bool = True) -> list[str]:
    lines = [f"*{_md(table.caption)}*", ""] if caption else []
    lines.append("| " + " | ".join(_md(h) for h in table.header) + " |")
    lines.append("|" + "|".join("---:" if kind != "text" else "---" for kind in table.kinds) + "|")
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in table.rows]
    return [*lines, ""]


def to_markdown(document: Document) -> str:
    """The same content as the HTML, with tables instead of charts."""
    lines = [f"# {document.title}", "", f"{document.kicker}  ", document.subtitle, ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [f"*{block.text}*" if block.note else block.text, ""]
            elif isinstance(block, Heading):
                lines += [f"{'#' * block.level} {block.text}", ""]
            elif isinstance(block, Bullets):
                lines += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Quotes):
                for item in block.items:
                    lines += [f"> {_md_untrusted(item)}", ""]
            elif isinstance(block, Table):
                lines += _md_table(block)
            else:
                lines += [f"{'#' * block.level} {block.heading}", ""]
                if block.table is not None:
                    lines += _md_table(block.table, caption=False)
                lines += [f"- {note}" for note in block.notes] + ([""] if block.notes else [])
    lines += ["---", "", document.footer, ""]
    return "\n".join(lines)


def render(data: ReportData, output_format: str, lang: str = "de", catalogs: Catalogs | None = None) -> str:
    document = build(data, lang, catalogs)
    return to_html(document) if output_format == "html" else to_markdown(document)
