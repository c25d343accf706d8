"""`heard-admin report`: the needs-analysis report, in HTML and Markdown, German and English.

The data is deterministic (fixed ids, days and wave), stored directly as tests/admin/test_summary.py does, so the
Markdown report can be compared with tests/admin/golden/report.md. Regenerate it after an intended change with

    HEARD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/admin/test_report.py -q

and read the diff before committing it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from admin import report as reporting
from admin.summary import summarize
from surveys.conversation import answer_rows
from surveys.core.disclosure import EMPTY, HIDDEN_MARK, KEY_MODULUS, Tally, disclose
from surveys.core.engine import SessionState, final_answers
from surveys.core.model import DECLINED
from surveys.i18n.catalogs import Catalogs
from surveys.store.schema import Distributor, Response, Wave
from tests.support.commands import BIN

GOLDEN = Path(__file__).parent / "golden" / "report.md"
WAVE = "2027-fruehjahr"
K = 5


# ------------------------------------------------------------------------------------------------ data


def _pick(i: int, pattern: list[tuple[int, object]]) -> object:
    """Deterministic choice: `pattern` is [(how many of every sum(n), value), ...], cycled over i."""
    cycle = sum(n for n, _ in pattern)
    position = (i * 7) % cycle  # 7 is coprime to every cycle used, so each cycle is a permutation
    for n, value in pattern:
        if position < n:
            return value
        position -= n
    raise AssertionError


def _answers(i: int) -> tuple[dict, str, str, int | None]:
    """(answers, language, channel, distributor id) of the i-th of 60 residents."""
    area = "nordstadt" if i < 28 else "altstadt" if i < 52 else "elsewhere" if i < 57 else "suedstadt"
    language = "de" if i < 28 else "ar" if i < 44 else "uk" if i < 52 else "tr" if i < 57 else "ru"
    if i % 20 == 19:
        language = {"de": "ar", "ar": "de"}.get(language, language)
    channel = _pick(i, [(8, "telegram"), (2, "assisted"), (2, "paper")])
    distributor = _pick(i, [(5, None), (3, 1), (4, 2)])
    course = _pick(i, [(5, "yes"), (3, "attending"), (2, "no_need"), (1, "no"), (1, DECLINED)])
    barriers = _pick(i, [(3, ("times", "childcare")), (2, ("times",)), (2, ("cost", "level")), (1, ("distance",)),
                         (2, ("nothing",))])
    children = _pick(i, [(2, "yes"), (1, "no")])
    answers = {
        "area": area,
        "years_here": _pick(i, [(2, "under_1"), (3, "from_1_to_3"), (4, "from_3_to_10"), (3, "over_10")]),
        "age_band": "under_18" if i in (5, 41) else _pick(i, [(4, "from_18_to_29"), (5, "from_30_to_49"),
                                                               (2, "from_50_to_64"), (1, "over_64")]),
        "gender": "diverse" if i in (3, 33) else _pick(i, [(6, "woman"), (5, "man"), (1, DECLINED)]),
        "know_advice": _pick(i, [(5, "yes"), (4, "partly"), (3, "no")]),
        "understood_by_town": _pick(i, [(1, 1), (2, 2), (3, 3), (3, 4), (2, 5), (1, "never_contacted")]),
        "language_course": course,
        "course_barriers": barriers,
        "work_barriers": _pick(i, [(4, ("language", "recognition")), (2, ("childcare",)), (2, ("where_to_look",)),
                                   (1, ("discrimination", "language")), (3, ("not_looking",))]),
        "children_school": children,
        "school_system": _pick(i, [(1, 2), (2, 3), (2, 4), (1, 5)]),
        "health_barriers": _pick(i, [(4, ("waiting",)), (2, ("waiting", "interpreter")), (1, ("where_to_go",)),
                                     (1, ("cost",)), (4, ("no_problem",))]),
        "housing_problems": _pick(i, [(4, ("cost",)), (2, ("cost", "space")), (2, ("finding",)), (1, ("condition",)),
                                      (3, ("no_problem",))]),
        "feel_at_home": _pick(i, [(1, 2), (3, 3), (4, 4), (4, 5)]),
    }
    if i % 6 == 0:
        answers["town_should_change"] = TEXTS[(i // 6) % len(TEXTS)]
    return answers, language, channel, distributor


TEXTS = [
    "Mehr Sprachcafés am Abend",
    "Kinderbetreuung während der Kurse",
    "مزيد من دورات اللغة في المساء",
    "Більше місць у дитячих садках",
    "Termine beim Amt auch online",
    "Wohnungen, die man bezahlen kann, Kontakt: 0151 99887766",
    "Ein Treffpunkt für Frauen in der Nordstadt",
    "Busse am Wochenende öfter",
    "Hilfe bei der Anerkennung von Abschlüssen",
    "Formulare in einfacher Sprache",
]


async def store_responses(core, count: int = 60, wave: str | None = WAVE, offset: int = 0) -> None:
    survey = core.registry.default
    async with core.db() as db, db.begin():
        if offset == 0:
            db.add(Distributor(id=1, code="dist-frauencafe", name="Frauencafé Nord", language="ar",
                               created_on=dt.date(2027, 2, 1)))
            db.add(Distributor(id=2, code="dist-lotsen", name="Integrationslots:innen", language=None,
                               created_on=dt.date(2027, 2, 1)))
            berlin = ZoneInfo("Europe/Berlin")  # stored in UTC, as surveys.waves compares: opens 28 February, 23:00
            db.add(Wave(survey_id=survey.id, name=WAVE,
                        opens_at=dt.datetime(2027, 3, 1, tzinfo=berlin).astimezone(dt.UTC),
                        closes_at=dt.datetime(2027, 5, 31, 23, 59, tzinfo=berlin).astimezone(dt.UTC), closed=False))
        for index in range(offset, offset + count):
            answers, language, channel, distributor = _answers(index)
            state = SessionState(survey_id=survey.id, survey_version=survey.version, answers=answers)
            response = Response(id=f"r{index:05d}", survey_id=survey.id, survey_version=survey.version,
                                respondent=f"p{index:05d}", language=language, channel=channel,
                                submitted_on=dt.date(2027, 3, 2) + dt.timedelta(days=index % 50),
                                distributor_id=distributor, wave=wave, record_key=record_key(index))
            response.answers = answer_rows(survey, final_answers(survey, state))
            db.add(response)


def record_key(index: int) -> int:
    """Fixed record keys, so the Cell Key Method's numbers (and the golden file) are the same on every run."""
    return (index * 2654435761 + 12345) % KEY_MODULUS


