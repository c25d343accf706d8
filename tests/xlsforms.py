"""XLSForm workbooks for tests, written the way the XLSForm specification (xlsform.org) documents them: a survey,
a choices and a settings sheet, one row per question, `label::Language (code)` columns for translations."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

LANGS = ("English (en)", "Arabic (ar)", "German (de)")


def write_workbook(path: Path, survey: list[list[object]], choices: list[list[object]] | None = None,
                   settings: list[list[object]] | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        choice_sheet = workbook.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    if settings is not None:
        settings_sheet = workbook.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    workbook.save(path)
    return path


# columns of the household form's survey sheet
SURVEY_HEADER = ["type", "name", *(f"label::{lang}" for lang in LANGS), "hint::English (en)", "hint::Arabic (ar)",
                 "hint::German (de)", "required", "relevant", "constraint",
                 *(f"constraint_message::{lang}" for lang in LANGS), "choice_filter", "parameters", "appearance"]


Texts = tuple[str, str, str]


def _row(kind: str, name: str, labels: Texts = ("", "", ""), *, hint: Texts = ("", "", ""),
         required: str = "", relevant: str = "", constraint: str = "",
         message: Texts = ("", "", ""), choice_filter: str = "", parameters: str = "",
         appearance: str = "") -> list[object]:
    return [kind, name, *labels, *hint, required, relevant, constraint, *message, choice_filter, parameters, appearance]


HOUSEHOLD_SURVEY = [
    SURVEY_HEADER,
    _row("note", "welcome", ("Welcome! A few questions about your household.", "مرحبا! بعض الأسئلة عن أسرتك.",
                             "Willkommen! Ein paar Fragen zu Ihrem Haushalt.")),
    _row("begin_group", "household", ("About your household", "عن أسرتك", "Über Ihren Haushalt"),
         appearance="field-list"),
    _row("integer", "household_size",
         ("How many people live in your household?", "كم شخصا يعيش في أسرتك؟",
          "Wie viele Menschen leben in Ihrem Haushalt?"),
         required="yes", constraint=". >= 1 and . <= 20",
         message=("Please enter a number from 1 to 20.", "يرجى إدخال رقم من 1 إلى 20.",
                  "Bitte geben Sie eine Zahl von 1 bis 20 ein.")),
    _row("select_one yes_no", "has_children",
         ("Do children live with you?", "هل يعيش أطفال معك؟", "Leben Kinder bei Ihnen?"),
         relevant="${household_size} > 1"),
    _row("integer", "children_count", ("How many children?", "كم عدد الأطفال؟", "Wie viele Kinder?"),
         relevant="${has_children} = 'yes'", constraint=". >= 1 and . < ${household_size}",
         message=("There must be fewer children than people in the household.",
                  "يجب أن يكون عدد الأطفال أقل من عدد أفراد الأسرة.",
                  "Es müssen weniger Kinder als Menschen im Haushalt sein.")),
    _row("end_group", "household"),
    _row("select_one region", "region", ("Which region do you live in?", "في أي منطقة تعيش؟",
                                         "In welcher Region wohnen Sie?")),
    _row("select_one district", "district", ("Which district?", "أي حي؟", "Welcher Bezirk?"),
         choice_filter="region=${region}"),
    _row("select_multiple needs", "needs",
         ("What do you need most?", "ما الذي تحتاجه أكثر؟", "Was brauchen Sie am meisten?"),
         hint=("Choose up to two.", "اختر حتى اثنين.", "Wählen Sie bis zu zwei."),
         constraint="count-selected(.) <= 2",
         message=("Please choose at most two.", "يرجى اختيار اثنين على الأكثر.", "Bitte wählen Sie höchstens zwei.")),
    _row("text", "other_need", ("Which other need?", "ما هي الحاجة الأخرى؟", "Welcher andere Bedarf?"),
         relevant="selected(${needs}, 'other')"),
    _row("decimal", "rent", ("What is your monthly rent in euros?", "كم إيجارك الشهري باليورو؟",
                             "Wie hoch ist Ihre Monatsmiete in Euro?"),
         relevant="${region} = 'south' and not(selected(${needs}, 'housing'))", constraint=". > 0"),
    _row("range", "satisfaction", ("How satisfied are you with your neighbourhood?", "ما مدى رضاك عن حيك؟",
                                   "Wie zufrieden sind Sie mit Ihrer Nachbarschaft?"),
         parameters="start=1 end=5 step=1"),
]

HOUSEHOLD_CHOICES = [
    ["list_name", "name", *(f"label::{lang}" for lang in LANGS), "region"],
    ["yes_no", "yes", "Yes", "نعم", "Ja", ""],
    ["yes_no", "no", "No", "لا", "Nein", ""],
    ["region", "north", "North", "الشمال", "Nord", ""],
    ["region", "south", "South", "الجنوب", "Süd", ""],
    ["district", "harbour", "Harbour", "الميناء", "Hafen", "north"],
    ["district", "old_town", "Old town", "المدينة القديمة", "Altstadt", "north"],
    ["district", "hill", "Hill", "التلة", "Hügel", "south"],
    ["needs", "housing", "Housing", "السكن", "Wohnen", ""],
    ["needs", "work", "Work", "العمل", "Arbeit", ""],
    ["needs", "language", "Language course", "دورة لغة", "Sprachkurs", ""],
    ["needs", "other", "Something else", "شيء آخر", "Etwas anderes", ""],
]

HOUSEHOLD_SETTINGS = [
    ["form_title", "heard_title::Arabic (ar)", "heard_title::German (de)", "form_id", "version", "default_language"],
    ["Household needs", "احتياجات الأسرة", "Was Ihr Haushalt braucht", "household_needs", "2027031501",
     "English (en)"],
]


def household_form(path: Path) -> Path:
    return write_workbook(path, HOUSEHOLD_SURVEY, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
