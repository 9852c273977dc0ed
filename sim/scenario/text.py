"""Which characters scenario text may hold, and how text from outside is shown safely.

Scenario text is printed on terminals and written into reports and file
names.  A carriage return lets a name overwrite the line it is printed on
(``validate`` seems to say "ok" for another file), an escape sequence can
clear or recolour the screen, and a bidirectional override (U+202A-202E,
U+2066-2069) shows text in another order than it is stored.  So:

- one-line text (names, labels, ids, sources, currency) holds no control or
  format character at all, line breaks and tabs included;
- a description holds line breaks (``\\n``) but no other control or format
  character;
- text from outside that is only shown (a file name given on the command
  line, a value in an error message) goes through :func:`printable`.
"""

from __future__ import annotations

import unicodedata

FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories never allowed: controls, format characters (bidi overrides, zero-width
characters), lone surrogates, and the line and paragraph separators U+2028 and U+2029."""

_NAMES = {"\n": "line feed", "\r": "carriage return", "\t": "tab", "\x1b": "escape", "\x00": "NUL",
          "\u2028": "line separator", "\u2029": "paragraph separator", "\x85": "next line"}
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")


def forbidden(ch: str, allowed: str = "") -> bool:
    """Whether ``ch`` may not stand in scenario text (``allowed`` lists exceptions, e.g. ``"\\n"``)."""
    return ch not in allowed and unicodedata.category(ch) in FORBIDDEN_CATEGORIES


def describe(ch: str) -> str:
    """``U+000D (carriage return)``: a character named for an error message."""
    name = _NAMES.get(ch) or unicodedata.name(ch, "").lower() or "control character"
    return f"U+{ord(ch):04X} ({name})"


def first_forbidden(text: str, allowed: str = "") -> str | None:
    """The first character of ``text`` that :func:`forbidden` refuses, or None."""
    if text.isprintable():  # the common case, in C: no control, format or separator character at all
        return None
    return next((ch for ch in text if forbidden(ch, allowed)), None)


def refuse_in_one_line(text: str) -> str:
    """``text`` unchanged, or ValueError naming its first line break, control or format character."""
    bad = first_forbidden(text)
    if bad is not None:
        kind = "line break" if bad in LINE_BREAKS else "control character"
        raise ValueError(f"{kind} {describe(bad)} is not allowed in one-line text {text[:60]!r}")
    return text


def refuse_in_block(text: str) -> str:
    """``text`` unchanged (line breaks ``\\n`` allowed), or ValueError naming its first other control
    or format character."""
    bad = first_forbidden(text, "\n")
    if bad is not None:
        raise ValueError(f"control character {describe(bad)} is not allowed in text (line breaks are)")
    return text


def printable(text: object) -> str:
    """``text`` with every forbidden character written as an escape (``\\r``, ``\\u202e``), so it
    shows as stored and cannot act on the terminal."""
    shown = str(text)
    if first_forbidden(shown) is None:
        return shown
    return "".join(ch.encode("unicode_escape").decode("ascii") if forbidden(ch) else ch for ch in shown)
