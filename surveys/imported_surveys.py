"""Imported surveys in the database: each import that changes a survey adds a version (Heard numbers them:
1, 2, 3, whatever the form's own version says), an unchanged one adds nothing, and the definition of every
version is recorded like any survey's, so answers given under it stay readable."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import func, select

from surveys.forms.xlsform.read import ImportedForm
from surveys.registry import record_version
from surveys.store.database import DbSession
from surveys.store.schema import ImportedSurvey, SurveyVersion


@dataclass(frozen=True)
class Stored:
    form: ImportedForm
    """The form as stored, with Heard's version number."""
    changed: bool
    """False: the newest version already had this content; nothing was added."""
    previous: int | None


async def store_import(db: DbSession, form: ImportedForm, source_file: str, now: dt.datetime) -> Stored:
    """Add the imported form as the survey's next version, unless its newest version has the same content."""
    survey_id = form.survey.id
    newest = await db.scalar(select(ImportedSurvey).where(ImportedSurvey.survey_id == survey_id)
                             .order_by(ImportedSurvey.version.desc()).limit(1))
    if newest is not None and _content(yaml.safe_load(newest.definition)) == _content(form.document) \
            and json.loads(newest.translations) == form.translations:
        return Stored(form.with_version(newest.version), changed=False, previous=newest.version)
    recorded = await db.scalar(select(func.max(SurveyVersion.version)).where(SurveyVersion.survey_id == survey_id))
    version = max(recorded or 0, newest.version if newest else 0) + 1
    stored = form.with_version(version)
    db.add(ImportedSurvey(
        survey_id=survey_id, version=version, definition=stored.yaml_text,
        translations=json.dumps(stored.translations, ensure_ascii=False, sort_keys=True),
        source_file=source_file[:255], source_version=(form.source_version or None) and form.source_version[:255],
        imported_at=now,
    ))
    await record_version(db, stored.survey, stored.yaml_text)
    return Stored(stored, changed=True, previous=newest.version if newest else None)


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "version"}
