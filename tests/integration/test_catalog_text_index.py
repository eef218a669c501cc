"""Text search's index, product_term (emall_ws/db/product_terms.py), on SQLite and MariaDB alike:
every term begins a word of the name or the description, case and accents ignored, whatever the words
look like; and the index follows every write of a product."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from emall_ws.db import product_terms
from emall_ws.db.models import Product, ProductPhoto, ProductStatusHistory, ProductTerm
from emall_ws.domain.catalog import SearchFilters
from emall_ws.services import catalog_search
from tests.builders import FIXED_FORM, NOW, POLICY, add_category, add_member, sell
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


def index_is_consistent(db, deleted: int) -> None:
    """product_term holds exactly the terms of every product as it is now, and those of the product
    deleted by hand (no service deletes one), which no search meets: it joins the product."""
    with db.engine.connect() as connection:
        held = set(connection.execute(select(ProductTerm.term, ProductTerm.created_at, ProductTerm.product_id)))
        products = connection.execute(select(Product.id, Product.name, Product.description, Product.created_at))
        expected = {(row["term"], row["created_at"], row["product_id"])
                    for product in products for row in product_terms.rows(product)}
    assert {row for row in held if row[2] != deleted} == expected


def test_a_term_begins_a_word_of_the_name_or_description(db, shop):
    assert found(db, shop, "kopi") == ["accents", "gula", "kopiah", "tubruk", "words"]  # never Bukopi
    assert found(db, shop, "KoPi gAYo") == ["accents", "tubruk"]
    assert found(db, shop, "bukopi") == ["bukopi"] and found(db, shop, "ukopi") == []
    assert found(db, shop, "kasar bubuk") == ["tubruk"]  # all words, in any order
    assert found(db, shop, "kopi beludru") == ["kopiah"]  # one in the name, one in the description


def test_underscore_joins_and_digits_are_word_characters(db, shop):
    assert found(db, shop, "teh_tarik") == ["teh"] and found(db, shop, "teh_ta") == ["teh"]
    assert found(db, shop, "tarik") == [] and found(db, shop, "_tarik") == []  # "_" stripped: "tarik"
    assert found(db, shop, "rc2024") == ["cooker"] and found(db, shop, "rc20") == ["cooker"]
    assert found(db, shop, "2024") == ["kalender"] and found(db, shop, "202") == ["kalender"]  # not in "RC2024"
    assert found(db, shop, "garansi 120") == [] and found(db, shop, "garansi 12") == ["cooker"]  # "12": too short


def test_query_syntax_of_search_engines_is_plain_words(db, shop):
    """AND, OR, NOT and NEAR, column filters, groups, quotes, + - * ^: a search engine's syntax is, in a
    search text, words like any other or nothing."""
    assert found(db, shop, "kopi NOT gula") == []  # no product holds all three
    assert found(db, shop, "kopi not near and") == ["words"]
    assert found(db, shop, "kopi OR gula") == ["gula"]  # "or": too short, dropped; kopi and gula ("es-kopi")
    assert found(db, shop, "NEAR(kopi hitam, 2)") == ["words"]
    assert found(db, shop, "name: kopi AND description: sugar") == []  # no product has "name"
    assert found(db, shop, '"robusta" ^hitam kopi* -sugar') == ["words"]


def test_accents_are_ignored_both_ways(db, shop):
    """Words are folded (domain.search_words) in the index and in the search alike."""
    assert found(db, shop, "arabika creme cafe naive") == ["accents"]
    assert found(db, shop, "kópi hítam") == ["kopiah", "words"]
    assert found(db, shop, "ARÁBIKA") == ["accents"]


def test_the_index_follows_every_write_of_a_product(db, shop, seller):
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
    index_is_consistent(db, deleted=shop["kopiah"])
