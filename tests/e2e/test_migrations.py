"""Schema revisions: a database made by `initdb` before revisions existed (tests/fixtures/baseline:
its DDL and rows of every kind) is upgraded by `emall-ws migrate`, keeps every row and then serves
the paper's whole flow; start-up refuses or upgrades a database behind the code; the revisions and
the models agree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, MetaData, func, inspect, select, text

from emall_ws.db import migrate, product_terms
from emall_ws.db.models import Base, Product, ProductTerm
from emall_ws.db.session import Database
from tests.databases import backend
from tests.e2e.flows import whole_flow
from tests.e2e.server import serving

BASELINE = Path(__file__).resolve().parent.parent / "fixtures" / "baseline"
ROWS = json.loads((BASELINE / "rows.json").read_text())


def applied_from(first: str) -> list[str]:
    """What `emall-ws migrate` prints applying each revision from `first` to the head, oldest first: its
    number and the first line of its docstring."""
    revisions = reversed(list(ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()))
    return [f"emall-ws: applied {r.revision}: {r.doc}" for r in revisions if r.revision >= first]


def baseline_database(database_factory, name: str) -> str:
    """A database as the baseline's `initdb` made it, holding the fixture's rows; its URL."""
    url = database_factory.new_url(name)
    db = Database(url)
    ddl = (BASELINE / ("sqlite.sql" if backend() == "sqlite" else "mariadb.sql")).read_text()
    with db.engine.begin() as connection:
        for statement in ddl.split(";\n"):
            statement = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if statement:
                connection.exec_driver_sql(statement)
        tables = MetaData()
        tables.reflect(connection)
        for table in tables.sorted_tables:
            for row in ROWS[table.name]:
                connection.execute(table.insert().values(_typed(table, row)))
    db.dispose()
    return url


def _typed(table, row: dict) -> dict:
    """The row's values for the table's columns (a column the newest schema dropped is left out)."""
    return {name: datetime.fromisoformat(value) if isinstance(table.c[name].type, DateTime) and value else value
            for name, value in row.items() if name in table.c}


def emall_ws(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    env["EMALL_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "emall_ws.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def rows_kept(url: str) -> None:
    """Every fixture row is still there (found by its key), with every value of the columns the
    newest schema kept."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            for name, rows in ROWS.items():
                table = Base.metadata.tables[name]
                for expected in rows:
                    key = [column == expected[column.name] for column in table.primary_key]
                    # the fixture's columns only: a revision downgraded may lack a newer one (0010's actor)
                    kept = [table.c[column] for column in expected if column in table.c]
                    found = connection.execute(select(*kept).where(*key)).one()._mapping
                    for column, value in _typed(table, expected).items():
                        assert found[column] == value, (name, column)
    finally:
        db.dispose()


