"""Text search's index: on SQLite the FTS5 table product_fts (emall_ws/db/text_index.py), kept by
triggers; on MariaDB the FULLTEXT index. The same answers from both: every term begins a word of the
name or the description, case and accents ignored, whatever the words look like; and the index follows
every write of a product."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from emall_ws.db.models import Product, ProductPhoto, ProductStatusHistory
from emall_ws.domain.catalog import SearchFilters
from emall_ws.services import catalog_search
from tests.builders import FIXED_FORM, NOW, POLICY, add_category, add_member, sell
from tests.databases import backend
from tests.integration.catalog_fixtures import update as update_product
from tests.integration.catalog_fixtures import withdraw
from tests.integration.test_catalog_search import REGIONS

PRODUCTS = {  # key: (name, description)
    "kopiah": ("Kopiah Hitam Polos", "Peci beludru untuk sholat."),
    "gula": ("Gula Aren Cair", "Pemanis alami, cocok untuk es-kopi."),
    "bukopi": ("Bukopi Spesial", "Minuman serbuk instan rasa kelapa."),
    "tubruk": ("KOPI TUBRUK GAYO", "BUBUK KASAR."),
    "teh": ("Teh_Tarik Instan", "Sachet siap seduh."),
    "cooker": ("Rice Cooker RC2024", "Kapasitas 1.8 liter, garansi 12 bulan."),
    "kalender": ("Kalender Meja 2024", "Edisi terbatas."),
    "words": ("Kopi Hitam Robusta", "Not near the sugar and not or nor."),
    "accents": ("Kópi Arábika Crème", "Café Gayo, naïve roast."),
}


@pytest.fixture(params=["few", "many"])
def path(request, monkeypatch):
    """SQLite looks few matches up by id and checks many against the sort's index walk: both ways
    must answer the same. MariaDB has one way."""
    if request.param == "many":
        if backend() != "sqlite":
            pytest.skip("SQLite's second query plan")
        monkeypatch.setattr(catalog_search, "FEW_TEXT_MATCHES", 0)
    return request.param


@pytest.fixture
def seller(db):
    add_category(db)
    return add_member(db, "koperasi_gayo", "SELLER")


@pytest.fixture
def shop(db, seller):
    return {key: sell(db, seller, FIXED_FORM, name=name, description=description).product_id
            for key, (name, description) in PRODUCTS.items()}


def found(db, shop, text: str) -> list[str]:
    names = {product_id: key for key, product_id in shop.items()}
    with db.unit_of_work() as session:
        page = catalog_search.search_products(session, SearchFilters(text=text, page_size=50), REGIONS, NOW, POLICY)
    return sorted(names.get(p.product_id, str(p.product_id)) for p in page.products)


def index_is_consistent(db) -> None:
    """SQLite: FTS5 checks its index against the product table (rank 1: the external content too)."""
    if backend() == "sqlite":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO product_fts (product_fts, rank) VALUES ('integrity-check', 1)")


def test_a_term_begins_a_word_of_the_name_or_description(db, shop, path):
    assert found(db, shop, "kopi") == ["accents", "gula", "kopiah", "tubruk", "words"]  # never Bukopi
    assert found(db, shop, "KoPi gAYo") == ["accents", "tubruk"]
    assert found(db, shop, "bukopi") == ["bukopi"] and found(db, shop, "ukopi") == []
    assert found(db, shop, "kasar bubuk") == ["tubruk"]  # all words, in any order
    assert found(db, shop, "kopi beludru") == ["kopiah"]  # one in the name, one in the description


def test_underscore_joins_and_digits_are_word_characters(db, shop, path):
    assert found(db, shop, "teh_tarik") == ["teh"] and found(db, shop, "teh_ta") == ["teh"]
    assert found(db, shop, "tarik") == [] and found(db, shop, "_tarik") == []  # "_" stripped: "tarik"
    assert found(db, shop, "rc2024") == ["cooker"] and found(db, shop, "rc20") == ["cooker"]
    assert found(db, shop, "2024") == ["kalender"] and found(db, shop, "202") == ["kalender"]  # not in "RC2024"
    assert found(db, shop, "garansi 120") == [] and found(db, shop, "garansi 12") == ["cooker"]  # "12": too short


def test_fts5_operators_are_plain_words(db, shop, path):
    """AND, OR, NOT and NEAR are FTS5's operators, and column filters and groups its syntax: in a
    search text they are words like any other (each quoted in the FTS5 query)."""
    assert found(db, shop, "kopi NOT gula") == []  # no product holds all three
    assert found(db, shop, "kopi not near and") == ["words"]
    assert found(db, shop, "kopi OR gula") == ["gula"]  # "or": too short, dropped; kopi and gula ("es-kopi")
    assert found(db, shop, "NEAR(kopi hitam, 2)") == ["words"]
    assert found(db, shop, "name: kopi AND description: sugar") == []  # no product has "name"
    assert found(db, shop, '"robusta" ^hitam kopi* -sugar') == ["words"]


def test_accents_are_ignored_both_ways(db, shop, path):
    """As MariaDB's utf8mb4_unicode_ci collation ignores them; SQLite's index removes them."""
    assert found(db, shop, "arabika creme cafe naive") == ["accents"]
    assert found(db, shop, "kópi hítam") == ["kopiah", "words"]
    assert found(db, shop, "ARÁBIKA") == ["accents"]


def test_the_index_follows_every_write_of_a_product(db, shop, seller, path):
    added = sell(db, seller, FIXED_FORM, name="Dodol Garut Asli", description="Oleh-oleh khas.").product_id
    shop["dodol"] = added
    assert found(db, shop, "dodol garut") == ["dodol"]
    update_product(db, seller, added, name="Wajik Ketan Bandung")  # the name: its old words out, new in
    assert found(db, shop, "dodol") == [] and found(db, shop, "garut") == [] and found(db, shop, "wajik") == ["dodol"]
    assert found(db, shop, "khas wajik") == ["dodol"]  # the description kept
    update_product(db, seller, added, description="Manisan beras ketan.")
    assert found(db, shop, "khas") == [] and found(db, shop, "manisan wajik") == ["dodol"]
    # the rest of a product changes without the index: stock, price, status
    update_product(db, seller, added, stock=3, price=12_000)
    assert found(db, shop, "wajik manisan") == ["dodol"]
    withdraw(db, seller, shop["bukopi"])
    assert found(db, shop, "bukopi") == []  # off sale: ACTIVE products only
    with db.unit_of_work() as session:
        # a text set to what it was; a product deleted (no service does: the bulk deletes of tests would)
        session.execute(update(Product).where(Product.id == added).values(name="Wajik Ketan Bandung"))
        for table in (ProductPhoto, ProductStatusHistory):
            session.execute(delete(table).where(table.product_id == shop["kopiah"]))
        session.execute(delete(Product).where(Product.id == shop["kopiah"]))
    assert found(db, shop, "wajik") == ["dodol"] and found(db, shop, "kopi") == ["accents", "gula", "tubruk", "words"]
    index_is_consistent(db)
