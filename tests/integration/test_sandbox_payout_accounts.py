"""The bank sandbox knows the platform's sellers' payout accounts (sandbox/payout_accounts.py): the first
transfer to one opens it, its statement is empty until then, and any other number is refused as a bank
refuses it, changing nothing. In-process WSGI, the platform's database being the test database."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from emall_ws.sandbox.contracts import BANK_NS
from emall_ws.sandbox.server import create_sandbox_app
from emall_ws.sandbox.store import Account, LedgerEntry
from emall_ws.domain.members import BUYER
from tests.builders import add_member, add_seller
from tests.wsgi_client import call, envelope

PAYOUT = "5550001234"  # a BCA number: 10 digits
WINDOW = {"fromTime": "2026-01-01T00:00:00+07:00", "toTime": "2026-01-31T00:00:00+07:00"}


@pytest.fixture
def bank(db, tmp_path):
    """The sandboxes, reading the platform's database (the test database) for payout accounts."""
    add_seller(db, "kopmaju", "31.74", bank="bca", account=PAYOUT)
    add_member(db, "budi", BUYER)
    platform_url = db.engine.url.render_as_string(hide_password=False)
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}", platform_url)
    yield app
    app.db.dispose()
    app.payouts.dispose()


def transfer(app, account: str, amount: int = 125_417, path: str = "/partners/bank/bca"):
    return call(app, "POST", path, envelope("transfer", BANK_NS, {
        "toAccount": account, "amount": str(amount), "description": "INV/20260102/000001", "fromName": "BUDI"}))


def statement(app, account: str, path: str = "/partners/bank/bca"):
    return call(app, "POST", path, envelope("getMutations", BANK_NS, {"accountNumber": account, **WINDOW}))


def ledger(app) -> tuple:
    """Everything a refused call must leave as it was."""
    with app.db.unit_of_work() as session:
        return (session.execute(select(Account.bank, Account.account_number, Account.balance)).all(),
                session.scalar(select(func.count()).select_from(LedgerEntry)))


def test_the_first_transfer_to_a_sellers_payout_account_opens_it_in_the_holders_name(bank):
    first, second = transfer(bank, PAYOUT), transfer(bank, PAYOUT, 10_000)
    assert (first.status, second.status) == (200, 200)
    with bank.db.unit_of_work() as session:
        [account] = session.scalars(select(Account)).all()
        entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert (account.bank, account.account_number, account.holder_name, account.balance) == (
        "bca", PAYOUT, "KOPERASI KOPMAJU", 135_417)
    assert [(e.type, e.amount, e.balance) for e in entries] == [("CR", 125_417, 125_417), ("CR", 10_000, 135_417)]
    assert "INV/20260102/000001" in entries[0].description


def test_a_sellers_payout_account_nothing_was_sent_to_has_an_empty_statement_not_a_refusal(bank):
    response = statement(bank, PAYOUT)
    assert response.status == 200 and b"UNKNOWN_ACCOUNT" not in response.body
    assert response.xml().find(f".//{{{BANK_NS}}}Mutation") is None
    assert ledger(bank) == ([], 0)  # reading opens nothing


@pytest.mark.parametrize("account, path", [
    ("5550009999", "/partners/bank/bca"),  # a number no seller registered (a typo)
    ("0012345678", "/partners/bank/bni"),  # nor at another bank
])
def test_a_transfer_to_any_other_number_is_refused_as_a_bank_refuses_it_and_changes_nothing(bank, account, path):
    before = ledger(bank)
    for response in (transfer(bank, account, path=path), statement(bank, account, path=path)):
        assert response.status == 500 and response.fault()[0] == "Client.UnknownAccount"
    assert ledger(bank) == before == ([], 0)


def test_without_the_platforms_database_only_opened_accounts_are_known(db, tmp_path):
    add_seller(db, "kopmaju", "31.74", bank="bca", account=PAYOUT)
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}")  # as tests run it
    try:
        assert transfer(app, PAYOUT).fault()[0] == "Client.UnknownAccount"
        assert ledger(app) == ([], 0)
    finally:
        app.db.dispose()


def test_a_platform_database_that_is_not_there_yet_is_not_made_by_looking(db, tmp_path):
    missing = tmp_path / "emall.db"
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}", f"sqlite:///{missing}")
    try:
        assert transfer(app, PAYOUT).fault()[0] == "Client.UnknownAccount"
        assert not missing.exists()
    finally:
        app.db.dispose()


def inquiry(app, account: str, path: str = "/partners/bank/bca") -> tuple[str | None, str | None]:
    """inquiryAccount's (status, holderName)."""
    response = call(app, "POST", path, envelope("inquiryAccount", BANK_NS, {"accountNumber": account}))
    assert response.status == 200, response.body[:500]
    return (response.xml().findtext(f".//{{{BANK_NS}}}status"), response.xml().findtext(f".//{{{BANK_NS}}}holderName"))


def test_an_inquiry_finds_a_sellers_payout_account_in_the_holders_name_and_opens_nothing(bank):
    assert inquiry(bank, PAYOUT) == ("FOUND", "KOPERASI KOPMAJU")
    assert ledger(bank) == ([], 0)  # asking opens nothing


def test_an_inquiry_finds_an_opened_account_before_the_payout_record(bank):
    opened = call(bank, "POST", "/partners/bank/bca", envelope("openAccount", BANK_NS, {
        "accountNumber": "7770001234", "holderName": "SITI AMINAH", "openingBalance": "0"}))
    assert opened.status == 200
    assert inquiry(bank, "7770001234") == ("FOUND", "SITI AMINAH")
    transfer(bank, PAYOUT)  # the payout account, opened by its first transfer, keeps its holder
    assert inquiry(bank, PAYOUT) == ("FOUND", "KOPERASI KOPMAJU")


@pytest.mark.parametrize("account, path", [
    ("5550009999", "/partners/bank/bca"),  # a number no seller registered (a typo)
    (PAYOUT, "/partners/bank/bni"),  # the seller's number, at another bank
    ("12345", "/partners/bank/bca"),  # not even a BCA number's length: a bank just does not know it
])
def test_an_inquiry_of_any_other_number_is_not_found_without_a_holder(bank, account, path):
    assert inquiry(bank, account, path) == ("NOT_FOUND", None)
    assert ledger(bank) == ([], 0)
