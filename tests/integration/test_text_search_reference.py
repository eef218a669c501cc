"""searchProducts' text filter against a slow reference of its rule, on a generated catalogue: every search
term begins a word (a maximal run of letters, digits and "_", less the "_" at its ends) of the product's
name or description, case and accents ignored; only ACTIVE products of sellers not suspended; every other
filter and each sort applied; the same ids in the same order over every page, in process and over SOAP."""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

import pytest

from emall_ws.config import Settings
from emall_ws.db.models import Base
from emall_ws.domain.catalog import (AUCTION, ENDING_SOON, FIXED, NEWEST, PRICE_ASC, PRICE_DESC, SearchFilters,
                                     search_terms)
from emall_ws.domain.pipelines import ProductStatus
from emall_ws.services import catalog, catalog_search, members
from emall_ws.services.catalog import ProductView
from emall_ws.soap.app import create_app
from tests.builders import AUCTION_FORM, FIXED_FORM, NOW, POLICY, REGIONS, add_category, add_member, sell
from tests.integration.catalog_fixtures import update, withdraw
from tests.wsgi_client import call, envelope

SEED = 20261128
PRODUCTS = 240
PAGE = 20
SEARCH_NOW = NOW + timedelta(days=1)  # after every listing; some auctions have ended (not yet closed) by then

# --- the catalogue, generated (pure data, so the random queries can be drawn at collection time) -------------

SELLERS = {"kopi_gayo": "11.71", "batik_pekalongan": "33.75", "ukm_bandung": "32.73", "ukm_bogor": "32.71",
           "koperasi_medan": "12.71"}
SUSPENDED = "koperasi_medan"  # suspended after listing: all its products leave search
CATEGORIES = {"makanan": "Makanan & Minuman", "kerajinan": "Kerajinan Tangan", "jamu": "Jamu & Herbal"}
PRODUCT_WORDS = ["kopi", "Kopi", "KOPI", "kOpI", "kópi", "Kópi", "batik", "Batik", "teh", "madu", "gula", "sambal",
                 "keripik", "kerupuk", "keris", "tenun", "kain", "jamu-jamú", "café", "Café", "kopiah", "Bukopi",
                 "es-kopi", "batik-tulis", "teh_tarik", "kopi_susu", "_promo_", "(kopisusu)", "Kopi,", "kopi.",
                 "☕kopi", "ta'jil"]
ORIGINS = ["gayo", "Gayo", "GAYO", "toraja", "pekalongan", "Pekalongan", "kintamani", "aceh", "sumba", "garut",
           "solo", "Jepara"]
ATTRIBUTES = ["arabika", "robusta", "tulis", "cap", "andalimán", "asli", "murni", "organik", "pedas", "manis",
              "500gr", "250ml", "1kg", "1.5kg", "Rp50.000", "2024", "2023", "no7", "NO7", "premium", "ORGANIK"]
# compatibility characters, which NFKD folds, in a few products: full-width letters (an East Asian keyboard),
# a ligature (text copied from a PDF), a superscript
COMPATIBILITY = " Kopi ＬＵＷＡＫ, ﬁlter 100m²."
SHORT = ["a", "di", "ke", "es", "ya", "x", "7", "oh", "DI"]
STOPWORD_LIKE = ["the", "for", "and", "The", "FOR", "And", "with", "about", "from", "this", "within", "without"]
FILLER = ["dengan", "untuk", "yang", "sangat", "enak", "segar", "kualitas", "terbaik", "pengiriman", "cepat",
          "dikemas", "rapi", "produk", "lokal", "harga", "hemat", "tahan", "lama", "bahan", "pilihan", "dibuat",
          "tangan", "pengrajin", "desa", "warisan", "budaya", "cocok", "hadiah", "keluarga", "setiap", "hari"]
RARE = "wamena"  # in a handful of products only
OLD, NEW = "lawas", "anyar"  # only in the text a renamed product had, and in the text it was given
SYLLABLES = ["lu", "mo", "ra", "si", "ve", "ndu", "ga", "po", "lem", "bi", "tor", "wu", "qe", "fa"]
PRICES = [15_000, 25_000, 40_000, 85_000, 85_000, 120_000, 250_000, 450_000, 1_500_000]  # ties: ids break them


