"""Step 2 of the report: a small document model (sections of paragraphs, tables, charts, quotes) in the report's
language, built from the collected data. This module only ever prints `cell.display(k)` and shares of shown
cells, and never adds hidden counts back together."""

from __future__ import annotations

from dataclasses import dataclass, field

from admin.report.collect import ReportData
from admin.report.words import Words
from admin.summary import ALL, ANSWERED, META_DIMENSIONS, NO_ANSWER, Profile, QuestionTable, Summary, differences
from surveys.core.disclosure import HIDDEN_MARK, MAX_DEVIATION, Cell, min_cell_for
from surveys.core.disclosure import share as disclosed_share
from surveys.core.model import DECLINED, THEMATIC_FIELDS, QuestionType
from surveys.i18n.catalogs import Catalogs

PROFILE_QUESTIONS = {"area": "area", "age": "age_band", "years": "years_here", "gender": "gender"}
"""Profile dimensions that are survey questions: shown under "who answered", not again under the results."""
RANKING_LENGTH = 15
DIFFERENCES_LENGTH = 8


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
                               questions=", ".join(words.quote(words.question(q)) for q in sensitive))
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
            [words.quote(c) for c in choices])))
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
