"""Registry over HTTP with two independent SOAP client stacks: zeep and suds."""
import pytest
import suds.client
import zeep
from lxml import etree

from emall_ws.soap.app import SERVICES

ROOT_URL_SERVICES = [spec.name for spec in SERVICES]


@pytest.fixture(scope="module")
def zeep_registry(server):
    return zeep.Client(server.wsdl_url("Registry")).service


@pytest.mark.parametrize("service", ROOT_URL_SERVICES)
def test_zeep_and_suds_load_every_wsdl(server, service):
    zeep_client = zeep.Client(server.wsdl_url(service))
    suds_client = suds.client.Client(server.wsdl_url(service), cache=None)
    assert zeep_client.wsdl.services and suds_client.wsdl.services


@pytest.mark.parametrize("partner", ["bank/bca", "courier/jne", "sms"])  # one per partner contract
def test_zeep_and_suds_load_every_partner_wsdl(server, partner):
    url = f"{server.sandbox_url}/partners/{partner}?wsdl"
    zeep_client = zeep.Client(url)
    suds_client = suds.client.Client(url, cache=None)
    assert zeep_client.wsdl.services and suds_client.wsdl.services
    assert [m.name for m in suds_client.wsdl.services[0].ports[0].methods.values()]


def test_zeep_finds_every_service_with_its_endpoint_and_wsdl(server, zeep_registry):
    infos = zeep_registry.find_service(name="%", category="emall")
    assert {i.name for i in infos} == set(ROOT_URL_SERVICES)
    partners = zeep_registry.find_service(name="%")
    assert sorted(i.category for i in partners if i.category != "emall") == \
        ["bank"] * 4 + ["courier"] * 7 + ["dukcapil", "oss", "sms"]
    detail = zeep_registry.get_serviceDetail(serviceKey="uddi:emall-kukm:service:registry")
    binding = detail.bindingTemplates.BindingTemplate[0]
    assert binding.accessPoint == f"{server.url}/ws/Registry"
    tmodel = zeep_registry.get_tModelDetail(tModelKey=binding.tModelKey)
    assert tmodel.overviewURL == server.wsdl_url("Registry")


def test_zeep_gets_business_and_bindings(zeep_registry):
    business = zeep_registry.get_businessDetail(businessKey="uddi:emall-kukm:business:operator")
    assert business.name == "Emall KUKM"
    bindings = zeep_registry.find_binding(serviceKey="uddi:emall-kukm:service:registry")
    assert [b.bindingKey for b in bindings] == ["uddi:emall-kukm:binding:registry"]
    assert zeep_registry.get_bindingDetail(bindingKey="uddi:emall-kukm:binding:registry").serviceKey \
        == "uddi:emall-kukm:service:registry"
    assert [b.businessKey for b in zeep_registry.find_business(name="emall%")] \
        == ["uddi:emall-kukm:business:operator"]
    assert any(t.tModelKey == "uddi:emall-kukm:tmodel:registry-wsdl"
               for t in zeep_registry.find_tModel(name="%"))


def test_zeep_sees_not_found_as_a_client_fault_with_a_code(zeep_registry):
    with pytest.raises(zeep.exceptions.Fault) as raised:
        zeep_registry.get_serviceDetail(serviceKey="uddi:emall-kukm:service:nothing")
    assert raised.value.code.endswith("Client.NotFound")
    assert raised.value.detail.findtext(".//{urn:emall-kukm:fault}code") == "UNKNOWN_KEY"


def test_suds_finds_and_details_the_registry(server):
    client = suds.client.Client(server.wsdl_url("Registry"), cache=None)
    infos = client.service.find_service(name="Reg%")
    assert [i.name for i in infos.ServiceInfo] == ["Registry"]
    detail = client.service.get_serviceDetail(serviceKey=infos.ServiceInfo[0].serviceKey)
    assert detail.bindingTemplates.BindingTemplate[0].accessPoint == f"{server.url}/ws/Registry"


def test_suds_sees_faults(server):
    client = suds.client.Client(server.wsdl_url("Registry"), cache=None, faults=True)
    with pytest.raises(suds.WebFault) as raised:
        client.service.get_tModelDetail(tModelKey="nope")
    assert "Client.NotFound" in str(raised.value.fault.faultcode)


def test_served_wsdl_is_the_committed_one_but_for_the_address(server):
    """Only soap:address differs (the server's own public URL); everything else is byte-equal."""
    import urllib.request
    from pathlib import Path

    from emall_ws.cli import EXPORT_PUBLIC_URL

    for service in ROOT_URL_SERVICES:
        with urllib.request.urlopen(server.wsdl_url(service)) as response:
            served = response.read()
        committed = (Path(__file__).resolve().parents[2] / "wsdl" / f"{service}.wsdl").read_bytes()
        address = etree.fromstring(served).find(
            ".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
        assert address == f"{server.url}/ws/{service}"
        assert served.replace(server.url.encode(), EXPORT_PUBLIC_URL.encode()) == committed
