from spyne import Fault

from emall_ws.domain.errors import FieldError, NotFound, ValidationFailed
from emall_ws.soap.faults import FAULT_NS, from_domain_error, from_spyne_fault


def test_domain_errors_become_client_faults_with_a_code():
    fault = from_domain_error(NotFound("UNKNOWN_KEY", key="k"), "id")
    assert fault.faultcode == "Client.NotFound"
    assert fault.detail.findtext(f"{{{FAULT_NS}}}code") == "UNKNOWN_KEY"


def test_validation_lists_every_failing_field():
    fault = from_domain_error(ValidationFailed([FieldError("a", "SCHEMA_INVALID"),
                                                FieldError("b", "SCHEMA_INVALID")]), "en")
    assert fault.faultcode == "Client.Validation"
    assert [e.text for e in fault.detail.iter(f"{{{FAULT_NS}}}field")] == ["a", "b"]
    assert fault.faultstring == "2 field(s) are invalid."


def test_unknown_server_faults_hide_their_text():
    fault = from_spyne_fault(Fault("Server", "connection to db01 refused"), "id", 10)
    assert fault.faultcode == "Server.Internal"
    assert "db01" not in fault.faultstring


def test_a_validation_fault_without_libxml2_words_still_lists_one_field():
    fault = from_spyne_fault(Fault("Client.ValidationError", "The value 'x' could not be validated."), "en", 10)
    assert (fault.faultcode, fault.detail_code) == ("Client.Validation", "VALIDATION_FAILED")
    assert [e.text for e in fault.detail.iter(f"{{{FAULT_NS}}}message")] == [
        "The value or structure of ? does not match the schema."]


def _named_field(text: str, app=None) -> str:
    fault = from_spyne_fault(Fault("Client.SchemaValidationError", text), "en", 10, app)
    return fault.detail.findtext(f"{{{FAULT_NS}}}errors/{{{FAULT_NS}}}error/{{{FAULT_NS}}}field")


def test_a_missing_required_field_is_the_field_named_not_its_parent_or_the_element_after_it():
    """As the domain's REQUIRED named it before the field was minOccurs=1 (issue 15)."""
    from emall_ws.soap.shipping import ShippingService

    class App:  # what from_spyne_fault reads of a spyne Application
        services = (ShippingService,)

    ns = "{urn:emall-kukm:shipping}"
    assert _named_field(f"Element '{ns}trackOrder': Missing child element(s). Expected is ( {ns}orderNumber ).",
                        App) == "orderNumber"
    assert _named_field(f"Element '{ns}courier': This element is not expected. Expected is ( {ns}orderNumber ).",
                        App) == "orderNumber"
    # an optional field expected next: the element that came is the one in question
    assert _named_field(f"Element '{ns}nickname': This element is not expected. Expected is ( {ns}reason ).",
                        App) == "nickname"
