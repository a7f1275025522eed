"""How many SMS segments a text takes, and how to keep it within a number of them: pure
functions, no Django.

An SMS carries 140 bytes. Text that only uses the GSM 03.38 alphabet goes as GSM-7: 160
characters in one message, 153 per part once it is split (the rest of each part holds the
header that joins them again); a character of the extension table (`€ [ ] { } \\ ^ ~ |` and
form feed) is sent as an escape and a character, so it counts 2 and never straddles two
parts. One character outside that alphabet (the Uzbek Latin ʻ and ʼ, any Cyrillic letter,
an emoji) makes the whole message UCS-2: 70 UTF-16 units in one message, 67 per part, a
character beyond the Basic Multilingual Plane counting 2 and, again, never split.

`fit(text, link, max_segments)` shortens the text (at a word where it can, with an ellipsis)
so that text and link together take at most `max_segments`; the link is never cut: a reader
who gets a shortened message follows it to read the rest.
"""

from dataclasses import dataclass

GSM7 = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = "\f^{}\\[~]|€"
_BASIC, _EXTENDED = frozenset(GSM7), frozenset(GSM7_EXTENDED)

GSM = "GSM-7"
UCS2 = "UCS-2"
# (one message, each part of a concatenated message), in the encoding's units
LIMITS = {GSM: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Count:
    encoding: str
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def encoding(text: str) -> str:
    """GSM-7 when every character is in the GSM alphabet or its extension, else UCS-2."""
    return GSM if all(c in _BASIC or c in _EXTENDED for c in text) else UCS2


def _cost(char: str, enc: str) -> int:
    if enc == GSM:
        return 2 if char in _EXTENDED else 1
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair


def count(text: str) -> Count:
    """The encoding, the units and the number of segments `text` is sent in (0 for "")."""
    enc = encoding(text)
    costs = [_cost(c, enc) for c in text]
    units = sum(costs)
    single, part = LIMITS[enc]
    if units == 0:
        return Count(enc, 0, 0)
    if units <= single:
        return Count(enc, units, 1)
    segments, used = 1, 0
    for cost in costs:  # an escape pair or a surrogate pair is never split between parts
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return Count(enc, units, segments)


def segments(text: str) -> int:
    return count(text).segments


def _join(text: str, link: str) -> str:
    return f"{text}\n{link}" if text and link else text or link


def fit(text: str, link: str = "", max_segments: int = 2) -> str:
    """`text`, then `link` on its own line, shortened to at most `max_segments` segments.

    The text is cut, never the link: at the last space within the last 20 characters of the
    longest prefix that fits (a word is not cut in two when it need not be), with "..." in
    GSM-7 or "…" in UCS-2. A link too long to fit with any text goes alone (it may then take
    more segments: a link cut short is worth nothing)."""
    text, link = text.strip(), link.strip()
    whole = _join(text, link)
    if segments(whole) <= max_segments:
        return whole
    # the number of segments only grows with the prefix's length (more units, and the
    # encoding can only change from GSM-7 to UCS-2): search the longest prefix that fits
    ellipsis = "…" if encoding(whole) == UCS2 else "..."

    def candidate(n: int) -> str:
        return _join(text[:n].rstrip() + ellipsis, link) if n else link

    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if segments(candidate(middle)) <= max_segments:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        return link
    space = text.rfind(" ", max(0, low - 20), low + 1)
    if space > 0:
        low = space
    return candidate(low)
