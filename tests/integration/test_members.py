"""Member use cases against the test database: activation, codes, throttling, reset, moderation."""
import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.data.regions import load_regions
from emall_ws.db.models import AuthSession, FailedTry, Member, MemberStatusHistory, Notification, VerificationCode
from emall_ws.domain.errors import AuthenticationFailed, InvalidState, NotAuthorized, ValidationFailed
from emall_ws.domain.members import ADMIN, RegistrationForm
from emall_ws.services import auth, members
from emall_ws.services.auth import AuthPolicy
from tests.builders import PASSWORDS
from tests.races import at_once

NOW = datetime(2026, 11, 28, 3, 0, 0)
POLICY = members.MemberPolicy()
NIK = "3174011501900001"  # a seller's: Jakarta Selatan, born 15-01-1990
REGIONS = load_regions()
CLIENT = "192.0.2.10"  # the address every call of these tests comes from
AUTH_POLICY = AuthPolicy()


def form(username="sitiaminah", email=None, **overrides) -> RegistrationForm:
    values = dict(province="31", city="31.74", address="Jl. Gatot Subroto Kav. 94", phone="081234567890",
                  name="Siti Aminah", username=username, password="rahasia123",
                  email=email or f"{username}@example.co.id")
    values.update(overrides)
    return RegistrationForm(**values)


def register(db, username="sitiaminah", now=NOW, **overrides):
    with db.unit_of_work() as session:
        return members.register(session, form(username, **overrides), REGIONS, PASSWORDS, now, POLICY,
                                client=CLIENT)


def last_code(db, username, template="member_activation") -> str:
    with db.unit_of_work() as session:
        rows = session.scalars(select(Notification).where(Notification.template == template)
                               .order_by(Notification.id)).all()
    data = [json.loads(r.data) for r in rows if json.loads(r.data)["username"] == username]
    return data[-1]["code"]


def count(db, model) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model))


def activate(db, username, code, now=NOW, policy=POLICY):
    with db.unit_of_work() as session:
        return members.activate(session, username, code, now, policy)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def refusal(call, *args, **kwargs) -> tuple:
    """(exception type, code, field errors) of a refused call."""
    with pytest.raises(Exception) as raised:
        call(*args, **kwargs)
    error = raised.value
    return type(error), error.code, [(e.field, e.code, e.params) for e in getattr(error, "errors", [])]


def snapshot(db) -> list:
    """Everything a member use case may change, to show that a refused call changed nothing."""
    with db.unit_of_work() as session:
        return [session.execute(select(*model.__table__.columns).order_by(model.id)).all()
                for model in (Member, MemberStatusHistory, VerificationCode, Notification, AuthSession)]


def test_registration_writes_a_pending_member_history_an_email_and_an_sms(db):
    result = register(db)
    assert (result.status, result.role) == ("PENDING", "BUYER")
    assert result.activation_expires_at == NOW + POLICY.activation_ttl
    assert count(db, Member) == 1 and count(db, MemberStatusHistory) == 1
    with db.unit_of_work() as session:
        notifications = session.scalars(select(Notification).order_by(Notification.channel)).all()
        member = session.scalars(select(Member)).one()
    assert [(n.channel, n.recipient) for n in notifications] == [
        ("EMAIL", "sitiaminah@example.co.id"), ("SMS", "+6281234567890")]
    assert member.password_hash.startswith("$argon2id$") and "rahasia123" not in member.password_hash
    assert member.phone == "+6281234567890"


def test_a_rejected_registration_writes_nothing(db):
    with pytest.raises(ValidationFailed):
        register(db, phone="")
    assert count(db, Member) == count(db, Notification) == count(db, MemberStatusHistory) == 0


def test_activation_with_the_emailed_code(db):
    register(db)
    view = activate(db, "SitiAminah", last_code(db, "sitiaminah"))
    assert view.status == "ACTIVE" and view.activated_at == NOW
    # the code is spent, and an active member's name is answered like any other without a code
    assert refusal(activate, db, "sitiaminah", last_code(db, "sitiaminah"))[2][0][:2] == ("code", "CODE_WRONG")


