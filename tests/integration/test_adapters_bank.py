"""ZeepBankAdapter against the bank sandboxes over HTTP: every bank, ledgers, windows, refusals."""
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from zeep.exceptions import Fault

from adapters.bank import MAX_WINDOW_DAYS, ZeepBankAdapter
from adapters.errors import PartnerRejected
from emall_ws.clock import WIB
from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS
from emall_ws.sandbox.bank import PROFILES
from tests.sandbox_server import partners, sandbox  # noqa: F401

pytestmark = pytest.mark.network
BANKS = ("bca", "mandiri", "bni", "bri")


def new_account(partners, bank: str, opening: int = 0) -> str:
    number = "".join(secrets.choice("0123456789") for _ in range(BANK_ACCOUNT_LENGTHS[bank]))
    partners.driver(partners.bank(bank)).service.openAccount(number, "Koperasi Maju Jaya", opening)
    return number


def whole_seconds_ago(**delta) -> datetime:
    return (datetime.now(timezone.utc) - timedelta(**delta)).replace(microsecond=0)


@pytest.mark.parametrize("bank", BANKS)
def test_a_transfer_shows_as_a_credit_with_the_banks_own_id_and_running_balance(partners, bank):
    account = new_account(partners, bank, opening=500_000)
    driver = partners.driver(partners.bank(bank)).service
    driver.transfer(account, 150_123, "INV/20250305/000001", "Siti Aminah")
    driver.transfer(account, 75_456, "INV/20250305/000002", "Budi Santoso", whole_seconds_ago(days=3))
    adapter = ZeepBankAdapter(bank, partners.bank(bank), timeout=5)

    mutations = adapter.get_mutations(account, whole_seconds_ago(days=10), whole_seconds_ago(minutes=-1))

    assert [m.amount for m in mutations] == [75_456, 500_000, 150_123]  # oldest first
    assert [m.balance for m in mutations] == [725_579, 500_000, 650_123]  # running balance in posting order
    assert {m.type for m in mutations} == {"CR"}
    assert len({m.mutation_id for m in mutations}) == 3
    assert all(m.mutation_id.startswith(PROFILES[bank].prefix) for m in mutations)
    assert all(m.posted_at.utcoffset() == timedelta(hours=7) for m in mutations)  # WIB on the wire
    assert "INV/20250305/000001" in mutations[2].description
    assert "SITI AMINAH" in mutations[2].description


def test_each_bank_writes_its_own_description():
    words = {bank: profile.transfer_words.split()[0] for bank, profile in PROFILES.items()}
    assert words == {"bca": "TRSF", "mandiri": "MCM", "bni": "TRANSFER", "bri": "NBMB"}


def test_the_window_is_half_open(partners):
    account = new_account(partners, "bca")
    at = whole_seconds_ago(hours=2)
    partners.driver(partners.bank("bca")).service.transfer(account, 10_000, "EXACT", "X", at)
    adapter = ZeepBankAdapter("bca", partners.bank("bca"), timeout=5)

    assert [m.amount for m in adapter.get_mutations(account, at, at + timedelta(seconds=1))] == [10_000]
    assert adapter.get_mutations(account, at - timedelta(hours=1), at) == []


@pytest.mark.parametrize("bank", BANKS)
def test_a_window_longer_than_the_bank_serves_is_split_by_the_adapter(partners, bank):
    account = new_account(partners, bank)
    driver = partners.driver(partners.bank(bank)).service
    for days in (65, 40, 2):
        driver.transfer(account, 1_000 * days, f"D{days}", "X", whole_seconds_ago(days=days))
    adapter = ZeepBankAdapter(bank, partners.bank(bank), timeout=5)
    before = partners.calls(partners.bank(bank), "getMutations")

    mutations = adapter.get_mutations(account, whole_seconds_ago(days=70), whole_seconds_ago(seconds=-5))

    assert [m.amount for m in mutations] == [65_000, 40_000, 2_000]
    windows = -(-70 // MAX_WINDOW_DAYS[bank])  # ceil
    assert partners.calls(partners.bank(bank), "getMutations") - before == windows


@pytest.mark.parametrize("bank", BANKS)
def test_the_bank_itself_refuses_a_window_longer_than_it_serves(partners, bank):
    account = new_account(partners, bank)
    driver = partners.driver(partners.bank(bank)).service
    end = datetime.now(WIB)
    days = PROFILES[bank].window_days
    assert MAX_WINDOW_DAYS[bank] == days  # the adapter knows each bank's rule

    assert not driver.getMutations(account, end - timedelta(days=days), end)  # empty, not refused
    with pytest.raises(Fault) as refused:
        driver.getMutations(account, end - timedelta(days=days, seconds=1), end)
    assert refused.value.code.endswith("Client.WindowTooLong")


def test_an_unknown_account_is_refused(partners):
    adapter = ZeepBankAdapter("mandiri", partners.bank("mandiri"), timeout=5)
    with pytest.raises(PartnerRejected) as refused:
        adapter.get_mutations("9999999999999", whole_seconds_ago(days=1), whole_seconds_ago())
    assert refused.value.code == "Client.UnknownAccount"
    assert refused.value.partner == "bank:mandiri"


def test_accounts_are_per_bank(partners):
    account = new_account(partners, "bni")
    with pytest.raises(PartnerRejected):  # same digits, another bank: not an account there
        ZeepBankAdapter("bca", partners.bank("bca"), timeout=5).get_mutations(
            account, whole_seconds_ago(days=1), whole_seconds_ago())


def test_account_numbers_follow_the_banks_length(partners):
    with pytest.raises(Fault) as refused:
        partners.driver(partners.bank("bri")).service.openAccount("12345", "X", 0)
    assert refused.value.code.endswith("Client.InvalidAccountNumber")


def test_naive_times_are_a_programming_error(partners):
    adapter = ZeepBankAdapter("bca", partners.bank("bca"))
    with pytest.raises(ValueError):
        adapter.get_mutations("0123456789", datetime(2025, 3, 1), datetime(2025, 3, 2))


@pytest.mark.parametrize("bank", BANKS)
def test_an_inquiry_names_the_holder_of_an_opened_account_and_nothing_else(partners, bank):
    account = new_account(partners, bank, opening=100_000)
    assert ZeepBankAdapter(bank, partners.bank(bank), timeout=5).inquiry_account(account) == "Koperasi Maju Jaya"


def test_an_inquiry_of_an_unknown_account_is_none_not_a_refusal(partners):
    adapter = ZeepBankAdapter("mandiri", partners.bank("mandiri"), timeout=5)
    assert adapter.inquiry_account("9999999999999") is None
    account = new_account(partners, "bni")
    assert ZeepBankAdapter("bca", partners.bank("bca"), timeout=5).inquiry_account(account) is None  # per bank
