"""The verification adapters' edge without a network (NIK at Dukcapil, NIB at OSS, account inquiry at a
bank): answers in the contract's shape become plain values, anything else is a BadPartnerResponse."""
from datetime import date
from pathlib import Path

import pytest

from adapters.bank import ZeepBankAdapter
from adapters.dukcapil import NIK_RESULTS, ZeepDukcapilAdapter
from adapters.errors import BadPartnerResponse
from adapters.oss import BusinessLicence, ZeepOssAdapter
from emall_ws.sandbox.contracts import DUKCAPIL_NS, OSS_NS
from tests.unit.canned_partners import replies  # noqa: F401  (a fixture)
from tests.unit.canned_partners import BANK_NS, soap

ROOT = Path(__file__).resolve().parents[2]
WSDL = ROOT / "wsdl" / "partners"


def verify_nik(replies, inner: str) -> str:
    replies.append(soap(DUKCAPIL_NS, "verifyNik", inner))
    adapter = ZeepDukcapilAdapter("http://dukcapil.test/partners/dukcapil", wsdl=str(WSDL / "dukcapil.wsdl"),
                                  retries=0)
    return adapter.verify_nik("3174015708900001", "Siti Aminah", date(1990, 8, 17))


def verify_nib(replies, inner: str) -> BusinessLicence | None:
    replies.append(soap(OSS_NS, "verifyNib", f"<t:licence>{inner}</t:licence>"))
    adapter = ZeepOssAdapter("http://oss.test/partners/oss", wsdl=str(WSDL / "oss.wsdl"), retries=0)
    return adapter.verify_nib("9120001234567")


def inquiry(replies, inner: str) -> str | None:
    replies.append(soap(BANK_NS, "inquiryAccount", f"<t:inquiry>{inner}</t:inquiry>"))
    adapter = ZeepBankAdapter("bri", "http://bank.test/partners/bank/bri", wsdl=str(WSDL / "bank.wsdl"), retries=0)
    return adapter.inquiry_account("002101000123507")


@pytest.mark.parametrize("result", NIK_RESULTS)
def test_each_verdict_comes_back_as_it_is_and_the_birth_date_goes_as_yyyy_mm_dd(replies, result):
    assert verify_nik(replies, f"<t:result>{result}</t:result>") == result
    assert b">1990-08-17<" in replies.posted[0] and b">3174015708900001<" in replies.posted[0]


@pytest.mark.parametrize("inner", ["<t:result>VALID</t:result>", "<t:result>match</t:result>", "<t:result/>", ""])
def test_a_verdict_outside_the_contract_is_a_bad_partner_response(replies, inner):
    with pytest.raises(BadPartnerResponse, match="dukcapil"):
        verify_nik(replies, inner)


LICENCE = ("<t:nib>9120001234567</t:nib><t:status>ACTIVE</t:status><t:businessName>Keripik Tempe Bu Siti"
           "</t:businessName><t:ownerNik>3174015708900001</t:ownerNik>"
           "<t:kbli><t:string>10794</t:string><t:string>47911</t:string></t:kbli>")


def test_a_licence_becomes_a_dataclass_and_not_found_none(replies):
    assert verify_nib(replies, LICENCE) == BusinessLicence("9120001234567", "ACTIVE", "Keripik Tempe Bu Siti",
                                                           "3174015708900001", ("10794", "47911"))
    assert verify_nib(replies, "<t:nib>9120001234567</t:nib><t:status>NOT_FOUND</t:status>") is None


@pytest.mark.parametrize("inner", [
    LICENCE.replace("ACTIVE", "PENDING"),
    LICENCE.replace("<t:string>47911</t:string>", "<t:string>4791</t:string>"),
    LICENCE.replace("<t:ownerNik>3174015708900001</t:ownerNik>", ""),
    LICENCE.replace("<t:status>ACTIVE</t:status>", ""),
])
def test_a_licence_outside_the_contract_is_a_bad_partner_response(replies, inner):
    with pytest.raises(BadPartnerResponse, match="oss"):
        verify_nib(replies, inner)


def test_an_inquiry_names_the_holder_or_none(replies):
    assert inquiry(replies, "<t:status>FOUND</t:status><t:holderName>BUDI SANTOSO</t:holderName>") == "BUDI SANTOSO"
    assert inquiry(replies, "<t:status>NOT_FOUND</t:status>") is None


@pytest.mark.parametrize("inner", ["<t:status>FOUND</t:status>", "<t:status>CLOSED</t:status>",
                                   "<t:holderName>BUDI SANTOSO</t:holderName>"])
def test_an_inquiry_outside_the_contract_is_a_bad_partner_response(replies, inner):
    with pytest.raises(BadPartnerResponse, match="bank:bri"):
        inquiry(replies, inner)
