"""Read survey YAML files into `Survey` objects, reporting every problem as `file:line: what is wrong`.

The format is meant to be edited by officers in a text editor, so the loader is strict (unknown keys,
duplicate keys and YAML's yes/no booleans are all errors or plain text) and collects all problems at once
instead of stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from surveys.config import Area
from surveys.core import xpath
from surveys.core.model import (
    DECLINED,
    THEMATIC_FIELDS,
    Calculation,
    Choice,
    Condition,
    Group,
    Question,
    QuestionType,
    Survey,
)

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Choice names may also start with a digit, as XLSForm choice lists often do (`1`, `2`, `3`).
CHOICE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")
BUNDLED_DIR = Path(__file__).parents[1] / "bundled"

_SURVEY_KEYS = {"id", "version", "language", "title", "intro", "thanks", "questions", "groups", "calculations",
                "source_name"}
_GROUP_KEYS = {"name", "label", "relevant", "source_name"}
_QUESTION_KEYS = {
    "name", "type", "label", "hint", "field", "required", "sensitive", "choices", "choices_from",
    "min", "max", "max_length", "low_label", "high_label", "show_if",
    "relevant", "constraint", "constraint_message", "required_message", "choice_filter", "group", "source_name",
}
_CHOICE_KEYS = {"name", "label", "exclusive", "need", "attributes", "source_name"}
_CALCULATION_KEYS = {"name", "calculation", "source_name"}
"""`source_name`: the name an imported XLSForm gave the survey, question, choice, group or calculation, kept for
exports where it differs from the safe name answers are stored under."""
_CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTI}
_CONDITION_SOURCES = {QuestionType.SINGLE, QuestionType.MULTI, QuestionType.SCALE}


@dataclass(frozen=True)
class SurveyProblem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class SurveyValidationError(Exception):
    """Raised with every problem found; `str()` gives one `file:line: message` per line."""

    def __init__(self, problems: Sequence[SurveyProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Mapping(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


MAX_DEPTH = 64
"""How deeply a survey file may nest (a real one needs fewer than 10 levels). PyYAML composes nodes recursively,
so a file of thousands of `[` would otherwise end in a RecursionError instead of a line number."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps `yes`/`no`/`on`/`off` as text, records line numbers and refuses deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    duplicates: list[tuple[str, int]] = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = str(key)
        if key in mapping:
            duplicates.append((key, key_node.start_mark.line + 1))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    if duplicates:
        mapping.key_lines["__duplicates__"] = duplicates  # type: ignore[assignment]
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Accumulates problems while turning raw YAML data into model objects."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[SurveyProblem] = []

    def report(self, line: int, message: str) -> None:
        self.problems.append(SurveyProblem(self.source, line, message))

    def mapping(self, value: Any, line: int, what: str, allowed: set[str]) -> _Mapping | None:
        if not isinstance(value, _Mapping):
            self.report(line, f"{what} must be a mapping of keys to values")
            return None
        for key, key_line in value.key_lines.items():
            if key == "__duplicates__":
                for duplicate, dup_line in key_line:  # type: ignore[union-attr]
                    self.report(dup_line, f"key '{duplicate}' appears twice in {what}")
            elif key not in allowed:
                self.report(key_line, f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})")
        return value

    def text(self, data: _Mapping, key: str, what: str, *, required: bool = True) -> str | None:
        value = data.get(key)
        line = data.key_lines.get(key, data.line)
        if value is None:
            if required:
                self.report(data.line, f"{what} needs '{key}'")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
            self.report(line, f"'{key}' of {what} must be non-empty text")
            return None
        return str(value).strip()

    def name(self, data: _Mapping, what: str, *, choice: bool = False) -> str | None:
        value = data.get("name")
        line = data.key_lines.get("name", data.line)
        if value is None:
            self.report(data.line, f"{what} needs a 'name'")
            return None
        if choice and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = str(value)
        if choice and isinstance(value, str) and CHOICE_NAME_PATTERN.match(value):
            return value
        if not isinstance(value, str) or not NAME_PATTERN.match(value):
            self.report(
                line,
                f"name {value!r} must start with a lowercase letter and use only a-z, 0-9 and _ (max 40)",
            )
            return None
        return value

    def integer(self, data: _Mapping, key: str, default: int | None) -> int | None:
        value = data.get(key, default)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.report(data.key_lines.get(key, data.line), f"'{key}' must be a whole number")
        return default

    def flag(self, data: _Mapping, key: str) -> bool:
        value = data.get(key, False)
        if isinstance(value, bool):
            return value
        self.report(data.key_lines.get(key, data.line), f"'{key}' must be true or false")
        return False


