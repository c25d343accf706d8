"""Which surveys Heard runs: the bundled ones plus any in the configured folders, validated at start.

Every version that was ever run is also kept in the database (`survey_versions`), so a resident who started
under version 1 finishes under version 1 even after the file moved on, and old responses stay readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import select

from surveys.config import Settings
from surveys.loader import BUNDLED_DIR, SurveyProblem, SurveyValidationError, load_survey, parse_survey
from surveys.model import Survey
from surveys.store.database import DbSession
from surveys.store.schema import SurveyVersion


class SurveyRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._current: dict[str, Survey] = {}
        self._texts: dict[str, str] = {}
        self._versions: dict[tuple[str, int], Survey] = {}
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
        if settings.surveys.default not in self._current:
            known = ", ".join(sorted(self._current)) or "none"
            raise KeyError(f"default survey '{settings.surveys.default}' not found (known: {known})")

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

    @property
    def default(self) -> Survey:
        return self._current[self.settings.surveys.default]

    def current(self, survey_id: str) -> Survey | None:
        return self._current.get(survey_id)

    def all_current(self) -> list[Survey]:
        return list(self._current.values())

    async def version(self, db: DbSession, survey_id: str, version: int) -> Survey | None:
        """A specific version, from memory or from the database's record of it."""
        key = (survey_id, version)
        if key not in self._versions:
            row = await db.scalar(
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
            text = self._texts[survey_id]
            exists = await db.scalar(
                select(SurveyVersion.id).where(
                    SurveyVersion.survey_id == survey_id, SurveyVersion.version == survey.version
                )
            )
            if exists is None:
                db.add(
                    SurveyVersion(
                        survey_id=survey_id,
                        version=survey.version,
                        title=survey.title,
                        content_hash=hashlib.sha256(text.encode()).hexdigest(),
                        definition=text,
                        registered_on=dt.date.today(),
                    )
                )
