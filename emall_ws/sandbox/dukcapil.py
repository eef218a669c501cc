"""Population registry sandbox (Dukcapil): is this NIK this person, born on this day, and alive?

The registry gives a verdict only, never the person's data. It reads a name past case, punctuation and
titles, as the platform reads an account's holder. Checked in the registry's order: an
unknown NIK, a deceased person, then the name, then the birth date.
"""
from __future__ import annotations

import re
from datetime import date

from spyne import Boolean, ServiceBase, Unicode, rpc

from emall_ws.domain.holder_names import names_match
from emall_ws.sandbox.application import failure_mode_operation, partner_of, rejected
from emall_ws.sandbox.contracts import BIRTH_DATE_PATTERN, NIK_RESULTS
from emall_ws.sandbox.store import Person

NIK = re.compile(r"[0-9]{16}")  # ASCII digits: a full-width ３ is no NIK digit
# 16 digits, checked by check_nik: a longer value is the same InvalidNik, not the schema's Validation
Nik = Unicode(max_len=64, min_occurs=1, nillable=False)
PersonName = Unicode(max_len=100, min_occurs=1, nillable=False)
BirthDate = Unicode(max_len=10, pattern=BIRTH_DATE_PATTERN, min_occurs=1, nillable=False)  # YYYY-MM-DD


def check_nik(nik: str) -> None:
    """A NIK is 16 digits; anything else is the caller's mistake (Client.InvalidNik)."""
    if not NIK.fullmatch(nik or ""):
        raise rejected("InvalidNik", "A NIK is 16 digits", "INVALID_NIK")


def birth_date_of(text: str) -> date:
    """The day a YYYY-MM-DD names; a day no calendar has (1990-02-30) is the caller's mistake."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise rejected("InvalidBirthDate", f"{text} is not a date (YYYY-MM-DD)", "INVALID_BIRTH_DATE") from None


def same_name(given: str, registered: str) -> bool:
    """The same name once case, punctuation, spacing and titles are set aside: a KTP carries "SITI AMINAH"
    for the seller who registered as "Hj. Siti Aminah, S.E." (the rule of emall_ws.domain.holder_names)."""
    return names_match(given, registered)


def verdict(person: Person | None, name: str, birth_date: date) -> str:
    if person is None:
        return "NOT_FOUND"
    if person.deceased:
        return "DECEASED"
    if not same_name(name, person.name):
        return "NAME_MISMATCH"
    if person.birth_date != birth_date:
        return "BIRTHDATE_MISMATCH"
    return "MATCH"


def add_person(session, nik: str, name: str, birth_date: date, deceased: bool) -> None:
    """The person under `nik`, replacing whoever was there (the seed file and addPerson)."""
    person = session.get(Person, nik)
    if person is None:
        person = Person(nik=nik)
        session.add(person)
    person.name, person.birth_date, person.deceased = name, birth_date, deceased


class DukcapilService(ServiceBase):
    setFailureMode = failure_mode_operation()  # sandbox only, on every contract

    @rpc(Nik, PersonName, BirthDate, _returns=Unicode(values=list(NIK_RESULTS)), _out_variable_name="result")
    def verifyNik(ctx, nik, name, birthDate):  # noqa: N802,N803
        """The registry's verdict on NIK, name and birth date; never the person's data."""
        check_nik(nik)
        born = birth_date_of(birthDate)
        with partner_of(ctx).database.unit_of_work() as session:
            return verdict(session.get(Person, nik), name, born)

    @rpc(Nik, PersonName, BirthDate, Boolean, _returns=Unicode, _out_variable_name="nik")
    def addPerson(ctx, nik, name, birthDate, deceased):  # noqa: N802,N803
        """Sandbox only: a person in the registry; the same NIK again replaces them."""
        check_nik(nik)
        born = birth_date_of(birthDate)
        with partner_of(ctx).database.unit_of_work() as session:
            add_person(session, nik, " ".join(name.split()), born, bool(deceased))
        return nik
