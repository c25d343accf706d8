"""What each XLSForm question type becomes in Heard, or why a chat cannot ask it.

pyxform's own type dictionary says what a type is (its widget and its data type), so every alias pyxform knows
(`q int`, `add date prompt`, `gps`, `image`) lands in the same place as the type it stands for. Location, media
and device metadata are left out on purpose: residents answer anonymously in a chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

from surveys.core.model import QuestionType

LOCATION = "locations are not collected (residents are anonymous)"
MEDIA = "photos, recordings and files are not collected in the chat"
METADATA = "device and time stamps are not collected (residents are anonymous)"
REPEAT = "repeats (asking a block several times) are not supported"


@dataclass(frozen=True)
class Kind:
    """A question type as Heard takes it: a question type, a calculation, or a reason it cannot be asked."""

    question: QuestionType | None = None
    calculation: bool = False
    unsupported: str | None = None


_NAMED = {
    "select one": Kind(QuestionType.SINGLE),
    "select all that apply": Kind(QuestionType.MULTI),
    "calculate": Kind(calculation=True),
    "acknowledge": Kind(QuestionType.NOTE),
    "select one external": Kind(unsupported="choices from an external file are not supported"),
    "hidden": Kind(unsupported="hidden fields are not supported"),
    "rank": Kind(unsupported="ranking is not supported (ask a multiple choice question instead)"),
    "trigger": Kind(unsupported="triggers are not supported"),
    "osm": Kind(unsupported="map features are not collected"),
    "xml-external": Kind(unsupported="external data is not supported"),
    "csv-external": Kind(unsupported="external data is not supported"),
    "audit": Kind(unsupported="audit logs are not collected"),
    "background-audio": Kind(unsupported=MEDIA),
    "start-geopoint": Kind(unsupported=LOCATION),
    "background-geopoint": Kind(unsupported=LOCATION),
}
_BY_DATA_TYPE = {
    "int": QuestionType.NUMBER,
    "decimal": QuestionType.DECIMAL,
    "date": QuestionType.DATE,
    "time": QuestionType.TIME,
    "string": QuestionType.TEXT,
}
_UNSUPPORTED_DATA_TYPES = {
    "geopoint": LOCATION,
    "geoshape": LOCATION,
    "geotrace": LOCATION,
    "binary": MEDIA,
    "barcode": "barcodes cannot be scanned in a chat",
    "dateTime": "a date and time in one question is not supported (ask a date and a time)",
}


def kind_of(xlsform_type: str) -> Kind:
    """What pyxform's (de-aliased) type of a survey element is to Heard."""
    if xlsform_type in _NAMED:
        return _NAMED[xlsform_type]
    if xlsform_type == "range":
        return Kind(QuestionType.SCALE)
    definition = QUESTION_TYPE_DICT.get(xlsform_type)
    if definition is None:
        return Kind(unsupported=f"type '{xlsform_type}' is not supported")
    bind = definition.get("bind", {})
    control = definition.get("control", {}).get("tag")
    data_type = bind.get("type")
    if "jr:preload" in bind:
        return Kind(unsupported=METADATA)
    if data_type in _UNSUPPORTED_DATA_TYPES:
        return Kind(unsupported=_UNSUPPORTED_DATA_TYPES[data_type])
    if control == "select1":
        return Kind(QuestionType.SINGLE)
    if control == "select":
        return Kind(QuestionType.MULTI)
    if bind.get("readonly") == "true()" and data_type == "string":
        return Kind(QuestionType.NOTE)
    if control is None and data_type == "string":
        return Kind(calculation=True)
    if control in ("input", None) and data_type in _BY_DATA_TYPE:
        return Kind(_BY_DATA_TYPE[data_type])
    return Kind(unsupported=f"type '{xlsform_type}' is not supported")
