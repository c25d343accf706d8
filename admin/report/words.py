"""The report's own texts in German and English, and the survey's texts, in one language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from gettext import NullTranslations

from babel import Locale, UnknownLocaleError

from admin.summary import ANSWERED, NO_ANSWER
from surveys.core.model import DECLINED, Question, QuestionType, Survey
from surveys.i18n.catalogs import Catalogs, survey_domain

LANGUAGES = ("de", "en")


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
