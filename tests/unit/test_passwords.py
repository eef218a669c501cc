"""Passwords are hashed with RFC 9106's Argon2id parameters unless a test suite asks for the cheapest."""
import pytest
from argon2 import extract_parameters, profiles

from emall_ws.config import Settings
from emall_ws.setting import SettingError
from emall_ws.passwords import Passwords


def test_a_production_hash_uses_rfc_9106_low_memory_parameters():
    assert Settings.from_env({}).password_hash == "rfc9106-low-memory"
    password_hash = Passwords(Settings.from_env({}).password_hash).hash("rahasia123")
    assert extract_parameters(password_hash) == profiles.RFC_9106_LOW_MEMORY
    assert extract_parameters(Passwords().hash("rahasia123")) == profiles.RFC_9106_LOW_MEMORY


def test_the_cheapest_parameters_verify_like_the_real_ones_and_are_renewed_under_them():
    cheap, real = Passwords("cheapest"), Passwords()
    password_hash = cheap.hash("rahasia123")
    assert extract_parameters(password_hash) == profiles.CHEAPEST
    assert cheap.verify(password_hash, "rahasia123") and not cheap.verify(password_hash, "salah")
    assert real.verify(password_hash, "rahasia123") and real.needs_rehash(password_hash)


def test_an_unknown_password_hash_profile_is_refused_at_start():
    with pytest.raises(SettingError, match="EMALL_PASSWORD_HASH"):
        Settings.from_env({"EMALL_PASSWORD_HASH": "fast"})