def test_wrong_codes_are_limited_and_counted_even_though_the_call_fails(db):
    register(db)
    for remaining in range(POLICY.max_code_attempts - 1, -1, -1):
        with pytest.raises(ValidationFailed) as raised:
            activate(db, "sitiaminah", wrong(last_code(db, "sitiaminah")))
        assert raised.value.errors[0].code == "CODE_WRONG"
        assert raised.value.errors[0].params["remaining"] == remaining
    with pytest.raises(ValidationFailed) as raised:  # even the right code is refused now
        activate(db, "sitiaminah", last_code(db, "sitiaminah"))
    assert raised.value.errors[0].code == "CODE_ATTEMPTS_EXCEEDED"


def test_an_expired_code_is_refused(db):
    register(db)
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as raised:
        activate(db, "sitiaminah", last_code(db, "sitiaminah"), now=NOW + POLICY.activation_ttl)
    assert raised.value.errors[0].code == "CODE_EXPIRED" and snapshot(db) == before


def test_an_expired_code_and_a_wrong_one_answer_alike_to_whoever_does_not_hold_it(db):
    """Only the right code learns that it expired: a guess at a member's expired code, and at an
    unknown name, get the same CODE_WRONG with the same remaining count (issue 22)."""
    active_member(db)
    request_reset(db, "sitiaminah", NOW)
    later = NOW + POLICY.reset_ttl
    code = last_code(db, "sitiaminah", "password_reset")
    before = snapshot(db)
    answers = [refusal(reset_password, db, name, wrong(code), now=later) for name in ("sitiaminah", "nobody")]
    assert answers[0] == answers[1] == (ValidationFailed, "VALIDATION_FAILED",
                                        [("code", "CODE_WRONG", {"remaining": POLICY.max_code_attempts - 1})])
    assert snapshot(db) == before


def test_resend_issues_a_fresh_code_and_the_old_one_stops_working(db):
    register(db)
    old = last_code(db, "sitiaminah")
    with db.unit_of_work() as session:  # too soon: answered like an unknown name, and nothing is sent
        assert members.resend_activation(session, "sitiaminah", NOW, POLICY, client=CLIENT) \
            == members.resend_activation(session, "nobody", NOW, POLICY, client=CLIENT)
    assert last_code(db, "sitiaminah") == old
    later = NOW + POLICY.resend_interval
    with db.unit_of_work() as session:
        members.resend_activation(session, "sitiaminah", later, POLICY, client=CLIENT)
    new = last_code(db, "sitiaminah")
    if new != old:
        with pytest.raises(ValidationFailed):
            activate(db, "sitiaminah", old, now=later)
    assert activate(db, "sitiaminah", new, now=later).status == "ACTIVE"
    with db.unit_of_work() as session:
        templates = session.scalars(select(Notification.template).where(Notification.channel == "EMAIL")
                                    .order_by(Notification.id)).all()
    assert templates == ["member_activation", "member_activation", "member_activated"]


def active_member(db, username="sitiaminah", **overrides):
    register(db, username, **overrides)
    activate(db, username, last_code(db, username))


def login(db, username="sitiaminah", password="rahasia123", now=NOW, policy=AUTH_POLICY):
    with db.unit_of_work() as session:
        return auth.login(session, username, password, PASSWORDS, now, policy)


def test_pending_and_unknown_members_cannot_log_in_and_get_the_same_answer(db):
    register(db)
    for username, password in (("sitiaminah", "rahasia123"), ("nobody", "rahasia123")):
        with pytest.raises(AuthenticationFailed) as raised:
            login(db, username, password)
        assert raised.value.code == "BAD_CREDENTIALS"


@pytest.mark.parametrize("typed", ["BCA", "bca", " Bca "])
def test_a_bank_code_in_any_case_is_stored_and_answered_as_the_lower_case_code(db, typed):
    """Issue 22: one spelling per code: the seller's bank as the invoices and the partners spell it."""
    active_member(db, "kopmaju", nik=NIK, bank_code=typed, account_number="9876543210",
                  account_holder="Koperasi Maju")
    with db.unit_of_work() as session:
        assert session.scalars(select(Member.bank_code).where(Member.username == "kopmaju")).one() == "bca"
    _, _, principal = login(db, "kopmaju")
    with db.unit_of_work() as session:
        view = members.profile(session, principal)
    assert (view.role, view.bank_code) == ("SELLER", "bca")


