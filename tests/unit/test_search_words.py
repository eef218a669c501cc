"""The words text search finds a product by (emall_ws/domain/search_words.py)."""
import unicodedata

from emall_ws.domain.search_words import MAX_LENGTH, fold, prefixes, words


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
