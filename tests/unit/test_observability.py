"""Operator logs, metrics and their settings, in-process: access lines, security events, JSON lines."""
import json
import logging
import os
from contextlib import nullcontext

import pytest
from prometheus_client import REGISTRY

from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.observe import observe_calls, observed
from emall_ws.config import Settings
from emall_ws.logs import (ACCESS_LOGGER, SECURITY_LOGGER, JsonFormatter, PlatformHandler, TextFormatter, call_fields,
                           configure_logging, log_event)
from emall_ws.observability import prepare_metrics_dir, record_call
from emall_ws.observability.access import register_services
from emall_ws.observability.health import Health
from emall_ws.observability.multiprocess import ENV
from emall_ws.soap.app import create_app
from tests.wsgi_client import call, envelope

MEMBER_NS = "urn:emall-kukm:member"


def soap_calls(service: str, operation: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("emall_soap_calls_total",
                                     {"service": service, "operation": operation, "outcome": outcome}) or 0.0


def access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS_LOGGER]


def test_a_failed_login_is_one_access_line_and_a_security_event_without_the_password(app, caplog):
    caplog.set_level(logging.INFO)
    before = soap_calls("Member", "login", "Client.Authentication")
    body = envelope("login", MEMBER_NS, {"username": "Budi.Typo", "password": "Sangat-Rahasia-99"})
    response = call(app, "POST", "/ws/Member", body, headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.fault()[2] == "BAD_CREDENTIALS"
    [line] = access_lines(caplog)
    assert line.fields == {"event": "call", "client": "127.0.0.1", "call": "Member.login",
                           "outcome": "Client.Authentication", "code": "BAD_CREDENTIALS",
                           "ms": line.fields["ms"], "bytes": len(response.body)}
    assert line.fields["ms"] > 0
    assert line.getMessage().startswith("call client=127.0.0.1 call=Member.login outcome=Client.Authentication "
                                        "code=BAD_CREDENTIALS ms=")
    [event] = [r for r in caplog.records if r.name == SECURITY_LOGGER]
    assert event.levelno == logging.WARNING
    assert event.fields == {"event": "login_failed", "client": "127.0.0.1", "call": "Member.login",
                            "username": "Budi.Typo", "reason": "BAD_CREDENTIALS"}
    assert "Sangat-Rahasia-99" not in caplog.text and "10.9.9.9" not in caplog.text  # nor a header
    assert soap_calls("Member", "login", "Client.Authentication") == before + 1


def test_the_client_is_the_peer_address_and_an_ok_call_has_no_code(app, caplog):
    caplog.set_level(logging.INFO)
    before = soap_calls("Member", "listProvinces", "ok")
    environ_extra = {"REMOTE_ADDR": "192.0.2.7"}
    original = app.__call__

    def with_peer(environ, start_response):
        environ.update(environ_extra)
        return original(environ, start_response)

    response = call(with_peer, "POST", "/ws/Member", envelope("listProvinces", MEMBER_NS))
    assert response.status == 200
    [line] = access_lines(caplog)
    assert line.getMessage() == f"call client=192.0.2.7 call=Member.listProvinces outcome=ok " \
                                f"ms={line.fields['ms']} bytes={len(response.body)}"
    assert soap_calls("Member", "listProvinces", "ok") == before + 1


@pytest.mark.parametrize("method, path, body, call_name, outcome, code", [
    ("POST", "/ws/Member", b"<broken", "Member.-", "Client.BadRequest", "MALFORMED_XML"),
    ("POST", "/ws/Member", envelope("dropTables", MEMBER_NS), "Member.-", "Client.BadRequest",
     "UNKNOWN_OPERATION"),
    ("PUT", "/ws/Member", b"", "Member.-", "Client.BadRequest", "METHOD_NOT_ALLOWED"),
    ("POST", "/ws/Member", envelope("listCities", MEMBER_NS, {"provinceCode": "9" * 50}), "Member.listCities",
     "Client.Validation", "VALIDATION_FAILED"),
    ("POST", "/ws/No\nSuch", b"<x/>", "-.-", "Client.NotFound", "UNKNOWN_SERVICE"),
    ("GET", "/ws/Cart", b"", "Cart.?wsdl", "ok", None),
])
def test_every_answer_under_ws_is_one_access_line(app, caplog, method, path, body, call_name, outcome, code):
    caplog.set_level(logging.INFO)
    response = call(app, method, path, body, query="wsdl" if method == "GET" else "")
    [line] = access_lines(caplog)
    assert (line.fields["call"], line.fields["outcome"], line.fields.get("code")) == (call_name, outcome, code)
    assert line.fields["bytes"] == len(response.body)


def test_health_and_metrics_pages_write_no_access_line(app, caplog):
    caplog.set_level(logging.INFO)
    app.health = Health(app.platform.db, app.platform.settings, probe=lambda url: True)
    assert call(app, "GET", "/health").status == 200
    assert call(app, "GET", "/metrics").status == 200
    assert access_lines(caplog) == []


def test_record_call_keeps_unknown_names_out_of_the_labels(caplog):
    caplog.set_level(logging.INFO)
    before = soap_calls("-", "-", "HTTP408")
    record_call("198.51.100.1", "Member", "noSuchOperation", "HTTP408", None, 2.5, 0)
    record_call("198.51.100.1", "Invented\nService", "x", "HTTP408", None, 2.5, 0)
    assert soap_calls("-", "-", "HTTP408") == before + 1  # the invented service
    assert REGISTRY.get_sample_value("emall_soap_calls_total", {
        "service": "Member", "operation": "-", "outcome": "HTTP408"}) >= 1
    assert [r.fields["call"] for r in access_lines(caplog)] == ["Member.-", "-.-"]
    assert [r.fields["ms"] for r in access_lines(caplog)] == [2500.0, 2500.0]


def test_a_typed_value_can_neither_forge_a_line_nor_a_field(caplog):
    caplog.set_level(logging.INFO)
    logger = logging.getLogger(SECURITY_LOGGER)
    log_event(logger, "login_failed", username='evil\n2026 INFO forged reason=OK "x"')
    message = caplog.records[-1].getMessage()
    assert "\n" not in message
    assert message == 'login_failed username="evil\\n2026 INFO forged reason=OK \\"x\\""'


def test_the_json_format_is_one_object_per_line_with_the_event_fields():
    record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 1, "call %s", ("x",), None)
    record.fields = {"event": "call", "client": "192.0.2.1", "call": "Member.login", "ms": 1.5}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == ACCESS_LOGGER and entry["message"] == "call x"
    assert (entry["client"], entry["call"], entry["ms"]) == ("192.0.2.1", "Member.login", 1.5)
    assert entry["time"].endswith("+00:00")


