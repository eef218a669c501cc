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
