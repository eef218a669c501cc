"""searchProducts against the test database (its text index: product_term, the same on SQLite and MariaDB)."""
from datetime import timedelta

import pytest

from emall_ws.data.regions import load_regions
from emall_ws.domain.catalog import SearchFilters
from emall_ws.domain.errors import ValidationFailed
from emall_ws.services import catalog_search
from tests.builders import AUCTION_FORM, FIXED_FORM, NOW, POLICY, add_category, add_member, sell
from tests.integration.catalog_fixtures import update, withdraw

REGIONS = load_regions()


@pytest.fixture
def sellers(db):
    return {"semarang": add_member(db, "koperasi_semarang", "SELLER", city="33.74"),
            "bandung": add_member(db, "ukm_bandung", "SELLER", city="32.73")}


@pytest.fixture
def shop(db, sellers):
    """Two sellers (Semarang, Bandung), two categories, five products listed a minute apart."""
    add_category(db)
    add_category(db, "kerajinan", "Kerajinan Tangan")
    semarang, bandung = sellers["semarang"], sellers["bandung"]
    ids = {}
    for minute, (key, seller, form, changes) in enumerate((
            ("kopi", semarang, FIXED_FORM, {}),
            ("teh", semarang, FIXED_FORM, dict(name="Teh Hijau Kaligua", description="Teh hijau dari Brebes.",
                                                price=40_000)),
            ("batik", bandung, FIXED_FORM, dict(name="Batik Tulis Kopi Tubruk", category="kerajinan",
                                                 description="Batik bermotif biji kopi.", price=450_000)),
            ("tenun", bandung, AUCTION_FORM, dict(category="kerajinan")),
            ("keris", semarang, AUCTION_FORM, dict(name="Keris Pusaka Replika", category="kerajinan",
                                                   description="Replika keris.", start_price=300_000,
                                                   reserve_price=None, ends_at=NOW + timedelta(hours=5))),
    )):
        ids[key] = sell(db, seller, form, now=NOW + timedelta(minutes=minute), **changes).product_id
    return ids


def search(db, **filters):
    with db.unit_of_work() as session:
        page = catalog_search.search_products(session, SearchFilters(**filters), REGIONS, NOW, POLICY)
    return page


def found(db, shop, **filters) -> list[str]:
    names = {v: k for k, v in shop.items()}
    return [names[p.product_id] for p in search(db, **filters).products]


def test_newest_first_by_default_with_the_first_photo_and_action(db, shop):
    page = search(db)
    assert [p.product_id for p in page.products] == sorted(shop.values(), reverse=True)
    first_fixed = next(p for p in page.products if p.product_id == shop["kopi"])
    assert first_fixed.photo_url == FIXED_FORM.photo_urls[0] and first_fixed.action == "BUY"
    assert next(p for p in page.products if p.product_id == shop["tenun"]).action == "BID"
    assert page.has_more is False


def test_text_search_requires_every_word_in_name_or_description(db, shop):
    assert sorted(found(db, shop, text="kopi")) == ["batik", "kopi"]
    assert found(db, shop, text="kopi batik") == ["batik"]
    assert found(db, shop, text="KOPI   Gayo") == ["kopi"]
    assert found(db, shop, text="teh brebes") == ["teh"]
    assert found(db, shop, text="durian") == []


def test_a_term_matches_the_start_of_a_word_never_its_middle(db, shop, sellers):
    """Words break at anything but letters, digits and "_" (a plain substring match would find
    "Bukopi" for "kopi")."""
    semarang = sellers["semarang"]
    shop["bukopi"] = sell(db, semarang, FIXED_FORM, name="Bukopi Spesial Toraja",
                          description="Minuman serbuk instan.").product_id
    shop["gula"] = sell(db, semarang, FIXED_FORM, name="Gula Aren Cair",
                        description="Pemanis alami.\nCocok untuk es-kopi, (kopisusu) dan teh_tarik.").product_id
    assert sorted(found(db, shop, text="kopi")) == ["batik", "gula", "kopi"]
    assert found(db, shop, text="opi") == []  # inside "Kopi", "Bukopi" and "kopisusu" alike
    assert found(db, shop, text="bukopi") == ["bukopi"]
    assert found(db, shop, text="kopisu") == ["gula"]  # after "(": a word's start
    assert found(db, shop, text="susu") == [] and found(db, shop, text="ukopi") == []
    assert found(db, shop, text="tarik") == []  # "_" joins: "teh_tarik" is one word
    assert found(db, shop, text="cocok pemanis") == ["gula"]  # after a line break