def test_configure_logging_picks_the_format_and_the_access_switch(tmp_path):
    root = logging.getLogger()
    try:
        configure_logging("INFO", Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_LOG_FORMAT": "json",
                                                     "EMALL_ACCESS_LOG": "0"}))
        [handler] = [h for h in root.handlers if isinstance(h, PlatformHandler)]
        assert isinstance(handler.formatter, JsonFormatter)
        assert not logging.getLogger(ACCESS_LOGGER).isEnabledFor(logging.INFO)
        assert not logging.getLogger("spyne.application").isEnabledFor(logging.INFO)  # its start-up chatter
        configure_logging("INFO", Settings.from_env({"EMALL_VAR_DIR": str(tmp_path)}))
        [handler] = [h for h in root.handlers if isinstance(h, PlatformHandler)]  # replaced, not added
        assert not isinstance(handler.formatter, JsonFormatter)
        assert logging.getLogger(ACCESS_LOGGER).isEnabledFor(logging.INFO)
    finally:
        for handler in [h for h in root.handlers if isinstance(h, PlatformHandler)]:
            root.removeHandler(handler)


def test_log_format_and_switches_are_read_and_a_bad_format_is_refused():
    settings = Settings.from_env({"EMALL_LOG_FORMAT": "JSON", "EMALL_ACCESS_LOG": "0", "EMALL_METRICS": "0"})
    assert (settings.log_format, settings.access_log, settings.metrics_enabled) == ("json", False, False)
    defaults = Settings.from_env({})
    assert (defaults.log_format, defaults.access_log, defaults.metrics_enabled) == ("text", True, True)
    with pytest.raises(ValueError, match="EMALL_LOG_FORMAT='xml' is not valid: expected text or json"):
        Settings.from_env({"EMALL_LOG_FORMAT": "xml"})


