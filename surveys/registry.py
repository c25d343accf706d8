"""Which surveys Heard runs: the bundled ones, any in the configured folders (validated at start), and those
imported from XLSForms, which live in the database.

Every version that was ever run is also kept in the database (`survey_versions`), so a resident who started
under version 1 finishes under version 1 even after the file moved on, and old responses stay readable.

Imported surveys reach every worker: each one notices, at most once a second, that the database holds a newer
import than it has read (`refresh`), and from then on offers the new version with its translations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys.config import Settings
from surveys.core.model import Survey
from surveys.forms.loader import BUNDLED_DIR, SurveyProblem, SurveyValidationError, load_survey, parse_survey
from surveys.i18n.catalogs import BOT_SOURCE_LANGUAGE, Catalogs
from surveys.i18n.tooling import survey_messages
from surveys.store.database import DbSession, SyncDbSession
from surveys.store.schema import ImportedSurvey, SurveyVersion

log = logging.getLogger(__name__)

#: How often a worker looks for surveys imported since it last looked.
REFRESH_INTERVAL = 1.0


class SurveyRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._current: dict[str, Survey] = {}
        self._texts: dict[str, str] = {}
        self._versions: dict[tuple[str, int], Survey] = {}
        self._imported: dict[str, dict[str, dict[str, str]]] = {}
        """survey id -> its translations, for surveys imported into the database."""
        self._generation = 0
        """The newest imported_surveys row read so far."""
        self._looked_at = -REFRESH_INTERVAL
        self._clock: Callable[[], float] = time.monotonic
        for path in self.files():
            survey = load_survey(path, settings.municipality.areas)
            if survey.id in self._current:
                first = self._current[survey.id].source
                raise SurveyValidationError(
                    [SurveyProblem(str(path), 1, f"survey id '{survey.id}' is already used by {first}")]
                )
            self._current[survey.id] = survey
            self._texts[survey.id] = path.read_text(encoding="utf-8")
            self._versions[(survey.id, survey.version)] = survey

    def files(self) -> list[Path]:
        return self.survey_files(self.settings)

    @staticmethod
    def survey_files(settings: Settings) -> list[Path]:
        folders = [BUNDLED_DIR, *settings.surveys.directories]
        seen: dict[str, Path] = {}
        for folder in folders:
            for path in sorted(Path(folder).glob("*.yaml")):
                seen[path.stem] = path  # a configured folder may override a bundled survey of the same file name
        return list(seen.values())

    def require_default(self) -> None:
        """The configured default survey must exist (in a file or imported)."""
        if self.settings.surveys.default not in self._current:
            known = ", ".join(sorted(self._current)) or "none"
            raise KeyError(f"default survey '{self.settings.surveys.default}' not found (known: {known})")

    @property
    def default(self) -> Survey:
        self.require_default()
        return self._current[self.settings.surveys.default]

    def current(self, survey_id: str) -> Survey | None:
        return self._current.get(survey_id)

    def all_current(self) -> list[Survey]:
        return list(self._current.values())

    def is_imported(self, survey_id: str) -> bool:
        return survey_id in self._imported

    def imported_translations(self, survey_id: str) -> dict[str, dict[str, str]]:
        return self._imported.get(survey_id, {})

    def version(self, db: SyncDbSession, survey_id: str, version: int) -> Survey | None:
        """A specific version, from memory or from the database's record of it. Synchronous, for the
        conversation's transaction; async callers use `await db.run_sync(registry.version, ...)`."""
        key = (survey_id, version)
        if key not in self._versions:
            row = db.scalar(
                select(SurveyVersion).where(SurveyVersion.survey_id == survey_id, SurveyVersion.version == version)
            )
            if row is None:
                return None
            self._versions[key] = parse_survey(row.definition, f"{survey_id}@{version}",
                                               self.settings.municipality.areas)
        return self._versions[key]

    async def record_versions(self, db: DbSession) -> None:
        """Store the definition of every current survey version not yet recorded."""
        for survey_id, survey in self._current.items():
            if survey_id in self._imported:
                continue  # the import recorded it
            await record_version(db, survey, self._texts[survey_id])

    # -- imported surveys --------------------------------------------------------------------------------------

    async def load_imported(self, db: DbSession, catalogs: Catalogs | None = None) -> bool:
        """Read the newest version of every imported survey, if anything was imported since the last look;
        hand their translations to `catalogs`. Returns whether anything changed."""
        newest = await db.scalar(select(func.max(ImportedSurvey.id)))
        if newest is None or newest == self._generation:
            return False
        latest = select(func.max(ImportedSurvey.id)).group_by(ImportedSurvey.survey_id)
        rows = (await db.scalars(select(ImportedSurvey).where(ImportedSurvey.id.in_(latest)))).all()
        for row in rows:
            if row.survey_id in self._current and row.survey_id not in self._imported:
                log.warning("imported survey '%s' is not offered: a survey file uses the same id", row.survey_id)
                continue
            try:
                survey = parse_survey(row.definition, f"{row.source_file} (imported)", self.settings.municipality.areas)
            except SurveyValidationError as exc:  # written by an older Heard that read it differently
                log.error("imported survey '%s' v%d cannot be read: %s", row.survey_id, row.version, exc)
                continue
            self._current[survey.id] = survey
            self._versions[(survey.id, survey.version)] = survey
            self._imported[survey.id] = json.loads(row.translations)
        self._generation = newest
        if catalogs is not None:
            self.offer_imported_languages(catalogs)
        return True

    async def refresh(self, sessions: async_sessionmaker[DbSession], catalogs: Catalogs) -> None:
        """Notice surveys imported since the last look (at most once every REFRESH_INTERVAL seconds)."""
        now = self._clock()
        if now - self._looked_at < REFRESH_INTERVAL:
            return
        self._looked_at = now
        async with sessions() as db:
            await self.load_imported(db, catalogs)

    def offer_imported_languages(self, catalogs: Catalogs) -> None:
        """Residents of an imported survey may choose its source language and every shipped language its
        translations cover completely, so that nobody reads a question half in another language."""
        for survey_id, texts in self._imported.items():
            survey = self._current[survey_id]
            contexts = [context for context, _ in survey_messages(survey)]
            withheld = {code for code in catalogs.languages if code != survey.language
                        and not all(texts.get(code, {}).get(context) for context in contexts)}
            if survey.language not in catalogs.languages and withheld >= set(catalogs.languages):
                # the bot speaks none of the survey's languages: its own texts in English rather than no way in
                withheld.discard(BOT_SOURCE_LANGUAGE)
            catalogs.set_survey_texts(survey_id, texts, withheld)
        self.offer_area_labels(catalogs)

    def offer_area_labels(self, catalogs: Catalogs) -> None:
        """The areas' labels in other languages (heard.toml), for every question that lists the areas: the bot,
        paper forms, paper import and reports read them where they read any other choice's translation."""
        areas = self.settings.municipality.areas
        for survey_id, survey in self._current.items():
            texts: dict[str, dict[str, str]] = {}
            for question in survey.questions:
                if question.choices_from != "areas":
                    continue
                for area in areas:
                    for code, label in area.labels.items():
                        texts.setdefault(code, {})[f"{question.name}.{area.name}"] = label
            catalogs.set_configured_texts(survey_id, texts)


async def record_version(db: DbSession, survey: Survey, definition: str) -> None:
    """Keep a survey version's definition, so that answers given under it stay readable."""
    exists = await db.scalar(
        select(SurveyVersion.id).where(SurveyVersion.survey_id == survey.id, SurveyVersion.version == survey.version)
    )
    if exists is None:
        db.add(
            SurveyVersion(
                survey_id=survey.id,
                version=survey.version,
                title=survey.title,
                content_hash=hashlib.sha256(definition.encode()).hexdigest(),
                definition=definition,
                registered_on=dt.date.today(),
            )
        )