def load_survey(path: Path, areas: Sequence[Area] | None = None) -> Survey:
    """Load and validate one survey file. `areas` fill questions with `choices_from: areas`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SurveyValidationError([SurveyProblem(str(path), 0, f"cannot read file: {exc.strerror}")]) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SurveyValidationError([SurveyProblem(
            str(path), line, f"not UTF-8 text (byte {exc.start} cannot be read); save the file as UTF-8"
        )]) from exc
    return parse_survey(text, str(path), areas)


def parse_survey(text: str, source: str, areas: Sequence[Area] | None = None) -> Survey:
    checker = _Checker(source)
    try:
        raw = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise SurveyValidationError([SurveyProblem(source, line, f"not valid YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:  # e.g. a control character the YAML reader refuses before any line is parsed
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 0
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise SurveyValidationError([SurveyProblem(source, line, f"not valid YAML: {reason}")]) from exc
    data = checker.mapping(raw, 1, "the survey", _SURVEY_KEYS)
    if data is None:
        raise SurveyValidationError(checker.problems)

    survey_id = checker.name(_rename(data, "id"), "the survey")
    version = checker.integer(data, "version", None)
    if version is None or version < 1:
        checker.report(data.key_lines.get("version", 1), "'version' must be a whole number of at least 1")
    language = checker.text(data, "language", "the survey", required=False) or "de"
    title = checker.text(data, "title", "the survey")
    # intro and thanks may be left out (forms imported from XLSForm have none); the consent text is always shown
    intro = checker.text(data, "intro", "the survey", required=False) or ""
    thanks = checker.text(data, "thanks", "the survey", required=False) or ""
    groups = _parse_groups(checker, data)
    calculations = _parse_calculations(checker, data)

    raw_questions = data.get("questions")
    questions: list[Question] = []
    if not isinstance(raw_questions, list) or not raw_questions:
        checker.report(data.key_lines.get("questions", 1), "'questions' must be a non-empty list")
    else:
        for raw_question in raw_questions:
            question = _parse_question(checker, raw_question, areas, data.key_lines["questions"])
            if question is not None:
                questions.append(question)
        questions = _with_groups(checker, questions, groups)
        _check_names_and_logic(checker, questions, areas is None)
        _check_calculations(checker, calculations, questions, data.key_lines.get("calculations", 1))
        _check_expressions(checker, questions, groups, {c.name for c in calculations})

    if checker.problems:
        raise SurveyValidationError(sorted(checker.problems, key=lambda p: p.line))
    assert survey_id and version and title
    return Survey(
        id=survey_id,
        version=version,
        language=language,
        title=title,
        intro=intro,
        thanks=thanks,
        questions=tuple(questions),
        source=source,
        groups=tuple(groups),
        calculations=tuple(calculations),
        source_name=checker.text(data, "source_name", "the survey", required=False),
    )


def _parse_groups(checker: _Checker, data: _Mapping) -> list[Group]:
    raw = data.get("groups")
    if raw is None:
        return []
    if not isinstance(raw, list):
        checker.report(data.key_lines["groups"], "'groups' must be a list of sections")
        return []
    groups: list[Group] = []
    for item in raw:
        group = checker.mapping(item, getattr(item, "line", data.key_lines["groups"]), "a group", _GROUP_KEYS)
        if group is None:
            continue
        name = checker.name(group, "a group")
        label = checker.text(group, "label", f"group '{name}'")
        relevant = checker.text(group, "relevant", f"group '{name}'", required=False)
        if relevant:
            _check_syntax(checker, group.key_lines["relevant"], f"group '{name}'", "relevant", relevant)
        if name and label:
            if any(g.name == name for g in groups):
                checker.report(group.line, f"group name '{name}' is used twice")
            groups.append(Group(name, label, relevant,
                                checker.text(group, "source_name", f"group '{name}'", required=False)))
    return groups


def _parse_calculations(checker: _Checker, data: _Mapping) -> list[Calculation]:
    raw = data.get("calculations")
    if raw is None:
        return []
    if not isinstance(raw, list):
        checker.report(data.key_lines["calculations"], "'calculations' must be a list")
        return []
    calculations: list[Calculation] = []
    for item in raw:
        entry = checker.mapping(item, getattr(item, "line", data.key_lines["calculations"]), "a calculation",
                                _CALCULATION_KEYS)
        if entry is None:
            continue
        name = checker.name(entry, "a calculation")
        what = f"calculation '{name}'"
        expression = checker.text(entry, "calculation", what)
        if expression:
            _check_syntax(checker, entry.key_lines["calculation"], what, "calculation", expression)
        if name and expression:
            calculations.append(Calculation(name, expression, checker.text(entry, "source_name", what,
                                                                           required=False)))
    return calculations


def _check_calculations(checker: _Checker, calculations: list[Calculation], questions: list[Question],
                        line: int) -> None:
    """Calculations read questions and other calculations, never themselves (through others either)."""
    questions_named = {q.name for q in questions}
    reads: dict[str, set[str]] = {}
    for calculation in calculations:
        what = f"calculation '{calculation.name}'"
        if calculation.name in questions_named or calculation.name in reads:
            checker.report(line, f"{what}: the name is used twice")
            continue
        try:
            node = xpath.parse(calculation.calculation)
        except xpath.ExpressionError:
            reads[calculation.name] = set()
            continue  # reported by _parse_calculations
        if xpath.uses_current(node) or xpath.columns(node):
            checker.report(line, f"{what}: a calculation reads answers as ${{name}}, not '.' or bare names")
        reads[calculation.name] = xpath.references(node)
    known = questions_named | set(reads)
    for name, names in reads.items():
        for unknown in sorted(names - known):
            checker.report(line, f"calculation '{name}' refers to unknown question '{unknown}'")
    for name in reads:
        if _reaches_itself(name, reads):
            checker.report(line, f"calculation '{name}' reads itself (through other calculations)")


def _reaches_itself(start: str, reads: dict[str, set[str]]) -> bool:
    pending, seen = list(reads[start]), set()
    while pending:
        name = pending.pop()
        if name == start:
            return True
        if name not in seen and name in reads:
            seen.add(name)
            pending += reads[name]
    return False


def _with_groups(checker: _Checker, questions: list[Question], groups: list[Group]) -> list[Question]:
    """Give each question its section's `relevant`, so the engine needs no survey to decide if it is shown."""
    from dataclasses import replace

    by_name = {g.name: g for g in groups}
    result = []
    for question in questions:
        if question.group is None:
            result.append(question)
            continue
        group = by_name.get(question.group)
        if group is None:
            checker.report(question.line, f"question '{question.name}': unknown group '{question.group}'")
            result.append(question)
            continue
        result.append(replace(question, group_relevant=(group.relevant,) if group.relevant else ()))
    return result


