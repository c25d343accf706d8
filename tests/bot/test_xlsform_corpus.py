"""Real public XLSForms (tests/support/xlsform_corpus.py): of the forms pyxform converts, Heard imports at least 90 %
with --skip-unsupported; every imported form is completed in the console (`heard-bot console`, driven by a
scripted interviewee that answers as a person at an info stand would: buttons, then typed answers, else
"prefer not to say"), its answers are stored, and its export converts with pyxform again. The README states the
figure this test measures."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pyxform.xls2xform import convert
from sqlalchemy import select

from bot.console import interview
from surveys.config import PROJECT_ROOT
from surveys.forms.xlsform import XlsFormError, read_xlsform, write_xlsform
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from surveys.imported_surveys import store_import
from surveys.store.schema import Response
from tests.support.xlsform_corpus import corpus_folder, corpus_forms

GOAL = 0.9


def _corpus() -> Path:
    folder = corpus_folder()
    if folder is None:
        message = ("the XLSForm corpus is not here (../shared/xlsform-corpus beside the repository, or "
                   "HEARD_XLSFORM_CORPUS)")
        if os.environ.get("HEARD_REQUIRE_XLSFORM_CORPUS") == "1":
            pytest.fail(f"{message} (HEARD_REQUIRE_XLSFORM_CORPUS=1)", pytrace=False)
        pytest.skip(message)
    return folder


def converts(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            convert(xlsform=str(path), validate=False, warnings=[])
        except Exception:  # pyxform raises many kinds; any means "pyxform does not convert it"
            return False
    return True


class Interviewee:
    """Answers whatever the console shows: the intro's first button, a choice (the next one each time the
    question comes back), a typed answer from a list of plausible ones, else "prefer not to say"."""

    TYPED = ("1", "1990-05-23", "14:30", "5", "18", "30", "2", "0", "10", "100", "Yes", "yes",
             "anna@example.org", "+49 170 1234567", "0170 1234567", "Testhausen", "1.5")

    def __init__(self, catalogs: Catalogs) -> None:
        self.lines: list[str] = []
        self.read_up_to = 0
        self.attempts: Counter[str] = Counter()
        self.planned: list[str] = []
        self.transcript: list[str] = []
        words = {"Yes, let's start", "Prefer not to say", "Back", "Continue", "Done", "Language"}
        self.said: dict[str, set[str]] = {word: set() for word in words}
        for code in catalogs.languages:
            texts = catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE)
            for word in words:
                self.said[word].add(texts.gettext(word))
            self.said["Done"] |= {texts.ngettext("Done ({count} chosen)", "Done ({count} chosen)", n).format(count=n)
                                  for n in range(1, 40)}

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.transcript.append(line)

    def _is(self, word: str, label: str) -> bool:
        cleaned = re.sub(r"[\u2066-\u2069\u200e\u200f⬅✔🌐✅▫️]", "", label).strip()
        return cleaned in self.said[word]

    async def read(self, prompt: str) -> str | None:
        if len(self.transcript) > 5000:
            return None  # stuck: the test fails on the transcript
        shown = self.lines[self.read_up_to:]
        self.read_up_to = len(self.lines)
        answer = self.planned.pop(0) if self.planned else self.decide(shown)
        self.transcript.append(f"> {answer}")
        return answer

    def decide(self, shown: list[str]) -> str:
        buttons = [(m.group(1), m.group(2)) for line in shown if (m := re.match(r"  \[(\d+)\] (.*)", line))]
        text = [line for line in shown if line and not line.startswith("  [")]
        question = "\n".join(line for line in text if not line.startswith("⚠️"))
        attempt = self.attempts[question]
        self.attempts[question] += 1
        if any(self._is("Yes, let's start", label) for _, label in buttons):
            return next(n for n, label in buttons if self._is("Yes, let's start", label))
        navigation = [n for n, label in buttons if any(self._is(w, label) for w in ("Back", "Language",
                                                                                      "Prefer not to say"))]
        decline = next((n for n, label in buttons if self._is("Prefer not to say", label)), None)
        go_on = next((n for n, label in buttons if self._is("Continue", label)), None)
        done = next((n for n, label in buttons if self._is("Done", label)), None)
        options = [n for n, _ in buttons if n not in navigation and n not in (go_on, done)]
        if go_on is not None and not options:
            return go_on
        if done is not None:  # a multiple choice: tick one more each time it comes back, then done
            if attempt < len(options):
                self.planned = [done]
                return options[attempt]
        elif options:
            if attempt < len(options):
                return options[attempt]
        else:  # typed: the console reads a number up to the count of buttons as a button, so those are left out
            typed = [t for t in self.TYPED if not (t.isdigit() and 1 <= int(t) <= len(buttons))]
            if attempt < len(typed):
                return typed[attempt]
        if decline is not None:
            return decline
        if done is not None:
            return done
        return options[attempt % len(options)] if options else self.TYPED[attempt % len(self.TYPED)]


@dataclass
class Measured:
    converted: list[str] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.imported) / len(self.converted)


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    return corpus_forms(_corpus())


async def test_real_forms_import_complete_in_the_console_and_export_again(corpus, core, tmp_path):
    catalogs = Catalogs()
    measured = Measured()
    stored = []
    for path in corpus:
        if not converts(path):
            continue
        measured.converted.append(path.name)
        try:
            form = read_xlsform(path, f"corpus_{len(measured.converted)}", skip_unsupported=True, catalogs=catalogs)
        except XlsFormError as exc:
            measured.refused[f"{path.parent.name}/{path.name}"] = [str(p) for p in exc.problems]
            continue
        async with core.db() as db, db.begin():
            stored.append((path, (await store_import(db, form, path.name, dt.datetime.now(dt.UTC))).form))
        measured.imported.append(path.name)
    async with core.db() as db:
        await core.registry.load_imported(db, core.catalogs)

    for path, form in stored:
        survey = form.survey
        registry = copy.copy(core.registry)
        registry.settings = core.settings.model_copy(
            update={"surveys": core.settings.surveys.model_copy(update={"default": survey.id})})
        conversations = copy.copy(core.conversations)  # the opened runtime's, with this form as the default
        conversations.registry = registry
        person = Interviewee(core.catalogs)
        completed = await interview(conversations, person.read, person.write)
        assert completed, f"{path.name} could not be completed in the console:\n" + "\n".join(person.transcript[-400:])
        async with core.db() as db:
            assert await db.scalar(select(Response.id).where(Response.survey_id == survey.id)) is not None

        exported = tmp_path / f"{survey.id}.xlsx"
        write_xlsform(survey, form.translations, exported)
        assert converts(exported), f"pyxform does not convert the export of {path.name}"

    print(f"\nXLSForm corpus: {len(measured.imported)} of {len(measured.converted)} forms pyxform converts import "
          f"with --skip-unsupported ({measured.rate:.0%}); refused: {measured.refused}")
    assert measured.rate >= GOAL, measured.refused
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    stated = f"{len(measured.imported)} of the {len(measured.converted)} forms"
    assert stated in readme, f"the README should say: {stated} ({measured.rate:.0%})"
