"""A setting declared once: its environment variable, default, parser and meaning.

The platform's settings (emall_ws.config.SETTINGS) are read through these declarations at start,
`emall-ws settings` prints them, and the README's table is generated from them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from emall_ws.client_address import parse_networks

Parser = Callable[[str, str], Any]  # (variable, raw value) -> the value, or SettingError


class SettingError(ValueError):
    """A setting whose value cannot be used: says which, the value given, and what is expected."""

    def __init__(self, name: str, value: str, expected: str):
        self.name, self.value, self.expected = name, value, expected
        super().__init__(f"{name}={value!r} is not valid: expected {expected}")


def text(_name: str, raw: str) -> str:
    return raw


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    default: str  # used when unset or empty, written as in the environment
    meaning: str  # Markdown, as the README's table shows it
    parse: Parser = text
    shown: str = ""  # the README's default when it is not the literal `default` (worked out, or none)

    def read(self, env: Mapping[str, str], default: str | None = None) -> Any:
        """The variable's value as `parse` checks it; `default` stands for one worked out from others."""
        raw = env.get(self.name, "").strip() or (self.default if default is None else default)
        return self.parse(self.name, raw)

    def table_row(self) -> str:
        return f"| `{self.name}` | {self.shown or f'`{self.default}`'} | {self.meaning} |"


def number(kind: type = float, *, minimum: float | None = None, above: float | None = None) -> Parser:
    what = "a whole number" if kind is int else "a number"
    if minimum is not None:
        what += f" of at least {minimum:g}"
    if above is not None:
        what += f" greater than {above:g}"

    def parse(name: str, raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            raise SettingError(name, raw, what) from None
        if (minimum is not None and value < minimum) or (above is not None and value <= above) \
                or value != value:  # NaN
            raise SettingError(name, raw, what)
        return value
    return parse


def port(name: str, raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingError(name, raw, "a port number from 1 to 65535")
    return int(raw)


_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def flag(name: str, raw: str) -> bool:
    if raw.lower() not in _FLAGS:
        raise SettingError(name, raw, "1 or 0 (also true/false, yes/no, on/off)")
    return _FLAGS[raw.lower()]


def choice(choices: tuple[str, ...], *, upper: bool = False) -> Parser:
    def parse(name: str, raw: str) -> str:
        value = raw.upper() if upper else raw.lower()
        if value not in choices:
            raise SettingError(name, raw, " or ".join(choices))
        return value
    return parse


def url(schemes: tuple[str, ...] = ("http", "https")) -> Parser:
    def parse(name: str, raw: str) -> str:
        try:
            parts = urlsplit(raw)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in schemes or not parts.hostname:
            raise SettingError(name, raw, f"a URL such as {schemes[0]}://host:port/...")
        return raw.rstrip("/")
    return parse


def database_url(name: str, raw: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(raw)
    except (ArgumentError, ValueError):
        raise SettingError(name, _redacted(raw), "an SQLAlchemy URL such as "
                           "mysql+pymysql://user:password@host:3306/emall or sqlite:///var/emall.db") from None
    return raw


def networks(name: str, raw: str) -> tuple[Any, ...]:
    try:
        return parse_networks(raw)
    except ValueError:
        raise SettingError(name, raw, "comma-separated IP addresses or CIDR networks such as "
                           "10.0.0.5, 192.168.0.0/24 (no host bits after the /)") from None


def secret_key(name: str, raw: str) -> str:
    from emall_ws.secret_box import decode_key

    try:
        decode_key(raw)
    except ValueError as why:  # the value itself is never shown
        raise SettingError(name, "(hidden)", f"base64 of at least 32 random bytes, as `openssl rand -base64 32` "
                           f"prints ({why})") from None
    return raw.strip()


def shared_secret(name: str, raw: str) -> str:
    """A secret shared with a partner (it signs what the partner sends): long enough not to be guessed."""
    if len(raw) < 16:  # the value itself is never shown
        raise SettingError(name, "(hidden)", "a shared secret of at least 16 characters")
    return raw


def payee_accounts(name: str, raw: str) -> frozenset[tuple[str, str]]:
    """`bank:account, ...` (`bca:0123456789`) as (bank code, account number) pairs; empty: none."""
    from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS

    accounts = set()
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        bank, _, number = (side.strip() for side in entry.partition(":"))
        bank = bank.lower()
        if bank not in BANK_ACCOUNT_LENGTHS or not number.isdigit() or len(number) != BANK_ACCOUNT_LENGTHS[bank]:
            raise SettingError(name, raw, "comma-separated bank:account pairs such as bca:0123456789, the bank "
                               f"one of {', '.join(BANK_ACCOUNT_LENGTHS)} and the account its number of digits")
        accounts.add((bank, number))
    return frozenset(accounts)


def optional(parse: Parser) -> Parser:
    """None when the variable is unset or empty, else `parse`'s value."""
    return lambda name, raw: parse(name, raw) if raw else None


def _redacted(url: str) -> str:
    """A URL fit for a message: no password."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)
