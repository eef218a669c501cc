"""The words text search finds a product by (no I/O): the rule the README promises is that every term
of a search begins a word of the product's name or description, case and accents ignored.

A word is a run of letters, digits and "_" (`\\w`), its leading and trailing "_" dropped: "es-kopi" holds
"es" and "kopi", "teh_tarik" is one word. Words are folded before they are compared: decomposed, their
combining marks (accents) dropped, case-folded ("Kópi" and "kopi" are one word, "Straße" is "strasse").
A product is indexed by every prefix of at least `MIN_LENGTH` characters of each of its words
(db.product_terms), so a search term is found by equality, newest first, in one index.

Each of those rows also carries the product's `signature`: one bit for the first MIN_LENGTH characters
of each of its words. A term's bit is the bit of its own first characters, so a product holding a word
the term begins has that bit set; a search walking one term's rows skips, without looking anything up,
every product that lacks another term's bit, and looks the others' terms up to be sure.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable

WORD = re.compile(r"\w+")
MIN_LENGTH = 3  # MariaDB's FULLTEXT indexed words of 3+ characters, which the terms' rule kept since
# a prefix is compared on its first MAX_LENGTH characters: a longer word is indexed by its prefixes up
# to this length, and a longer term is cut to it (words that long are not language)
MAX_LENGTH = 64
# a signature's bits: 63, so that it is a positive signed 64-bit integer on both databases (MariaDB's
# & answers unsigned, and a negative mask would never equal it)
SIGNATURE_BITS = 63


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order, repeats kept."""
    # composed first: a decomposed accent is no word character and would split its word
    found = (fold(word.strip("_")) for word in WORD.findall(unicodedata.normalize("NFKC", text)))
    return [word[:MAX_LENGTH] for word in found if word]


def prefixes(*texts: str) -> set[str]:
    """Every prefix of MIN_LENGTH to MAX_LENGTH characters of every word of `texts`."""
    return {word[:end] for text in texts for word in words(text) for end in range(MIN_LENGTH, len(word) + 1)}


def signature(*texts: str) -> int:
    """The bits of the words of `texts` (their first MIN_LENGTH characters): what a product's rows carry."""
    return term_bits(word for text in texts for word in words(text))


def term_bits(terms: Iterable[str]) -> int:
    """The bits that every product holding words that begin with each of `terms` has in its signature."""
    bits = 0
    for term in terms:
        if len(term) >= MIN_LENGTH:
            # crc32, not hash(): the same bit in every process, as the stored signatures need
            bits |= 1 << zlib.crc32(term[:MIN_LENGTH].encode()) % SIGNATURE_BITS
    return bits
