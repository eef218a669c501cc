"""Issue 4 end to end, with only `emall-ws serve`: partners in the Registry, the activation code
by SMS through the SMS gateway sandbox, and SMS held back while the gateway is down, then
delivered exactly once."""
import itertools
import re
import time

import pytest
import zeep

from tests.e2e.members import form
from tests.e2e.soap import client

_numbers = itertools.count(10_000_001)


def unique_mobile() -> tuple[str, str]:
    """(as typed, E.164) of a Telkomsel number no other test uses."""
    local = f"0812{next(_numbers):08d}"
    return local, "+62" + local[1:]


@pytest.fixture(scope="module")
def sms_gateway(server):
    return zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service


def messages_to(gateway, msisdn: str, count: int, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = gateway.listMessages(msisdn=msisdn) or []
        except Exception:  # noqa: BLE001 - the sandbox may still be starting
            found = []
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{count} SMS to {msisdn} did not arrive in {timeout}s")


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


def test_sms_wait_while_the_gateway_is_down_and_arrive_once_when_it_is_back(server, sms_gateway):
    sms_gateway.setFailureMode(mode="UNAVAILABLE", delayMs=0)
    try:
        phones = [unique_mobile() for _ in range(3)]
        for typed, _ in phones:
            client(server, "Member").service.register(form=form(phone=typed))
        time.sleep(3)  # several dispatcher rounds and retries against the down gateway
    finally:
        sms_gateway.setFailureMode(mode="NORMAL", delayMs=0)
    for _, msisdn in phones:
        messages_to(sms_gateway, msisdn, 1)
    time.sleep(3)  # room for any double to show up
    for _, msisdn in phones:
        assert len(sms_gateway.listMessages(msisdn=msisdn)) == 1