def test_login_gives_a_token_stored_only_as_a_hash(db):
    active_member(db)
    token, expires_at, principal = login(db)
    assert expires_at == NOW + AuthPolicy().session_ttl and principal.role == "BUYER"
    with db.unit_of_work() as session:
        stored = session.scalars(select(AuthSession)).one()
        assert stored.token_hash != token and stored.token_hash == auth.token_hash(token)
        assert auth.principal_for_token(session, token, NOW).username == "sitiaminah"
        auth.logout(session, token, NOW)
    with db.unit_of_work() as session, pytest.raises(AuthenticationFailed):
        auth.principal_for_token(session, token, NOW)


def test_an_expired_session_is_refused(db):
    active_member(db)
    token, expires_at, _ = login(db)
    with db.unit_of_work() as session, pytest.raises(AuthenticationFailed):
        auth.principal_for_token(session, token, expires_at)


def test_repeated_failed_logins_pause_the_account(db):
    active_member(db)
    policy = AuthPolicy(max_failed_logins=3, login_pause=timedelta(minutes=15))
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            login(db, password="salah12345", policy=policy)
    with pytest.raises(AuthenticationFailed) as raised:  # even the right password, for a while
        login(db, policy=policy)
    assert raised.value.code == "LOGIN_PAUSED"
    assert login(db, now=NOW + timedelta(minutes=16), policy=policy)[2].username == "sitiaminah"


def test_password_reset_ends_other_sessions(db):
    active_member(db)
    token, _, _ = login(db)
    with db.unit_of_work() as session:
        members.request_password_reset(session, "sitiaminah@example.co.id", NOW, POLICY, client=CLIENT)
        members.request_password_reset(session, "nobody@example.co.id", NOW, POLICY, client=CLIENT)  # same answer
    members.send_reset_codes(db, POLICY)  # the worker's half
    code = last_code(db, "sitiaminah", "password_reset")
    with db.unit_of_work() as session, pytest.raises(ValidationFailed) as raised:
        members.reset_password(session, "sitiaminah", code, "short", PASSWORDS, NOW, POLICY)
    assert raised.value.errors[0].field == "newPassword"
    with db.unit_of_work() as session:
        members.reset_password(session, "sitiaminah", code, "baru12345678", PASSWORDS, NOW, POLICY)
    with db.unit_of_work() as session, pytest.raises(AuthenticationFailed):
        auth.principal_for_token(session, token, NOW)
    with pytest.raises(AuthenticationFailed):
        login(db)
    assert login(db, password="baru12345678")[2].username == "sitiaminah"


def test_admins_suspend_and_reinstate_and_the_suspended_cannot_log_in(db):
    active_member(db)
    with db.unit_of_work() as session:
        admin = members.create_admin(session, "operator", "operator@kemenkopukm.go.id", "admin12345",
                                     "Operator", "0215229002", REGIONS, PASSWORDS, NOW)
    assert admin.role == ADMIN and admin.status == "ACTIVE"
    _, _, admin_principal = login(db, "operator", "admin12345")
    token, _, _ = login(db)
    with db.unit_of_work() as session:
        assert members.suspend(session, admin_principal, "sitiaminah", "spam", NOW).status == "SUSPENDED"
    with db.unit_of_work() as session, pytest.raises(AuthenticationFailed):
        auth.principal_for_token(session, token, NOW)
    with pytest.raises(AuthenticationFailed, match="ACCOUNT_SUSPENDED"):  # the right password: told why
        login(db)
    with pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):  # a wrong one: told nothing
        login(db, password="salah12345678")
    with db.unit_of_work() as session:
        assert members.reinstate(session, admin_principal, "sitiaminah", NOW).status == "ACTIVE"
        with pytest.raises(InvalidState):
            members.reinstate(session, admin_principal, "sitiaminah", NOW)
    with db.unit_of_work() as session:
        page, total = members.list_members(session, "ACTIVE", None, 1, 10, POLICY)
    assert total == 2 and {v.username for v in page} == {"operator", "sitiaminah"}


def test_authorisation_by_role_and_owner():
    buyer = auth.Principal(1, "b", "BUYER")
    admin = auth.Principal(2, "a", ADMIN)
    with pytest.raises(NotAuthorized):
        auth.authorize(buyer, ADMIN)
    with pytest.raises(NotAuthorized):
        auth.authorize(buyer, owner_id=3)
    assert auth.authorize(buyer, "BUYER", owner_id=1) is buyer
    assert auth.authorize(admin, owner_id=3) is admin


