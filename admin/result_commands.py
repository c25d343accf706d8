"""`heard-admin results summary|export`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from enum import StrEnum

import typer
from rich.table import Table

from admin.context import console, core, errors
from admin.summary import SurveySummary, summarize

app = typer.Typer(no_args_is_help=True, help="Results: summaries with small-group protection, and exports.")


class SummaryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _survey(opened, survey_id: str | None):  # type: ignore[no-untyped-def]
    survey = opened.registry.current(survey_id) if survey_id else opened.registry.default
    if survey is None:
        errors.print(f"No survey '{survey_id}'.")
        raise typer.Exit(1)
    return survey


@app.command()
def summary(
    survey_id: str = typer.Option(None, "--survey", help="Survey id (default: the configured default)."),
    output_format: SummaryFormat = typer.Option(SummaryFormat.table, "--format", help="table, csv or json."),
) -> None:
    """Counts per question and choice over completed responses. Counts below k (default 5) show as "<5".

    Example: heard-admin results summary --format csv > summary.csv
    """

    async def run() -> SurveySummary:
        async with core() as opened, opened.db() as db:
            survey = _survey(opened, survey_id)
            return await summarize(db, survey, opened.settings.privacy.min_cell)

    result = asyncio.run(run())
    if output_format is SummaryFormat.table:
        _print_table(result)
    elif output_format is SummaryFormat.csv:
        sys.stdout.write(_as_csv(result))
    else:
        sys.stdout.write(json.dumps(_as_json(result), ensure_ascii=False, indent=1) + "\n")


def _print_table(result: SurveySummary) -> None:
    survey = result.survey
    console.print(f"[bold]{survey.title}[/bold] ({survey.id} v{survey.version})", highlight=False)
    if not result.shown:
        console.print(f"{_count(result.responses, result.k)} completed responses: too few to show results "
                      f"(at least {result.k} are needed).", highlight=False)
        return
    console.print(f"{result.responses} completed responses. Counts below k are shown as \"<k\", counts hidden "
                  "so that they cannot be recomputed as \"–\".", highlight=False)
    for question in result.questions:
        table = Table("answer", "count", "share", title=f"{question.question.name}: {question.question.label}",
                      title_justify="left")
        if not question.shown:
            console.print(f"{question.question.name}: hidden (fewer than {question.k} respondents)")
            continue
        for row in question.rows:
            share = row.share(result.responses)
            table.add_row(row.label, row.cell.display(question.k), "" if share is None else f"{share:.0%}")
        if question.mean is not None:
            table.caption = f"mean {question.mean:.2f}"
        console.print(table)


def _count(n: int, k: int) -> str:
    return str(n) if n == 0 or n >= k else f"<{k}"


def _as_rows(result: SurveySummary) -> list[dict[str, object]]:
    rows = []
    for question in result.questions:
        if not (result.shown and question.shown):
            continue
        for row in question.rows:
            rows.append({
                "question": question.question.name,
                "answer": row.key,
                "label": row.label,
                "count": row.cell.display(question.k),
            })
    return rows


def _as_csv(result: SurveySummary) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["question", "answer", "label", "count"])
    writer.writeheader()
    writer.writerows(_as_rows(result))
    return buffer.getvalue()


def _as_json(result: SurveySummary) -> dict[str, object]:
    return {
        "survey_id": result.survey.id,
        "survey_version": result.survey.version,
        "responses": _count(result.responses, result.k),
        "min_cell": result.k,
        "rows": _as_rows(result),
    }
