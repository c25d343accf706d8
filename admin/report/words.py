"""The report's own texts and the survey's texts, in one language.

The report's own texts are gettext messages of the officer-facing `report` domain: English source here (msgctxt
= the key), translations in `locales/<lang>/LC_MESSAGES/report.po` (German at least; see REPORT_LANGUAGES).
`heard-admin translations extract` finds them by the `source_text(key, text)` marker. Languages are named as
Babel (CLDR) names them in the report's language, unless the language's catalog says otherwise
(`X-Heard-Name-de:`, `X-Heard-Name-en:`); numbers are formatted by Babel in surveys.core.languages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from gettext import NullTranslations

from admin.summary import ANSWERED, NO_ANSWER
from surveys.core.languages import (
    REPORT_DOMAIN,
    REPORT_LANGUAGES,
    REPORT_SOURCE_LANGUAGE,
    format_number,
    format_share,
)
from surveys.core.model import DECLINED, Question, QuestionType, Survey
from surveys.i18n.catalogs import Catalogs, survey_domain

LANGUAGES = REPORT_LANGUAGES


def source_text(key: str, text: str) -> tuple[str, str]:
    """Marks a report text for extraction (msgctxt `key`, msgid `text`)."""
    return key, text


TEXTS: dict[str, str] = dict((
    source_text("kicker", "Needs analysis · {municipality}"),
    source_text("subtitle", "Survey “{title}”, version {version}"),
    source_text("subtitle_wave", "Survey “{title}”, version {version}, wave {wave}"),
    source_text("contents", "Contents"),
    source_text("section_method", "Method and reach"),
    source_text("section_who", "Who answered?"),
    source_text("section_results", "Results by thematic field"),
    source_text("section_ranking", "Needs and barriers reported, at a glance"),
    source_text("section_differences", "Differences by area and by language"),
    source_text("section_free", "Answers in people's own words"),
    source_text("section_limits", "Limits and what was left out"),
    source_text("asked", "The survey “{title}” (version {version}) asked {questions} questions in the thematic "
                         "fields {fields}. Every question could be skipped with “prefer not to say” where the "
                         "survey allows it."),
    source_text("when_wave", "Wave: {wave}{wave_period}."),
    source_text("when_all", "All responses to version {version} of the survey are included, across all waves."),
    source_text("wave_period", " (open {start} to {end})"),
    source_text("wave_open_end", " (open from {start})"),
    source_text("period", "Responses came in between {first} and {last}."),
    source_text("responses", "Completed responses: n={n}."),
    source_text("too_few", "Too few completed responses: results are shown from {k} responses on, so that "
                           "nobody can be recognised by their answers."),
    source_text("channels", "Channels and trusted messengers: the survey was handed out through several "
                            "channels and passed on by trusted messengers (distributors such as associations, "
                            "advice centres and community guides). The tables show how many responses came "
                            "through which channel and which trusted messenger. Who passed on a link says "
                            "nothing about where someone lives."),
    source_text("disclosure", "Small-group protection (the Cell Key Method, as in the German census 2022): "
                              "every number in this report is changed slightly, by at most {deviation}, and "
                              "the same number is the same everywhere. Counts from 1 to {below} appear as 0 or "
                              "{k}.{sensitive} Totals and shares therefore do not always add up exactly. "
                              "Groups with fewer than {k} responses are left out of comparisons (“{hidden}”). "
                              "Zero stays zero."),
    source_text("disclosure_sensitive", " For sensitive questions ({questions}) counts below {ks} appear as 0 "
                                        "or {ks}."),
    source_text("caveat", "Not a random sample: these are the people who were reached through these channels "
                          "and chose to answer. The results describe them; they cannot be generalised to the "
                          "whole population. All shares are shares of those who answered."),
    source_text("who_intro", "Who the respondents are. Shares are of all n={n} completed responses."),
    source_text("who_rates", " The response rate is the number of responses per resident of the area "
                             "(population figures from the file given)."),
    source_text("results_intro", "All questions by thematic field. Shares are of all n={n} completed "
                                 "responses; “not asked” counts those who did not see the question because of "
                                 "an earlier answer."),
    source_text("ranking_intro", "Answers that report a need or a barrier, ordered by their share among the "
                                 "people who were asked the question. The order shows what was reported often; "
                                 "it says nothing about how urgent a need is."),
    source_text("ranking_none", "No needs can be shown."),
    source_text("differences_intro", "Where the share of an answer in a group differs from its share among all "
                                     "respondents, in percentage points, each among the people who were asked "
                                     "the question. The largest differences are shown, from shown numbers "
                                     "only; groups with fewer than {k2} responses are left out, as the "
                                     "protection of small groups can move their shares a lot. The differences "
                                     "describe the respondents, not everyone in an area or language, and are "
                                     "not tested against chance: they are a reason to talk with people on the "
                                     "ground, not a finding."),
    source_text("differences_by_area", "By area"),
    source_text("differences_by_language", "By language of the response"),
    source_text("differences_none", "No differences can be shown (too few responses in the groups)."),
    source_text("free_intro", "Answers in people's own words, as written (phone numbers, e-mail addresses, "
                              "account names and links removed). Shown only where at least {k} people wrote "
                              "something."),
    source_text("free_count", "n={n} people wrote something here."),
    source_text("free_more", "{shown} answers are shown, in alphabetical order."),
    source_text("free_hidden", "Not shown: fewer than {k} people wrote something here."),
    source_text("limits_intro", "What this report does not show, and why."),
    source_text("limit_sample", "The respondents are not a random sample; people the channels used did not "
                                "reach are missing."),
    source_text("limit_self", "All answers are self-reported. Differences between groups are not tested for "
                              "statistical significance."),
    source_text("limit_table_hidden", "“{question}”: left out entirely, fewer than {k} people answered."),
    source_text("limit_groups", "{dimension}: left out of the comparison: {groups}, because they have fewer "
                                "than {k} responses."),
    source_text("limit_unranked", "Not in the overview of needs because a number it needs is hidden: {items}."),
    source_text("limit_free", "Free text “{question}”: not shown, fewer than {k} people wrote something."),
    source_text("limit_nothing", "No values hidden."),
    source_text("sensitive_note", "Sensitive question: counts below {k} appear as 0 or {k}."),
    source_text("multi_note", "Several answers possible: the shares do not add up to 100%."),
    source_text("show_if_note", "Asked only of those who answered “{question}” with: {choices}."),
    source_text("mean_note", "Mean {mean} on the scale from {low} to {high}."),
    source_text("mean_plain_note", "Mean {mean}."),
    source_text("no_mean_note", "No mean: too few answers."),
    source_text("table_hidden", "Not shown: fewer than {k} people answered this question."),
    source_text("or", "or"),
    source_text("quoted", "“{text}”"),
    source_text("col_answer", "Answer"),
    source_text("col_count", "Count"),
    source_text("col_share", "Share"),
    source_text("col_rate", "Response rate"),
    source_text("col_group", "Group"),
    source_text("col_rank", "Rank"),
    source_text("col_field", "Thematic field"),
    source_text("col_question", "Question"),
    source_text("col_here", "Share in the group"),
    source_text("col_overall", "Share overall"),
    source_text("col_points", "Difference"),
    source_text("points", "{value} pp"),
    source_text("chart_label", "Bar chart: {title}. The values are also in the table beside it."),
    source_text("chart_hidden", "hidden"),
    source_text("declined", "Prefer not to say"),
    source_text("not_asked", "Not asked or no answer"),
    source_text("answered", "Answered"),
    source_text("organic", "No trusted messenger (direct)"),
    source_text("dimension_language", "Language of the response"),
    source_text("dimension_area", "Area"),
    source_text("dimension_age", "Age"),
    source_text("dimension_years", "Years living here"),
    source_text("dimension_gender", "Gender"),
    source_text("dimension_channel", "Channel"),
    source_text("dimension_distributor", "Trusted messenger (distributor)"),
    source_text("channel_telegram", "Chat (Telegram)"),
    source_text("channel_assisted", "Assisted interview (e.g. at an info stand)"),
    source_text("channel_paper", "Paper questionnaire"),
    source_text("footer", "Made with Heard. All numbers with small-group protection (k = {k})."),
    source_text("field_core", "About the respondents"),
    source_text("field_information", "Information and access"),
    source_text("field_language", "Language"),
    source_text("field_work", "Work"),
    source_text("field_education", "Education and children"),
    source_text("field_health", "Health"),
    source_text("field_housing", "Housing and neighbourhood"),
    source_text("field_living_together", "Living together"),
    source_text("field_participation", "Participation"),
    source_text("field_closing", "Suggestions"),
))
"""key -> English source text; the `report` catalog of the report's language translates it."""