def registration_outcomes(db, count, username, email) -> list:
    """"ok" or the field errors of `count` registrations at once, of username(i) and email(i)."""
    def attempt(i):
        register(db, username(i), email=email(i))
        return "ok"

    return [outcome if outcome == "ok" else [(e.field, e.code) for e in outcome.errors]
            for outcome in at_once(count, attempt)]


def test_concurrent_registrations_of_one_username_leave_one_member(db):
    outcomes = registration_outcomes(db, 6, lambda i: "rebutan", lambda i: f"rebutan{i}@example.co.id")
    assert sorted(outcomes, key=str) == [[("username", "USERNAME_TAKEN")]] * 5 + ["ok"]
    assert count(db, Member) == 1 and count(db, Notification) == 2  # its email and its SMS


def test_concurrent_registrations_of_one_email_leave_one_member(db):
    outcomes = registration_outcomes(db, 6, lambda i: f"rebutan{i}",
                                     lambda i: "Rebutan@Example.co.id" if i % 2 else "rebutan@example.co.id")
    assert sorted(outcomes, key=str) == [[("email", "EMAIL_TAKEN")]] * 5 + ["ok"]
    assert count(db, Member) == 1 and count(db, Notification) == 2  # its email and its SMS


# --- wrong codes: a budget per username, across codes ----------------------------------------

SMALL_BUDGET = replace(POLICY, max_code_attempts=3)


def test_a_fresh_code_brings_no_fresh_tries(db):
    register(db)
    for remaining in (2, 1):
        assert refusal(activate, db, "sitiaminah", wrong(last_code(db, "sitiaminah")), policy=SMALL_BUDGET)[2] \
            == [("code", "CODE_WRONG", {"remaining": remaining})]
    later = NOW + POLICY.resend_interval
    with db.unit_of_work() as session:
        members.resend_activation(session, "sitiaminah", later, SMALL_BUDGET, client=CLIENT)
    fresh = last_code(db, "sitiaminah")
    assert refusal(activate, db, "sitiaminah", wrong(fresh), now=later, policy=SMALL_BUDGET)[2] \
        == [("code", "CODE_WRONG", {"remaining": 0})]
    before = snapshot(db)
    assert refusal(activate, db, "sitiaminah", fresh, now=later, policy=SMALL_BUDGET)[2] \
        == [("code", "CODE_ATTEMPTS_EXCEEDED", {})]  # even the right, fresh code
    assert snapshot(db) == before  # still PENDING, the code unused
    # the budget is per window: once the wrong tries are an hour old, the code works
    after_window = NOW + SMALL_BUDGET.code_attempts_window + timedelta(seconds=1)
    assert activate(db, "sitiaminah", fresh, now=after_window, policy=SMALL_BUDGET).status == "ACTIVE"


def reset_password(db, username, code, new_password="baru12345678", now=NOW, policy=POLICY):
    with db.unit_of_work() as session:
        members.reset_password(session, username, code, new_password, PASSWORDS, now, policy)


def request_reset(db, username, now):
    with db.unit_of_work() as session:
        members.request_password_reset(session, username, now, POLICY, client=CLIENT)
    members.send_reset_codes(db, POLICY)  # the worker's half


def test_a_reset_request_writes_one_row_for_a_member_and_the_worker_sends_its_code(db):
    """The request does no more for a member than for a stranger (issue 22): one request row, which
    the worker turns into a code sent, as of the request's time."""
    active_member(db)
    before = snapshot(db)
    with db.unit_of_work() as session:
        members.request_password_reset(session, "nobody", NOW, POLICY, client=CLIENT)
    assert snapshot(db) == before
    with db.unit_of_work() as session:
        members.request_password_reset(session, "sitiaminah", NOW, POLICY, client=CLIENT)
        request = session.scalars(select(VerificationCode).where(VerificationCode.purpose == "RESET_REQUEST")).one()
        assert (request.code_hash, request.created_at) == ("", NOW)
    assert count(db, Notification) == len(before[3])  # nothing sent in the request
    assert members.send_reset_codes(db, POLICY) == 1 and members.send_reset_codes(db, POLICY) == 0
    with db.unit_of_work() as session:
        code = session.scalars(select(VerificationCode).where(VerificationCode.purpose != "ACTIVATION")).one()
        assert (code.purpose, code.created_at, code.expires_at) == ("PASSWORD_RESET", NOW, NOW + POLICY.reset_ttl)
    assert len(last_code(db, "sitiaminah", "password_reset")) == 6