def published(indexes) -> str:  # type: ignore[no-untyped-def]
    """What the report must show for the records with these indexes."""
    return disclose(sum((Tally(1, record_key(i)) for i in indexes), EMPTY), K).display()


async def report_data(core, wave: str | None = WAVE, population: dict[str, int] | None = None):
    async with core.db() as db:
        return await reporting.collect(db, core.registry.default, K, municipality="Stadt Testhausen", wave=wave,
                                       population=population)


@pytest.fixture
async def stored(core):
    await store_responses(core)
    # another wave's responses, which a report for WAVE must not count
    await store_responses(core, count=6, wave="2026-herbst", offset=60)
    return core


# ------------------------------------------------------------------------------------------ checks


class _Cells(HTMLParser):
    """The text of every table cell marked as a count, every chart value, and all text."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: list[str] = []
        self.values: list[str] = []
        self.text: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        classes = (dict(attrs).get("class") or "").split()
        if tag == "td" and "count" in classes:
            self._into = self.counts
        elif tag == "text" and "value" in classes:
            self._into = self.values

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "text"):
            self._into = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)
        if self._into is not None:
            self._into.append(data.strip())


def _small(number: str) -> bool:
    return 0 < int(number) < K


def assert_no_small_counts_html(page: str) -> None:
    cells = _Cells()
    cells.feed(page)
    assert cells.counts and cells.values
    for value in cells.counts:
        assert re.fullmatch(r"\d+|" + HIDDEN_MARK, value), value
        assert not (value.isdigit() and _small(value)), value
    for value in cells.values:  # "12 · 40 %", the hidden marker, or a share alone in the ranking
        count = re.match(r"(\d+) ·", value)
        assert not (count and _small(count.group(1))), value
    text = "".join(cells.text)
    for number in re.findall(r"n=(\d+)", text):
        assert not _small(number), number


def assert_no_small_counts_markdown(markdown: str) -> None:
    count_columns: list[int] = []
    checked = 0
    for line in markdown.splitlines():
        if not line.startswith("|"):
            count_columns = []
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if any(c in ("Anzahl", "Count") for c in cells):
            count_columns = [i for i, c in enumerate(cells) if c in ("Anzahl", "Count")]
            continue
        for index in count_columns:
            if set(cells[index]) <= set("-:"):
                continue
            checked += 1
            assert re.fullmatch(r"\d+|" + HIDDEN_MARK, cells[index]), line
            assert not (cells[index].isdigit() and _small(cells[index])), line
    assert checked > 50
    for number in re.findall(r"n=(\d+)", markdown):
        assert not _small(number), number


# ------------------------------------------------------------------------------------------ tests


async def test_markdown_report_matches_the_golden_file(stored):
    data = await report_data(stored, population={"altstadt": 2400, "nordstadt": 3100, "suedstadt": 900})
    markdown = reporting.render(data, "md", "de")
    if os.environ.get("HEARD_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8"), (
        "the Markdown report changed; if that is intended, run HEARD_UPDATE_GOLDEN=1 pytest "
        "tests/admin/test_report.py and review the diff of tests/admin/golden/report.md")


async def test_reports_show_no_count_below_k_in_either_format_or_language(stored):
    data = await report_data(stored)
    assert data.overall.responses.display(K) == published(range(60)), "only the wave asked for"
    for lang in ("de", "en"):
        assert_no_small_counts_markdown(reporting.render(data, "md", lang))
        assert_no_small_counts_html(reporting.render(data, "html", lang))


async def test_report_structure_wording_and_protection(stored):
    data = await report_data(stored)
    markdown = reporting.render(data, "md", "de")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["## 1. Methode und Reichweite", "## 2. Wer hat geantwortet?",
                        "## 3. Ergebnisse nach Handlungsfeldern", "## 4. Genannte Bedarfe und Hürden im Überblick",
                        "## 5. Unterschiede nach Stadtteil und Sprache", "## 6. Freitext-Antworten",
                        "## 7. Grenzen und ausgeblendete Werte"]
    assert "Keine Zufallsstichprobe" in markdown
    assert "Erhebungswelle: 2027-fruehjahr (geöffnet 01.03.2027 bis 31.05.2027)." in markdown
    # small groups: Südstadt (3 people) shows as 0 or 5, never 3; the same number wherever it appears
    south = published(range(57, 60))
    assert south in ("0", "5") and f"| Südstadt | {south} |" in markdown
    assert re.search(r"\bSüdstadt\b[^\n]*\b3\b", markdown) is None
    assert "Stadtteil: im Vergleich fehlen" in markdown and "weil dort weniger als 5 Antworten sind" in markdown
    assert "Cell-Key-Methode" in markdown and "Zahlen von 1 bis 4 erscheinen als 0 oder 5" in markdown
    # the sensitive health question: counts below 10 appear as 0 or 10
    assert "Sensible Frage: Zahlen unter 10 erscheinen als 0 oder 10." in markdown
    # free texts: scrubbed, shown because at least k people wrote one
    assert r"Kontakt: \[phone\]" in markdown and "0151" not in markdown
    # neutral wording: no judgement words in the report's own texts
    german = reporting.ReportTexts("de")
    for word in ("schlecht", "schlimm", "Problemviertel", "auffällig", "alarm"):
        assert word not in german("differences_intro", k2=10) + german("ranking_intro")


async def test_english_report_uses_the_english_catalog(stored):
    data = await report_data(stored)
    markdown = reporting.render(data, "md", "en")
    assert markdown.startswith("# What do you need in our town?\n")
    assert "## 1. Method and reach" in markdown and "Not a random sample" in markdown
    assert "Would you like to take a (further) German course?" in markdown
    assert "The course times don't suit me" in markdown
    assert "Möchten Sie" not in markdown
    page = reporting.render(data, "html", "en")
    assert '<html lang="en" dir="ltr">' in page


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_the_report_reads_its_texts_and_language_names_from_the_catalogs(stored, tmp_path):
    """A translator who rewords locales/de/LC_MESSAGES/report.po, or the name of a language in its catalog's
    header, changes the officers' report without touching code."""
    locales = tmp_path / "locales"
    shutil.copytree(Path(reporting.__file__).parents[2] / "locales", locales)
    _replace(locales / "de" / "LC_MESSAGES" / "report.po", 'msgstr "Methode und Reichweite"',
             'msgstr "So wurde gefragt"')
    _replace(locales / "ar" / "LC_MESSAGES" / "bot.po", '"X-Heard-Name: العربية\\n"\n',
             '"X-Heard-Name: العربية\\n"\n"X-Heard-Name-de: Arabisch (Hocharabisch)\\n"\n')
    catalogs = Catalogs(locales)
    data = await report_data(stored)
    markdown = reporting.render(data, "md", "de", catalogs)
    page = reporting.render(data, "html", "de", catalogs)
    assert "## 1. So wurde gefragt" in markdown and ">1. So wurde gefragt</h2>" in page
    assert "| Arabisch (Hocharabisch) |" in markdown and "| Arabisch |" not in markdown
    # the shipped catalogs: CLDR's names, and the catalogs' own where CLDR's is not what people say
    shipped = reporting.Words("de", data.survey)
    assert [shipped.language(code) for code in ("ar", "kmr", "de_plain", "fa_AF")] == [
        "Arabisch", "Kurdisch (Kurmandschi)", "Deutsch (Leichte Sprache)", "Dari"]
    assert reporting.Words("en", data.survey).language("kmr") == "Kurdish (Kurmanji)"


