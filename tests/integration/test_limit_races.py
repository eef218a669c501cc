"""Limits that hold under concurrency (issue 22): 20 simultaneous callers never get past a limit that the
database counts. Runs in the SQLite and in the MariaDB pass alike: on MariaDB a locked row serialises
the counting (the name's lock row, the buyer's member row), on SQLite BEGIN IMMEDIATE does."""
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import CartLine, FailedTry, Member, VerificationCode
from emall_ws.domain.cart import CartPolicy
from emall_ws.domain.errors import AuthenticationFailed, Conflict, ValidationFailed
from emall_ws.passwords import Passwords
from emall_ws.services import auth, cart, members, throttle
from emall_ws.services.auth import AuthPolicy
from tests.builders import FIXED_FORM, NOW, PASSWORDS, TEST_PASSWORD_HASH, add_category, add_member, sell
from tests.databases import backend
from tests.races import at_once

CALLERS = 20
POLICY = AuthPolicy()  # 5 failures within 15 minutes pause a name
PASSWORD = "rahasia123"


class CountingPasswords(Passwords):
    """Counts the checks against a stored hash (not the decoy a paused or unknown name is checked
    against), each as slow as a real Argon2id check so that the callers overlap."""

    def __init__(self):
        super().__init__(TEST_PASSWORD_HASH)
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, password_hash, password):
        time.sleep(0.05)
        if password_hash is not None:
            with self._lock:
                self.checked += 1
        return super().verify(password_hash, password)


def member_with_password(db, username="sitiaminah") -> None:
    add_member(db, username, "BUYER")
    with db.unit_of_work() as session:
        session.scalars(select(Member).where(Member.username == username)).one().password_hash = \
            PASSWORDS.hash(PASSWORD)


def login(db, passwords, username="sitiaminah", password=PASSWORD):
    with db.unit_of_work() as session:
        return auth.login(session, username, password, passwords, NOW, POLICY)


def codes(outcomes) -> list[str]:
    return sorted(getattr(o, "code", repr(o)) for o in outcomes)


def failed_tries(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(FailedTry))


def test_twenty_simultaneous_wrong_passwords_check_exactly_five(db):
    member_with_password(db)
    passwords = CountingPasswords()
    outcomes = at_once(CALLERS, lambda i: login(db, passwords, password=f"salah{i:05d}"))
    assert codes(outcomes) == ["BAD_CREDENTIALS"] * 5 + ["LOGIN_PAUSED"] * 15
    assert passwords.checked == POLICY.max_failed_logins and failed_tries(db) == 5
    with pytest.raises(AuthenticationFailed) as raised:  # the right password is paused too
        login(db, passwords)
    assert raised.value.code == "LOGIN_PAUSED" and passwords.checked == 5 and failed_tries(db) == 5
    print(f"\n{backend()}: {passwords.checked} hashes checked of {CALLERS} wrong passwords")


def test_an_unknown_name_is_counted_alike_under_the_same_race(db):
    passwords = CountingPasswords()
    outcomes = at_once(CALLERS, lambda i: login(db, passwords, username="nobody", password=f"salah{i:05d}"))
    assert codes(outcomes) == ["BAD_CREDENTIALS"] * 5 + ["LOGIN_PAUSED"] * 15
    assert failed_tries(db) == 5 and passwords.checked == 0  # only ever the decoy


def test_right_passwords_at_once_leave_no_failure(db):
    member_with_password(db)
    passwords = CountingPasswords()
    outcomes = at_once(CALLERS, lambda i: login(db, passwords)[2].username)
    assert outcomes == ["sitiaminah"] * CALLERS  # reservations released: none paused the others
    assert failed_tries(db) == 0


def test_a_right_password_of_a_pending_member_is_refused_and_counts_nothing(db):
    member_with_password(db)
    with db.unit_of_work() as session:
        session.scalars(select(Member)).one().status = "PENDING"
    with pytest.raises(AuthenticationFailed) as raised:
        login(db, CountingPasswords())
    assert raised.value.code == "BAD_CREDENTIALS" and failed_tries(db) == 0


