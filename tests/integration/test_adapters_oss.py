"""ZeepOssAdapter against the business licensing sandbox over HTTP: licences by NIB, refusals."""
import secrets

import pytest
from zeep.exceptions import Fault

from adapters.errors import PartnerRejected
from adapters.oss import BusinessLicence, ZeepOssAdapter
from tests.sandbox_server import PATIENT, partners, sandbox  # noqa: F401

pytestmark = pytest.mark.network
OWNER = "3174015708900001"


def new_nib() -> str:
    return "912" + "".join(secrets.choice("0123456789") for _ in range(10))


def adapter(partners) -> ZeepOssAdapter:
    return ZeepOssAdapter(partners.oss, timeout=PATIENT)


@pytest.mark.parametrize("status", ["ACTIVE", "SUSPENDED", "REVOKED"])
def test_a_licence_comes_back_with_its_holder_and_activities(partners, status):
    nib = new_nib()
    partners.driver(partners.oss).service.addBusiness(nib, "Keripik  Tempe Bu Siti", OWNER,
                                                      {"string": ["10794", "47911"]}, status)

    licence = adapter(partners).verify_nib(nib)

    assert licence == BusinessLicence(nib=nib, status=status, business_name="Keripik Tempe Bu Siti",
                                      owner_nik=OWNER, kbli=("10794", "47911"))


def test_a_licence_is_active_unless_told_and_may_list_no_activity(partners):
    nib = new_nib()
    partners.driver(partners.oss).service.addBusiness(nib, "Warung Makan Sederhana", OWNER)
    assert adapter(partners).verify_nib(nib) == BusinessLicence(nib, "ACTIVE", "Warung Makan Sederhana", OWNER, ())


def test_adding_the_same_nib_again_replaces_the_licence(partners):
    nib = new_nib()
    driver = partners.driver(partners.oss).service
    driver.addBusiness(nib, "Konveksi Budi Jaya", OWNER, {"string": ["14111"]}, "ACTIVE")
    driver.addBusiness(nib, "Konveksi Budi Jaya", OWNER, {"string": ["14111", "47912"]}, "SUSPENDED")
    assert adapter(partners).verify_nib(nib).status == "SUSPENDED"
    assert adapter(partners).verify_nib(nib).kbli == ("14111", "47912")


def test_an_unknown_nib_is_none_and_the_registry_says_nothing_else(partners):
    nib = new_nib()
    assert adapter(partners).verify_nib(nib) is None
    answer = partners.driver(partners.oss).service.verifyNib(nib)
    assert (answer.nib, answer.status, answer.businessName, answer.ownerNik) == (nib, "NOT_FOUND", None, None)
    assert not answer.kbli


@pytest.mark.parametrize("nib", ["912000123456", "91200012345678", "912000123456X"])
def test_a_nib_that_is_not_13_digits_is_refused(partners, nib):
    with pytest.raises(PartnerRejected) as refused:
        adapter(partners).verify_nib(nib)
    assert refused.value.code == "Client.InvalidNib" and refused.value.partner == "oss"
    with pytest.raises(Fault) as refused_to_add:
        partners.driver(partners.oss).service.addBusiness(nib, "X", OWNER)
    assert refused_to_add.value.code.endswith("Client.InvalidNib")


@pytest.mark.parametrize("owner, kbli, reason", [
    ("317401570890", ["47911"], "InvalidNik"),
    (OWNER, ["4791"], "InvalidKbli"),
    (OWNER, ["47911", "abcde"], "InvalidKbli"),
])
def test_a_licence_needs_a_nik_owner_and_5_digit_kbli_codes(partners, owner, kbli, reason):
    nib = new_nib()
    with pytest.raises(Fault) as refused:
        partners.driver(partners.oss).service.addBusiness(nib, "Usaha", owner, {"string": kbli})
    assert refused.value.code.endswith(f"Client.{reason}")
    assert adapter(partners).verify_nib(nib) is None  # nothing was added