def _pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _word(rng: random.Random) -> str:
    group = rng.choices([PRODUCT_WORDS, ORIGINS, ATTRIBUTES, SHORT, STOPWORD_LIKE, FILLER, None],
                        [10, 6, 6, 4, 4, 30, 40])[0]
    return _pseudo_word(rng) if group is None else rng.choice(group)


def _description(rng: random.Random) -> str:
    count = rng.randint(100, 300) if rng.random() < 0.2 else rng.randint(3, 25)
    words = [_word(rng) for _ in range(count)]
    for at in sorted(rng.sample(range(count), count // 12), reverse=True):  # sentences and lines
        words.insert(at, rng.choice([".", ",", ";\n", ".\n", " - "]))
    return re.sub(r" ([.,;])", r"\1", " ".join(words)).strip(" .,;-\n") or "kosong"


def _name(rng: random.Random) -> str:
    words = [rng.choice(PRODUCT_WORDS), rng.choice(ORIGINS), *(_word(rng) for _ in range(rng.randint(0, 3)))]
    rng.shuffle(words)
    return " ".join(words)


@dataclass(frozen=True)
class Listed:
    """One product as its seller lists it, and what becomes of it afterwards."""
    index: int
    seller: str
    category: str
    sale_method: str
    price: int
    name: str
    description: str
    fate: str | None  # "withdrawn", "sold out", "renamed" (new name and description), or None

    @property
    def created_at(self) -> datetime:
        return NOW + timedelta(minutes=self.index)


def generate(rng: random.Random) -> list[Listed]:
    listed = []
    for index in range(PRODUCTS):
        method = AUCTION if rng.random() < 0.25 else FIXED
        fate = rng.choices([None, "withdrawn", "sold out", "renamed"], [80, 7, 7 if method == FIXED else 0, 6])[0]
        description = _description(rng)
        if index % 47 == 5:
            description += f" Dari {RARE.title()}."
        if index % 40 == 13:
            description += COMPATIBILITY
        if fate == "renamed":
            description += f" Kemasan {OLD}."
        listed.append(Listed(index, rng.choice(sorted(SELLERS)), rng.choice(sorted(CATEGORIES)), method,
                             rng.choice(PRICES), _name(rng), description, fate))
    return listed


CATALOGUE = generate(random.Random(SEED))


# --- the reference: the rule, plainly -------------------------------------------------------------------

WORD = re.compile(r"\w+")  # a word: a maximal run of letters, digits and "_", without "_" at its ends


def fold(text: str) -> str:
    """Accents and case ignored: NFKD, combining marks dropped, casefolded."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def words_of(product: ProductView) -> set[str]:
    return {fold(word.strip("_")) for word in WORD.findall(f"{product.name}\n{product.description}")}


def matches(product: ProductView, terms: tuple[str, ...]) -> bool:
    words = words_of(product)
    return all(any(word.startswith(fold(term)) for word in words) for term in terms)


# as catalog_search._ORDER: the sort keys, and whether descending
ORDER = {NEWEST: (lambda p: (p.created_at, p.product_id), True),
         PRICE_ASC: (lambda p: (p.price, p.product_id), False),
         PRICE_DESC: (lambda p: (p.price, p.product_id), True),
         ENDING_SOON: (lambda p: (p.ends_at, p.product_id), False)}


def reference(products: list[ProductView], text: str, category: str | None = None, seller: str | None = None,
              province: str | None = None, city: str | None = None, sale_method: str | None = None,
              min_price: int | None = None, max_price: int | None = None, sort: str = NEWEST) -> list[int]:
    """The ids searchProducts must answer, in order (filters given as the search normalises them)."""
    terms = search_terms(text, POLICY)
    found = [p for p in products
             if p.status == ProductStatus.ACTIVE and not p.seller_suspended and matches(p, terms)
             and category in (None, p.category_code) and seller in (None, p.seller_username)
             and province in (None, p.seller_province_code) and city in (None, p.seller_city_code)
             and sale_method in (None, p.sale_method)
             and (min_price is None or p.price >= min_price) and (max_price is None or p.price <= max_price)
             and (sort != ENDING_SOON or (p.sale_method == AUCTION and p.ends_at > SEARCH_NOW))]
    key, descending = ORDER[sort]
    return [p.product_id for p in sorted(found, key=key, reverse=descending)][:POLICY.result_window]


# --- the catalogue in the database, once for the module ------------------------------------------------------

@pytest.fixture(scope="module")
def products(shared_db) -> list[ProductView]:
    """CATALOGUE listed through the services (a minute apart), then withdrawn, sold out, renamed and one
    seller suspended as it says; every product as getProduct shows it then (the reference's input).
    Empties the database first, as the `db` fixture does: no test here may use `db`, which would empty it."""
    db = shared_db
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    for code, name in CATEGORIES.items():
        add_category(db, code, name)
    sellers = {username: add_member(db, username, "SELLER", city=city) for username, city in SELLERS.items()}
    admin = add_member(db, "admin_pusat", "ADMIN")
    rng = random.Random(SEED + 1)
    ids = []
    for item in CATALOGUE:
        common = dict(name=item.name, description=item.description, category=item.category, photo_urls=())
        if item.sale_method == FIXED:
            form = replace(FIXED_FORM, price=item.price, stock=rng.randint(1, 20), **common)
        else:
            form = replace(AUCTION_FORM, start_price=item.price, min_increment=5_000, reserve_price=None,
                           ends_at=item.created_at + timedelta(hours=rng.randint(2, 72)), **common)
        ids.append(sell(db, sellers[item.seller], form, now=item.created_at).product_id)
    for item, product_id in zip(CATALOGUE, ids, strict=True):
        later = item.created_at + timedelta(minutes=30)
        if item.fate == "withdrawn":
            withdraw(db, sellers[item.seller], product_id, "stok habis di gudang", now=later)
        elif item.fate == "sold out":
            update(db, sellers[item.seller], product_id, now=later, stock=0)
        elif item.fate == "renamed":
            update(db, sellers[item.seller], product_id, now=later, name=_name(rng),
                   description=f"{_description(rng)} Kemasan {NEW}.")
    with db.unit_of_work() as session:
        members.suspend(session, admin, SUSPENDED, "laporan penipuan", NOW + timedelta(hours=6))
    return db.read(lambda reader: [catalog.get_product(reader, product_id, SEARCH_NOW) for product_id in ids])


def search_page(db, filters: SearchFilters) -> catalog_search.ProductPage:
    return db.read(lambda reader: catalog_search.search_products(reader, filters, REGIONS, SEARCH_NOW, POLICY))


def searched(db, text: str, **filters) -> list[int]:
    """Every page of the search (PAGE a page, up to the result window), the ids in the order answered."""
    ids: list[int] = []
    for page in range(1, POLICY.result_window // PAGE + 1):
        answer = search_page(db, SearchFilters(text=text, page=page, page_size=PAGE, **filters))
        assert len(answer.products) == PAGE or not answer.has_more, f"page {page} of {text!r} is short"
        ids += [p.product_id for p in answer.products]
        if not answer.has_more:
            break
    return ids


def explain(products: list[ProductView], text: str, expected: list[int], got: list[int], filters: dict) -> str:
    """The failure: the query, both lists of ids, and for each id in only one of them what the reference
    saw (status, seller suspended, the words as written that a term begins)."""
    by_id = {p.product_id: p for p in products}
    terms = search_terms(text, POLICY)

    def shown(product_id: int) -> str:
        product = by_id[product_id]
        begun = {w for w in WORD.findall(f"{product.name}\n{product.description}")
                 if any(fold(w).startswith(fold(t)) for t in terms)}
        return f"{product_id} {product.status}{' suspended' if product.seller_suspended else ''} {sorted(begun)}"

    missing = [shown(i) for i in expected if i not in got]
    unexpected = [shown(i) for i in got if i not in expected and i in by_id]
    return (f"query {text!r} (terms {terms}) filters {filters}\nexpected {len(expected)} ids: {expected}\n"
            f"got {len(got)} ids: {got}\nmissing: {missing}\nunexpected: {unexpected}")


# --- the queries -------------------------------------------------------------------------------------

CASES = [
    pytest.param("kopi", {}, id="one-common-word"),
    pytest.param("kopi gayo", {}, id="two-common-words"),
    pytest.param(RARE, {}, id="rare-word"),
    pytest.param("batik tulis pekalongan", {}, id="three-words"),
    pytest.param("ker", {}, id="three-letter-prefix"),
    pytest.param("durian", {}, id="matches-nothing"),
    pytest.param("kopi gayo arabika 500gr", {}, id="four-words-few-hits"),
    pytest.param("kópi", {}, id="accented-query-unaccented-word"),
    pytest.param("andaliman cafe", {}, id="unaccented-query-accented-words"),
    pytest.param("jamu", {}, id="accented-hyphenated-jamu-jamu"),
    pytest.param("KOPI GAYO", {}, id="upper-case-query"),
    pytest.param("es-kopi", {}, id="hyphenated-query"),
    pytest.param("batik-tulis", {}, id="hyphenated-query-two-terms"),
    pytest.param("500", {}, id="prefix-of-digit-word"),
    pytest.param("202", {}, id="prefix-of-year"),
    pytest.param("no7", {}, id="letters-and-digit-word"),
    pytest.param("tarik", {}, id="after-underscore-no-word-start"),
    pytest.param("teh_tarik", {}, id="underscore-word-whole"),
    pytest.param("promo", {}, id="underscores-at-the-ends-dropped"),
    pytest.param("teh", {}, id="word-before-underscore"),
    pytest.param("kopisusu", {}, id="word-after-parenthesis"),
    pytest.param("opi", {}, id="inside-a-word-never"),
    pytest.param("bukopi", {}, id="bukopi-whole"),
    pytest.param("the kopi for", {}, id="stopwords-dropped"),
    pytest.param("and", {}, id="three-letter-non-stopword-and"),
    pytest.param("wit", {}, id="prefix-of-stopword-with"),
    pytest.param("abou", {}, id="prefix-of-stopword-about"),
    pytest.param("thi", {}, id="prefix-of-stopword-this"),
    pytest.param("kopi kopi KOPI", {}, id="repeated-term"),
    pytest.param(OLD, {}, id="renamed-old-text-forgotten"),
    pytest.param(NEW, {}, id="renamed-new-text-found"),
    pytest.param("jil", {}, id="word-after-apostrophe"),
    pytest.param("5kg 000", {}, id="words-after-dots"),
    pytest.param("filter", {}, id="ligature-in-text"),
    pytest.param("100m2", {}, id="superscript-in-text"),
    pytest.param("luwak", {}, id="full-width-in-text"),
    pytest.param("ＧＡＹＯ", dict(seller="batik_pekalongan"), id="full-width-query"),
    pytest.param("kopi", dict(category="makanan", min_price=25_000, max_price=250_000), id="category-and-price"),
    pytest.param("gayo", dict(category="kerajinan", max_price=85_000), id="category-and-max-price"),
    pytest.param("kopi", dict(seller="ukm_bandung"), id="seller"),
    pytest.param("kopi", dict(seller=SUSPENDED), id="suspended-seller"),
    pytest.param("gayo", dict(province="32"), id="province"),
    pytest.param("gayo", dict(city="32.71"), id="city"),
    pytest.param("kopi", dict(sale_method=AUCTION), id="auctions"),
    pytest.param("kopi", dict(sale_method=FIXED, min_price=85_000), id="fixed-min-price"),
    pytest.param("kopi", dict(sort=NEWEST), id="sort-newest"),
    pytest.param("kopi", dict(sort=PRICE_ASC), id="sort-price-asc"),
    pytest.param("kopi", dict(sort=PRICE_DESC), id="sort-price-desc"),
    pytest.param("kopi", dict(sort=ENDING_SOON), id="sort-ending-soon"),
    pytest.param("gayo", dict(sort=ENDING_SOON, category="makanan"), id="sort-ending-soon-category"),
    pytest.param("ker", dict(sort=PRICE_ASC, province="32"), id="sort-price-asc-province"),
    pytest.param("teh", dict(sort=PRICE_DESC, sale_method=FIXED), id="sort-price-desc-fixed"),
]


def random_queries(rng: random.Random, count: int) -> list[str]:
    """Texts of 1-3 random prefixes (3 characters or more) of the words of a random product of the
    catalogue (so that most find something), in their own case and accents."""
    queries: list[str] = []
    while len(queries) < count:
        item = rng.choice(CATALOGUE)
        words = sorted({w for w in WORD.findall(f"{item.name} {item.description}")
                        if len(w) >= POLICY.search_term_min})
        picked = rng.sample(words, min(len(words), rng.randint(1, 3)))
        prefixes = [w[:rng.randint(POLICY.search_term_min, len(w))] for w in picked]
        text = " ".join(prefixes)
        if search_terms(text, POLICY) and text not in queries:
            queries.append(text)
    return queries


RANDOM_QUERIES = random_queries(random.Random(SEED + 2), 30)


@pytest.mark.parametrize("text, filters", CASES)
def test_search_answers_what_the_reference_does(shared_db, products, text, filters):
    expected = reference(products, text, **filters)
    got = searched(shared_db, text, **filters)
    assert got == expected, explain(products, text, expected, got, filters)


@pytest.mark.parametrize("text", RANDOM_QUERIES, ids=[f"random{i:02}-{q}" for i, q in enumerate(RANDOM_QUERIES)])
def test_random_prefixes_of_the_catalogues_words(shared_db, products, text):
    expected = reference(products, text)
    got = searched(shared_db, text)
    assert got == expected, explain(products, text, expected, got, {})


# the cases a choice of walk could change: a filter of the products' own newest-first indexes
WALKABLE = ("category", "seller", "province", "city")
CHOSEN = [case for case in CASES if set(WALKABLE) & case.values[1].keys()]


@pytest.mark.parametrize("by_term", [True, False], ids=["the-rarest-terms-rows", "the-filters-products"])
def test_either_way_of_walking_answers_what_the_reference_does(shared_db, products, monkeypatch, by_term):
    """Which index a search walks is a guess at the cheaper (catalog_search._rarest_first); walking either
    one answers the same for every case it could be chosen for."""
    rarest_first = catalog_search._rarest_first

    def forced(session, shape, terms, values, now):
        walked = next(name for name in shape.filters if name in WALKABLE)
        return rarest_first(session, shape, terms, values, now)[0], None if by_term else walked

    monkeypatch.setattr(catalog_search, "_rarest_first", forced)
    assert CHOSEN
    for case in CHOSEN:
        text, filters = case.values
        expected = reference(products, text, **filters)
        got = searched(shared_db, text, **filters)
        assert got == expected, explain(products, text, expected, got, filters)


@pytest.fixture
def sampling(monkeypatch):
    """A way to set catalog_search's samples (rows of a term, products of a filter), small, so that this
    small catalogue's terms and filters are compared by how many a day their newest rows hold (as a common
    word's are in the benchmark's catalogue)."""
    def samples(term: int, filter_: int) -> None:
        monkeypatch.setattr(catalog_search, "TERM_SAMPLE", term)
        monkeypatch.setattr(catalog_search, "FILTER_SAMPLE", filter_)
        catalog_search._sampling.cache_clear()  # built with the samples of their time
    yield samples
    catalog_search._sampling.cache_clear()


def per_second(created: list[datetime], sample: int) -> float:
    """The rule, written out: `sample` rows over the time back to the last of the newest `sample`; 0 for fewer."""
    newest = sorted(created, reverse=True)[:sample]
    return 0.0 if len(newest) < sample else sample / (SEARCH_NOW - newest[-1]).total_seconds()


def test_the_rarest_term_walks_unless_the_products_of_the_category_are_rarer(shared_db, products, sampling):
    terms = ("kopi", "gayo", "batik", "arabika", RARE)

    def decide(texts: tuple[str, ...], **filters) -> tuple[list[str], str | None]:
        shape = catalog_search._Shape(len(texts), tuple(filters), NEWEST)
        return shared_db.read(lambda reader: catalog_search._rarest_first(
            reader, shape, texts, dict(filters), SEARCH_NOW))

    walked = set()
    for term_sample, filter_sample in ((3, 3), (2, 5)):
        sampling(term_sample, filter_sample)

        def term_rate(term: str, sample: int = term_sample) -> float:  # every product holds its words' terms
            return per_second([p.created_at for p in products if matches(p, search_terms(term, POLICY))], sample)

        assert len({term_rate(term) for term in terms}) == len(terms)  # no ties: the order is the rule's alone
        assert decide(terms) == (sorted(terms, key=term_rate), None)
        for code in CATEGORIES:
            active = per_second([p.created_at for p in products if p.category_code == code
                                 and p.status == ProductStatus.ACTIVE], filter_sample)
            for term in terms:
                walk = decide((term,), category=code)[1]
                assert walk == (None if term_rate(term) <= active else "category"), (term, code)
                walked.add(walk)
    assert walked == {None, "category"}  # both ways chosen here, each where its rule says
    assert decide(("kopi",), min_price=1, max_price=10**9) == (["kopi"], None)  # no index of the products walks these


def test_the_queries_are_what_their_names_say(products):
    """The catalogue gives each shape its meaning: several pages, a few hits, none; and every fate and sort
    has products to tell apart."""
    def hits(text, **filters) -> int:
        return len(reference(products, text, **filters))

    assert hits("kopi") > 3 * PAGE and hits("kopi gayo") > PAGE and hits("ker") > PAGE
    assert 1 <= hits(RARE) < PAGE and 1 <= hits("kopi gayo arabika 500gr") <= 5 and hits("durian") == 0
    assert hits("kópi") == hits("kopi") and hits("andaliman cafe") > 0 and hits("tarik") == 0 < hits("teh_tarik")
    assert hits(OLD) == 0 < hits(NEW)
    edges = ("jil", "5kg 000", "filter", "100m2", "luwak", "wit", "abou", "thi", "and", "500", "no7", "kopisusu")
    assert all(hits(text) > 0 for text in edges), {text: hits(text) for text in edges}
    assert {p.status for p in products} == {ProductStatus.ACTIVE, ProductStatus.WITHDRAWN, ProductStatus.SOLD_OUT}
    assert any(p.seller_suspended for p in products)
    assert 0 < hits("kopi", sort=ENDING_SOON) < hits("kopi", sale_method=AUCTION)  # some auctions have ended
    kopi = reference(products, "kopi")
    assert len({p.price for p in products if p.product_id in kopi}) < len(kopi)  # ties, which ids break


# --- over SOAP --------------------------------------------------------------------------------------------

def test_a_multi_page_text_search_over_soap_answers_what_the_reference_does(shared_db, products, tmp_path):
    app = create_app(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_SANDBOX": "0",
                                        "EMALL_PASSWORD_HASH": "cheapest"}), shared_db)
    text = "Kópi gayo"
    got: list[int] = []
    for page in range(1, POLICY.result_window // PAGE + 1):
        body = envelope("searchProducts", "urn:emall-kukm:catalog",
                        f"<t:filters><t:text>{escape(text)}</t:text></t:filters>"
                        f"<t:page>{page}</t:page><t:pageSize>{PAGE}</t:pageSize>")
        answer = call(app, "POST", "/ws/Catalog", body)
        assert answer.status == 200, answer.body[:800]
        result = answer.xml()
        got += [int(summary.findtext("{*}productId")) for summary in result.iter("{*}ProductSummary")]
        if result.findtext(".//{*}hasMore") != "true":
            break
    expected = reference(products, text)
    assert len(expected) > PAGE
    assert got == expected, explain(products, text, expected, got, {})
