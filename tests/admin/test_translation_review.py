"""A community translator reviews on a translation platform: the real `heard-admin translations export` hands a
language's catalogs out as XLIFF 1.2 or PO, `import` takes the reviewed texts back and records who reviewed which
text and when, and `status` shows reviewed/draft per language. Nothing changes on a round trip without edits."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from surveys.i18n.exchange import XLIFF_NS, review_of
from surveys.i18n.tooling import read_catalog

HEARD_ADMIN = str(Path(sys.executable).parent / "heard-admin")
X = f"{{{XLIFF_NS}}}"


def admin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARD_ADMIN, "translations", *args], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"})


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree("locales", copy, ignore=shutil.ignore_patterns("*.mo"))
    return copy


def unit(root: ET.Element, source: str) -> ET.Element:
    return next(u for u in root.iter(f"{X}trans-unit") if u.findtext(f"{X}source") == source)


def test_xliff_review_comes_back_marked_with_reviewer_and_date(locales: Path, tmp_path: Path):
    exported = tmp_path / "heard-ar.xlf"
    done = admin("export", "ar", "--format", "xliff", "-o", str(exported), "--locales", str(locales))
    assert done.returncode == 0, done.stderr
    tree = ET.parse(exported)
    files = {f.get("original"): f for f in tree.getroot().iter(f"{X}file")}
    assert {"bot", "survey-needs"} <= set(files) and files["bot"].get("target-language") == "ar"
    assert files["survey-needs"].get("source-language") == "de"
    shown = unit(tree.getroot(), "Show my answers")
    assert shown.get("approved") == "no" and shown.findtext(f"{X}target")

    # the reviewer corrects one text and approves it, approves another as it is, and edits a third without approval
    shown.find(f"{X}target").text = "أرني إجاباتي"  # type: ignore[union-attr]
    shown.set("approved", "yes")
    unit(tree.getroot(), "Nothing was deleted.").set("approved", "yes")
    keep = unit(tree.getroot(), "Keep my answers")
    keep.find(f"{X}target").text = "احتفظ بإجاباتي من فضلك"  # type: ignore[union-attr]
    tree.write(exported, encoding="utf-8", xml_declaration=True)

    done = admin("import", str(exported), "--reviewer", "Leyla Demir", "--locales", str(locales))
    assert done.returncode == 0, done.stderr
    assert "ar: 2 texts changed, 2 marked reviewed by Leyla Demir" in done.stdout

    catalog = read_catalog(locales / "ar" / "LC_MESSAGES" / "bot.po")
    assert catalog.get("Show my answers").string == "أرني إجاباتي"
    review = review_of(catalog.get("Show my answers"))
    assert review is not None and review.who == "Leyla Demir" and review.day == dt.date.today()
    assert review_of(catalog.get("Nothing was deleted.")) is not None
    assert catalog.get("Keep my answers").string == "احتفظ بإجاباتي من فضلك"
    assert review_of(catalog.get("Keep my answers")) is None, "changed without approval: still a draft"
    assert "X-Heard-Direction: rtl" in (locales / "ar" / "LC_MESSAGES" / "bot.po").read_text(encoding="utf-8")

    status = admin("status", "--locales", str(locales))
    assert status.returncode == 0, status.stderr
    arabic_bot = next(line for line in status.stdout.splitlines() if "│ ar " in line and "│ bot " in line)
    assert " 2/" in arabic_bot and "draft" in arabic_bot
    assert admin("check", "--locales", str(locales)).returncode == 0

    again = tmp_path / "again.xlf"
    admin("export", "ar", "--format", "xliff", "-o", str(again), "--locales", str(locales))
    approved = unit(ET.parse(again).getroot(), "Show my answers")
    assert approved.get("approved") == "yes"
    assert approved.findtext(f"{X}note") == f"Leyla Demir {dt.date.today().isoformat()}"


def test_a_round_trip_without_edits_changes_nothing(locales: Path, tmp_path: Path):
    before = {p: p.read_bytes() for p in locales.glob("tr/LC_MESSAGES/*.po")}
    exported = tmp_path / "tr.xlf"
    assert admin("export", "tr", "--format", "xliff", "-o", str(exported), "--locales", str(locales)).returncode == 0
    done = admin("import", str(exported), "--reviewer", "Ayşe", "--locales", str(locales))
    assert done.returncode == 0 and "0 texts changed, 0 marked reviewed" in done.stdout, done.stdout + done.stderr
    assert {p: p.read_bytes() for p in locales.glob("tr/LC_MESSAGES/*.po")} == before


def test_po_files_from_a_platform_count_as_reviewed_when_the_officer_says_so(locales: Path, tmp_path: Path):
    done = admin("export", "uk", "--format", "po", "-o", str(tmp_path / "out"), "--locales", str(locales))
    assert done.returncode == 0, done.stderr
    exported = tmp_path / "out" / "uk" / "survey-needs.po"
    with exported.open("rb") as handle:
        catalog = read_po(handle)
    total = len([m for m in catalog if m.id and not m.fuzzy and m.string])
    with exported.open("wb") as handle:
        write_po(handle, catalog)
    done = admin("import", str(exported), "--reviewer", "Olena", "--reviewed", "--locales", str(locales))
    assert done.returncode == 0, done.stderr
    assert f"uk: 0 texts changed, {total} marked reviewed by Olena" in done.stdout
    status = admin("status", "--locales", str(locales)).stdout
    ukrainian = next(line for line in status.splitlines() if "│ uk " in line and "survey-needs" in line)
    assert f"{total}/{total}" in ukrainian and "reviewed" in ukrainian


def test_a_file_that_is_not_xliff_gets_one_clear_line(locales: Path, tmp_path: Path):
    wrong = tmp_path / "notes.xlf"
    wrong.write_text("<notes><note>hi</note></notes>", encoding="utf-8")
    done = admin("import", str(wrong), "--reviewer", "X", "--locales", str(locales))
    assert done.returncode == 1
    assert "not an XLIFF 1.2 file" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
