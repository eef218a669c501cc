"""The sandboxes' seed file (EMALL_SANDBOX_SEED): loaded whole or refused naming the entry, and idempotent.
In-process, the sandboxes' database a fresh SQLite file."""
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from emall_ws.cli import main
from emall_ws.sandbox.contracts import BANK_NS, DUKCAPIL_NS, OSS_NS
from emall_ws.sandbox.seed import SeedError, load_seed, read_seed
from emall_ws.sandbox.server import create_sandbox_app
from emall_ws.sandbox.store import Account, Business, LedgerEntry, Person, SandboxDatabase
from emall_ws.setting import SettingError
from tests.wsgi_client import call, envelope

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "sandbox-seed.example.json"
SITI = {"nik": "3174015708900001", "name": "Siti Nurhaliza Rahmawati", "birthDate": "1990-08-17"}
LICENCE = {"nib": "9120001234567", "businessName": "Keripik Tempe Bu Siti", "ownerNik": "3174015708900001",
           "kbli": ["10794", "47911"], "status": "SUSPENDED"}
ACCOUNT = {"bank": "bca", "accountNumber": "8730123456", "holderName": "SITI NURHALIZA RAHMAWATI",
           "openingBalance": 2_500_000}


def seed_file(tmp_path: Path, document) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path):
    database = SandboxDatabase(f"sqlite:///{tmp_path / 'sandbox.db'}")
    database.create_schema()
    yield database
    database.dispose()


def holdings(db) -> tuple:
    with db.unit_of_work() as session:
        return (session.execute(select(Person.nik, Person.name, Person.birth_date, Person.deceased)).all(),
                session.execute(select(Business.nib, Business.status, Business.kbli)).all(),
                session.execute(select(Account.bank, Account.account_number, Account.holder_name,
                                       Account.balance)).all(),
                session.execute(select(LedgerEntry.amount, LedgerEntry.description)).all())


def test_a_seed_file_fills_each_sandbox(db, tmp_path):
    path = seed_file(tmp_path, {"persons": [SITI, {**SITI, "nik": "3374022001480004", "deceased": True}],
                                "businesses": [LICENCE], "bankAccounts": [ACCOUNT]})

    assert load_seed(db, path) == {"persons": 2, "businesses": 1, "bankAccounts": 1}

    persons, businesses, accounts, ledger = holdings(db)
    assert sorted(persons) == [("3174015708900001", "Siti Nurhaliza Rahmawati", date(1990, 8, 17), False),
                               ("3374022001480004", "Siti Nurhaliza Rahmawati", date(1990, 8, 17), True)]
    assert businesses == [("9120001234567", "SUSPENDED", "10794,47911")]
    assert accounts == [("bca", "8730123456", "SITI NURHALIZA RAHMAWATI", 2_500_000)]
    assert ledger == [(2_500_000, "SETORAN AWAL")]


def test_loading_again_adds_nothing_and_keeps_what_a_demo_changed(db, tmp_path):
    path = seed_file(tmp_path, {"persons": [SITI], "businesses": [LICENCE], "bankAccounts": [ACCOUNT]})
    load_seed(db, path)
    with db.unit_of_work() as session:
        session.get(Person, SITI["nik"]).deceased = True  # as addPerson would have it since
    before = holdings(db)

    assert load_seed(db, path) == {"persons": 0, "businesses": 0, "bankAccounts": 0}
    assert holdings(db) == before  # no second opening balance, the person still deceased


def test_optional_fields_default_and_notes_are_ignored(tmp_path):
    seed = read_seed(seed_file(tmp_path, {
        "_note": "for people", "persons": [{**SITI, "_note": "MATCH"}],
        "businesses": [{key: LICENCE[key] for key in ("nib", "businessName", "ownerNik")}],
        "bankAccounts": [{key: ACCOUNT[key] for key in ("bank", "accountNumber", "holderName")}]}))
    assert seed.persons[0].deceased is False
    assert (seed.businesses[0].status, seed.businesses[0].kbli) == ("ACTIVE", ())
    assert seed.accounts[0].opening_balance == 0
    assert read_seed(seed_file(tmp_path, {})).persons == ()  # every section may be left out


