"""The sandboxes' demo data from a JSON file (EMALL_SANDBOX_SEED), loaded once as they start.

    {"persons":      [{"nik", "name", "birthDate": "YYYY-MM-DD", "deceased": false}],
     "businesses":   [{"nib", "businessName", "ownerNik", "kbli": ["47911"], "status": "ACTIVE"}],
     "bankAccounts": [{"bank": "bca", "accountNumber", "holderName", "openingBalance": 0}]}

Every section and the optional fields (deceased, status, openingBalance) may be left out; a key
starting with "_" is a note for people ("_note": "..."), anywhere, and is ignored. The whole
file is checked before anything is written: a malformed one stops the sandboxes at start with one
line naming the file and the entry, rather than a demo missing the person it was meant to show.
Loading is idempotent: what the sandbox already holds (a NIK, a NIB, an account) is kept as it is,
so a restart neither resets what a demo changed nor posts an opening balance twice.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select

from emall_ws.clock import utcnow
from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS
from emall_ws.domain.partners import BANKS
from emall_ws.sandbox.bank import open_account
from emall_ws.sandbox.contracts import LICENCE_STATUSES
from emall_ws.sandbox.dukcapil import add_person
from emall_ws.sandbox.oss import MAX_KBLI, add_business
from emall_ws.sandbox.store import Account, Business, Person, SandboxDatabase
from emall_ws.setting import SettingError

log = logging.getLogger(__name__)
VARIABLE = "EMALL_SANDBOX_SEED"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SeedError(SettingError):
    """The seed file cannot be used: names the file, the entry and what is wrong with it (a setting's
    error: `emall-ws` reports it in one line and exits with status 2)."""

    def __init__(self, path: Path, where: str, problem: str):
        self.name, self.value, self.expected = VARIABLE, str(path), problem
        ValueError.__init__(self, f"{VARIABLE} ({path}): {where}: {problem}")


@dataclass(frozen=True)
class SeedPerson:
    nik: str
    name: str
    birth_date: date
    deceased: bool


@dataclass(frozen=True)
class SeedBusiness:
    nib: str
    business_name: str
    owner_nik: str
    kbli: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class SeedAccount:
    bank: str
    account_number: str
    holder_name: str
    opening_balance: int


@dataclass(frozen=True)
class Seed:
    persons: tuple[SeedPerson, ...] = ()
    businesses: tuple[SeedBusiness, ...] = ()
    accounts: tuple[SeedAccount, ...] = ()


class _Entry:
    """One object of a section, its fields taken out one by one; any field left over is refused
    (a misspelt "birthdate" must not quietly become a person without a birth date)."""

    def __init__(self, path: Path, where: str, raw: Any):
        if not isinstance(raw, dict):
            raise SeedError(path, where, "must be a JSON object")
        self.path, self.where = path, where
        self.raw = {name: value for name, value in raw.items() if not _is_note(name)}

    def fail(self, problem: str) -> SeedError:
        return SeedError(self.path, self.where, problem)

    def take(self, name: str, check: Callable[[Any], bool], expected: str, default: Any = None) -> Any:
        if name not in self.raw:
            if default is None:
                raise self.fail(f"{name} is missing")
            return default
        value = self.raw.pop(name)
        if not check(value):
            raise self.fail(f"{name} must be {expected}, not {json.dumps(value, ensure_ascii=False)}")
        return value

    def text(self, name: str, max_len: int) -> str:
        value = self.take(name, lambda v: isinstance(v, str) and 0 < len(" ".join(v.split())) <= max_len,
                          f"text of 1 to {max_len} characters")
        return " ".join(value.split())

    def digits(self, name: str, length: int) -> str:
        return self.take(name, lambda v: isinstance(v, str) and v.isascii() and v.isdigit() and len(v) == length,
                         f"{length} digits (as text)")

    def done(self) -> None:
        if self.raw:
            raise self.fail(f"unknown field {sorted(self.raw)[0]}")


def _is_note(key: str) -> bool:
    return key.startswith("_")


def _iso_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and bool(_DATE.fullmatch(value)) and date.fromisoformat(value) <= date.today()
    except ValueError:
        return False


def _person(entry: _Entry) -> SeedPerson:
    person = SeedPerson(nik=entry.digits("nik", 16), name=entry.text("name", 100),
                        birth_date=date.fromisoformat(entry.take("birthDate", _iso_date, "a past date YYYY-MM-DD")),
                        deceased=entry.take("deceased", lambda v: isinstance(v, bool), "true or false", False))
    entry.done()
    return person


def _business(entry: _Entry) -> SeedBusiness:
    def kbli_codes(value: Any) -> bool:
        return isinstance(value, list) and len(value) <= MAX_KBLI and all(
            isinstance(code, str) and code.isascii() and code.isdigit() and len(code) == 5 for code in value)

    business = SeedBusiness(
        nib=entry.digits("nib", 13), business_name=entry.text("businessName", 200),
        owner_nik=entry.digits("ownerNik", 16),
        kbli=tuple(entry.take("kbli", kbli_codes, f"a list of at most {MAX_KBLI} 5-digit KBLI codes", [])),
        status=entry.take("status", lambda v: v in LICENCE_STATUSES, " or ".join(LICENCE_STATUSES), "ACTIVE"))
    entry.done()
    return business


def _account(entry: _Entry) -> SeedAccount:
    bank = entry.take("bank", lambda v: v in BANKS, " or ".join(BANKS))
    account = SeedAccount(
        bank=bank, account_number=entry.digits("accountNumber", BANK_ACCOUNT_LENGTHS[bank]),
        holder_name=entry.text("holderName", 100),
        opening_balance=entry.take("openingBalance", lambda v: type(v) is int and v >= 0,
                                   "a whole number of Rupiah, 0 or more", 0))
    entry.done()
    return account


# section -> (how one entry is read, what identifies it: no two entries of a file may share it)
_SECTIONS: dict[str, tuple[Callable[[_Entry], Any], Callable[[Any], tuple]]] = {
    "persons": (_person, lambda p: (p.nik,)),
    "businesses": (_business, lambda b: (b.nib,)),
    "bankAccounts": (_account, lambda a: (a.bank, a.account_number)),
}


def read_seed(path: Path) -> Seed:
    """The file's entries, every one checked; SeedError for the first that cannot be used."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SeedError(path, "the file", f"cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise SeedError(path, "the file", "is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise SeedError(path, f"line {error.lineno} column {error.colno}", f"not JSON ({error.msg})") from None
    if not isinstance(document, dict):
        raise SeedError(path, "the file", "must hold one JSON object with persons, businesses, bankAccounts")
    unknown = sorted(key for key in set(document) - set(_SECTIONS) if not _is_note(key))
    if unknown:
        raise SeedError(path, unknown[0], f"unknown section (expected {', '.join(_SECTIONS)})")
    sections: dict[str, tuple] = {}
    for section, (read, key) in _SECTIONS.items():
        entries = document.get(section, [])
        if not isinstance(entries, list):
            raise SeedError(path, section, "must be a JSON list")
        seen: dict[tuple, int] = {}
        read_entries = []
        for index, raw in enumerate(entries):
            where = f"{section}[{index}]"
            item = read(_Entry(path, where, raw))
            if key(item) in seen:
                raise SeedError(path, where, f"repeats {section}[{seen[key(item)]}] ({' '.join(key(item))})")
            seen[key(item)] = index
            read_entries.append(item)
        sections[section] = tuple(read_entries)
    return Seed(persons=sections["persons"], businesses=sections["businesses"], accounts=sections["bankAccounts"])


