"""ZeepDukcapilAdapter against the population registry sandbox over HTTP: every verdict, refusals."""
import secrets
from datetime import date

import pytest
from zeep.exceptions import Fault

from adapters.dukcapil import NIK_RESULTS, ZeepDukcapilAdapter
from adapters.errors import PartnerRejected
from tests.sandbox_server import PATIENT, partners, sandbox  # noqa: F401

pytestmark = pytest.mark.network
BORN = date(1990, 8, 17)


def new_person(partners, name: str = "Siti Nurhaliza Rahmawati", born: date = BORN, deceased: bool = False) -> str:
    """A person only this test knows: 31.74.01 (Tebet, Jakarta Selatan), born 17-08-1990 (a woman: day + 40)."""
    nik = "317401570890" + "".join(secrets.choice("0123456789") for _ in range(4))
    assert partners.driver(partners.dukcapil).service.addPerson(nik, name, born.isoformat(), deceased) == nik
    return nik


def adapter(partners) -> ZeepDukcapilAdapter:
    return ZeepDukcapilAdapter(partners.dukcapil, timeout=PATIENT)


def test_the_same_person_matches_whatever_the_case_and_spacing_of_the_name(partners):
    nik = new_person(partners)
    for name in ("Siti Nurhaliza Rahmawati", "SITI NURHALIZA RAHMAWATI", "  siti   nurhaliza\trahmawati "):
        assert adapter(partners).verify_nik(nik, name, BORN) == "MATCH", name


@pytest.mark.parametrize("name, born, verdict", [
    ("Siti Nurhaliza", BORN, "NAME_MISMATCH"),  # the registry decides, strictly: a shorter name is another
    ("Siti Nurhaliza Rahmawaty", BORN, "NAME_MISMATCH"),
    ("Siti Nurhaliza Rahmawati", date(1990, 8, 18), "BIRTHDATE_MISMATCH"),
    ("Budi Santoso", date(1985, 3, 5), "NAME_MISMATCH"),  # the name is checked first
])
def test_a_mismatch_says_which_and_nothing_else(partners, name, born, verdict):
    assert adapter(partners).verify_nik(new_person(partners), name, born) == verdict


def test_a_deceased_person_is_deceased_whatever_was_asked(partners):
    nik = new_person(partners, "Agus Wibowo", date(1948, 1, 20), deceased=True)
    assert adapter(partners).verify_nik(nik, "Agus Wibowo", date(1948, 1, 20)) == "DECEASED"
    assert adapter(partners).verify_nik(nik, "Someone Else", BORN) == "DECEASED"


def test_an_unknown_nik_is_not_found(partners):
    assert adapter(partners).verify_nik("3578011010880005", "Siapa Saja", BORN) == "NOT_FOUND"


def test_adding_the_same_nik_again_replaces_the_person(partners):
    nik = new_person(partners)
    partners.driver(partners.dukcapil).service.addPerson(nik, "Dewi Lestari", "1991-01-02", True)
    assert adapter(partners).verify_nik(nik, "Siti Nurhaliza Rahmawati", BORN) == "DECEASED"


def test_every_verdict_is_one_the_contract_knows():
    assert set(NIK_RESULTS) == {"MATCH", "NAME_MISMATCH", "BIRTHDATE_MISMATCH", "NOT_FOUND", "DECEASED"}


@pytest.mark.parametrize("nik", ["317401570890000", "31740157089000011", "317401570890000A",
                                 "３１７４０１５７０８９００００１"])  # full-width digits are no NIK either
def test_a_nik_that_is_not_16_digits_is_refused(partners, nik):
    with pytest.raises(PartnerRejected) as refused:
        adapter(partners).verify_nik(nik, "Siti", BORN)
    assert refused.value.code == "Client.InvalidNik" and refused.value.partner == "dukcapil"
    with pytest.raises(Fault) as refused_to_add:
        partners.driver(partners.dukcapil).service.addPerson(nik, "Siti", "1990-08-17", False)
    assert refused_to_add.value.code.endswith("Client.InvalidNik")


def test_a_birth_date_no_calendar_has_is_refused(partners):
    with pytest.raises(Fault) as refused:
        partners.driver(partners.dukcapil).service.verifyNik("3174015708900001", "Siti", "1990-02-30")
    assert refused.value.code.endswith("Client.InvalidBirthDate")
