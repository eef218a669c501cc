"""zeep helpers for the end-to-end tests: clients, authenticated calls, fault details."""
from __future__ import annotations

import itertools

import pytest
import zeep
from lxml import etree
from zeep.wsse.username import UsernameToken

FAULT_NS = "{urn:emall-kukm:fault}"
_serial = itertools.count(1)


def client(server, service: str, wsse: UsernameToken | None = None) -> zeep.Client:
    return zeep.Client(server.wsdl_url(service), wsse=wsse)


def with_token(client: zeep.Client, service: str, token: str) -> dict:
    """Keyword arguments that send `token` in the service's SessionHeader."""
    header = client.get_element(f"{{urn:emall-kukm:{service.lower()}}}SessionHeader")
    return {"_soapheaders": [header(token=token)]}


def fault_of(call, *args, **kwargs) -> zeep.exceptions.Fault:
    """Runs a call that must fail; returns its fault."""
    with pytest.raises(zeep.exceptions.Fault) as raised:
        call(*args, **kwargs)
    return raised.value


def fault_code(fault: zeep.exceptions.Fault) -> str:
    return fault.code.split(":", 1)[-1]


def field_errors(fault: zeep.exceptions.Fault) -> dict[str, tuple[str, str]]:
    """field -> (code, message) of a Client.Validation fault."""
    return {e.findtext(f"{FAULT_NS}field"): (e.findtext(f"{FAULT_NS}code"), e.findtext(f"{FAULT_NS}message"))
            for e in fault.detail.iter(f"{FAULT_NS}error")}


def detail_code(fault: zeep.exceptions.Fault) -> str:
    return fault.detail.findtext(f".//{FAULT_NS}code")


def seen_by_caller(fault: zeep.exceptions.Fault, asked: str) -> tuple[str, str, str]:
    """The whole fault (code, message, detail) with the number the caller asked about left out: the
    same for two numbers when the answer tells nothing else about them."""
    return (fault.code, fault.message.replace(asked, "..."),
            etree.tostring(fault.detail, encoding="unicode").replace(asked, "..."))


def unique(prefix: str) -> str:
    """A name no other test uses (the e2e database lives for the whole session)."""
    return f"{prefix}{next(_serial)}"