def test_reset_requests_within_the_resend_interval_send_one_code(db):
    active_member(db)
    for seconds in (0, 10, 30):
        with db.unit_of_work() as session:
            members.request_password_reset(session, "sitiaminah", NOW + timedelta(seconds=seconds), POLICY,
                                           client=CLIENT)
    assert members.send_reset_codes(db, POLICY) == 1
    with db.unit_of_work() as session:
        assert session.scalars(select(VerificationCode.purpose).where(VerificationCode.purpose != "ACTIVATION")
                               ).all() == ["PASSWORD_RESET"]


def test_wrong_reset_codes_share_the_budget_across_requests(db):
    active_member(db)
    for minute in range(3):  # a fresh reset code each minute, one wrong try at each
        now = NOW + timedelta(minutes=minute)
        request_reset(db, "sitiaminah", now)
        refusal(reset_password, db, "sitiaminah", wrong(last_code(db, "sitiaminah", "password_reset")),
                now=now, policy=SMALL_BUDGET)
    before = snapshot(db)
    right = last_code(db, "sitiaminah", "password_reset")
    assert refusal(reset_password, db, "sitiaminah", right, now=now, policy=SMALL_BUDGET)[2] \
        == [("code", "CODE_ATTEMPTS_EXCEEDED", {})]
    assert snapshot(db) == before
    assert login(db, now=now)[2].username == "sitiaminah"  # the old password still works


# --- unknown usernames answer like real ones ------------------------------------------------------

def test_an_unknown_username_is_paused_like_a_real_one_with_the_same_answers(db):
    active_member(db)
    policy = AuthPolicy(max_failed_logins=3, login_pause=timedelta(minutes=15))
    answers = {}
    for username in ("sitiaminah", "nobody"):
        answers[username] = [refusal(login, db, username, "salah12345", policy=policy)[:2]
                             for _ in range(policy.max_failed_logins + 1)]
    assert answers["sitiaminah"] == answers["nobody"] == \
        [(AuthenticationFailed, "BAD_CREDENTIALS")] * 3 + [(AuthenticationFailed, "LOGIN_PAUSED")]
    with db.unit_of_work() as session:  # counted per username, which is not kept as typed
        keys = session.scalars(select(FailedTry.key_hash)).all()
    assert len(set(keys)) == 2 and not {"sitiaminah", "nobody"} & set(keys)
    assert login(db, now=NOW + timedelta(minutes=16), policy=policy)[2].username == "sitiaminah"


def test_a_successful_login_clears_the_failures(db):
    active_member(db)
    policy = AuthPolicy(max_failed_logins=3)
    for _ in range(2):
        refusal(login, db, password="salah12345", policy=policy)
    login(db, policy=policy)
    for _ in range(2):
        refusal(login, db, password="salah12345", policy=policy)
    assert login(db, policy=policy)[2].username == "sitiaminah"


def test_activate_with_an_unknown_username_answers_like_a_wrong_code(db):
    register(db)
    code = last_code(db, "sitiaminah")
    before = snapshot(db)
    real = [refusal(activate, db, "sitiaminah", wrong(code)) for _ in range(POLICY.max_code_attempts + 1)]
    unknown = [refusal(activate, db, "nobody", wrong(code)) for _ in range(POLICY.max_code_attempts + 1)]
    assert real == unknown
    assert real[0][2] == [("code", "CODE_WRONG", {"remaining": POLICY.max_code_attempts - 1})]
    assert real[-1][2] == [("code", "CODE_ATTEMPTS_EXCEEDED", {})]
    assert snapshot(db) == before


def test_resend_activation_to_an_unknown_username_answers_like_a_real_resend(db):
    register(db)
    later = NOW + POLICY.resend_interval
    before = snapshot(db)
    with db.unit_of_work() as session:
        unknown = members.resend_activation(session, "nobody", later, POLICY, client=CLIENT)
    assert snapshot(db) == before  # no code, no notification
    with db.unit_of_work() as session:
        assert members.resend_activation(session, "sitiaminah", later, POLICY, client=CLIENT) == unknown