def _check_syntax(checker: _Checker, line: int, what: str, key: str, text: str) -> xpath.Node | None:
    try:
        return xpath.parse(text)
    except xpath.ExpressionError as exc:
        checker.report(line, f"{what}: '{key}' {text!r}: {exc}")
        return None


def _check_expressions(checker: _Checker, questions: list[Question], groups: list[Group],
                       calculations: set[str] | None = None) -> None:
    """Expressions may only read earlier questions (later ones are unanswered: the question would never show)
    and calculations, constraints may read `.`, and choice filters only columns their choices have."""
    seen: set[str] = set(calculations or ())
    everything = {q.name for q in questions} | seen
    group_of = {g.name: g for g in groups}
    for question in questions:
        what = f"question '{question.name}'"
        readings = [("relevant", question.relevant), ("constraint", question.constraint),
                    ("choice_filter", question.choice_filter)]
        if question.group and question.group in group_of and group_of[question.group].relevant:
            readings.append(("relevant of its group", group_of[question.group].relevant))
        for key, text in readings:
            if not text:
                continue
            node = _check_syntax(checker, question.line, what, key, text)
            if node is None:
                continue
            for name in sorted(xpath.references(node)):
                if name == question.name and key == "constraint":
                    continue
                if name not in everything:
                    checker.report(question.line, f"{what}: '{key}' refers to unknown question '{name}'")
                elif name not in seen:
                    checker.report(question.line, f"{what}: '{key}' refers to '{name}', which is not asked before it")
            if xpath.uses_current(node) and key != "constraint":
                checker.report(question.line, f"{what}: '.' can only be used in a constraint")
            if key == "choice_filter":
                known = {"name"} | {k for c in question.choices for k, _ in c.attributes}
                for column in sorted(xpath.columns(node) - known):
                    checker.report(question.line, f"{what}: choice_filter reads '{column}', which no choice has")
                if question.type not in _CHOICE_TYPES:
                    checker.report(question.line, f"{what}: choice_filter needs a single or multi question")
            elif xpath.columns(node):
                checker.report(
                    question.line,
                    f"{what}: '{key}' reads {', '.join(sorted(xpath.columns(node)))}; "
                    "refer to questions as ${name}",
                )
        seen.add(question.name)


