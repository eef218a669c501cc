"""Text members type that other people read (emails, invoices, product pages, spreadsheets).

A single-line field (a name, an address, a product name, a URL ...) must not carry a character that
breaks the line, hides itself, or reorders what is shown around it: C0 and C1 control characters,
the Unicode line and paragraph separators, and the bidirectional controls (U+202A-U+202E embeddings
and overrides, U+2066-U+2069 isolates). A multi-line field (a product description) keeps its line
breaks and tabs, and is refused the rest.
"""
from __future__ import annotations

import unicodedata

from emall_ws.domain.errors import FieldError, ValidationFailed

UNSAFE_CHARACTER = "UNSAFE_CHARACTER"  # the field's code in a Validation fault

_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
_SEPARATORS = frozenset((0x2028, 0x2029))
_LINE_BREAKS = frozenset("\n\r\t")  # what a multi-line field may keep


def _forbidden(character: str) -> bool:
    code = ord(character)
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _SEPARATORS or code in _BIDI_CONTROLS


def single_line_ok(value: str | None) -> bool:
    return not any(_forbidden(c) for c in value or "")


def multi_line_ok(value: str | None) -> bool:
    return not any(_forbidden(c) and c not in _LINE_BREAKS for c in value or "")


def checked_text(field: str, value: str | None, limit: int, *, required: bool = False,
                 multi_line: bool = False) -> str:
    """A free text (a reason, a note, a description) trimmed: at most `limit` characters, one line unless
    `multi_line`, REQUIRED when `required`; or ValidationFailed on `field`."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed([FieldError(field, "REQUIRED")])
    if len(value) > limit:
        raise ValidationFailed([FieldError(field, "TOO_LONG", {"max": limit})])
    if not (multi_line_ok(value) if multi_line else single_line_ok(value)):
        raise ValidationFailed([FieldError(field, UNSAFE_CHARACTER)])
    return value


def without_invisible_start(value: str) -> str:
    """`value` from its first visible character on: white space, control and format characters (a
    zero-width space, a bidi mark ...) show nothing, and a spreadsheet may skip them."""
    for position, character in enumerate(value):
        if not (character.isspace() or unicodedata.category(character) in ("Cc", "Cf")):
            return value[position:]
    return ""