def apply_seed(db: SandboxDatabase, seed: Seed) -> dict[str, int]:
    """Inserts what the sandbox does not hold yet, in one transaction; how many of each were new."""
    added = {"persons": 0, "businesses": 0, "bankAccounts": 0}
    now = utcnow()
    with db.unit_of_work() as session:
        for person in seed.persons:
            if session.get(Person, person.nik) is None:
                add_person(session, person.nik, person.name, person.birth_date, person.deceased)
                added["persons"] += 1
        for business in seed.businesses:
            if session.get(Business, business.nib) is None:
                add_business(session, business.nib, business.business_name, business.owner_nik,
                             list(business.kbli), business.status)
                added["businesses"] += 1
        for account in seed.accounts:
            exists = session.scalar(select(Account.id).where(Account.bank == account.bank,
                                                             Account.account_number == account.account_number))
            if exists is None:
                open_account(session, account.bank, account.account_number, account.holder_name,
                             account.opening_balance, now)
                added["bankAccounts"] += 1
    return added


def load_seed(db: SandboxDatabase, path: Path) -> dict[str, int]:
    """read_seed, then apply_seed: the file checked whole before anything is written."""
    added = apply_seed(db, read_seed(path))
    log.info("sandbox seed %s: added %s", path, ", ".join(f"{count} {name}" for name, count in added.items()))
    return added
