"""Summaries as plain formats for pipes and documents: CSV, JSON, Markdown. Every number printed here is a
Cell already passed through disclosure control (surveys.core.disclosure); hidden ones print as its one marker."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from admin.summary import ALL, Profile, Summary
from surveys.core.disclosure import HIDDEN_MARK, MAX_DEVIATION

CAVEAT = ("These are the people who chose to answer, reached through channels and trusted messengers; "
          "they are not a random sample of the population.")


def method_note(k: int) -> str:
    """What officers need to know to read the numbers, in their words."""
    return (f"To protect small groups, every count is changed slightly and always in the same way: by at most "
            f"{MAX_DEVIATION}, a count below {k} shows as 0 or {k}, so rows need not add up to their totals. "
            f"Groups with fewer than {k} responses are not shown ({HIDDEN_MARK}).")


def too_few(k: int) -> str:
    return f"Too few completed responses to show results (at least {k} are needed)."


def flat_rows(summary: Summary) -> list[dict[str, Any]]:
    rows = []
    for table in summary.tables:
        for row in table.rows:
            for group in table.groups:
                cell = table.cell(row.key, group.key)
                share = table.share(row.key, group.key)
                rows.append({
                    "question": table.question.name,
                    "field": table.question.field,
                    "answer": row.key,
                    "label": row.label,
                    "group": group.key,
                    "group_label": group.label,
                    "count": cell.display(),
                    "share": share,
                })
    return rows


def to_csv(summary: Summary) -> str:
    buffer = io.StringIO()
    fields = ["question", "field", "answer", "label", "group", "group_label", "count", "share"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(flat_rows(summary) if summary.shown else [])
    return buffer.getvalue()


def to_json(summary: Summary, profiles: list[Profile] | None = None) -> str:
    data: dict[str, Any] = {
        "survey_id": summary.survey.id,
        "survey_version": summary.survey.version,
        "wave": summary.wave,
        "by": summary.by,
        "min_cell": summary.k,
        "hidden_mark": HIDDEN_MARK,
        "responses": summary.responses.display(),
        "rows": flat_rows(summary) if summary.shown else [],
        "ranking": [
            {"question": i.question.name, "answer": i.choice, "label": i.label, "field": i.question.field,
             "count": i.count.display(), "share": i.share}
            for i in summary.ranking
        ] if summary.shown else [],
    }
    if profiles is not None and summary.shown:
        data["who_answered"] = {
            p.dimension: {r.key: r.count.display() for r in p.rows} for p in profiles
        }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def to_markdown(summary: Summary, profiles: list[Profile] | None = None) -> str:
    survey = summary.survey
    k = summary.k
    lines = [f"# {survey.title} ({survey.id} v{survey.version}{', wave ' + summary.wave if summary.wave else ''})",
             ""]
    if not summary.shown:
        lines.append(too_few(k))
        return "\n".join(lines) + "\n"
    lines += [f"Completed responses: {summary.responses.display()}. {method_note(k)}", ""]
    if profiles:
        lines += ["## Who answered", "", CAVEAT, ""]
        for profile in profiles:
            lines.append(f"- **{profile.dimension}**: " + ", ".join(
                f"{r.label} {r.count.display(k)}" + (f" ({r.rate:.1%} of residents)" if r.rate else "")
                for r in profile.rows if r.count.shown != 0))
        lines.append("")
    lines += ["## Needs and barriers, most reported first", "", "| # | field | question | answer | count | share |",
              "|---|---|---|---|---|---|"]
    for rank, item in enumerate(summary.ranking[:15], start=1):
        lines.append(f"| {rank} | {item.question.field} | {item.question.label} | {item.label} | "
                     f"{item.count.display(item.k)} | {_percent(item.share)} |")
    lines.append("")
    for field in summary.fields():
        lines += [f"## {field.replace('_', ' ').capitalize()}", ""]
        for table in (t for t in summary.tables if t.question.field == field):
            groups = table.groups if summary.by else [g for g in table.groups if g.key == ALL]
            lines += [f"### {table.question.label}", ""]
            header = "| answer | " + " | ".join(f"{g.label} (n={g.size.display(table.k)})" for g in groups) + " |"
            lines += [header, "|---|" + "---|" * len(groups)]
            for row in table.rows:
                values = [
                    f"{table.cell(row.key, g.key).display(table.k)} {_percent(table.share(row.key, g.key))}".strip()
                    for g in groups
                ]
                lines.append(f"| {row.label} | " + " | ".join(values) + " |")
            means = [table.means.get(g.key) for g in groups]
            if any(m is not None for m in means):
                lines.append("| mean | " + " | ".join("" if m is None else f"{m:.1f}" for m in means) + " |")
            lines.append("")
    return "\n".join(lines)
