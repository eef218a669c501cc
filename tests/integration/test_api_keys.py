"""API keys at the service level: a key is checked without any password hash; a Nonce is taken once,
across processes, and forgotten after its time; the sealed secret is what the database holds."""
from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import ApiKey, SeenNonce
from emall_ws.domain.errors import AuthenticationFailed
from emall_ws.passwords import Passwords
from emall_ws.platform import Platform
from emall_ws.services import api_keys, nonces
from emall_ws.services.auth import Credentials
from emall_ws.usecases import identify
from tests.builders import NOW, add_member
from tests.races import at_once


class NoPasswords(Passwords):
    """Fails the test if anything hashes or verifies a password."""

    def verify(self, password_hash, password):
        raise AssertionError("an API key was checked with a password hash")

    def hash(self, password):
        raise AssertionError("an API key was checked with a password hash")


@pytest.fixture
def platform(db, settings):
    return Platform(settings, db, passwords=NoPasswords(), clock=lambda: NOW)


def create_key(platform, principal, label="Toko") -> tuple[str, str]:
    with platform.db.unit_of_work() as session:
        view, secret = api_keys.create(session, principal, label, platform.secret_box, NOW)
    return view.key_id, secret


def test_a_key_identifies_its_member_without_a_password_hash(platform, db):
    seller = add_member(db, "tokokopi")
    key_id, secret = create_key(platform, seller)
    with db.unit_of_work() as session:
        sealed = session.scalar(select(ApiKey.sealed_secret).where(ApiKey.key_id == key_id))
        assert secret not in sealed  # sealed, not kept as given
        caller = identify(platform, session, Credentials(username=key_id, password=secret), "SELLER")
    assert (caller.member_id, caller.role, caller.api_key) == (seller.member_id, "SELLER", key_id)
    with db.unit_of_work() as session, pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):
        identify(platform, session, Credentials(username=key_id, password=secret[:-1]))


def test_a_key_sealed_under_another_secret_key_is_refused_and_logged(platform, db, settings, caplog):
    key_id, secret = create_key(platform, add_member(db, "pindahan"))
    another_key = base64.b64encode(bytes(range(32))).decode()
    moved = Platform(replace(settings, secret_key=another_key), db, passwords=NoPasswords())
    with db.unit_of_work() as session, pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):
        identify(moved, session, Credentials(username=key_id, password=secret))
    assert f"API key {key_id}: its secret was sealed under another EMALL_SECRET_KEY" in caplog.text


def seen(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(SeenNonce))


def test_a_nonce_is_taken_once_by_one_of_many_at_once(db):
    def take(_i):
        nonces.remember(db, "key-0001", b"nonce-sekali", NOW)
        return "taken"

    outcomes = at_once(8, take)
    assert sorted(outcome if outcome == "taken" else outcome.code for outcome in outcomes) == \
        ["NONCE_REPLAYED"] * 7 + ["taken"]
    nonces.remember(db, "key-0002", b"nonce-sekali", NOW)  # another sender's equal Nonce is its own
    assert seen(db) == 2
    with pytest.raises(AuthenticationFailed, match="NONCE_REPLAYED"):  # MariaDB finds a key ignoring case
        nonces.remember(db, "KEY-0002", b"nonce-sekali", NOW)


def test_nonces_are_forgotten_after_twice_the_freshness_window(db):
    nonces.remember(db, "key-0001", b"lama", NOW - nonces.KEPT_FOR)
    nonces.remember(db, "key-0001", b"baru", NOW - nonces.KEPT_FOR + timedelta(seconds=1))
    assert nonces.forget_old(db, NOW) == 1
    assert seen(db) == 1
    with pytest.raises(AuthenticationFailed, match="NONCE_REPLAYED"):
        nonces.remember(db, "key-0001", b"baru", NOW)
