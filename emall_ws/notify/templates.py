"""Message texts: Indonesian templates in notify/templates/, filled with string.Template.

Files per template name:
    <name>.subject.txt   one line
    <name>.txt           plain-text body
    <name>.html          HTML body; every value is HTML-escaped before it is put in
    <name>.sms.txt       SMS text, optional: only events worth an SMS have one; it must stay one
                         GSM-7 SMS (160 characters) with realistic data (tests check every one)

Values are shown as people read them: keys ending in `_at` hold UTC times (datetime or ISO text)
and are written in WIB ("5 Maret 2025 pukul 14.30 WIB"; in SMS the compact "5 Mar 2025 14.30 WIB");
`role` is written as pembeli/penjual.
A missing value is an error (TemplateError), never an empty gap in a message.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from string import Template
from typing import Any, Callable, Mapping

from emall_ws.clock import to_wib

_NAME = re.compile(r"^[a-z0-9_]{1,60}$")  # also keeps a stored name from walking out of the folder
_FILES = {"EMAIL": (".subject.txt", ".txt", ".html"), "SMS": (".sms.txt",)}
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember")
_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
_ROLES = {"BUYER": "pembeli", "SELLER": "penjual", "ADMIN": "administrator"}


class TemplateError(Exception):
    """A template is missing, or its data lacks a value it uses: retrying cannot help."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(template: str, data: Mapping[str, Any]) -> RenderedEmail:
    """The email of `template` filled with `data`; every value but the BLOCKS goes in as member_text."""
    shown = {key: _display(key, value) if key in BLOCKS else member_text(_display(key, value))
             for key, value in data.items()}
    escaped = {key: html.escape(value, quote=True) for key, value in shown.items()}
    subject = _fill(template, ".subject.txt", shown)
    return RenderedEmail(
        # one line: a value with a line break must not be able to add mail headers
        subject=" ".join(subject.split()),
        text=_fill(template, ".txt", shown),
        html=_fill(template, ".html", escaped),
    )


def render_sms(template: str, data: Mapping[str, Any]) -> str:
    """The SMS text of `template`, on one line: every run of white space (a line break in the file
    or in a value) becomes one space, because each character costs and a break reads badly."""
    shown = {key: _display(key, value, format_wib_short) for key, value in data.items()}
    return " ".join(_fill(template, ".sms.txt", shown).split())


CONTINUED = "\n      | "  # how a member's value goes on after a line break in it
# values the platform composes line by line (an order's items, a checkout's invoices), every member's
# value in them already made member_text where it was composed
BLOCKS = frozenset({"items", "invoices"})


def member_text(value: str) -> str:
    """A value a member typed, as it goes into a message: each line break in it (a description, or a
    value stored before single-line fields refused breaks) starts an indented "| " line, so every
    line of it stays inside its own labelled field, in the text and the HTML part alike, and none
    can pass for a line of the platform's own text."""
    return CONTINUED.join(str(value).splitlines())


def exists(template: str, channel: str = "EMAIL") -> bool:
    """Whether every file `channel` needs for `template` is shipped."""
    suffixes = _FILES.get(channel)
    if suffixes is None or not _NAME.match(template):
        return False
    return all(_source(template + suffix) is not None for suffix in suffixes)


def format_wib(moment: datetime) -> str:
    """A naive UTC time as Indonesians read it: "5 Maret 2025 pukul 14.30 WIB"."""
    local = to_wib(moment)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year} pukul {local:%H.%M} WIB"


def format_wib_short(moment: datetime) -> str:
    """The same, compact for SMS (every character counts): "5 Mar 2025 14.30 WIB"."""
    local = to_wib(moment)
    return f"{local.day} {_SHORT_MONTHS[local.month - 1]} {local.year} {local:%H.%M} WIB"


def _display(key: str, value: Any, when: Callable[[datetime], str] = format_wib) -> str:
    if value is None:
        return ""
    if key.endswith("_at"):
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            raise TemplateError(f"{key}: not a time: {str(value)[:40]!r}") from None
        if moment.tzinfo is not None:
            raise TemplateError(f"{key}: times are naive UTC in this platform")
        return when(moment)
    if key == "role":
        return _ROLES.get(str(value), str(value))
    return str(value)


def _fill(template: str, suffix: str, values: Mapping[str, str]) -> str:
    source = _source(template + suffix) if _NAME.match(template) else None
    if source is None:
        raise TemplateError(f"no template file {template}{suffix}")
    try:
        return Template(source).substitute(values)
    except KeyError as missing:
        raise TemplateError(f"{template}{suffix}: no value for {missing}") from None
    except ValueError as error:  # a stray "$" in the file
        raise TemplateError(f"{template}{suffix}: {error}") from None


@cache
def _source(filename: str) -> str | None:
    # importlib.resources: works from a wheel or zip as well as from the source tree
    entry = resources.files("emall_ws.notify").joinpath("templates", filename)
    return entry.read_text(encoding="utf-8") if entry.is_file() else None
