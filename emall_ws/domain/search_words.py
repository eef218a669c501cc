"""The words text search finds a product by (no I/O): the rule the README promises is that every term
of a search begins a word of the product's name or description, case and accents ignored.

A word is a run of letters, digits and "_" (`\\w`), its leading and trailing "_" dropped: "es-kopi" holds
"es" and "kopi", "teh_tarik" is one word. Words are folded before they are compared: decomposed, their
combining marks (accents) dropped, case-folded ("Kópi" and "kopi" are one word, "Straße" is "strasse").
A product is indexed by every prefix of at least `MIN_LENGTH` characters of each of its words
(db.product_terms), so a search term is found by equality, newest first, in one index.
"""
from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")
MIN_LENGTH = 3  # MariaDB's FULLTEXT indexed words of 3+ characters, which the terms' rule kept since
# a prefix is compared on its first MAX_LENGTH characters: a longer word is indexed by its prefixes up
# to this length, and a longer term is cut to it (words that long are not language)
MAX_LENGTH = 64


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
