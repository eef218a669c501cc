from emall_ws.messages import MESSAGES, pick_language, translate


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