def test_a_database_made_before_revisions_is_upgraded_keeps_every_row_and_serves_the_whole_flow(
        database_factory, tmp_path, mailbox):
    url = baseline_database(database_factory, "baseline_upgrade")
    upgraded = emall_ws("migrate", url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.splitlines() == [
        f"emall-ws: a database without revisions taken to be at the baseline {migrate.BASELINE}",
        *applied_from("0002"),
        f"emall-ws: made the text index of {len(ROWS['product'])} products"]
    rows_kept(url)
    again = emall_ws("migrate", url=url)
    assert again.stdout == f"emall-ws: already at revision {migrate.head()}, nothing to do\n"
    # then the paper's whole flow on it (its jobs may expire, forget or republish the fixture's old rows)
    with serving(database_factory, tmp_path, mailbox, "baseline_upgrade", database_url=url) as server:
        whole_flow(server, mailbox)


def test_a_database_behind_the_code_is_upgraded_at_start_on_sqlite_and_refused_on_mariadb(database_factory):
    url = baseline_database(database_factory, "baseline_start")
    started = emall_ws("worker", url=url) if backend() != "sqlite" else emall_ws("initdb", url=url)
    if backend() == "sqlite":  # the embedded default upgrades itself
        assert started.returncode == 0 and "applied 0002" in started.stdout
        rows_kept(url)
    else:
        assert started.returncode == 1 and started.stdout == ""
        assert started.stderr == ("emall-ws: EMALL_DATABASE_URL: the database is at revision 0001 (made before "
                                  f"revisions), this code needs {migrate.head()}: run `emall-ws migrate` first\n")
        db = Database(url)
        with db.engine.connect() as connection:  # nothing was changed
            assert migrate.current(connection) is None and "worker_job" not in db.engine.dialect.get_table_names(
                connection)
        db.dispose()


def test_a_database_ahead_of_the_code_is_refused(database_factory):
    url = database_factory.new_url("ahead")
    db = Database(url)
    db.create_schema()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    db.dispose()
    refused = emall_ws("initdb", url=url)
    assert refused.returncode == 1 and refused.stderr.startswith(
        "emall-ws: EMALL_DATABASE_URL: the database is at revision 9999, newer than this code's")


def test_the_revisions_from_nothing_make_exactly_the_models_schema(database_factory):
    """What autogenerate would find to do is nothing: a model change without its revision fails here,
    and so would a table left behind (revision 0006 drops SQLite's FTS5 text index, no model)."""
    db, created = Database(database_factory.new_url("revisions")), Database(database_factory.new_url("created"))
    try:
        with db.engine.begin() as connection:
            command.upgrade(migrate.alembic_config(connection=connection), "head")
            context = MigrationContext.configure(connection, opts={
                "include_object": migrate.for_dialect(connection.dialect.name), "compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert migrate.current(connection) == migrate.head()
            assert fts5_ddl(connection) == {}
    finally:
        db.dispose()
        created.dispose()


def fts5_ddl(connection) -> dict[str, str]:
    """SQLite: revision 0005's text index, its tables and triggers as sqlite_master holds them (MariaDB: none)."""
    if connection.dialect.name != "sqlite":
        return {}
    return dict(connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE name LIKE 'product_fts%' ORDER BY name").all())


def test_shipment_history_comes_empty_for_the_shipments_there_and_goes_on_downgrade_keeping_them(database_factory):
    url = baseline_database(database_factory, "shipment_history")
    assert emall_ws("migrate", url=url).returncode == 0
    history = Base.metadata.tables["shipment_status_history"]
    db = Database(url)
    try:
        with db.engine.begin() as connection:
            assert connection.scalar(select(func.count()).select_from(history)) == 0  # no made-up moves
            assert len(ROWS["shipment"]) > 0
            command.downgrade(migrate.alembic_config(connection=connection), "0003")
            assert migrate.current(connection) == "0003"
            assert "shipment_status_history" not in inspect(connection).get_table_names()
        rows_kept(url)
        with db.engine.begin() as connection:
            command.upgrade(migrate.alembic_config(connection=connection), "head")
            assert "shipment_status_history" in inspect(connection).get_table_names()
            assert migrate.current(connection) == migrate.head()
    finally:
        db.dispose()


def terms_of_the_products(connection, *columns: str) -> set[tuple]:
    """product_term's rows, as they must be for the products there: each product's terms, every column
    of `columns` (the table's whole key by default) as db.product_terms makes it."""
    columns = columns or ("term", "created_at", "product_id")
    held = set(connection.execute(select(*(ProductTerm.__table__.c[name] for name in columns))))
    products = connection.execute(select(Product.id, Product.name, Product.description, Product.created_at))
    assert held == {tuple(row[name] for name in columns) for product in products for row in product_terms.rows(product)}
    assert len(held) > 0  # the fixture's products: "produc-name-1", "produc-descriptio-2"
    return held


def test_the_term_index_is_made_from_the_products_there_and_gives_back_the_old_index_on_downgrade(database_factory):
    """0006 replaces 0005's index (SQLite's FTS5, MariaDB's FULLTEXT) by product_term, which `migrate`
    fills from the products there; its downgrade gives the old index back, filled, keeping every row."""
    url = baseline_database(database_factory, "term_index")
    db = Database(url)

    def old_index(connection) -> bool:
        if backend() == "sqlite":
            return list(connection.exec_driver_sql(
                "SELECT rowid FROM product_fts WHERE product_fts MATCH 'produc*' ORDER BY rowid").scalars()) == [1, 2]
        return "ix_product_text" in {index["name"] for index in inspect(connection).get_indexes("product")}

    try:
        migrated = emall_ws("migrate", url=url)
        assert migrated.returncode == 0 and f"made the text index of {len(ROWS['product'])} products" in migrated.stdout
        with db.engine.begin() as connection:
            terms_of_the_products(connection)
            assert fts5_ddl(connection) == {}
            if backend() != "sqlite":
                assert not old_index(connection)
            command.downgrade(migrate.alembic_config(connection=connection), "0005")
            assert "product_term" not in inspect(connection).get_table_names() and old_index(connection)
        rows_kept(url)
        assert emall_ws("migrate", url=url).returncode == 0
        with db.engine.connect() as connection:
            terms_of_the_products(connection)
            assert fts5_ddl(connection) == {}
    finally:
        db.dispose()


def test_the_terms_are_made_again_with_their_signatures_and_keep_their_key_on_downgrade(database_factory):
    """0007 makes product_term again with a signature column, which `migrate` fills from the products
    there; its downgrade drops the column and keeps every term, which the previous version searches."""
    url = baseline_database(database_factory, "term_signature")
    db = Database(url)
    try:
        assert emall_ws("migrate", url=url).returncode == 0
        with db.engine.begin() as connection:
            keys = terms_of_the_products(connection)
            signed = terms_of_the_products(connection, "product_id", "signature")
            assert {signature for _product, signature in signed} != {0}
            command.downgrade(migrate.alembic_config(connection=connection), "0006")
            assert [column["name"] for column in inspect(connection).get_columns("product_term")] == [
                "term", "created_at", "product_id"]
            assert terms_of_the_products(connection) == keys
        migrated = emall_ws("migrate", url=url)
        expected = [*applied_from("0007"), f"emall-ws: made the text index of {len(ROWS['product'])} products"]
        assert migrated.returncode == 0 and migrated.stdout.splitlines()[-len(expected):] == expected
        with db.engine.connect() as connection:
            assert terms_of_the_products(connection, "term", "created_at", "product_id", "signature")
    finally:
        db.dispose()


def test_api_keys_and_seen_nonces_come_empty_and_go_on_downgrade_keeping_every_other_row(database_factory):
    url = baseline_database(database_factory, "api_keys")
    db = Database(url)
    try:
        assert emall_ws("migrate", url=url).returncode == 0
        with db.engine.begin() as connection:
            for table in ("api_key", "seen_nonce"):
                assert connection.scalar(select(func.count()).select_from(Base.metadata.tables[table])) == 0
            command.downgrade(migrate.alembic_config(connection=connection), "0007")
            assert {"api_key", "seen_nonce"}.isdisjoint(inspect(connection).get_table_names())
        rows_kept(url)
        migrated = emall_ws("migrate", url=url)
        assert migrated.returncode == 0 and migrated.stdout.splitlines() == applied_from("0008")
        with db.engine.connect() as connection:
            assert {"api_key", "seen_nonce"} <= set(inspect(connection).get_table_names())
    finally:
        db.dispose()


def test_bank_codes_typed_upper_case_are_lower_case_after_the_upgrade_and_upper_case_again_on_downgrade(
        database_factory):
    """0009: a seller registered before every code had one spelling holds "BCA"; after the upgrade "bca",
    as the invoices, the mutations and the partner adapters spell it (the fixture's two members)."""
    url = baseline_database(database_factory, "bank_codes")
    member = Base.metadata.tables["member"]
    first, second = (row["id"] for row in ROWS["member"][:2])
    db = Database(url)

    def bank_codes(connection) -> dict[int, str | None]:
        return dict(connection.execute(select(member.c.id, member.c.bank_code)).all())

    try:
        with db.engine.begin() as connection:
            connection.execute(member.update().where(member.c.id == first).values(bank_code="BCA"))
            connection.execute(member.update().where(member.c.id == second).values(bank_code="Mandiri"))
        assert emall_ws("migrate", url=url).returncode == 0
        with db.engine.begin() as connection:
            after = bank_codes(connection)
            assert (after[first], after[second]) == ("bca", "mandiri")
            command.downgrade(migrate.alembic_config(connection=connection), "0008")
            assert migrate.current(connection) == "0008"
            assert (bank_codes(connection)[first], bank_codes(connection)[second]) == ("BCA", "MANDIRI")
        migrated = emall_ws("migrate", url=url)
        assert migrated.returncode == 0 and migrated.stdout.splitlines() == applied_from("0009")
        with db.engine.connect() as connection:
            assert bank_codes(connection) == after
    finally:
        db.dispose()


def test_a_migration_locks_its_own_database_and_no_other_on_the_server(database_factory):
    """MariaDB serializes migrations by a named lock, which is the server's: it names the database, so
    a long migration of one database (the text index of a large catalogue takes minutes) leaves another
    on the same server free to migrate."""
    if backend() == "sqlite":  # a file of its own, serialized by its own BEGIN IMMEDIATE
        return
    url, busy = baseline_database(database_factory, "locked_apart"), Database(database_factory.new_url("busy"))
    try:
        with busy.engine.connect() as connection:
            name = f"emall_ws.migrate:{busy.engine.url.database}"
            assert connection.execute(text("SELECT GET_LOCK(:name, 0)"), {"name": name}).scalar() == 1
            assert emall_ws("migrate", url=url).returncode == 0  # one lock for the server: 60 s, then refused
            assert connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name}).scalar() == 1
    finally:
        busy.dispose()
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            assert migrate.current(connection) == migrate.head()
    finally:
        db.dispose()


def test_migrate_sql_is_ddl_for_a_dba_on_mariadb_and_refused_on_sqlite(database_factory):
    url = baseline_database(database_factory, "baseline_sql")
    printed = emall_ws("migrate", "--sql", url=url)
    if backend() == "sqlite":
        assert printed.returncode == 1 and "writes DDL for MariaDB/MySQL" in printed.stderr
        return
    assert printed.returncode == 0
    assert "CREATE TABLE alembic_version" in printed.stdout and "ALTER TABLE invoice DROP COLUMN open_code_key" \
        in printed.stdout and "CREATE TABLE worker_job" in printed.stdout
    db = Database(url)
    with db.engine.connect() as connection:  # printed, not run
        assert migrate.current(connection) is None
    db.dispose()


def test_refunds_come_empty_the_history_gains_an_empty_actor_and_both_go_on_downgrade(database_factory):
    """0010: the refund tables, empty; order_status_history's old rows keep everything and have no actor."""
    url = baseline_database(database_factory, "refunds")
    history = Base.metadata.tables["order_status_history"]
    db = Database(url)
    try:
        assert emall_ws("migrate", url=url).returncode == 0
        with db.engine.begin() as connection:
            for table in ("refund", "refund_status_history"):
                assert connection.scalar(select(func.count()).select_from(Base.metadata.tables[table])) == 0
            assert len(ROWS["order_status_history"]) == connection.scalar(
                select(func.count()).select_from(history).where(history.c.actor.is_(None)))
            command.downgrade(migrate.alembic_config(connection=connection), "0009")
            assert {"refund", "refund_status_history"}.isdisjoint(inspect(connection).get_table_names())
            assert "actor" not in [c["name"] for c in inspect(connection).get_columns("order_status_history")]
        rows_kept(url)
        migrated = emall_ws("migrate", url=url)
        assert migrated.returncode == 0 and migrated.stdout.splitlines() == applied_from("0010")
    finally:
        db.dispose()


def test_refunds_gain_an_empty_reminded_at_which_goes_on_downgrade_keeping_every_refund(database_factory):
    """0011: refund.reminded_at, NULL for the refunds there (none was reminded); its downgrade keeps them.
    Taken to 0010 and 0011 by name, so that no later revision plays a part."""
    url = baseline_database(database_factory, "refund_reminders")
    refund = Base.metadata.tables["refund"]
    db = Database(url)

    try:
        with migrate._migrating(db) as connection:  # as `migrate` upgrades: SQLite's foreign keys off meanwhile
            command.stamp(migrate.alembic_config(connection=connection), migrate.BASELINE)
            to("0010", connection)
            connection.execute(refund.insert().values(_a_refund(connection)))
            to("0011", connection)
            assert connection.execute(select(refund.c.amount, refund.c.reminded_at)).all() == [(170_000, None)]
            to("0010", connection, command.downgrade)
            assert "reminded_at" not in [c["name"] for c in inspect(connection).get_columns("refund")]
            assert connection.execute(text("SELECT amount, status FROM refund")).all() == [(170_000, "DUE")]
            to("0011", connection)
            assert migrate.current(connection) == "0011"
            assert connection.execute(select(refund.c.status, refund.c.reminded_at)).all() == [("DUE", None)]
    finally:
        db.dispose()


def to(revision: str, connection, step=command.upgrade) -> None:
    """Upgrades (or with `step` downgrades) to `revision` by name, so that no later revision plays a part."""
    step(migrate.alembic_config(connection=connection), revision)


def _a_refund(connection) -> dict:
    """A refund as revision 0010 holds it, of the fixture's first order (its columns, no reminded_at)."""
    order = connection.execute(text("SELECT id, buyer_id, seller_id FROM purchase_order ORDER BY id")).first()
    invoice_id = connection.execute(text("SELECT id FROM invoice WHERE order_id = :id"), {"id": order.id}).scalar()
    when = datetime(2026, 12, 1, 3, 0)
    return dict(order_id=order.id, invoice_id=invoice_id, buyer_id=order.buyer_id, seller_id=order.seller_id,
                amount=170_000, reason="SELLER_REJECTED", note="stok habis", status="DUE", due_at=when,
                created_at=when, updated_at=when)


def test_second_chances_come_empty_and_go_on_downgrade_keeping_every_other_row(database_factory):
    """0012: the auction_second_chance table, empty (no invoice closed before it is a non-payment after the
    fact); its downgrade drops it alone. Taken to 0011 and 0012 by name, so that no later revision plays a part."""
    url = baseline_database(database_factory, "second_chance")
    db = Database(url)

    try:
        with migrate._migrating(db) as connection:
            command.stamp(migrate.alembic_config(connection=connection), migrate.BASELINE)
            to("0012", connection)
            assert connection.scalar(select(func.count()).select_from(
                Base.metadata.tables["auction_second_chance"])) == 0
            to("0011", connection, command.downgrade)
            assert "auction_second_chance" not in inspect(connection).get_table_names()
            to("0012", connection)
            assert migrate.current(connection) == "0012"
        rows_kept(url)
    finally:
        db.dispose()


def test_complaints_addresses_sent_to_and_actors_come_empty_and_go_on_downgrade_keeping_every_row(database_factory):
    """0013: the complaint tables; 0014: member_address and verification_code.sent_to; 0015: actor on the
    member, product, invoice and shipment histories, NULL on their rows (who made those is not known). Each
    downgrade takes away only its own, and every row of the fixture is kept."""
    url = baseline_database(database_factory, "complaints_addresses_actors")
    histories = ("member_status_history", "product_status_history", "invoice_status_history",
                 "shipment_status_history")
    db = Database(url)

    def columns(connection, table: str) -> list[str]:
        return [c["name"] for c in inspect(connection).get_columns(table)]

    try:
        with migrate._migrating(db) as connection:  # as `migrate` upgrades: SQLite's foreign keys off meanwhile
            command.stamp(migrate.alembic_config(connection=connection), migrate.BASELINE)
            to("0015", connection)
            tables = set(inspect(connection).get_table_names())
            assert {"complaint", "complaint_status_history", "member_address"} <= tables
            assert "sent_to" in columns(connection, "verification_code")
            for history in histories:
                assert connection.execute(text(f"SELECT COUNT(*) FROM {history} WHERE actor IS NOT NULL")).scalar() == 0
            to("0014", connection, command.downgrade)
            assert all("actor" not in columns(connection, history) for history in histories)
            to("0013", connection, command.downgrade)
            assert "member_address" not in inspect(connection).get_table_names()
            assert "sent_to" not in columns(connection, "verification_code")
            to("0012", connection, command.downgrade)
            assert "complaint" not in inspect(connection).get_table_names()
            to("0015", connection)
            assert migrate.current(connection) == "0015"
        rows_kept(url)
    finally:
        db.dispose()


def test_seller_verification_comes_with_a_row_for_every_seller_and_goes_on_downgrade(database_factory):
    """0016: seller_verification and its history. Each seller registered before it gets a row, UNVERIFIED,
    due at once when active (the worker's first round checks it); a buyer gets none. The downgrade takes the
    tables away and keeps every other row."""
    url = baseline_database(database_factory, "seller_verification")
    db = Database(url)
    members = [(row["id"], row["role"], row["status"]) for row in ROWS["member"]]
    set_member = text("UPDATE member SET role = :role, status = :status WHERE id = :id")
    try:
        with migrate._migrating(db) as connection:
            command.stamp(migrate.alembic_config(connection=connection), migrate.BASELINE)
            to("0015", connection)
            (active, _, _), (pending, _, _) = members
            connection.execute(set_member, [{"id": active, "role": "SELLER", "status": "ACTIVE"},
                                            {"id": pending, "role": "SELLER", "status": "PENDING"}])
            to("0016", connection)
            rows = connection.execute(text("SELECT member_id, status, attempts, next_check_at IS NOT NULL "
                                           "FROM seller_verification ORDER BY member_id")).all()
            expected = [(active, "UNVERIFIED", 0, 1), (pending, "UNVERIFIED", 0, 0)]
            assert [tuple(row) for row in rows] == sorted(expected)
            connection.execute(set_member, [{"id": pending, "role": "BUYER", "status": "ACTIVE"}])
            to("0015", connection, command.downgrade)
            tables = set(inspect(connection).get_table_names())
            assert not {"seller_verification", "seller_verification_history"} & tables
            to("0016", connection)
            assert connection.execute(text("SELECT member_id FROM seller_verification")).scalars().all() == [active]
            connection.execute(set_member, [{"id": i, "role": role, "status": status} for i, role, status in members])
        rows_kept(url)
    finally:
        db.dispose()


def test_the_change_feed_and_callback_tables_come_empty_and_go_on_downgrade_keeping_every_row(database_factory):
    """0017: change_event, event_sequence, event_subscription and event_delivery, empty (the feed starts with
    the first change after the upgrade; the sequence row is made by the first commit that numbers events).
    The downgrade takes the four away and keeps every other row."""
    url = baseline_database(database_factory, "change_feed")
    db = Database(url)
    tables = {"change_event", "event_sequence", "event_subscription", "event_delivery"}
    try:
        with migrate._migrating(db) as connection:
            command.stamp(migrate.alembic_config(connection=connection), migrate.BASELINE)
            to("0017", connection)
            for table in tables:
                assert connection.scalar(select(func.count()).select_from(Base.metadata.tables[table])) == 0
            to("0016", connection, command.downgrade)
            assert not tables & set(inspect(connection).get_table_names())
            to("0017", connection)
            assert migrate.current(connection) == "0017"
        rows_kept(url)
    finally:
        db.dispose()