def _rename(data: _Mapping, key: str) -> _Mapping:
    """View `data[key]` as a `name` so the survey id gets the same slug check as question names."""
    view = _Mapping({"name": data.get(key)} if key in data else {})
    view.line = data.line
    view.key_lines = {"name": data.key_lines.get(key, data.line)}
    return view


def _parse_question(
    checker: _Checker, raw: Any, areas: Sequence[Area] | None, list_line: int
) -> Question | None:
    line = getattr(raw, "line", list_line)
    data = checker.mapping(raw, line, "a question", _QUESTION_KEYS)
    if data is None:
        return None
    name = checker.name(data, "a question")
    what = f"question '{name}'" if name else "a question"
    label = checker.text(data, "label", what)
    hint = checker.text(data, "hint", what, required=False)
    field = data.get("field")
    if field not in THEMATIC_FIELDS:
        checker.report(
            data.key_lines.get("field", data.line),
            f"{what}: 'field' must be one of {', '.join(THEMATIC_FIELDS)} (got {field!r})",
        )
    try:
        qtype = QuestionType(data.get("type"))
    except ValueError:
        checker.report(
            data.key_lines.get("type", data.line),
            f"{what}: 'type' must be one of {', '.join(t.value for t in QuestionType)} (got {data.get('type')!r})",
        )
        return None

    choices = _parse_choices(checker, data, qtype, what, areas)
    minimum = checker.integer(data, "min", 1 if qtype is QuestionType.SCALE else None)
    maximum = checker.integer(data, "max", 5 if qtype is QuestionType.SCALE else None)
    max_length = checker.integer(data, "max_length", 500) or 500
    bounded = qtype in (QuestionType.SCALE, QuestionType.NUMBER, QuestionType.DECIMAL)
    if bounded:
        # numbers imported from XLSForm may have no bounds (a constraint can bound them instead)
        if qtype is QuestionType.SCALE and (minimum is None or maximum is None):
            checker.report(data.line, f"{what}: a {qtype.value} question needs 'min' and 'max'")
        elif (minimum is None) != (maximum is None):
            checker.report(data.line, f"{what}: give both 'min' and 'max', or neither")
        elif minimum is not None and maximum is not None and minimum >= maximum:
            checker.report(data.key_lines.get("min", data.line), f"{what}: 'min' must be below 'max'")
        elif qtype is QuestionType.SCALE and maximum - minimum > 9:
            checker.report(data.key_lines.get("max", data.line), f"{what}: a scale has at most 10 points")
    if qtype is QuestionType.TEXT and not 1 <= max_length <= 4000:
        checker.report(data.key_lines.get("max_length", data.line), f"{what}: 'max_length' must be 1..4000")
    required = checker.flag(data, "required")
    if qtype is QuestionType.NOTE and required:
        checker.report(data.key_lines["required"], f"{what}: a note cannot be required")

    return Question(
        name=name or "",
        type=qtype,
        label=label or "",
        field=field if isinstance(field, str) else "",
        hint=hint,
        required=required,
        sensitive=checker.flag(data, "sensitive"),
        choices=tuple(choices),
        minimum=minimum if bounded else None,
        maximum=maximum if bounded else None,
        max_length=max_length,
        low_label=checker.text(data, "low_label", what, required=False),
        high_label=checker.text(data, "high_label", what, required=False),
        show_if=_parse_conditions(checker, data, what),
        choices_from=data.get("choices_from") if isinstance(data.get("choices_from"), str) else None,
        relevant=checker.text(data, "relevant", what, required=False),
        constraint=checker.text(data, "constraint", what, required=False),
        constraint_message=checker.text(data, "constraint_message", what, required=False),
        required_message=checker.text(data, "required_message", what, required=False),
        choice_filter=checker.text(data, "choice_filter", what, required=False),
        group=checker.text(data, "group", what, required=False),
        source_name=checker.text(data, "source_name", what, required=False),
        line=data.line,
    )


