"""Catalogue rules without a database: listings, actions, search terms, messages."""
import ast
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from emall_ws.domain.catalog import (CatalogPolicy, ProductForm, SearchFilters, action_of,
                                     is_photo_url, search_terms, validate_listing, validate_search)
from emall_ws.domain.errors import ValidationFailed
from emall_ws.messages import FIELD_LABELS, MESSAGES, field_message

NOW = datetime(2026, 11, 28, 3, 0)
POLICY = CatalogPolicy()
ROOT = Path(__file__).resolve().parents[2]


def test_a_fixed_listing_is_normalised():
    listing = validate_listing(ProductForm(name="  Kopi Gayo ", description="Enak", category=" Makanan ",
                                           weight_grams=250, sale_method="fixed", price=1, stock=1), NOW, POLICY)
    assert (listing.name, listing.category, listing.sale_method, listing.photo_urls) == (
        "Kopi Gayo", "makanan", "FIXED", ())


def test_an_auction_has_quantity_one():
    listing = validate_listing(ProductForm(name="Keris", description="Replika", category="kerajinan",
                                           weight_grams=900, sale_method="AUCTION", start_price=100,
                                           min_increment=10, ends_at=NOW + timedelta(hours=1)), NOW, POLICY)
    assert listing.stock == 1 and listing.reserve_price is None


@pytest.mark.parametrize("minimum, id_words, en_words", [
    (timedelta(hours=1), "1 jam", "1 hour(s)"),
    (timedelta(seconds=90), "1 menit 30 detik", "1 minute(s) 30 second(s)"),
    (timedelta(seconds=15), "15 detik", "15 second(s)"),
])
def test_the_minimum_auction_duration_is_a_policy_and_its_fault_says_how_long(minimum, id_words, en_words):
    policy = CatalogPolicy(auction_min_duration=minimum)
    form = ProductForm(name="Keris", description="Replika", category="kerajinan", weight_grams=900,
                       sale_method="AUCTION", start_price=100, min_increment=10)
    assert validate_listing(replace(form, ends_at=NOW + minimum), NOW, policy).stock == 1
    with pytest.raises(ValidationFailed) as raised:
        validate_listing(replace(form, ends_at=NOW + minimum - timedelta(seconds=1)), NOW, policy)
    [error] = raised.value.errors
    assert (error.field, error.code) == ("endsAt", "AUCTION_END_TOO_SOON")
    texts = [field_message(error.code, error.field, language, **error.params) for language in ("id", "en")]
    assert texts == [f"Lelang harus berlangsung paling sedikit {id_words}", f"An auction must last at least {en_words}"]


@pytest.mark.parametrize("url, ok", [
    ("https://cdn.example.id/a.jpg", True), ("http://example.id/x.png?size=2", True),
    ("javascript:alert(1)", False), ("data:image/png;base64,AAAA", False), ("file:///etc/passwd", False),
    ("ftp://example.id/a.jpg", False), ("https://", False), ("//example.id/a.jpg", False),
    ("https://exa mple.id/a.jpg", False), ("https://example.id/" + "a" * 500, False), ("", False),
])
def test_photos_are_absolute_http_urls(url, ok):
    assert is_photo_url(url, POLICY) is ok


@pytest.mark.parametrize("method, status, stock, ends_in, action", [
    ("FIXED", "ACTIVE", 3, None, "BUY"),
    ("FIXED", "ACTIVE", 0, None, "NONE"),
    ("FIXED", "SOLD_OUT", 0, None, "NONE"),
    ("FIXED", "WITHDRAWN", 3, None, "NONE"),
    ("AUCTION", "ACTIVE", 1, timedelta(minutes=1), "BID"),
    ("AUCTION", "ACTIVE", 1, timedelta(0), "NONE"),  # ended, waiting for the closing job
    ("AUCTION", "CLOSED", 1, -timedelta(hours=1), "NONE"),
])
def test_the_action_is_buy_bid_or_none(method, status, stock, ends_in, action):
    ends_at = NOW + ends_in if ends_in is not None else None
    assert action_of(method, status, stock, ends_at, NOW) == action


@pytest.mark.parametrize("text, terms", [
    ("Kopi Gayo", ("kopi", "gayo")),
    ('+kopi -batik "gayo" (aceh*) ~teh <x> @3', ("kopi", "batik", "gayo", "aceh", "teh")),
    ("the kopi about www", ("kopi",)),  # InnoDB stopwords
    ("kopi KOPI kopi", ("kopi",)),
    ("ab cd", ()),
    ("__kopi__", ("kopi",)),
    ("Kópi CAFÉ straße", ("kopi", "cafe", "strasse")),  # folded as the products' words are
    ("Kerupuk Udang Sidoarjo", ("kerupuk", "udang", "sidoarjo")),
    ("a1 b2 c3 d4 e5 f6 g7 h8 i9 j10 k11 l12 m13 n14 o15 p16 q17 r18 s19 t20",
     ("j10", "k11", "l12", "m13", "n14", "o15", "p16", "q17")),
])
def test_search_terms_are_plain_words(text, terms):
    assert search_terms(text, POLICY) == terms


def test_search_defaults_and_the_ending_soon_sort_means_auctions():
    search = validate_search(SearchFilters(), POLICY)
    assert (search.sort, search.page, search.page_size, search.offset) == ("NEWEST", 1, 20, 0)
    assert validate_search(SearchFilters(sort="ending_soon"), POLICY).sale_method == "AUCTION"
    assert validate_search(SearchFilters(page=3, page_size=10), POLICY).offset == 20


def test_every_error_code_of_the_catalogue_and_cart_has_a_message():
    sources = [ROOT / "emall_ws" / p for p in ("domain/catalog.py", "domain/cart.py", "services/catalog.py",
                                               "services/cart.py")]
    codes = set()
    for source in sources:
        text = source.read_text()
        codes |= set(re.findall(r'FieldError\([^,]+, "([A-Z_]+)"', text))
        codes |= set(re.findall(r'(?:NotFound|Conflict|InvalidState|NotAuthorized)\("([A-Z_]+)"', text))
    codes |= {f"CART_{flag}" for flag in ("WITHDRAWN", "SOLD_OUT", "UNAVAILABLE", "NOT_ENOUGH_STOCK", "REPRICED")}
    assert codes - set(MESSAGES) == set()
    assert len(codes) > 30


def test_messages_and_labels_define_no_key_twice():
    """A second entry of a key in a dict literal silently replaces the first: refuse it."""
    tree = ast.parse((ROOT / "emall_ws" / "messages.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_field_messages_name_the_field_as_people_read_it():
    assert field_message("MIN_VALUE", "weightGrams", min=1) == "Kolom Berat (gram) minimal 1"
    assert field_message("FIELD_NOT_FOR_METHOD", "startPrice", "en", method="FIXED") == \
        "The Start Price field does not apply to the sale method FIXED"
    assert "reservePrice" in FIELD_LABELS


def test_a_listing_lists_every_problem_at_once():
    with pytest.raises(ValidationFailed) as raised:
        validate_listing(ProductForm(sale_method="AUCTION", reserve_price=5, start_price=10, price=3), NOW, POLICY)
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("name", "REQUIRED"), ("description", "REQUIRED"), ("category", "REQUIRED"), ("weightGrams", "REQUIRED"),
        ("price", "FIELD_NOT_FOR_METHOD"), ("minIncrement", "REQUIRED"), ("reservePrice", "RESERVE_BELOW_START"),
        ("endsAt", "REQUIRED")]
