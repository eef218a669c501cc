"""The words text search finds a product by (emall_ws/domain/search_words.py)."""
import random
import unicodedata

from emall_ws.domain.search_words import (MAX_LENGTH, SIGNATURE_BITS, fold, prefixes, signature, term_bits,
                                          words)


def test_words_break_at_anything_but_letters_digits_and_underscore_and_are_folded():
    assert words("Kópi es-KOPI, teh_tarik __gayo__ RC2024 Straße") == [
        "kopi", "es", "kopi", "teh_tarik", "gayo", "rc2024", "strasse"]
    assert words("  -- ... ") == [] and words("_") == []


def test_a_decomposed_accent_stays_in_its_word():
    decomposed = unicodedata.normalize("NFD", "Andalimán Café")
    assert decomposed != "Andalimán Café" and words(decomposed) == ["andaliman", "cafe"]
    assert fold("ANDALIMÁN") == "andaliman"


def test_prefixes_of_three_characters_and_more_of_every_word_of_every_text():
    assert prefixes("Kopi Gayo", "es-kopi 12") == {"kop", "kopi", "gay", "gayo"}
    assert prefixes("ab") == set() and prefixes("abc") == {"abc"}


def test_a_word_longer_than_the_index_keeps_its_first_characters():
    long_word = "a" * (MAX_LENGTH + 20)
    assert words(long_word) == ["a" * MAX_LENGTH]
    assert max(map(len, prefixes(long_word))) == MAX_LENGTH and len(prefixes(long_word)) == MAX_LENGTH - 2


def test_a_signature_holds_the_bits_of_every_term_its_texts_hold():
    """What lets a search skip a product by its signature alone: a product holding a word that a term
    begins always has the term's bit, whatever the words; the bits a signature lacks rule terms out."""
    rng = random.Random(25)
    vocabulary = ["kopi", "Kópi", "gayo", "keripik", "keris", "KERUPUK", "teh_tarik", "rc2024", "straße", "ab", "x"]
    for _ in range(300):
        name, description = (" ".join(rng.choices(vocabulary, k=rng.randrange(0, 6))) for _ in range(2))
        bits = signature(name, description)
        assert 0 <= bits < 2 ** SIGNATURE_BITS
        for term in prefixes(name, description):
            assert bits & term_bits([term]) == term_bits([term]) != 0
        assert bits & term_bits(prefixes(name, description)) == term_bits(prefixes(name, description))
    assert signature("kopi gayo") & term_bits(["teh"]) == 0  # a term whose bit is not there: ruled out


def test_a_term_is_known_by_its_first_three_characters_and_a_shorter_one_by_none():
    assert term_bits(["keris"]) == term_bits(["ker"]) == term_bits(["keripik"]) == signature("Kerupuk")
    assert term_bits([]) == term_bits(["ab"]) == signature("ab c") == 0
    assert bin(term_bits(["kopi", "gayo", "teh"])).count("1") == 3