def test_twenty_simultaneous_wrong_reset_codes_count_exactly_the_budget(db):
    member_with_password(db)
    policy = replace(members.MemberPolicy(), max_code_attempts=5)

    def reset(i):
        with db.unit_of_work() as session:
            members.reset_password(session, "sitiaminah", f"{i:06d}", "rahasiabaru99", PASSWORDS, NOW, policy)

    outcomes = at_once(CALLERS, reset)
    assert all(isinstance(o, ValidationFailed) for o in outcomes)
    refusals = sorted(o.errors[0].code for o in outcomes)
    assert refusals == ["CODE_ATTEMPTS_EXCEEDED"] * 15 + ["CODE_WRONG"] * 5
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(FailedTry)
                              .where(FailedTry.kind == throttle.CODE)) == 5
        assert session.scalar(select(func.count()).select_from(VerificationCode)) == 0


# --- the cart's cap ------------------------------------------------------------------------------

def test_twenty_simultaneous_adds_to_a_cart_of_45_lines_stop_at_50(db):
    add_category(db)
    seller = add_member(db, "koperasi_semarang", "SELLER", city="33.74")
    buyer = add_member(db, "budi", "BUYER")
    products = [sell(db, seller, FIXED_FORM, name=f"Kopi Lanang {i:02d}").product_id for i in range(45 + CALLERS)]
    policy = CartPolicy()
    for product_id in products[:45]:
        with db.unit_of_work() as session:
            cart.add_item(session, buyer, product_id, 1, NOW, policy)

    def add(i):
        with db.unit_of_work() as session:
            return len(cart.add_item(session, buyer, products[45 + i], 1, NOW, policy).groups[0].lines)

    outcomes = at_once(CALLERS, add)
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert sorted(o for o in outcomes if isinstance(o, int)) == [46, 47, 48, 49, 50], outcomes
    assert [o.code for o in refused] == ["CART_FULL"] * 15
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(CartLine)) == policy.lines_max == 50
    print(f"\n{backend()}: 50 lines, {len(refused)} refused CART_FULL")


# --- tries in flight ---------------------------------------------------------------------------------

def reserve(db, now=NOW):
    with db.unit_of_work() as session:
        return throttle.reserve(session, throttle.LOGIN, "sitiaminah", now, POLICY.login_pause,
                                POLICY.max_failed_logins)


def decide_later(db, reservations, *, failed: bool, decided_at=NOW + timedelta(seconds=2)) -> threading.Thread:
    """The reserved tries decided by their callers 0.1 s from now, as of `decided_at` (their calls began
    after the waiting one's)."""
    def decide():
        time.sleep(0.1)
        for reservation in reservations:
            with db.unit_of_work() as session:
                if failed:
                    throttle.failed(session, reservation, decided_at)
                else:
                    throttle.succeeded(session, throttle.LOGIN, "sitiaminah", reservation, decided_at,
                                       clear_failures=False)

    thread = threading.Thread(target=decide)
    thread.start()
    return thread


@pytest.mark.parametrize("failed", [True, False])
def test_a_try_waits_for_the_tries_in_flight_and_counts_their_outcomes(db, failed):
    in_flight = [reserve(db) for _ in range(POLICY.max_failed_logins)]
    assert [r.number for r in in_flight] == [1, 2, 3, 4, 5]
    deciding = decide_later(db, in_flight, failed=failed)
    started = time.monotonic()
    outcome = reserve(db)
    deciding.join()
    assert time.monotonic() - started < 2  # not the 10 s wait's end: their outcomes let it decide
    if failed:
        assert outcome is None and failed_tries(db) == 5  # paused by failures decided after it began
    else:
        # a place freed by the first of them to succeed (the others may still be in flight then)
        assert 1 <= outcome.number <= 5 and failed_tries(db) == 1  # its own reservation alone is left


def test_a_try_never_decided_counts_as_a_failure_after_half_a_minute(db):
    stuck = [reserve(db) for _ in range(POLICY.max_failed_logins)]  # their process died mid-check
    assert all(stuck) and reserve(db, NOW + throttle.IN_FLIGHT / 2 + timedelta(seconds=1)) is None
