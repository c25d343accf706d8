"""`heard-admin results summary`: counts, shares, breakdowns and the needs ranking, protected by disclosure
control. (`results export` lives in admin/export_commands.py.)"""

from __future__ import annotations

import asyncio
import csv
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from admin import summary_formats
from admin.context import chosen_survey, console, core, errors
from admin.summary import ALL, Profile, Summary, UnknownDimension, differences, summarize, who_answered

app = typer.Typer(no_args_is_help=True, help="Results: summaries with small-group protection, and exports.")


class SummaryFormat(StrEnum):
    table = "table"
    md = "md"
    csv = "csv"
    json = "json"


def read_population(path: Path | None) -> dict[str, int] | None:
    """A small CSV with columns area,population (area names as in heard.toml)."""
    if path is None:
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return {row["area"].strip(): int(row["population"]) for row in csv.DictReader(handle)}
    except OSError as exc:
        errors.print(f"--population {path}: {exc.strerror}; give a CSV file with the columns area,population",
                     highlight=False)
        raise typer.Exit(1) from exc
    except UnicodeDecodeError as exc:
        errors.print(f"--population {path}: not UTF-8 text; save it as \"CSV UTF-8\"", highlight=False)
        raise typer.Exit(1) from exc
    except (KeyError, ValueError) as exc:
        errors.print(f"{path}: needs the columns area,population with whole numbers ({exc})", highlight=False)
        raise typer.Exit(1) from exc


@app.command()
def summary(
    survey_id: str = typer.Option(None, "--survey", help="Survey id (default: the configured default)."),
    wave: str = typer.Option(None, "--wave", help="Only this wave, e.g. 2027-spring."),
    by: str = typer.Option(None, "--by", help="Break down by area, language, age, gender, years, channel, "
                           "distributor, wave, or any single-choice question."),
    questions: list[str] = typer.Option(None, "--question", help="Only these questions (repeatable)."),
    output_format: SummaryFormat = typer.Option(SummaryFormat.table, "--format", help="table, md, csv or json."),
    population: Path = typer.Option(None, "--population", metavar="FILE",
                                    help="CSV area,population: adds response rates."),
) -> None:
    """Counts and shares per question and answer over completed responses; "prefer not to say" and "not asked
    or no answer" apart; means of scales; the most reported needs; who answered. Every count is protected by
    the Cell Key Method: changed by at most 2, counts below k (default 5) show as 0 or k, the same number
    everywhere; groups below k are left out.

    Example: heard-admin results summary --by area --format md > summary.md
    """
    figures = read_population(population)

    async def run() -> tuple[Summary, list[Profile], Summary | None]:
        async with core(writes=False) as opened, opened.db() as db:
            survey = chosen_survey(opened.registry, survey_id)
            k = opened.settings.privacy.min_cell
            try:
                result = await summarize(db, survey, k, by=by, wave=wave, questions=questions or None)
            except UnknownDimension as exc:
                errors.print(str(exc))
                raise typer.Exit(1) from exc
            overall = await summarize(db, survey, k, wave=wave) if by else None
            languages = opened.conversations.catalogs.for_survey(survey.id).languages
            return result, await who_answered(db, survey, k, wave, figures, languages), overall

    result, profiles, overall = asyncio.run(run())
    if output_format is SummaryFormat.csv:
        sys.stdout.write(summary_formats.to_csv(result))
    elif output_format is SummaryFormat.json:
        sys.stdout.write(summary_formats.to_json(result, profiles))
    elif output_format is SummaryFormat.md:
        sys.stdout.write(summary_formats.to_markdown(result, profiles))
    else:
        _print_tables(result, profiles, overall)


def _print_tables(result: Summary, profiles: list[Profile], overall: Summary | None) -> None:
    survey, k = result.survey, result.k
    wave = f", wave {result.wave}" if result.wave else ""
    console.print(f"[bold]{survey.title}[/bold] ({survey.id} v{survey.version}{wave})", highlight=False)
    if not result.shown:
        console.print(summary_formats.too_few(k), highlight=False)
        return
    console.print(f"{result.responses.display()} completed responses. " + summary_formats.method_note(k) + " "
                  + summary_formats.CAVEAT, highlight=False)
    who = Table("who answered", "", title_justify="left")
    for profile in profiles:
        who.add_row(profile.dimension, ", ".join(
            f"{r.label} {r.count.display(k)}" + (f" ({r.rate:.1%})" if r.rate else "") for r in profile.rows
            if r.count.shown != 0))
    console.print(who)
    ranking = Table("#", "field", "question", "answer", "count", "share", title="Needs and barriers, most reported "
                    "first", title_justify="left")
    for rank, item in enumerate(result.ranking[:10], start=1):
        ranking.add_row(str(rank), item.question.field, item.question.name, item.label, item.count.display(item.k),
                        "" if item.share is None else f"{item.share:.0%}")
    console.print(ranking)
    for table in result.tables:
        groups = table.groups if result.by else [g for g in table.groups if g.key == ALL]
        if not table.groups:
            console.print(f"{table.question.name}: hidden (fewer than {table.k} respondents)")
            continue
        view = Table("answer", *(f"{g.label}\nn={g.size.display(table.k)}" for g in groups),
                     title=f"{table.question.name}: {table.question.label}", title_justify="left")
        for row in table.rows:
            view.add_row(row.label, *(
                f"{table.cell(row.key, g.key).display(table.k)} {_percent(table.share(row.key, g.key))}".strip()
                for g in groups))
        if table.means:
            view.add_row("mean", *("" if table.means.get(g.key) is None else f"{table.means[g.key]:.1f}"
                                   for g in groups))
        console.print(view)
    if overall is not None:
        found = differences(overall, result)
        if found:
            diff = Table("group", "need", "share here", "overall", "difference",
                         title=f"Where {result.by} groups differ most from the whole", title_justify="left")
            for d in found:
                diff.add_row(d.group_label, f"{d.item.question.name}: {d.item.label}", f"{d.share:.0%}",
                             f"{d.overall:.0%}", f"{d.points:+.0f} points")
            console.print(diff)


def _percent(share: float | None) -> str:
    return "" if share is None else f"({share:.0%})"
