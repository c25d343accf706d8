"""Catalogs out to a translation platform and back, with who reviewed which text and when.

A community translator reviews on a platform (Weblate, Crowdin, Lokalise, Poedit); Heard hands them a language's
catalogs as PO files (Babel) or as one XLIFF 1.2 file (written and read with the standard library's XML, the
format every platform imports), and takes the result back. The review record lives with each entry in the PO
file itself, so it travels with the catalog through git and `translations update`:

    # Reviewed by Leyla Demir on 2026-12-01
    #, reviewed
    msgid "Show my answers"

A text changed by an import without being reviewed loses its mark: the new wording is a draft again.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from surveys.i18n.tooling import read_catalog, save_catalog

REVIEWED_FLAG = "reviewed"
_REVIEWED_BY = re.compile(r"^Reviewed by (?P<who>.+) on (?P<day>\d{4}-\d{2}-\d{2})$")
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
_X = f"{{{XLIFF_NS}}}"
PLURALS = "x-gettext-plurals"


class ExchangeError(Exception):
    """A file that cannot be imported; the message says which and why."""


@dataclass(frozen=True)
class Review:
    who: str
    day: dt.date


def review_of(message: Message) -> Review | None:
    """Who reviewed this entry and when, if it is marked reviewed."""
    if REVIEWED_FLAG not in message.flags:
        return None
    for comment in message.user_comments:
        if match := _REVIEWED_BY.match(comment.strip()):
            return Review(match["who"], dt.date.fromisoformat(match["day"]))
    return Review("unknown", dt.date.min)


def mark_reviewed(message: Message, who: str, day: dt.date) -> None:
    message.flags.add(REVIEWED_FLAG)
    message.flags.discard("fuzzy")
    message.user_comments = [c for c in message.user_comments if not _REVIEWED_BY.match(c.strip())]
    message.user_comments.append(f"Reviewed by {who} on {day.isoformat()}")


def unmark_reviewed(message: Message) -> None:
    message.flags.discard(REVIEWED_FLAG)
    message.user_comments = [c for c in message.user_comments if not _REVIEWED_BY.match(c.strip())]


def catalog_paths(locales_dir: Path, code: str) -> list[Path]:
    folder = locales_dir / code / "LC_MESSAGES"
    if not (folder / "bot.po").is_file():
        raise ExchangeError(f"no language {code!r} in {locales_dir} (no {code}/LC_MESSAGES/bot.po)")
    return sorted(folder.glob("*.po"))


# -------------------------------------------------------------------------------------------------- export


def export_po(locales_dir: Path, code: str, output: Path) -> list[Path]:
    """The language's PO files, as they are, into `output`/<code>/ (platforms read them directly)."""
    target = output / code
    target.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(path, target / path.name)) for path in catalog_paths(locales_dir, code)]


def export_xliff(locales_dir: Path, code: str, sources: dict[str, str], output: Path) -> Path:
    """One XLIFF 1.2 file with a <file> per catalog (`original` = its domain). `sources`: domain -> the
    catalog's source language. Reviewed entries are `approved="yes"` with the reviewer in a note."""
    ET.register_namespace("", XLIFF_NS)
    root = ET.Element(f"{_X}xliff", {"version": "1.2"})
    for path in catalog_paths(locales_dir, code):
        domain = path.stem
        file = ET.SubElement(root, f"{_X}file", {"original": domain, "datatype": "po",
                                                   "source-language": sources.get(domain, "de"),
                                                   "target-language": code})
        body = ET.SubElement(file, f"{_X}body")
        for number, message in enumerate((m for m in read_catalog(path) if m.id), start=1):
            if isinstance(message.id, tuple | list):
                group = ET.SubElement(body, f"{_X}group", {"id": f"g{number}", "restype": PLURALS})
                strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
                for form, text in enumerate(strings):
                    source = message.id[0] if form == 0 else message.id[1]
                    _unit(group, f"g{number}[{form}]", message, source, text)
            else:
                _unit(body, f"u{number}", message, message.id, message.string)  # type: ignore[arg-type]
    output.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(output, encoding="utf-8", xml_declaration=True)
    return output


def _unit(parent: ET.Element, unit_id: str, message: Message, source: str, text: str) -> None:
    review = review_of(message)
    attributes = {"id": unit_id, "approved": "yes" if review else "no"}
    if message.context:
        attributes["resname"] = message.context
    unit = ET.SubElement(parent, f"{_X}trans-unit", attributes)
    ET.SubElement(unit, f"{_X}source").text = source
    state = "needs-translation" if not text else "needs-review-translation" if message.fuzzy else (
        "signed-off" if review else "translated")
    ET.SubElement(unit, f"{_X}target", {"state": state}).text = text or ""
    if review:
        ET.SubElement(unit, f"{_X}note", {"from": "reviewer"}).text = f"{review.who} {review.day.isoformat()}"


