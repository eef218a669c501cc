"""Every answer of the paper's whole flow is valid for its service's published schema: each status,
sort order and flag a member of its code set (README, "Code sets"), each member the WSDL promises
present. A toolkit that generates enums from the WSDL (gSOAP, KDSoap, xsdata) refuses an answer
outside the set; this finds one before a toolkit does, whichever operation sends it."""
from __future__ import annotations

from collections import Counter

import pytest
import requests
import zeep
from lxml import etree
from zeep import Plugin

from emall_ws.soap.app import SERVICES
from tests import wsdl_checks
from tests.e2e.flows import whole_flow

SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
SOAP_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"


class ValidatesAnswers(Plugin):
    """Checks each answer of a platform service against that service's schema; counts them by operation."""

    def __init__(self, schemas: dict[str, etree.XMLSchema], checked: Counter):
        self.schemas, self.checked = schemas, checked

    def ingress(self, envelope, http_headers, operation):
        [answer] = envelope.find(SOAP_BODY)
        schema = self.schemas.get(etree.QName(answer).namespace)  # a partner sandbox's: not ours to check
        if schema is not None and answer.tag != SOAP_FAULT:
            standalone = etree.fromstring(etree.tostring(answer))
            if not schema.validate(standalone):
                pytest.fail(f"{operation.name} answered outside its schema: {schema.error_log.last_error}\n"
                            f"{etree.tostring(answer, encoding='unicode')[:2000]}")
            self.checked[operation.name] += 1
        return envelope, http_headers


def test_every_answer_of_the_whole_flow_is_valid_for_its_schema(server, mailbox, monkeypatch):
    schemas = {}
    for spec in SERVICES:
        document = requests.get(server.wsdl_url(spec.name), timeout=10).content
        schemas[etree.fromstring(document).get("targetNamespace")] = wsdl_checks.service_schema(document)
    checked: Counter = Counter()
    plugin = ValidatesAnswers(schemas, checked)
    build = zeep.Client.__init__

    def with_plugin(self, *args, **kwargs):  # every client the flow makes, whichever helper makes it
        build(self, *args, **kwargs, plugins=[*kwargs.pop("plugins", ()), plugin])

    monkeypatch.setattr(zeep.Client, "__init__", with_plugin)
    whole_flow(server, mailbox)

    # answers carrying each code set were among those checked (README, "Code sets")
    carrying = {"getProfile", "getProduct", "checkout", "confirmPayment", "trackOrder", "purchaseReport",
                "salesReport"}
    assert carrying <= set(checked), (sorted(carrying - set(checked)), checked)