@pytest.mark.parametrize("hostile", ['kopi" -batik', "+kopi -(batik*)", "kopi @distance 3", "kopi') OR 1=1 --",
                                     "kopi >batik <gayo ~tubruk", "%kopi%", "kopi_", "\\kopi"])
def test_boolean_operators_and_sql_in_the_text_are_plain_words(db, shop, hostile):
    """Whatever the text holds, it is words: no operator negates, no quote breaks the query."""
    assert set(found(db, shop, text=hostile)) <= {"kopi", "batik"}


def test_filters_combine(db, shop):
    assert found(db, shop, category="kerajinan", sale_method="FIXED") == ["batik"]
    assert sorted(found(db, shop, seller="Koperasi_Semarang")) == ["keris", "kopi", "teh"]
    assert sorted(found(db, shop, province="32")) == ["batik", "tenun"]
    assert sorted(found(db, shop, city="33.74", sale_method="AUCTION")) == ["keris"]


def test_price_range_uses_an_auctions_current_or_start_price(db, shop):
    assert sorted(found(db, shop, min_price=300_000, max_price=1_500_000)) == ["batik", "keris", "tenun"]
    assert found(db, shop, sort="PRICE_ASC") == ["teh", "kopi", "keris", "batik", "tenun"]
    assert found(db, shop, sort="price_desc")[0] == "tenun"


def test_ending_soonest_lists_open_auctions(db, shop):
    assert found(db, shop, sort="ENDING_SOON") == ["keris", "tenun"]


def test_only_active_products_are_found(db, shop, sellers):
    withdraw(db, sellers["semarang"], shop["teh"])
    update(db, sellers["semarang"], shop["kopi"], stock=0)
    assert sorted(found(db, shop)) == ["batik", "keris", "tenun"]


def test_pages_are_capped_and_say_whether_more_follow(db, shop):
    first = search(db, page=1, page_size=2)
    assert len(first.products) == 2 and first.has_more
    last = search(db, page=3, page_size=2)
    assert len(last.products) == 1 and not last.has_more
    assert search(db, page_size=500).page_size == POLICY.page_size_max


@pytest.mark.parametrize("filters, field, code", [
    (dict(text="a b"), "text", "SEARCH_TEXT_TOO_SHORT"),
    (dict(text="+-*"), "text", "SEARCH_TEXT_TOO_SHORT"),
    (dict(text="k" * 101), "text", "TOO_LONG"),
    (dict(category="elektronik"), "category", "UNKNOWN_CATEGORY"),
    (dict(seller="nobody"), "seller", "UNKNOWN_SELLER"),
    (dict(province="99"), "province", "UNKNOWN_PROVINCE"),
    (dict(city="99.99"), "city", "UNKNOWN_CITY"),
    (dict(province="32", city="33.74"), "city", "CITY_NOT_IN_PROVINCE"),
    (dict(sale_method="BARTER"), "saleMethod", "UNKNOWN_SALE_METHOD"),
    (dict(sort="RANDOM"), "sort", "UNKNOWN_SORT"),
    (dict(sort="ENDING_SOON", sale_method="FIXED"), "sort", "SORT_NEEDS_AUCTION"),
    (dict(min_price=-1), "minPrice", "MIN_VALUE"),
    (dict(min_price=500, max_price=100), "maxPrice", "PRICE_RANGE_INVERTED"),
    (dict(page=0), "page", "MIN_VALUE"),
    (dict(page_size=-3), "pageSize", "MIN_VALUE"),
    (dict(page=1000, page_size=50), "page", "PAGE_TOO_DEEP"),
])
def test_bad_filters_are_field_errors(db, shop, filters, field, code):
    with pytest.raises(ValidationFailed) as raised:
        search(db, **filters)
    assert [(e.field, e.code) for e in raised.value.errors] == [(field, code)]


def test_every_unknown_filter_is_named_in_one_fault(db, shop):
    with pytest.raises(ValidationFailed) as raised:
        search(db, category="elektronik", seller="nobody", text="kopi", city="99.99")
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("category", "UNKNOWN_CATEGORY"), ("seller", "UNKNOWN_SELLER"), ("city", "UNKNOWN_CITY")]


def test_a_known_category_or_seller_without_a_match_is_an_empty_page(db, shop):
    """The names are looked up inside the search's statement; no product found is not a fault for a
    name that exists, on any page."""
    for filters in (dict(category="kerajinan", text="durian"), dict(seller="ukm_bandung", text="keris"),
                    dict(category="kerajinan", seller="ukm_bandung", page=9)):
        page = search(db, **filters)
        assert page.products == [] and not page.has_more, filters