def test_translations_check_wants_the_report_texts_in_german_only(cli_env, tmp_path):
    locales = tmp_path / "locales"
    shutil.copytree(Path(reporting.__file__).parents[2] / "locales", locales)
    _replace(locales / "de" / "LC_MESSAGES" / "report.po", 'msgstr "Methode und Reichweite"', 'msgstr ""')
    assert not (locales / "ar" / "LC_MESSAGES" / "report.po").exists()
    broken = _heard_admin("translations", "check", "--locales", str(locales), env=cli_env)
    assert broken.returncode == 1
    assert "de/report: section_method 'Method and reach': missing translation" in broken.stderr
    assert "ar/report" not in broken.stderr
    assert _heard_admin("translations", "check", "--locales", str(locales), "ar", env=cli_env).returncode == 0


async def test_differences_compare_shares_of_those_asked(stored):
    """The course barriers were asked only after some answers to the course question: a group's share and the
    overall share are both shares of those asked, so a group like everyone else differs by about 0 points."""
    data = await report_data(stored)
    document = reporting.build(data, "de")
    section = next(s for s in document.sections if s.key == "differences")
    tables = [b.table for b in section.blocks if isinstance(b, reporting.Figure) and b.table]
    assert len(tables) == 2
    for table in tables:
        for row in table.rows:
            points = int(row[4].split()[0].replace("−", "-").replace("±", ""))
            here, overall = (int(v.split("\u00a0")[0]) for v in row[2:4])
            assert abs(points - (here - overall)) <= 1, row
            assert abs(points) < 60, row


