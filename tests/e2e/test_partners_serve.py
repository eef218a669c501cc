"""Issue 4 end to end, with only `emall-ws serve`: partners in the Registry, the activation code
by SMS through the SMS gateway sandbox, and SMS held back while the gateway is down (failing, or
its process stopped), then delivered exactly once."""
import itertools
import os
import re
import time

import pytest
import zeep
from sqlalchemy import select

from emall_ws.db.models import Notification
from emall_ws.db.session import Database
from tests.e2e.members import form
from tests.e2e.payments import messages_to
from tests.e2e.server import serving
from tests.e2e.soap import client
from tests.processes import free_port, running
from tests.waiting import after_the_worker_ran, eventually

_numbers = itertools.count(10_000_001)


def unique_mobile() -> tuple[str, str]:
    """(as typed, E.164) of a Telkomsel number no other test uses."""
    local = f"0812{next(_numbers):08d}"
    return local, "+62" + local[1:]


@pytest.fixture(scope="module")
def sms_gateway(server):
    return zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service


def test_registry_lists_every_partner_and_each_wsdl_loads(server):
    registry = client(server, "Registry").service
    for category, count in (("bank", 4), ("courier", 7), ("sms", 1)):
        infos = registry.find_service(name="%", category=category)
        assert len(infos) == count
        for info in infos:
            detail = registry.get_serviceDetail(serviceKey=info.serviceKey)
            binding = detail.bindingTemplates.BindingTemplate[0]
            assert binding.accessPoint.startswith(server.sandbox_url + "/partners/")
            wsdl = registry.get_tModelDetail(tModelKey=binding.tModelKey).overviewURL
            assert zeep.Client(wsdl).wsdl.services


def test_the_activation_code_arrives_by_sms_and_email(server, mailbox, sms_gateway):
    typed, msisdn = unique_mobile()
    values = form(phone=typed)
    client(server, "Member").service.register(form=values)
    emailed = mailbox.code_for(values["email"])
    [sms] = messages_to(sms_gateway, msisdn, 1)
    assert re.search(r"\b(\d{6})\b", sms.text).group(1) == emailed
    assert client(server, "Member").service.activate(username=values["username"], code=emailed).status == "ACTIVE"


def sms_rows(server, msisdns: list[str]) -> list[Notification]:
    """The platform's SMS notifications to msisdns, from its own database."""
    db = Database(server.database_url)
    try:
        with db.unit_of_work() as session:
            return session.scalars(select(Notification).where(
                Notification.channel == "SMS", Notification.recipient.in_(msisdns))).all()
    finally:
        db.dispose()


def held_back(server, msisdns: list[str], error: str, timeout: float = 30) -> None:
    """Until every SMS to msisdns was tried and waits for a retry: PENDING, with `error`."""
    def held() -> bool:
        rows = sms_rows(server, msisdns)
        return len(rows) == len(msisdns) and all(
            row.status == "PENDING" and row.attempts >= 1 and error in (row.error or "") for row in rows)

    eventually(held, lambda: f"SMS held back: {[(r.status, r.attempts, r.error) for r in sms_rows(server, msisdns)]}",
               timeout)


def assert_each_arrives_exactly_once(server, gateway, msisdns: list[str], timeout: float = 60) -> None:
    """Waits until each SMS reached the gateway and its row says SENT (which the dispatcher writes
    in a transaction of its own, after the gateway answered); then, once a later dispatcher round
    has run: one SENT row for each msisdn, and the gateway holds exactly the message that row names."""
    deadline = time.monotonic() + timeout
    for msisdn in msisdns:
        messages_to(gateway, msisdn, 1, timeout=max(0.0, deadline - time.monotonic()))
    eventually(lambda: all(row.status == "SENT" for row in sms_rows(server, msisdns)),
               lambda: f"SMS all SENT: {[(r.status, r.error) for r in sms_rows(server, msisdns)]}",
               max(0.0, deadline - time.monotonic()))
    with server.database() as db:
        after_the_worker_ran(db, "dispatch-notifications")  # a double would have been sent by then
    rows = sms_rows(server, msisdns)
    assert sorted((row.recipient, row.status) for row in rows) == sorted((msisdn, "SENT") for msisdn in msisdns)
    sent = {row.recipient: row.provider_id for row in rows}
    for msisdn in msisdns:
        assert [m.messageId for m in gateway.listMessages(msisdn=msisdn)] == [sent[msisdn]]


def test_sms_wait_while_the_gateway_is_down_and_arrive_once_when_it_is_back(server, sms_gateway):
    phones = [unique_mobile() for _ in range(3)]
    msisdns = [msisdn for _, msisdn in phones]
    sms_gateway.setFailureMode(mode="UNAVAILABLE", delayMs=0)
    try:
        for typed, _ in phones:
            client(server, "Member").service.register(form=form(phone=typed))
        held_back(server, msisdns, "PartnerUnavailable")  # tried against the 503, and waiting
    finally:
        sms_gateway.setFailureMode(mode="NORMAL", delayMs=0)
    assert_each_arrives_exactly_once(server, sms_gateway, msisdns)


@pytest.fixture(scope="module")
def gateway_apart(database_factory, tmp_path_factory, mailbox):
    """`emall-ws serve` without sandboxes, sending SMS to `emall-ws sandbox` run as a process of
    its own (EMALL_SMS_URL): yields (server, sandbox), sandbox() runs it until its block ends,
    always on the same port and database."""
    home = tmp_path_factory.mktemp("gateway_apart")
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_SANDBOX_PORT=str(port), EMALL_VAR_DIR=str(home / "var"),
               EMALL_SANDBOX_DATABASE_URL=database_factory.new_url("gateway_apart"))

    def sandbox():
        return running(["-m", "emall_ws.cli", "sandbox"], env, home, home / "sandbox.log", sandbox_url)

    with serving(database_factory, home, mailbox, "apart", EMALL_SANDBOX="0", EMALL_SANDBOX_PORT=str(port),
                 EMALL_SMS_URL=f"{sandbox_url}/partners/sms", EMALL_PARTNER_TIMEOUT="2") as apart:
        yield apart, sandbox


def test_stopping_the_sms_gateway_delays_sms_and_restarting_it_delivers_each_exactly_once(gateway_apart):
    server, sandbox = gateway_apart
    member = client(server, "Member").service
    with sandbox():  # up: the platform reaches it
        typed, msisdn = unique_mobile()
        member.register(form=form(phone=typed))
        messages_to(zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service, msisdn, 1)

    # its process is gone: connections are refused
    phones = [unique_mobile() for _ in range(3)]
    msisdns = [msisdn for _, msisdn in phones]
    for typed, _ in phones:
        member.register(form=form(phone=typed))
    held_back(server, msisdns, "ConnectionError")

    with sandbox():  # the same port and database again
        gateway = zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service
        assert_each_arrives_exactly_once(server, gateway, msisdns)
        assert all(row.attempts >= 2 for row in sms_rows(server, msisdns))