# -------------------------------------------------------------------------------------------------- import


@dataclass
class Incoming:
    """One text coming back: where it belongs, its translation (per plural form), and whether it was approved."""

    domain: str
    context: str | None
    msgid: str
    strings: list[str]
    approved: bool


@dataclass
class ImportResult:
    language: str
    changed: int = 0
    reviewed: int = 0
    unknown: list[str] = field(default_factory=list)
    """Texts the catalogs do not have (an older or newer export): left out, named here."""


def read_xliff(path: Path) -> tuple[str, list[Incoming]]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ExchangeError(f"{path}: not valid XML ({exc})") from exc
    if root.tag != f"{_X}xliff" or root.get("version") != "1.2":
        raise ExchangeError(f"{path}: not an XLIFF 1.2 file (expected <xliff version=\"1.2\" xmlns=\"{XLIFF_NS}\">)")
    languages = {file.get("target-language") for file in root.iter(f"{_X}file")}
    if len(languages) != 1 or None in languages:
        found = ", ".join(sorted(map(str, languages)))
        raise ExchangeError(f"{path}: every <file> needs the same target-language (found: {found})")
    incoming: list[Incoming] = []
    for file in root.iter(f"{_X}file"):
        domain = file.get("original") or ""
        body = file.find(f"{_X}body")
        for element in list(body) if body is not None else []:
            units = list(element.iter(f"{_X}trans-unit")) if element.tag == f"{_X}group" else [element]
            if not units or units[0].tag != f"{_X}trans-unit":
                continue
            first = units[0]
            incoming.append(Incoming(
                domain, first.get("resname"), first.findtext(f"{_X}source") or "",
                [unit.findtext(f"{_X}target") or "" for unit in units],
                all(unit.get("approved") == "yes" for unit in units),
            ))
    return languages.pop() or "", incoming


def read_po_file(path: Path, reviewed: bool) -> tuple[str | None, list[Incoming]]:
    """A PO file from a platform: its domain is its file name (bot.po, survey-needs.po); a PO file knows no
    approval, so `reviewed` says whether its finished (not fuzzy) texts count as reviewed."""
    with path.open("rb") as handle:
        try:
            catalog: Catalog = read_po(handle)
        except Exception as exc:  # Babel raises several kinds for a broken file
            raise ExchangeError(f"{path}: not a readable PO file ({exc})") from exc
    language = str(catalog.locale) if catalog.locale else None
    incoming = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = list(message.string) if isinstance(message.string, tuple | list) else [message.string or ""]
        msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
        incoming.append(Incoming(path.stem, message.context, msgid, strings,
                                 reviewed or REVIEWED_FLAG in message.flags))
    return language, incoming


def apply(locales_dir: Path, code: str, incoming: Iterable[Incoming], who: str, day: dt.date) -> ImportResult:
    """Write the texts into the language's catalogs: a changed text replaces the old one; an approved text is
    marked reviewed by `who` on `day`; a text changed without approval loses an earlier review mark."""
    result = ImportResult(code)
    by_domain: dict[str, list[Incoming]] = {}
    for item in incoming:
        by_domain.setdefault(item.domain, []).append(item)
    for domain, items in by_domain.items():
        po_path = locales_dir / code / "LC_MESSAGES" / f"{domain}.po"
        if not po_path.is_file():
            result.unknown += [f"{domain}: {item.msgid[:40]}" for item in items]
            continue
        catalog = read_catalog(po_path)
        before = (result.changed, result.reviewed)
        for item in items:
            message = catalog.get(item.msgid, context=item.context)
            if message is None:
                result.unknown.append(f"{domain}: {item.msgid[:40]}")
                continue
            if not any(item.strings):
                continue
            new: str | tuple[str, ...] = (tuple(item.strings) if isinstance(message.string, tuple | list)
                                         else item.strings[0])
            changed = new != message.string or message.fuzzy
            if changed:
                message.string = new
                message.flags.discard("fuzzy")
                result.changed += 1
            if item.approved and (changed or REVIEWED_FLAG not in message.flags):
                mark_reviewed(message, who, day)
                result.reviewed += 1
            elif changed:
                unmark_reviewed(message)
        if (result.changed, result.reviewed) != before:  # an unchanged file stays byte for byte as it was
            save_catalog(catalog, po_path)
    return result