def test_metrics_off_answer_404(app, settings, tmp_path):
    from dataclasses import replace

    assert call(app, "GET", "/metrics").status == 200
    off = create_app(replace(settings, metrics_enabled=False), app.platform.db)
    try:
        assert call(off, "GET", "/metrics").status == 404
        before = soap_calls("Member", "listProvinces", "ok")
        assert call(off, "POST", "/ws/Member", envelope("listProvinces", MEMBER_NS, {})).status == 200
        assert soap_calls("Member", "listProvinces", "ok") == before  # nothing counted: it costs nothing
    finally:
        register_services({}, counted=True)  # as the other tests' apps have it


def test_the_metrics_page_is_prometheus_text_with_the_database_series(app):
    response = call(app, "GET", "/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    text = response.body.decode()
    assert "emall_database_up 1.0" in text
    assert 'emall_outbox_waiting{channel="EMAIL"} 0.0' in text
    assert 'emall_outbox_waiting{channel="SMS"} 0.0' in text


def test_prepare_metrics_dir_empties_the_folder_and_sets_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "")  # recorded as it was, so that the variable set below is undone too
    monkeypatch.delenv(ENV)
    settings = Settings.from_env({"EMALL_VAR_DIR": str(tmp_path)})
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_123.db").write_bytes(b"old run")
    assert prepare_metrics_dir(settings) == tmp_path / "metrics"
    assert os.environ[ENV] == str(tmp_path / "metrics") and list((tmp_path / "metrics").iterdir()) == []
    monkeypatch.delenv(ENV)
    assert prepare_metrics_dir(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_METRICS": "0"})) is None


def test_servers_sharing_a_var_folder_keep_their_counts_apart(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "")
    monkeypatch.delenv(ENV)
    settings = Settings.from_env({"EMALL_VAR_DIR": str(tmp_path)})
    first = prepare_metrics_dir(settings, "server-8000")
    (first / "counter_1.db").write_bytes(b"counts of the instance on 8000")
    monkeypatch.delenv(ENV)  # the next instance is another process
    assert prepare_metrics_dir(settings, "server-8010") == tmp_path / "metrics" / "server-8010" != first
    assert (first / "counter_1.db").exists()
    monkeypatch.delenv(ENV)
    assert ENV not in os.environ


@pytest.mark.parametrize("raised, outcome", [(None, "ok"), (PartnerRejected("bank:bca", "no"), "rejected"),
                                             (PartnerUnavailable("bank:bca", "down"), "unavailable"),
                                             (BadPartnerResponse("bank:bca", "junk"), "bad_response"),
                                             (KeyError("bug"), "error")])
def test_every_partner_call_attempt_is_told_with_its_outcome(raised, outcome):
    seen = []
    observe_calls(lambda *args: seen.append(args))
    with pytest.raises(type(raised)) if raised else nullcontext():
        with observed("bank:bca", "getMutations"):
            if raised:
                raise raised
    partner, operation, told, seconds = seen[-1]
    assert (partner, operation, told) == ("bank:bca", "getMutations", outcome) and seconds >= 0


def test_the_partner_metrics_count_what_the_adapters_tell():
    import emall_ws.partners  # noqa: F401  (wires the adapters to the metrics)

    labels = {"partner": "courier:jne", "operation": "track", "outcome": "unavailable"}
    before = REGISTRY.get_sample_value("emall_partner_calls_total", labels) or 0.0
    with pytest.raises(PartnerUnavailable), observed("courier:jne", "track"):
        raise PartnerUnavailable("courier:jne", "down")
    assert REGISTRY.get_sample_value("emall_partner_calls_total", labels) == before + 1
    assert REGISTRY.get_sample_value("emall_partner_call_seconds_count",
                                     {"partner": "courier:jne", "operation": "track"}) >= 1


def test_call_fields_are_on_every_event_of_the_call_only(caplog):
    caplog.set_level(logging.INFO)
    logger = logging.getLogger(SECURITY_LOGGER)
    with call_fields(client="192.0.2.9", call="Member.suspendMember"):
        log_event(logger, "member_suspended", username="siti")
    log_event(logger, "outside")
    inside, outside = caplog.records[-2:]
    assert inside.fields == {"event": "member_suspended", "client": "192.0.2.9", "call": "Member.suspendMember",
                             "username": "siti"}
    assert outside.fields == {"event": "outside"}



def test_the_text_format_writes_what_the_standard_formatter_would():
    ours, standard = TextFormatter(), logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for created in (1733390000.123, 1733390000.987, 1733390001.004, 1733390000.5):  # the cache turns back too
        record = logging.LogRecord("emall_ws.access", logging.INFO, "", 0, "call %s", ("x",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == standard.format(record)
