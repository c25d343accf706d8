"""A survey with recordings (per question, per choice, per language; one file missing) in a folder, as the
recording tests on every channel need it."""

from __future__ import annotations

from pathlib import Path

VOICED_SURVEY = """
id: voiced
version: 1
language: de
title: Hören und antworten
questions:
  - name: course
    type: single
    field: language
    label: Besuchen Sie einen Sprachkurs?
    audio: {de: audio/course-de.ogg, ar: audio/course-ar.ogg}
    choices:
      - {name: "yes", label: "Ja", audio: {de: audio/yes-de.mp3}}
      - {name: "no", label: "Nein"}
  - name: children
    type: single
    field: education
    label: Leben Kinder bei Ihnen?
    audio: {ar: audio/children-ar.ogg}
    choices:
      - {name: "yes", label: "Ja"}
      - {name: "no", label: "Nein"}
  - name: wish
    type: text
    field: closing
    label: Was wünschen Sie sich?
    audio: {de: audio/gone-de.ogg}
"""


def voiced_survey_config(tmp_path: Path) -> str:
    """Writes the survey and its recordings (gone-de.ogg is named but missing) under tmp_path; returns the
    heard.toml lines that make it the default survey."""
    folder = tmp_path / "surveys"
    (folder / "audio").mkdir(parents=True)
    (folder / "voiced.yaml").write_text(VOICED_SURVEY, encoding="utf-8")
    for name in ("course-de.ogg", "course-ar.ogg", "yes-de.mp3", "children-ar.ogg"):
        (folder / "audio" / name).write_bytes(b"OggS-recording:" + name.encode())
    return f'[surveys]\ndefault = "voiced"\ndirectories = ["{folder}"]\n'