def _parse_choices(
    checker: _Checker, data: _Mapping, qtype: QuestionType, what: str, areas: Sequence[Area] | None
) -> list[Choice]:
    choices: list[Choice] = []
    source = data.get("choices_from")
    if source is not None:
        if source != "areas":
            checker.report(data.key_lines["choices_from"], f"{what}: 'choices_from' can only be 'areas'")
        elif qtype is not QuestionType.SINGLE:
            checker.report(data.key_lines["choices_from"], f"{what}: 'choices_from' needs a single question")
        else:
            choices.extend(Choice(a.name, a.label) for a in (areas or []))
    raw_choices = data.get("choices")
    if raw_choices is not None and qtype not in (*_CHOICE_TYPES, QuestionType.SCALE):
        checker.report(data.key_lines["choices"], f"{what}: a {qtype.value} question takes no 'choices'")
        return []
    if raw_choices is None:
        if qtype in _CHOICE_TYPES and source is None:
            checker.report(data.line, f"{what}: a {qtype.value} question needs 'choices'")
        return choices
    if not isinstance(raw_choices, list) or (not raw_choices and source is None):
        checker.report(data.key_lines["choices"], f"{what}: 'choices' must be a non-empty list")
        return choices
    for raw_choice in raw_choices:
        line = getattr(raw_choice, "line", data.key_lines["choices"])
        choice_data = checker.mapping(raw_choice, line, f"a choice of {what}", _CHOICE_KEYS)
        if choice_data is None:
            continue
        name = checker.name(choice_data, f"a choice of {what}", choice=True)
        label = checker.text(choice_data, "label", f"choice '{name}' of {what}")
        exclusive = checker.flag(choice_data, "exclusive")
        need = checker.flag(choice_data, "need") if "need" in choice_data else None
        attributes = _parse_attributes(checker, choice_data, f"choice '{name}' of {what}")
        if qtype is QuestionType.SCALE and name and name.isdigit():
            checker.report(line, f"{what}: choice name '{name}' looks like a scale point; use a word")
        if exclusive and qtype is not QuestionType.MULTI:
            checker.report(line, f"{what}: 'exclusive' only applies to multi questions")
        if name == DECLINED:
            checker.report(line, f"{what}: '{DECLINED}' is reserved; every question offers it already")
        elif name and label:
            if any(c.name == name for c in choices):
                checker.report(line, f"{what}: choice name '{name}' is used twice")
            else:
                choices.append(Choice(name, label, exclusive, need, attributes,
                                      checker.text(choice_data, "source_name", f"choice '{name}' of {what}",
                                                   required=False)))
    return choices