@pytest.mark.parametrize("document, where, problem", [
    ('{"persons": [', "line 1 column 14", "not JSON"),
    ([SITI], "the file", "one JSON object"),
    ({"people": []}, "people", "unknown section"),
    ({"persons": {}}, "persons", "must be a JSON list"),
    ({"persons": [SITI, "Budi"]}, "persons[1]", "must be a JSON object"),
    ({"persons": [{**SITI, "nik": "317401570890000"}]}, "persons[0]", "nik must be 16 digits (as text), not "
                                                                     '"317401570890000"'),
    ({"persons": [{**SITI, "nik": 3174015708900001}]}, "persons[0]", "nik must be 16 digits"),
    ({"persons": [{**SITI, "name": "  "}]}, "persons[0]", "name must be text of 1 to 100 characters"),
    ({"persons": [{**SITI, "birthDate": "17-08-1990"}]}, "persons[0]", "birthDate must be a past date YYYY-MM-DD"),
    ({"persons": [{**SITI, "birthDate": "1990-02-30"}]}, "persons[0]", "birthDate must be a past date"),
    ({"persons": [{**SITI, "deceased": "no"}]}, "persons[0]", "deceased must be true or false"),
    ({"persons": [{k: v for k, v in SITI.items() if k != "name"}]}, "persons[0]", "name is missing"),
    ({"persons": [{**SITI, "birthdate": "1990-08-17"}]}, "persons[0]", "unknown field birthdate"),
    ({"persons": [SITI, SITI]}, "persons[1]", "repeats persons[0] (3174015708900001)"),
    ({"businesses": [{**LICENCE, "nib": "912000123456"}]}, "businesses[0]", "nib must be 13 digits"),
    ({"businesses": [{**LICENCE, "kbli": ["4791"]}]}, "businesses[0]", "kbli must be a list of at most"),
    ({"businesses": [{**LICENCE, "kbli": "47911"}]}, "businesses[0]", "kbli must be a list"),
    ({"businesses": [{**LICENCE, "status": "NOT_FOUND"}]}, "businesses[0]", "status must be ACTIVE or SUSPENDED "
                                                                            "or REVOKED"),
    ({"bankAccounts": [{**ACCOUNT, "bank": "bsi"}]}, "bankAccounts[0]", "bank must be bca or mandiri or bni or bri"),
    ({"bankAccounts": [{**ACCOUNT, "accountNumber": "873012345"}]}, "bankAccounts[0]",
     "accountNumber must be 10 digits"),
    ({"bankAccounts": [{**ACCOUNT, "openingBalance": -1}]}, "bankAccounts[0]", "openingBalance must be a whole"),
    ({"bankAccounts": [{**ACCOUNT, "openingBalance": 10.5}]}, "bankAccounts[0]", "openingBalance must be a whole"),
    ({"bankAccounts": [ACCOUNT, {**ACCOUNT, "holderName": "X"}]}, "bankAccounts[1]", "repeats bankAccounts[0]"),
])
def test_a_malformed_file_is_refused_naming_the_file_and_the_entry_and_nothing_is_written(
        db, tmp_path, document, where, problem):
    path = seed_file(tmp_path, document)
    with pytest.raises(SeedError) as refused:
        load_seed(db, path)
    message = str(refused.value)
    assert message.startswith(f"EMALL_SANDBOX_SEED ({path}): {where}: "), message
    assert problem in message and "\n" not in message
    assert isinstance(refused.value, SettingError)  # `emall-ws` says it in one line, exit status 2
    assert holdings(db) == ([], [], [], [])  # checked whole before anything is written


def test_a_missing_file_is_refused_naming_it(db, tmp_path):
    with pytest.raises(SeedError, match=r"EMALL_SANDBOX_SEED \(.*nothing\.json\): the file: cannot be read"):
        load_seed(db, tmp_path / "nothing.json")


def test_the_shipped_example_shows_every_verdict_and_both_licence_statuses(tmp_path):
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}", seed=EXAMPLE)
    try:
        def verdict(nik, name, born):
            response = call(app, "POST", "/partners/dukcapil", envelope("verifyNik", DUKCAPIL_NS, {
                "nik": nik, "name": name, "birthDate": born}))
            return response.xml().findtext(f".//{{{DUKCAPIL_NS}}}result")

        assert verdict("3174015708900001", "SITI NURHALIZA RAHMAWATI", "1990-08-17") == "MATCH"
        assert verdict("3273050503850002", "Budi Susanto", "1985-03-05") == "NAME_MISMATCH"
        assert verdict("5171035211920003", "Ni Made Ayu Lestari", "1993-11-12") == "BIRTHDATE_MISMATCH"
        assert verdict("3374022001480004", "Agus Wibowo", "1948-01-20") == "DECEASED"
        assert verdict("3578011010880005", "Siapa Saja", "1988-10-10") == "NOT_FOUND"
        statuses = [call(app, "POST", "/partners/oss", envelope("verifyNib", OSS_NS, {"nib": nib})).xml()
                    .findtext(f".//{{{OSS_NS}}}status") for nib in ("9120001234567", "8120105231478")]
        assert statuses == ["ACTIVE", "SUSPENDED"]
        inquiry = call(app, "POST", "/partners/bank/bri", envelope("inquiryAccount", BANK_NS,
                                                                   {"accountNumber": "002101000123507"}))
        assert inquiry.xml().findtext(f".//{{{BANK_NS}}}holderName") == "BUDI SANTOSO"
    finally:
        app.db.dispose()


def test_emall_ws_sandbox_refuses_a_malformed_seed_at_start(tmp_path, monkeypatch, capsys):
    path = seed_file(tmp_path, {"persons": [{**SITI, "nik": "12"}]})
    monkeypatch.setenv("EMALL_SANDBOX_SEED", str(path))
    monkeypatch.setenv("EMALL_SANDBOX_DATABASE_URL", f"sqlite:///{tmp_path / 'sandbox.db'}")
    monkeypatch.setenv("EMALL_SANDBOX_PORT", "1")  # never listened on: the seed is refused before
    monkeypatch.setattr("emall_ws.cli.check_port_free", lambda *args: None)

    assert main(["sandbox"]) == 2
    assert f"emall-ws: EMALL_SANDBOX_SEED ({path}): persons[0]: nik must be 16 digits" in capsys.readouterr().err
