"""GammuSmsdAdapter against Gammu SMSD's own tables, in a throw-away database.

The tables are created as Gammu's SQL scripts create them (schema version 17, docs/sql/ of
gammu/gammu: mysql-strict.sql for MariaDB, sqlite.sql for SQLite) - only the four tables the
adapter touches. `daemon_sends` plays gammu-smsd: it moves a message's parts from the outbox
to sentitems with a status per part.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.gammu import GammuSmsdAdapter, udh
from tests.databases import backend
from tests.sandbox_server import free_port

CODING = ("enum('Default_No_Compression','Unicode_No_Compression','8bit','Default_Compression',"
          "'Unicode_Compression')")
STATUS = ("enum('SendingOK','SendingOKNoReport','SendingError','DeliveryOK','DeliveryFailed','DeliveryPending',"
          "'DeliveryUnknown','Error'")
MARIADB_TABLES = [
    "CREATE TABLE gammu (Version integer NOT NULL default '0' PRIMARY KEY) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4",
    "INSERT INTO gammu (Version) VALUES (17)",
    f"""CREATE TABLE outbox (
      UpdatedInDB timestamp NOT NULL default CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP,
      InsertIntoDB timestamp NOT NULL default CURRENT_TIMESTAMP,
      SendingDateTime timestamp NOT NULL default CURRENT_TIMESTAMP,
      SendBefore time NOT NULL DEFAULT '23:59:59', SendAfter time NOT NULL DEFAULT '00:00:00',
      Text text, DestinationNumber varchar(20) NOT NULL default '',
      Coding {CODING} NOT NULL default 'Default_No_Compression', UDH text, Class integer default '-1',
      TextDecoded text NOT NULL, ID integer unsigned NOT NULL auto_increment,
      MultiPart enum('false','true') default 'false', RelativeValidity integer default '-1',
      SenderID varchar(255), SendingTimeOut timestamp NULL default CURRENT_TIMESTAMP,
      DeliveryReport enum('default','yes','no') default 'default', CreatorID text NOT NULL,
      Retries int(3) default 0, Priority integer default 0,
      Status {STATUS},'Reserved') NOT NULL default 'Reserved',
      PRIMARY KEY ID (ID)) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4""",
    "CREATE INDEX outbox_date ON outbox(SendingDateTime, SendingTimeOut)",
    "CREATE INDEX outbox_sender ON outbox(SenderID(250))",
    f"""CREATE TABLE outbox_multipart (
      Text text, Coding {CODING} NOT NULL default 'Default_No_Compression', UDH text,
      Class integer default '-1', TextDecoded text, ID integer unsigned NOT NULL default '0',
      SequencePosition integer NOT NULL default '1', Status {STATUS},'Reserved') NOT NULL default 'Reserved',
      PRIMARY KEY (ID, SequencePosition)) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4""",
    f"""CREATE TABLE sentitems (
      UpdatedInDB timestamp NOT NULL default CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP,
      InsertIntoDB timestamp NOT NULL default CURRENT_TIMESTAMP,
      SendingDateTime timestamp NOT NULL default CURRENT_TIMESTAMP, DeliveryDateTime timestamp NULL,
      Text text NOT NULL, DestinationNumber varchar(20) NOT NULL default '',
      Coding {CODING} NOT NULL default 'Default_No_Compression', UDH text NOT NULL,
      SMSCNumber varchar(20) NOT NULL default '', Class integer NOT NULL default '-1', TextDecoded text NOT NULL,
      ID integer unsigned NOT NULL default '0', SenderID varchar(255) NOT NULL,
      SequencePosition integer NOT NULL default '1', Status {STATUS}) NOT NULL default 'SendingOK',
      StatusError integer NOT NULL default '-1', TPMR integer NOT NULL default '-1',
      RelativeValidity integer NOT NULL default '-1', CreatorID text NOT NULL,
      PRIMARY KEY (ID, SequencePosition)) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4""",
    "CREATE INDEX sentitems_dest ON sentitems(DestinationNumber)",
]
CODINGS = "('Default_No_Compression','Unicode_No_Compression','8bit','Default_Compression','Unicode_Compression')"
SQLITE_TABLES = [
    "CREATE TABLE gammu (Version INTEGER NOT NULL DEFAULT '0' PRIMARY KEY)",
    "INSERT INTO gammu (Version) VALUES (17)",
    f"""CREATE TABLE outbox (
      UpdatedInDB NUMERIC NOT NULL DEFAULT (datetime('now')), InsertIntoDB NUMERIC NOT NULL DEFAULT (datetime('now')),
      SendingDateTime NUMERIC NOT NULL DEFAULT (datetime('now')),
      SendBefore time NOT NULL DEFAULT '23:59:59', SendAfter time NOT NULL DEFAULT '00:00:00',
      Text TEXT, DestinationNumber TEXT NOT NULL DEFAULT '', Coding TEXT NOT NULL DEFAULT 'Default_No_Compression',
      UDH TEXT, Class INTEGER DEFAULT '-1', TextDecoded TEXT NOT NULL DEFAULT '',
      ID INTEGER PRIMARY KEY AUTOINCREMENT, MultiPart TEXT NOT NULL DEFAULT 'false',
      RelativeValidity INTEGER DEFAULT '-1', SenderID TEXT,
      SendingTimeOut NUMERIC NOT NULL DEFAULT (datetime('now')), DeliveryReport TEXT DEFAULT 'default',
      CreatorID TEXT NOT NULL, Retries INTEGER DEFAULT '0', Priority INTEGER DEFAULT '0',
      Status TEXT NOT NULL DEFAULT 'Reserved', StatusCode INTEGER NOT NULL DEFAULT '-1',
      CHECK (Coding IN {CODINGS}), CHECK (DeliveryReport IN ('default','yes','no')))""",
    """CREATE TRIGGER update_outbox_time UPDATE ON outbox
      BEGIN UPDATE outbox SET UpdatedInDB = datetime('now') WHERE ID = old.ID; END""",
    f"""CREATE TABLE outbox_multipart (
      Text TEXT, Coding TEXT NOT NULL DEFAULT 'Default_No_Compression', UDH TEXT, Class INTEGER DEFAULT '-1',
      TextDecoded TEXT DEFAULT NULL, ID INTEGER, SequencePosition INTEGER NOT NULL DEFAULT '1',
      Status TEXT NOT NULL DEFAULT 'Reserved', StatusCode INTEGER NOT NULL DEFAULT '-1',
      CHECK (Coding IN {CODINGS}), PRIMARY KEY (ID, SequencePosition))""",
    f"""CREATE TABLE sentitems (
      UpdatedInDB NUMERIC NOT NULL DEFAULT (datetime('now')), InsertIntoDB NUMERIC NOT NULL DEFAULT (datetime('now')),
      SendingDateTime NUMERIC NOT NULL DEFAULT (datetime('now')), DeliveryDateTime NUMERIC NULL,
      Text TEXT NOT NULL, DestinationNumber TEXT NOT NULL DEFAULT '',
      Coding TEXT NOT NULL DEFAULT 'Default_No_Compression', UDH TEXT NOT NULL, SMSCNumber TEXT NOT NULL DEFAULT '',
      Class INTEGER NOT NULL DEFAULT '-1', TextDecoded TEXT NOT NULL DEFAULT '', ID INTEGER, SenderID TEXT NOT NULL,
      SequencePosition INTEGER NOT NULL DEFAULT '1', Status TEXT NOT NULL DEFAULT 'SendingOK',
      StatusError INTEGER NOT NULL DEFAULT '-1', TPMR INTEGER NOT NULL DEFAULT '-1',
      RelativeValidity INTEGER NOT NULL DEFAULT '-1', CreatorID TEXT NOT NULL, StatusCode INTEGER NOT NULL DEFAULT '-1',
      CHECK (Status IN ('SendingOK','SendingOKNoReport','SendingError','DeliveryOK','DeliveryFailed',
                        'DeliveryPending','DeliveryUnknown','Error')),
      CHECK (Coding IN {CODINGS}), PRIMARY KEY (ID, SequencePosition))""",
    "CREATE INDEX sentitems_dest ON sentitems(DestinationNumber)",
]


@pytest.fixture(scope="module")
def gammu_url(database_factory):
    url = database_factory.new_url("gammu")
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in MARIADB_TABLES if backend() == "mariadb" else SQLITE_TABLES:
            connection.execute(text(statement))
    engine.dispose()
    return url


@pytest.fixture
def gammu(gammu_url):
    adapter = GammuSmsdAdapter(gammu_url)
    with adapter._engine.begin() as connection:
        for table in ("outbox", "outbox_multipart", "sentitems"):
            connection.execute(text(f"DELETE FROM {table}"))
    yield adapter
    adapter._engine.dispose()


def rows(adapter, sql: str, **params) -> list[dict]:
    with adapter._engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(sql), params)]


def daemon_sends(adapter, message_id: str, *statuses: str) -> None:
    """What gammu-smsd does: each part to sentitems (status per part), the outbox emptied."""
    parts = rows(adapter, "SELECT DestinationNumber, TextDecoded, Coding, UDH, CreatorID, 1 AS SequencePosition "
                          "FROM outbox WHERE ID = :id", id=int(message_id))
    parts += rows(adapter, "SELECT TextDecoded, Coding, UDH, SequencePosition FROM outbox_multipart WHERE ID = :id "
                           "ORDER BY SequencePosition", id=int(message_id))
    first = parts[0]
    with adapter._engine.begin() as connection:
        for part, status in zip(parts, statuses, strict=True):
            connection.execute(text(
                "INSERT INTO sentitems (ID, SequencePosition, DestinationNumber, TextDecoded, Text, Coding, UDH, "
                "SenderID, CreatorID, Status) VALUES (:id, :seq, :to, :text, '', :coding, :udh, 'modem1', :creator, "
                ":status)"), dict(id=int(message_id), seq=part["SequencePosition"], to=first["DestinationNumber"],
                                  text=part["TextDecoded"], coding=part["Coding"], udh=part["UDH"] or "",
                                  creator=first["CreatorID"], status=status))
        connection.execute(text("DELETE FROM outbox WHERE ID = :id"), dict(id=int(message_id)))
        connection.execute(text("DELETE FROM outbox_multipart WHERE ID = :id"), dict(id=int(message_id)))


def released(row: dict) -> bool:
    sending = row["SendingDateTime"]
    sending = datetime.fromisoformat(sending) if isinstance(sending, str) else sending
    return sending.year < 2037


def test_a_short_message_is_one_outbox_row(gammu):
    message_id = gammu.send("+6281234567890", "Kode aktivasi Anda: 123456", "member:1:activation:1")

    [row] = rows(gammu, "SELECT * FROM outbox")
    assert str(row["ID"]) == message_id
    assert (row["DestinationNumber"], row["TextDecoded"], row["Coding"], row["MultiPart"]) == \
        ("+6281234567890", "Kode aktivasi Anda: 123456", "Default_No_Compression", "false")
    assert row["CreatorID"] == "emall-ws:member:1:activation:1"
    assert row["DeliveryReport"] == "yes" and row["UDH"] is None and released(row)
    assert rows(gammu, "SELECT * FROM outbox_multipart") == []
    status = gammu.status(message_id)
    assert (status.message_id, status.status) == (message_id, "ACCEPTED")
    assert abs(status.updated_at - datetime.now(timezone.utc)) < timedelta(hours=14)  # aware; DB clock zone


def test_a_text_outside_gsm7_goes_as_unicode(gammu):
    gammu.send("+6281234567890", "Pesanan Anda dikirim 🚚", "r-unicode")
    [row] = rows(gammu, "SELECT Coding, TextDecoded FROM outbox")
    assert (row["Coding"], row["TextDecoded"]) == ("Unicode_No_Compression", "Pesanan Anda dikirim 🚚")


@pytest.mark.parametrize("message, sizes, coding", [
    ("Terima kasih telah berbelanja di Emall KUKM. " * 9, [153, 153, 99], "Default_No_Compression"),
    ("Каталог " * 20, [67, 67, 26], "Unicode_No_Compression"),
])
def test_a_long_text_is_split_into_concatenated_parts(gammu, message, sizes, coding):
    message_id = gammu.send("+6281234567890", message, "r-long")

    [first] = rows(gammu, "SELECT * FROM outbox")
    others = rows(gammu, "SELECT * FROM outbox_multipart ORDER BY SequencePosition")
    assert first["MultiPart"] == "true" and released(first)
    assert [first["UDH"]] + [o["UDH"] for o in others] == [udh(int(message_id), 3, n) for n in (1, 2, 3)]
    assert first["UDH"].startswith("050003") and first["UDH"][6:8] == f"{int(message_id) & 0xFF:02X}"
    assert [o["ID"] for o in others] == [int(message_id)] * 2
    assert [o["SequencePosition"] for o in others] == [2, 3]
    assert {first["Coding"], *(o["Coding"] for o in others)} == {coding}
    texts = [first["TextDecoded"]] + [o["TextDecoded"] for o in others]
    assert "".join(texts) == message
    assert [len(t) for t in texts] == sizes


def test_a_repeated_reference_is_queued_once_even_after_it_was_sent(gammu):
    first = gammu.send("+6281234567890", "Halo", "r-dup")
    assert gammu.send("+6281234567890", "Halo", "r-dup") == first
    daemon_sends(gammu, first, "SendingOK")
    assert gammu.send("+6281234567890", "Halo", "r-dup") == first
    assert rows(gammu, "SELECT ID FROM outbox") == []
    assert gammu.send("+6281234567890", "Halo", "r-other") != first


@pytest.mark.parametrize("statuses, expected", [
    (["SendingOK"], "SENT"), (["SendingOKNoReport"], "SENT"), (["DeliveryPending"], "SENT"),
    (["DeliveryOK"], "DELIVERED"), (["SendingError"], "FAILED"), (["Error"], "FAILED"),
    (["DeliveryOK", "DeliveryOK", "DeliveryOK"], "DELIVERED"), (["DeliveryOK", "SendingOK", "DeliveryOK"], "SENT"),
    (["DeliveryOK", "DeliveryFailed", "DeliveryOK"], "FAILED"),
])
def test_the_status_is_read_from_sentitems(gammu, statuses, expected):
    message = "x" * (160 if len(statuses) == 1 else 400)
    message_id = gammu.send("+6281234567890", message, f"r-status-{expected}")
    daemon_sends(gammu, message_id, *statuses)

    delivery = gammu.status(message_id)

    assert (delivery.message_id, delivery.status) == (message_id, expected)
    assert delivery.updated_at is not None and delivery.updated_at.tzinfo is not None


@pytest.mark.parametrize("message_id", ["424242", "abc", ""])
def test_an_unknown_message_is_refused(gammu, message_id):
    with pytest.raises(PartnerRejected) as refused:
        gammu.status(message_id)
    assert refused.value.code == "UNKNOWN_MESSAGE"


def test_a_database_that_is_down_is_partner_unavailable():
    adapter = GammuSmsdAdapter(f"mysql+pymysql://gammu@127.0.0.1:{free_port()}/smsd", timeout=2)
    with pytest.raises(PartnerUnavailable):
        adapter.send("+6281234567890", "Halo", "r-down")
    with pytest.raises(PartnerUnavailable):
        adapter.status("1")


def test_a_database_without_gammus_tables_is_a_bad_partner(database_factory):
    adapter = GammuSmsdAdapter(database_factory.new_url("not_gammu"))
    with pytest.raises(BadPartnerResponse):
        adapter.send("+6281234567890", "Halo", "r-empty")
    adapter._engine.dispose()