async def test_html_is_self_contained(stored):
    page = reporting.render(await report_data(stored), "html", "de")
    assert re.search(r"https?://", page) is None
    assert re.search(r"""(?:src|href)\s*=\s*(?!["']?#)""", page) is None, "only links within the page"
    assert "<script" not in page and "@import" not in page and "url(#" in page
    assert '<html lang="de" dir="ltr">' in page and "@page { size: A4" in page and "break-before: page" in page
    assert page.count("<svg") == page.count('class="pair') > 10
    assert 'dir="auto"' in page, "free texts may be right-to-left"


async def test_too_few_responses_show_no_breakdown(core):
    await store_responses(core, count=3)
    data = await report_data(core)
    for lang in ("de", "en"):
        markdown = reporting.render(data, "md", lang)
        assert "|" not in markdown and "n=" not in markdown, "no table and no count at all"
        assert re.search(r"\b3\b", markdown) is None and ("Zu wenige" in markdown or "Too few" in markdown)
        page = reporting.render(data, "html", lang)
        assert "<svg" not in page and "<table" not in page


async def test_a_small_survey_hides_the_sensitive_question_entirely(core):
    await store_responses(core, count=7)
    data = await report_data(core)
    markdown = reporting.render(data, "md", "de")
    assert "Nicht gezeigt: weniger als 10 Personen haben diese Frage beantwortet." in markdown
    assert "ganz ausgeblendet, weil weniger als 10 Personen geantwortet haben" in markdown
    assert_no_small_counts_markdown(markdown)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _heard_admin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "heard-admin"), *args], capture_output=True, text=True, env=env, timeout=120)


