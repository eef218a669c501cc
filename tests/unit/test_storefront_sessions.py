"""The storefront's sessions (storefront/sessions.py): a notice is shown once and only to its own
session, and an old sessions file gains the notice column."""
from __future__ import annotations

import sqlite3

from storefront.sessions import Sessions


def test_a_notice_is_taken_once(tmp_path):
    sessions = Sessions(tmp_path)
    session = sessions.create()
    sessions.set_notice(session, "Produk ditambahkan ke keranjang.")
    assert sessions.pop_notice(session) == "Produk ditambahkan ke keranjang."
    assert sessions.pop_notice(session) is None


def test_notices_are_the_sessions_own(tmp_path):
    sessions = Sessions(tmp_path)
    mine, theirs = sessions.create(), sessions.create()
    sessions.set_notice(mine, "Faktur dibatalkan.")
    assert sessions.pop_notice(theirs) is None
    assert sessions.pop_notice(mine) == "Faktur dibatalkan."


def test_a_sessions_file_from_before_notices_gains_the_column(tmp_path):
    with sqlite3.connect(tmp_path / "sessions.db") as db:
        db.execute("CREATE TABLE session (key TEXT PRIMARY KEY, csrf TEXT NOT NULL, username TEXT, role TEXT, "
                   "token TEXT, created_at REAL NOT NULL, seen_at REAL NOT NULL, expires_at REAL NOT NULL)")
    sessions = Sessions(tmp_path)
    session = sessions.create()
    sessions.set_notice(session, "Kata sandi diubah.")
    assert sessions.pop_notice(session) == "Kata sandi diubah."