def test_reset_password_of_an_unknown_username_answers_like_a_wrong_code(db):
    active_member(db)
    request_reset(db, "sitiaminah", NOW)
    code = last_code(db, "sitiaminah", "password_reset")
    before = snapshot(db)
    assert refusal(reset_password, db, "sitiaminah", wrong(code)) == \
        refusal(reset_password, db, "nobody", wrong(code)) == \
        (ValidationFailed, "VALIDATION_FAILED", [("code", "CODE_WRONG", {"remaining": POLICY.max_code_attempts - 1})])
    assert snapshot(db) == before


def test_an_active_members_name_is_answered_like_an_unknown_one_by_activate_and_resend(db):
    active_member(db)
    register(db, "pendingone")  # so that "nobody" and "sitiaminah" are compared beside a real pending name
    before = snapshot(db)
    assert refusal(activate, db, "sitiaminah", "000000") == refusal(activate, db, "nobody", "000000") == \
        (ValidationFailed, "VALIDATION_FAILED", [("code", "CODE_WRONG", {"remaining": POLICY.max_code_attempts - 1})])
    later = NOW + POLICY.resend_interval
    with db.unit_of_work() as session:
        assert members.resend_activation(session, "sitiaminah", later, POLICY, client=CLIENT) == \
            members.resend_activation(session, "nobody", later, POLICY, client=CLIENT)
    assert snapshot(db) == before  # no code, no notification, nothing activated again


def test_a_new_password_is_compared_with_the_members_email_only_after_the_right_code(db):
    email = "siti1980@example.co.id"  # a password on its own (a letter and a digit) but for whose it is
    active_member(db, email=email)
    request_reset(db, "sitiaminah", NOW)
    code = last_code(db, "sitiaminah", "password_reset")
    before = snapshot(db)
    # a wrong code: the answer a stranger gets, whoever's email was guessed
    assert refusal(reset_password, db, "sitiaminah", wrong(code), email) == \
        refusal(reset_password, db, "nobody", wrong(code), email)
    assert refusal(reset_password, db, "sitiaminah", wrong(code), email)[2][0][:2] == ("code", "CODE_WRONG")
    # the right code: now the member is told, and the code stays usable
    assert refusal(reset_password, db, "sitiaminah", code, email)[2] == \
        [("newPassword", "PASSWORD_SAME_AS_EMAIL", {})]
    assert snapshot(db) == before
    reset_password(db, "sitiaminah", code, "baru12345678")
    assert login(db, "sitiaminah", "baru12345678")[2].username == "sitiaminah"


def test_failed_tries_are_forgotten_once_no_window_needs_them(db):
    from emall_ws.services import throttle

    for _ in range(2):
        refusal(login, db, "nobody", "salah123456", now=NOW)
    assert throttle.forget_old(db, NOW + throttle.KEPT_FOR - timedelta(seconds=1)) == 0
    assert throttle.forget_old(db, NOW + throttle.KEPT_FOR) == 2
    assert count(db, FailedTry) == 0


# --- uniqueness on the stored keys, and moderation -----------------------------------------------

def test_an_email_taken_in_another_spelling_is_reported_on_the_email(db):
    register(db, "budi", email="budi@bücher.de")
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as raised:
        register(db, "budi2", email="budi@xn--bcher-kva.de")
    assert [(e.field, e.code) for e in raised.value.errors] == [("email", "EMAIL_TAKEN")]
    with pytest.raises(ValidationFailed) as raised:  # reported with the other fields' errors too
        register(db, " BUDI ", email="Budi@XN--BCHER-KVA.DE", phone="")
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("phone", "REQUIRED"), ("username", "USERNAME_TAKEN"), ("email", "EMAIL_TAKEN")]
    assert snapshot(db) == before


def test_reinstating_a_pending_member_is_refused_and_changes_nothing(db):
    register(db)
    before = snapshot(db)
    with db.unit_of_work() as session:
        admin = auth.Principal(99, "admin1", ADMIN)
        assert refusal(members.reinstate, session, admin, "sitiaminah", NOW)[:2] == (
            InvalidState, "MEMBER_NOT_SUSPENDED")
    assert snapshot(db) == before
    with pytest.raises(AuthenticationFailed):
        login(db)
