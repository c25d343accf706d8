"""Console interviews at an info stand, answered by a script as a person reading the screen would answer."""

from __future__ import annotations

GERMAN_INTERVIEW = [
    "Deutsch", "Ja, los geht's", "Nordstadt", "Weniger als 1 Jahr", "18 bis 29", "Frau", "Ja", "3", "Ja",
    "Die Kurszeiten passen nicht", "Keine Kinderbetreuung", "Fertig (2 gewählt)",
    "Sprache", "Fertig (1 gewählt)", "Nein", "Lange Wartezeiten", "Fertig (1 gewählt)",
    "Keine Probleme", "Fertig (1 gewählt)", "5", "=Mehr Sprachcafés, Kontakt: 0151 99887766",
]


class Interviewer:
    """Answers a console interview by option label (or "=text" to type), as a person reading the screen."""

    def __init__(self, script: list[str], another: bool = False) -> None:
        self.script = list(script)
        self.screen: list[str] = []
        self.another = another

    def write(self, line: str) -> None:
        self.screen.append(line)

    ANOTHER = ("Start another interview?", "Ein weiteres Interview beginnen?")

    async def read(self, prompt: str) -> str | None:
        if any(line in self.ANOTHER for line in self.screen[-3:]):
            return "1" if self.another else "2"
        if not self.script:
            return None
        step = self.script.pop(0)
        if step.startswith("="):
            return step[1:]
        options = [line for line in self.screen[-40:] if line.startswith("  [")]
        shown = [line[3:].split("] ", 1) for line in reversed(options)]
        for number, label in shown:
            if label.strip() == step:
                return number
        for number, label in shown:
            if label.strip().endswith(" " + step) or label.strip().startswith(step + " ✔"):
                return number
        raise AssertionError(f"no option {step!r} on screen: {options[-12:]}")


async def interview(settings, script: list[str]) -> Interviewer:
    from bot.console import run_console
    from surveys.wiring import open_core

    interviewer = Interviewer(script)
    core = await open_core(settings)
    try:
        await run_console(core.conversations, interviewer.read, interviewer.write)
    finally:
        await core.close()
    return interviewer
