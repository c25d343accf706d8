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


# A form as KoboToolbox exports it and officers bring it: no form_title or form_id, a version stamp, languages
# named without codes (one column with a single colon), names with dots, capitals, hyphens and a leading
# underscore, `bind::` columns, the older `select one from` syntax, or_other, a calculation, a regex, a date,
# and what a chat does not collect (device metadata, a location, a photo, a repeat).
KOBO_HEADER = ["type", "name", "label::English", "label::Français", "label:العربية", "hint::English", "required",
               "bind::relevant", "bind::constraint", "constraint_message::English", "calculation", "$kuid"]
LONG_GROUP = "Household-Details_for_the_people_living_in_your_home"


def _kobo(kind: str, name: str = "", en: str = "", fr: str = "", ar: str = "", *, hint: str = "",
          required: str = "", relevant: str = "", constraint: str = "", message: str = "",
          calculation: str = "") -> list[object]:
    return [kind, name, en, fr, ar, hint, required, relevant, constraint, message, calculation, "k" + name[:6]]


KOBO_SURVEY = [
    KOBO_HEADER,
    _kobo("start", "start"),
    _kobo("end", "end"),
    _kobo("deviceid", "deviceid"),
    _kobo("select_one yes_no", "_consent", "Do you agree to take part?", "Acceptez-vous de participer ?",
          "هل توافق على المشاركة؟", required="yes"),
    _kobo("text", "First.Name", "Your first name?", "Votre prénom ?", "ما اسمك الأول؟", required="yes",
          relevant="${_consent} = 'yes'"),
    _kobo("integer", "Q1.Age", "How old are you, ${First.Name}?", "Quel âge avez-vous, ${First.Name} ?",
          "كم عمرك يا ${First.Name}؟", required="yes", relevant="${_consent} = 'yes'",
          constraint="${Q1.Age} > 0 and ${Q1.Age} < 120", message="Please give an age from 1 to 119."),
    _kobo("geopoint", "where_are_you", "Where are you?", "Où êtes-vous ?", "أين أنت؟"),
    _kobo("begin_group", LONG_GROUP, "Your household", "Votre ménage", "أسرتك"),
    _kobo("integer", "Household-Size", "How many people live with you?", "Combien de personnes vivent avec vous ?",
          "كم شخصًا يعيش معك؟", required="yes", constraint=". >= 1"),
    _kobo("calculate", "others", calculation="${Household-Size} - 1"),
    _kobo("note", "others_note", "So ${others} others live with you.",
          "Donc ${others} autres personnes vivent avec vous.", "إذن يعيش معك ${others} آخرون."),
    _kobo("end_group"),
    _kobo("select_multiple needs or_other", "Needs", "What do you need?", "De quoi avez-vous besoin ?",
          "ماذا تحتاج؟"),
    _kobo("select one from doctors", "doctor", "Whom would you see?", "Qui consulteriez-vous ?", "من ستراجع؟"),
    _kobo("text", "phone", "A phone number for a call back?", "Un numéro pour vous rappeler ?",
          "رقم هاتف لنعاود الاتصال بك؟", constraint="regex(., '^\\+?[0-9 ]{6,}$')", message="Digits only, please."),
    _kobo("date", "arrived", "When did you arrive?", "Quand êtes-vous arrivé ?", "متى وصلت؟"),
    _kobo("image", "photo", "A photo of your street?", "Une photo de votre rue ?", "صورة لشارعك؟"),
    _kobo("begin repeat", "children", "Each child", "Chaque enfant", "كل طفل"),
    _kobo("integer", "child_age", "Age of the child?", "Âge de l'enfant ?", "عمر الطفل؟"),
    _kobo("end repeat"),
    _kobo("text", "why_here", "Why did you come here?", "Pourquoi êtes-vous venu ici ?", "لماذا أتيت إلى هنا؟",
          relevant="${where_are_you} != ''"),
]
KOBO_CHOICES = [
    ["list_name", "name", "label::English", "label::Français", "label:العربية"],
    ["yes_no", "yes", "Yes", "Oui", "نعم"],
    ["yes_no", "no", "No", "Non", "لا"],
    ["needs", "Wohnung", "Housing", "Logement", "سكن"],
    ["needs", "Ausbildung", "Work and training", "Travail et formation", "عمل وتدريب"],
    ["doctors", "Ärztin", "A doctor", "Une médecin", "طبيبة"],
    ["doctors", "Zahnärztin", "A dentist", "Une dentiste", "طبيبة أسنان"],
    ["doctors", "Hausarzt Praxis", "A family practice", "Un cabinet", "عيادة عائلية"],
]
KOBO_SETTINGS = [["version"], ["vw6VTbhmVCMEtuN7LhcmjP"]]
KOBO_SKIPPED = [
    "survey!A2: 'start' (start): device and time stamps are not collected (residents are anonymous)",
    "survey!A3: 'end' (end): device and time stamps are not collected (residents are anonymous)",
    "survey!A4: 'deviceid' (deviceid): device and time stamps are not collected (residents are anonymous)",
    "survey!A8: 'where_are_you' (geopoint): locations are not collected (residents are anonymous)",
    "survey!A18: 'photo' (image): photos, recordings and files are not collected in the chat",
    "survey!A19: 'children': repeat with 1 row left out: repeats (asking a block several times) are not supported",
    "survey!H22: 'why_here': relevant reads ${where_are_you}, which is left out (survey!A8): left out with it",
]


def kobo_export(folder: Path) -> Path:
    return write_workbook(folder / "kobo_export (3).xlsx", KOBO_SURVEY, KOBO_CHOICES, KOBO_SETTINGS)
