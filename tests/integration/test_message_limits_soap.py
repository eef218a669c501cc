"""Codes that cannot be aimed, through the Member service over HTTP (in-process WSGI): limits per
phone number and email address, and per client address (behind trusted proxies too), answers that
never tell whether a member exists, /metrics. Each refusal shows its fault and that nothing changed."""
import json
import logging
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from emall_ws.config import Settings
from emall_ws.db.models import LimitCount, Member, MemberStatusHistory, Notification, VerificationCode
from emall_ws.services import members
from emall_ws.soap.app import create_app
from tests.wsgi_client import call, envelope

NS = "urn:emall-kukm:member"
NOW = datetime(2026, 11, 28, 3, 20, 0)  # 10:20 WIB: 40 minutes left in the hour's window
PHONE = "085700000001"
MSISDN = "+6285700000001"
CLIENT = "198.51.100.1"
_serial = iter(range(1, 10_000))


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def after_the_resend_interval(self) -> None:
        self.now += timedelta(seconds=61)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_app(db, tmp_path, clock):
    def make(**settings):
        app = create_app(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_SANDBOX": "0", **settings}), db)
        app.platform.clock = clock
        return app
    return make


def soap(app, operation: str, fields: dict | str, client: str = CLIENT, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return call(app, "POST", "/ws/Member", envelope(operation, NS, fields), remote_addr=client, headers=headers)


def register(app, phone: str = PHONE, client: str = CLIENT, **kwargs):
    name = f"siti{next(_serial)}"
    fields = dict(province="31", city="31.74", address="Jl. Gatot Subroto Kav. 94", phone=phone,
                  name="Siti Aminah", username=name, password="rahasia123", email=f"{name}@example.co.id")
    form = "".join(f"<t:{k}>{v}</t:{k}>" for k, v in fields.items())
    return soap(app, "register", f"<t:form>{form}</t:form>", client, **kwargs), name


def reset(app, name: str, client: str = CLIENT, **kwargs):
    response = soap(app, "requestPasswordReset", {"usernameOrEmail": name}, client, **kwargs)
    members.send_reset_codes(app.platform.db, app.platform.member_policy)  # the worker's half
    return response


def resend(app, name: str, client: str = CLIENT):
    return soap(app, "resendActivation", {"username": name}, client)


def answer(response) -> tuple:
    """What a caller sees: the HTTP status and the whole body."""
    return response.status, response.body


def notifications(db, template: str) -> list[tuple[str, str]]:
    with db.unit_of_work() as session:
        return [(row.channel, row.recipient) for row in session.scalars(
            select(Notification).where(Notification.template == template).order_by(Notification.id))]


def snapshot(db) -> list:
    """Everything these calls may write, to show that a refused call wrote nothing."""
    with db.unit_of_work() as session:
        return [session.execute(select(*model.__table__.columns)
                                .order_by(*model.__table__.primary_key.columns)).all()
                for model in (Member, MemberStatusHistory, VerificationCode, Notification, LimitCount)]


def active_member(app, db, client: str = "192.0.2.200") -> str:
    """A member registered and activated by a client of its own, as a person would."""
    response, name = register(app, client=client)
    assert response.status == 200, response.body
    with db.unit_of_work() as session:
        data = session.scalars(select(Notification.data).where(Notification.template == "member_activation")
                               .order_by(Notification.id.desc())).first()
    assert soap(app, "activate", {"username": name, "code": json.loads(data)["code"]}, client).status == 200
    return name


def limited(app, limit: str) -> float:
    """emall_limited_requests_total{limit} on the /metrics page."""
    page = call(app, "GET", "/metrics").body.decode()
    found = re.search(rf'^emall_limited_requests_total{{limit="{limit}"}} (\S+)$', page, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def access_clients(caplog) -> list[str]:
    """The client of each access line, in order."""
    return [re.search(r"client=(\S+)", r.getMessage()).group(1) for r in caplog.records if r.name == "emall_ws.access"]


def test_five_registrations_with_one_phone_number_send_three_codes_and_write_nothing_for_the_rest(make_app, db):
    app = make_app()
    before_metric = limited(app, "ACTIVATION_PHONE")
    for _ in range(3):
        assert b"PENDING" in register(app)[0].body
    for _ in range(2):
        before = snapshot(db)
        response, name = register(app)
        assert response.fault() == ("Client.TooManyRequests", "Terlalu banyak kode telah dikirim ke nomor telepon "
                                    "atau alamat email ini. Coba lagi dalam 40 menit.", "TOO_MANY_MESSAGES")
        assert snapshot(db) == before  # no member, no code, no outbox row, no count
    assert [row for row in notifications(db, "member_activation") if row[0] == "SMS"] == [("SMS", MSISDN)] * 3
    with db.unit_of_work() as session:
        assert session.scalars(select(Member.phone)).all() == [MSISDN] * 3
    assert limited(app, "ACTIVATION_PHONE") == before_metric + 2  # the /metrics page shows them


def test_reset_requests_for_a_known_and_an_unknown_member_are_answered_alike_when_limited(make_app, db, clock):
    app = make_app()
    known = active_member(app, db)
    unknown = "nobody"
    for _ in range(3):
        clock.after_the_resend_interval()
        assert answer(reset(app, known)) == answer(reset(app, unknown))
    assert len(notifications(db, "password_reset")) == 6  # 3 by email, 3 by SMS
    clock.after_the_resend_interval()
    before_metric = limited(app, "RESET_PHONE")
    before = snapshot(db)
    limited_answer = reset(app, known)
    assert b"CODE_SENT_IF_MEMBER_EXISTS" in limited_answer.body
    assert answer(limited_answer) == answer(reset(app, unknown))
    assert snapshot(db)[:4] == before[:4]  # no code, no outbox row (only the client's count went up)
    assert limited(app, "RESET_PHONE") == before_metric + 1


def test_resending_activation_codes_stops_at_the_limit_and_answers_as_for_an_unknown_name(make_app, db, clock):
    app = make_app()
    response, pending = register(app)
    for _ in range(2):  # with the registration's, 3 codes this hour
        clock.after_the_resend_interval()
        assert answer(resend(app, pending)) == answer(resend(app, "nobody"))
    assert len(notifications(db, "member_activation")) == 6
    clock.after_the_resend_interval()
    before = snapshot(db)
    assert answer(resend(app, pending)) == answer(resend(app, "nobody"))
    assert snapshot(db)[:4] == before[:4]


def test_a_client_past_its_limit_is_refused_alike_for_known_and_unknown_names_and_nothing_changes(make_app, db,
                                                                                                 clock):
    app = make_app(EMALL_CLIENT_LIMIT_HOUR="3")
    known = active_member(app, db)  # from another client address
    before_metric = limited(app, "CLIENT")
    assert [reset(app, name).status for name in (known, "nobody", "nobody2")] == [200] * 3
    clock.after_the_resend_interval()
    before = snapshot(db)
    refusals = [reset(app, known), reset(app, "nobody"), resend(app, known), register(app)[0]]
    assert {(r.status, r.fault()) for r in refusals} == {(500, (
        "Client.TooManyRequests", "Terlalu banyak permintaan pendaftaran, kirim ulang kode atau reset password "
        "dari alamat Anda. Coba lagi dalam 39 menit.", "TOO_MANY_REQUESTS"))}
    assert answer(refusals[0]) == answer(refusals[1])
    assert snapshot(db) == before
    assert limited(app, "CLIENT") == before_metric + 4
    assert reset(app, known, client="198.51.100.2").status == 200  # another client is not held back


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app, db, caplog):
    caplog.set_level(logging.INFO, logger="emall_ws.access")
    app = make_app(EMALL_CLIENT_LIMIT_HOUR="2")
    assert [reset(app, "nobody", client="10.0.0.2", forwarded_for=f"198.51.100.{i}").status
            for i in range(1, 4)] == [200, 200, 500]
    assert reset(app, "nobody", client="10.0.0.3").status == 200
    clients = access_clients(caplog)
    assert clients == ["10.0.0.2"] * 3 + ["10.0.0.3"]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(make_app, db, caplog):
    caplog.set_level(logging.INFO, logger="emall_ws.access")
    app = make_app(EMALL_CLIENT_LIMIT_HOUR="2", EMALL_TRUSTED_PROXIES="10.0.0.0/24")
    through_proxy = [reset(app, "nobody", client="10.0.0.2", forwarded_for=chain).status for chain in (
        "198.51.100.1", "198.51.100.2", "198.51.100.1",
        "198.51.100.9, 198.51.100.1",  # what the client wrote itself is not believed
        "198.51.100.2, 10.0.0.7")]  # through two proxies
    assert through_proxy == [200, 200, 200, 500, 200]
    # a peer that is not a trusted proxy is the client, whatever it forwards
    assert [reset(app, "nobody", client="203.0.113.5", forwarded_for="198.51.100.3").status
            for _ in range(3)] == [200, 200, 500]
    assert reset(app, "nobody", client="10.0.0.2", forwarded_for="198.51.100.3").status == 200
    clients = access_clients(caplog)
    assert clients == ["198.51.100.1", "198.51.100.2", "198.51.100.1", "198.51.100.1", "198.51.100.2",
                       "203.0.113.5", "203.0.113.5", "203.0.113.5", "198.51.100.3"]


def test_security_events_name_the_resolved_client_and_never_the_number(make_app, db, caplog):
    caplog.set_level(logging.INFO, logger="emall_ws.security")
    app = make_app(EMALL_MESSAGE_LIMIT_HOUR="1", EMALL_TRUSTED_PROXIES="10.0.0.2")
    register(app, client="10.0.0.2", forwarded_for="198.51.100.4")
    register(app, client="10.0.0.2", forwarded_for="198.51.100.4")
    [event] = [r.getMessage() for r in caplog.records if "limit_reached" in r.getMessage()]
    assert "limit=ACTIVATION_PHONE" in event and "client=198.51.100.4" in event
    assert "call=Member.register" in event
    assert PHONE[1:] not in event and "85700000001" not in caplog.text
