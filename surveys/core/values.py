"""The values answers and expressions are made of, apart from the survey model so that the model and the XPath
evaluator can both use them without importing each other in a circle."""

from __future__ import annotations

#: The value recorded when a resident presses "prefer not to say"; reserved, no choice may be named so.
DECLINED = "prefer_not_to_say"

AnswerValue = str | int | tuple[str, ...]
"""A recorded answer: a choice name (single, or a scale's extra choice), an int (scale, number),
free text (text, decimal, date, time), a tuple of choice names (multi), or DECLINED."""

Value = str | float | bool
"""What an XPath expression evaluates to."""