async def test_the_command_writes_an_html_report(stored, cli_env, tmp_path):
    population = tmp_path / "population.csv"
    population.write_text("area,population\naltstadt,2400\nnordstadt,3100\nsuedstadt,900\n", encoding="utf-8")
    page = tmp_path / "report.html"
    done = _heard_admin("report", "--wave", WAVE, "--format", "html", "--lang", "de", "--population",
                        str(population), "-o", str(page), env=cli_env)
    assert done.returncode == 0, done.stderr
    assert f"{published(range(60))} completed responses" in done.stdout
    assert done.stderr == "", "no progress bar when standard error is not a terminal"
    html = page.read_text(encoding="utf-8")
    assert "Rücklaufquote" in html and "1,0\u00a0%" in html
    assert_no_small_counts_html(html)


def test_markdown_from_the_suffix_and_a_progress_bar_on_a_terminal(stored, cli_env, tmp_path):
    import pty

    markdown = tmp_path / "report.md"
    main, secondary = pty.openpty()
    try:
        done = subprocess.run([str(BIN / "heard-admin"), "report", "--wave", WAVE, "--lang", "en", "-o",
                               str(markdown)], env=cli_env, stdout=subprocess.PIPE, stderr=secondary, text=True,
                              timeout=120)
    finally:
        os.close(secondary)
    seen = b""
    try:
        while chunk := os.read(main, 65536):
            seen += chunk
    except OSError:  # the terminal is closed once the command has ended
        pass
    finally:
        os.close(main)
    assert done.returncode == 0, seen
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# What do you need in our town?") and "<svg" not in text
    assert_no_small_counts_markdown(text)
    assert "\u2501".encode() in seen and b"0:00:0" in seen, seen[:300]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium "
                    "chromium-driver); CI installs it")
async def test_the_html_report_opens_in_headless_chromium_without_console_errors(stored, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(reporting.render(await report_data(stored), "html", "de"), encoding="utf-8")
    screenshot = tmp_path / "report.png"
    shown = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0",
         f"--user-data-dir={tmp_path / 'chromium'}", f"--screenshot={screenshot}", "--window-size=1280,2000",
         page.as_uri()], capture_output=True, text=True, timeout=90)
    log = shown.stdout + shown.stderr
    assert shown.returncode == 0, log
    assert "Uncaught" not in log and ":CONSOLE" not in log, log  # any console message; the page has no script
    assert _png_size(screenshot) == (1280, 2000)
    assert screenshot.stat().st_size > 30_000, "a rendered page, not a blank one"
    if os.environ.get("HEARD_KEEP_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["HEARD_KEEP_SCREENSHOT"])


async def test_summary_used_by_the_report_is_the_one_officers_see(stored):
    """The report's numbers are the summary's numbers: same cells, same protection."""
    data = await report_data(stored)
    async with stored.db() as db:
        again = await summarize(db, stored.registry.default, K, wave=WAVE)
    assert [t.cells for t in data.overall.tables] == [t.cells for t in again.tables]