def format_percent(lang: str, share: float | None) -> str:
    """A share as the report prints it: whole percent, one decimal below 1 % so that a small share is not 0 %."""
    if share is None:
        return ""
    return format_share(share, lang, decimals=1 if 0 < share * 100 < 1 else 0)


class ReportTexts:
    """The report's own texts and number formats in one language."""

    def __init__(self, lang: str, catalogs: Catalogs | None = None) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"report language {lang!r} is not one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.catalogs = catalogs or Catalogs()
        self.report_catalog: NullTranslations = self.catalogs.translations(REPORT_DOMAIN, lang,
                                                                           REPORT_SOURCE_LANGUAGE)

    def __call__(self, key: str, **values: object) -> str:
        return self.report_catalog.pgettext(key, TEXTS[key]).format(**values)

    def percent(self, share: float | None) -> str:
        return format_percent(self.lang, share)

    def rate(self, share: float | None) -> str:
        return "" if share is None else format_share(share, self.lang, decimals=1)

    def decimal(self, value: float) -> str:
        return format_number(value, self.lang, decimals=1)

    def points(self, value: float) -> str:
        rounded = round(value)
        sign = "+" if rounded > 0 else ("−" if rounded < 0 else "±")
        return self("points", value=f"{sign}{abs(rounded)}")

    def quote(self, text: str) -> str:
        """In the language's quotation marks („…“ in German, “…” in English)."""
        return self("quoted", text=text)

    def date(self, day: dt.date) -> str:
        return day.strftime("%d.%m.%Y") if self.lang == "de" else day.isoformat()

    def join(self, items: Sequence[str]) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self('or')} " + items[-1]

    def language(self, code: str) -> str:
        if code == NO_ANSWER:
            return self("not_asked")
        return self.catalogs.language_name(code, self.lang)


class Words(ReportTexts):
    """The report's own texts and the survey's texts in one language."""

    def __init__(self, lang: str, survey: Survey, catalogs: Catalogs | None = None) -> None:
        super().__init__(lang, catalogs)
        self.survey = survey
        self.catalog: NullTranslations = self.catalogs.translations(survey_domain(survey.id), lang, survey.language)

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
        key = f"field_{name}"
        return self(key) if key in TEXTS else name.replace("_", " ").capitalize()

    def channel(self, code: str) -> str:
        key = f"channel_{code}"
        return self(key) if key in TEXTS else code

    def dimension(self, name: str) -> str:
        key = f"dimension_{name}"
        return self(key) if key in TEXTS else name
