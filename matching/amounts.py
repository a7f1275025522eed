"""Amounts as people type them: read with the separators of their language, never misread.

Pure functions, no Django. Pages show amounts in the reader's format (`50 000 000,00` in
Uzbek, Russian and Tajik; `50 000 000.00` in Kyrgyz; `50,000,000.00` in English), and the
same text must go back into a form. `read` accepts

- plain digits, with a decimal part: `50000000`, `50000000,5` (`.` or `,`);
- digits grouped by threes with spaces (any kind: space, no-break, thin) in every language;
- digits grouped by threes with `,` or `.` where the separator cannot be a decimal one
  (it occurs more than once, or the other separator follows as the decimal one):
  `50,000,000`, `50.000.000,00`, `50,000,000.00`;
- a single `,` or `.` as the decimal separator, unless it is the language's grouping one;

and refuses, with a message saying how to write it, what could be read two ways: a single
`,` or `.` followed by exactly three digits (`50,000`: fifty thousand, or fifty?) unless that
separator is the language's own grouping separator (English `50,000` is fifty thousand).
"""

from __future__ import annotations

import re
from decimal import Decimal


def _(message: str) -> str:
    """Mark a message for translation (xgettext picks up ``_``) without importing Django."""
    return message


SPACES = re.compile(r"[ \u00a0\u202f\u2009\u2007]")
_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})+")  # X: the grouping separator, substituted below
_PLAIN = re.compile(r"\d+")


def _grouped(text: str, separator: str) -> bool:
    return bool(re.fullmatch(_GROUPED.pattern.replace("X", re.escape(separator)), text))


def _integer(text: str, separators: str) -> str | None:
    """The digits of an integer part written plainly or grouped by threes with one of
    `separators`, or None."""
    if _PLAIN.fullmatch(text):
        return text
    for separator in separators:
        if separator in text and _grouped(text, separator):
            return text.replace(separator, "")
    return None


def read(text: str, *, decimal: str, group: str) -> tuple[Decimal | None, str | None]:
    """(amount, None) or (None, untranslated message). `decimal` and `group` are the
    language's separators (`group` may be a space)."""
    text = (text or "").strip()
    if not text:
        return None, _("Enter an amount.")
    if text[0] in "+-":
        return None, _("Enter the amount without a sign.")
    text = SPACES.sub(" ", text)
    if re.search(r"[^\d ,.]", text):
        return None, _("Use digits only, with spaces between thousands and one decimal "
                       "separator.")
    marks = [c for c in text if c in ",."]
    kinds = set(marks)
    whole, fraction = text, ""
    if len(kinds) == 2:
        point = text[max(text.rfind(","), text.rfind("."))]
        if marks.count(point) > 1:
            return None, _("Write the amount with one decimal separator.")
        whole, fraction = text.rsplit(point, 1)
        grouping = " " + ("," if point == "." else ".")
    elif len(marks) == 1:
        mark = marks[0]
        head, tail = text.split(mark)
        if len(tail) == 3 and _PLAIN.fullmatch(tail) and mark != group:
            return None, _("%(text)s can be read two ways: write the thousands with spaces "
                           "(50 000) and the decimals after one separator (50%(point)s00).") \
                % {"text": text, "point": decimal}
        if mark == group:
            grouping = " " + group
        else:
            whole, fraction, grouping = head, tail, " "
    elif len(marks) > 1:  # one kind, several times: grouping
        grouping = " " + marks[0]
    else:
        grouping = " "
    if fraction and not _PLAIN.fullmatch(fraction):
        return None, _("Not a valid amount: use digits, spaces between thousands and one "
                       "decimal separator.")
    digits = _integer(whole, grouping)
    if digits is None:
        return None, _("Not a valid amount: group the thousands by three, e.g. 50 000 000.")
    return Decimal(f"{digits}.{fraction}" if fraction else digits), None


def example(*, decimal: str, group: str, places: int = 2) -> str:
    """How an amount looks in the language: '50 000 000,00', '50,000,000.00'."""
    group = "\u00a0" if group.isspace() else group
    text = group.join(["50", "000", "000"])
    return f"{text}{decimal}{'0' * places}" if places else text
