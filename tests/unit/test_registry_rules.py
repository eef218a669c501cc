from emall_ws.domain.registry import OPERATOR, Business, ServiceEntry, like_pattern


def test_keys_of_an_operator_service_are_uddi_style():
    entry = ServiceEntry(OPERATOR, "Member", "d", "emall", "http://x/ws/Member", "http://x/ws/Member?wsdl")
    assert entry.service_key == "uddi:emall-kukm:service:member"
    assert entry.binding_key == "uddi:emall-kukm:binding:member"
    assert entry.tmodel_key == "uddi:emall-kukm:tmodel:member-wsdl"
    assert OPERATOR.key == "uddi:emall-kukm:business:operator"


def test_partner_service_keys_carry_the_partner():
    bca = Business("bank-bca", "Bank Central Asia")
    entry = ServiceEntry(bca, "Bank", "d", "bank", "http://x", "http://x?wsdl")
    assert bca.key == "uddi:emall-kukm:business:bank-bca"
    assert entry.service_key == "uddi:emall-kukm:service:bank-bca-bank"


def test_like_pattern_keeps_percent_and_escapes_underscore_and_backslash():
    assert like_pattern("Reg%") == "Reg%"
    assert like_pattern("a_b") == "a\\_b"
    assert like_pattern("a\\b") == "a\\\\b"
