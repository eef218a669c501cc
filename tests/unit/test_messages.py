import re
from pathlib import Path

from emall_ws.messages import MESSAGES, codes_table, pick_language, translate


def test_indonesian_is_the_default_and_english_is_available():
    assert translate("UNKNOWN_KEY", key="k") == "Kunci k tidak terdaftar."
    assert translate("UNKNOWN_KEY", "en", key="k") == "The key k is not registered."


def test_accept_language_picks_the_first_supported_language():
    assert pick_language(None) == "id"
    assert pick_language("en-US,en;q=0.9") == "en"
    assert pick_language("fr, en;q=0.5") == "en"
    assert pick_language("de") == "id"


def test_every_message_exists_in_both_languages():
    for code, texts in MESSAGES.items():
        assert set(texts) == {"id", "en"}, code


def test_the_readme_lists_every_code_with_its_texts_as_generated():
    """`emall-ws fault-codes` writes the table: a code added, renamed or reworded without it fails here."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert codes_table() in readme
    listed = re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, re.MULTILINE)
    assert [code for code in listed if code in MESSAGES] == list(MESSAGES)
    assert codes_table().count("\n") == len(MESSAGES) + 1  # one row each, under the header
