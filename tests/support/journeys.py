"""Whole stretches of the German needs survey, as a resident taps through them in the bot."""

from __future__ import annotations

from tests.support.residents import Resident, plain

GERMAN_PATH = [
    ("Nordstadt", None),
    ("1 bis 3 Jahre", None),
    ("30 bis 49", None),
    ("Frau", None),
    ("Teilweise", None),
    ("2", None),
    ("Ja", None),
]


async def answer_needs_survey_in_german(resident: Resident) -> None:
    await resident.send("/start")
    assert "Was brauchen Sie in unserer Stadt?" in plain(resident.last.text)
    await resident.tap("Ja, los geht's")
    assert "1/15" in resident.last.text
    for label, _ in GERMAN_PATH:
        await resident.tap(label)
    # course barriers (multi): shown because language_course == yes
    assert "Was hält Sie von einem Deutschkurs ab?" in resident.last.text
    await resident.tap("Die Kurszeiten passen nicht")
    await resident.tap("Keine Kinderbetreuung")
    await resident.tap("Fertig (2 gewählt)")
    await resident.tap("Sprache")  # work barriers
    await resident.tap("Fertig (1 gewählt)")
    await resident.tap("Nein")  # children: no -> school_system skipped
    assert "Ärztin" in resident.last.text
    await resident.tap("Möchte ich nicht sagen")  # health: declined
    await resident.tap("Keine Probleme")  # housing
    await resident.tap("Fertig (1 gewählt)")
    await resident.tap("4")  # feel at home
    assert "Was sollte die Stadt als Erstes ändern?" in resident.last.text
    await resident.send("Mehr Deutschkurse am Abend. Ruft mich an: 0171 2345678")


async def decline_until_free_text(resident: Resident) -> None:
    """"Prefer not to say" to every question before the closing free text: 12 of them, as two
    conditional questions are skipped when their filter question is declined."""
    for _ in range(12):
        await resident.tap("Möchte ich nicht sagen")
    assert "Was sollte die Stadt als Erstes ändern?" in resident.last.text
