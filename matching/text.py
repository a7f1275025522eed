"""Free text that people type: what may go in, and how it is made safe on the way out.

Pure functions, no Django. XML 1.0 (IATI, XLSX) cannot carry the C0 control characters other
than tab, line feed and carriage return, nor lone surrogates or U+FFFE/U+FFFF: one such
character in one project's title would break a whole document for everyone. Input refuses
them (`control_problem`, with the field named by the caller); exports replace any that slipped
in before the rule existed (`xml_safe`).
"""

from __future__ import annotations

import re


def _(message: str) -> str:
    """Mark a message for translation (xgettext picks up ``_``) without importing Django."""
    return message


XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def xml_safe(text: str) -> str:
    """`text` with every character that XML 1.0 cannot carry replaced by U+FFFD."""
    return XML_ILLEGAL.sub(REPLACEMENT, text) if text else text


CONTROL_MESSAGE = _("Remove the control characters from this text.")


def control_problem(text: str | None) -> str | None:
    """Why `text` may not be stored (an untranslated message), or None."""
    if text and XML_ILLEGAL.search(text):
        return CONTROL_MESSAGE
    return None


def find_control(value, name: str = "") -> str | None:
    """The name of the first text in `value` (a string, or lists and dicts of them, walked
    with dotted names: "parties.0.role") that `control_problem` refuses, or None."""
    if isinstance(value, str):
        return name if XML_ILLEGAL.search(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and XML_ILLEGAL.search(key):
            return f"{name}.{key}" if name else key
        found = find_control(item, f"{name}.{key}" if name else str(key))
        if found is not None:
            return found
    return None