def _parse_attributes(checker: _Checker, data: _Mapping, what: str) -> tuple[tuple[str, str], ...]:
    raw = data.get("attributes")
    if raw is None:
        return ()
    if not isinstance(raw, _Mapping) or any(isinstance(v, _Mapping | list) for v in raw.values()):
        checker.report(data.key_lines["attributes"], f"{what}: 'attributes' must map column names to values")
        return ()
    return tuple((str(k), "" if v is None else str(v)) for k, v in raw.items() if k != "__duplicates__")


def _parse_conditions(checker: _Checker, data: _Mapping, what: str) -> tuple[Condition, ...]:
    raw = data.get("show_if")
    if raw is None:
        return ()
    line = data.key_lines["show_if"]
    if not isinstance(raw, _Mapping) or not raw:
        checker.report(line, f"{what}: 'show_if' must map earlier question names to lists of choice names")
        return ()
    conditions = []
    for question_name, values in raw.items():
        key_line = raw.key_lines.get(question_name, line)
        if question_name == "__duplicates__":
            continue
        if isinstance(values, str | int) and not isinstance(values, bool):
            values = [values]
        if not isinstance(values, list) or not values:
            checker.report(key_line, f"{what}: show_if '{question_name}' needs a non-empty list of choices")
            continue
        conditions.append(Condition(str(question_name), frozenset(str(v) for v in values)))
    return tuple(conditions)


def _check_names_and_logic(checker: _Checker, questions: list[Question], areas_unknown: bool) -> None:
    seen: dict[str, Question] = {}
    for question in questions:
        if question.name in seen:
            checker.report(
                question.line,
                f"question name '{question.name}' is used twice (first at line {seen[question.name].line})",
            )
            continue
        for condition in question.show_if:
            source = seen.get(condition.question)
            later = any(q.name == condition.question for q in questions) and source is None
            if later:
                checker.report(
                    question.line,
                    f"question '{question.name}' is unreachable: its show_if refers to "
                    f"'{condition.question}', which is not asked before it",
                )
            elif source is None:
                checker.report(
                    question.line,
                    f"question '{question.name}': show_if refers to unknown question '{condition.question}'",
                )
            elif source.type not in _CONDITION_SOURCES:
                checker.report(
                    question.line,
                    f"question '{question.name}': show_if can only use single, multi or scale questions, "
                    f"'{condition.question}' is {source.type.value}",
                )
            else:
                _check_condition_values(checker, question, condition, source, areas_unknown)
        seen[question.name] = question


def _check_condition_values(
    checker: _Checker, question: Question, condition: Condition, source: Question, areas_unknown: bool
) -> None:
    valid = {c.name for c in source.choices}
    if source.type is QuestionType.SCALE and source.minimum is not None and source.maximum is not None:
        valid |= {str(p) for p in range(source.minimum, source.maximum + 1)}
    unknown = sorted(condition.any_of - valid)
    if unknown and not (areas_unknown and source.choices_from):
        checker.report(
            question.line,
            f"question '{question.name}' is unreachable through show_if: "
            f"'{condition.question}' has no choice {', '.join(repr(u) for u in unknown)}",
        )


def bundled_survey_paths() -> list[Path]:
    return sorted(BUNDLED_DIR.glob("*.yaml"))
