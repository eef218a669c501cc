"""What an operator sees of the real `emall-ws serve`: access lines, security events, /metrics
summed over both server worker processes, /health per component, and the JSON log format."""
import json
import urllib.request
from pathlib import Path

from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.members import form
from tests.e2e.server import serving
from tests.e2e.soap import client, detail_code, fault_of, unique
from tests.processes import fetch
from tests.races import at_once
from tests.waiting import eventually

LIST_PROVINCES = {"service": "Member", "operation": "listProvinces", "outcome": "ok"}
PROVINCES_REQUEST = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                     b'xmlns:t="urn:emall-kukm:member"><soapenv:Body><t:listProvinces/></soapenv:Body>'
                     b'</soapenv:Envelope>')


def list_provinces(server) -> None:
    request = urllib.request.Request(f"{server.url}/ws/Member", data=PROVINCES_REQUEST,
                                     headers={"Content-Type": "text/xml; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def samples(server, name: str) -> list[tuple[dict, float]]:
    """(labels, value) of every sample `name` on GET /metrics."""
    status, body = fetch(server.url + "/metrics")
    assert status == 200
    return [(s.labels, s.value) for family in text_string_to_metric_families(body.decode())
            for s in family.samples if s.name == name]


def value(server, name: str, **labels: str) -> float:
    return sum(v for found, v in samples(server, name) if labels.items() <= found.items())


def provinces_per_process(server) -> dict[str, float]:
    """Member.listProvinces calls counted in each process's own file (counter_<pid>.db)."""
    folder = Path(server.log_path).parent / "var" / "metrics"
    counts = {}
    for path in folder.glob("counter_*.db"):
        for family in MultiProcessCollector.merge([str(path)], accumulate=False):
            for s in family.samples:
                if s.name == "emall_soap_calls_total" and s.labels == LIST_PROVINCES:
                    counts[path.stem] = s.value
    return counts


def test_metrics_count_the_calls_of_both_server_workers(server):
    before = value(server, "emall_soap_calls_total", **LIST_PROVINCES)
    per_process_before = provinces_per_process(server)
    at_once(8, lambda i: [list_provinces(server) for _ in range(5)])  # 40 calls on 40 connections
    assert value(server, "emall_soap_calls_total", **LIST_PROVINCES) == before + 40
    assert value(server, "emall_soap_call_seconds_count", service="Member", operation="listProvinces") >= 40
    grown = {pid: n - per_process_before.get(pid, 0) for pid, n in provinces_per_process(server).items()}
    served = {pid: n for pid, n in grown.items() if n}
    assert len(served) == 2 and sum(served.values()) == 40, grown  # EMALL_WORKERS=2: both served some


def test_a_failed_login_is_logged_with_the_username_and_never_the_password(server):
    username, password = unique("Salah.Ketik"), "Kata-Sandi-Rahasia-42"
    fault = fault_of(client(server, "Member").service.login, username=username, password=password)
    assert detail_code(fault) == "BAD_CREDENTIALS"
    access = eventually(lambda: [line for line in server.log().splitlines()
                                 if "emall_ws.access" in line and "call=Member.login" in line
                                 and "code=BAD_CREDENTIALS" in line], "the access line of the failed login")
    assert access[-1].split("emall_ws.access: ", 1)[1].startswith(
        "call client=127.0.0.1 call=Member.login outcome=Client.Authentication code=BAD_CREDENTIALS ms=")
    assert " bytes=" in access[-1]
    [event] = [line for line in server.log().splitlines() if f"username={username}" in line]
    assert "WARNING emall_ws.security: login_failed client=127.0.0.1 call=Member.login" in event
    assert "reason=BAD_CREDENTIALS" in event
    assert password not in server.log()
    assert "Initializing application" not in server.log()  # spyne's start-up chatter


def test_metrics_show_the_outbox_the_worker_jobs_and_the_partner_calls(server, mailbox):
    values = form()  # a mobile number: the activation code also goes by SMS, through the SMS gateway
    client(server, "Member").service.register(form=values)
    mailbox.code_for(values["email"])
    sent = eventually(lambda: value(server, "emall_partner_calls_total", partner="sms:gateway",
                                    operation="sendSms", outcome="ok"), "an SMS counted (the worker's process)")
    assert sent >= 1
    assert value(server, "emall_partner_call_seconds_count", partner="sms:gateway", operation="sendSms") >= sent
    assert {labels["channel"] for labels, _ in samples(server, "emall_outbox_waiting")} == {"EMAIL", "SMS"}
    assert {labels["channel"] for labels, _ in samples(server, "emall_outbox_oldest_waiting_seconds")} == \
        {"EMAIL", "SMS"}
    assert eventually(lambda: value(server, "emall_worker_job_runs_total", job="dispatch-notifications"),
                      "dispatch runs recorded") >= 1
    assert value(server, "emall_worker_job_last_success_timestamp_seconds", job="close-auctions") > 1.7e9
    assert value(server, "emall_database_up") == 1


def test_health_answers_per_component(server):
    status, body = fetch(server.url + "/health")
    document = json.loads(body)
    assert status == 200 and document["status"] == "ok"
    components = document["components"]
    assert {name: state["status"] for name, state in components.items()} == {
        "database": "ok", "worker": "ok", "outbox": "ok", "sandbox": "ok", "partners": "ok"}
    assert document["notice"].startswith("payments are SIMULATED")
    assert components["worker"]["jobs"]["dispatch-notifications"]["lastSuccessAt"]
    assert set(components["outbox"]["waiting"]) == {"EMAIL", "SMS"}


def test_json_logs_metrics_off_and_no_sandbox(database_factory, tmp_path, mailbox):
    with serving(database_factory, tmp_path, mailbox, "obs_json", EMALL_LOG_FORMAT="json", EMALL_METRICS="0",
                 EMALL_SANDBOX="0") as other:
        assert fetch(other.url + "/metrics")[0] == 404
        list_provinces(other)
        document = eventually(lambda: (lambda d: d["components"]["worker"]["status"] == "ok" and d)(
            json.loads(fetch(other.url + "/health")[1])), "the worker's first heartbeat")
        assert set(document["components"]) == {"database", "worker", "outbox", "partners"}  # no sandbox run
        entries = eventually(lambda: [json.loads(line) for line in other.log().splitlines() if line.startswith("{")
                                      and '"emall_ws.access"' in line], "a JSON access line")
    assert not (tmp_path / "var" / "metrics").exists()
    entry = entries[-1]
    assert entry["logger"] == "emall_ws.access" and entry["level"] == "INFO"
    assert (entry["event"], entry["client"], entry["call"], entry["outcome"]) == (
        "call", "127.0.0.1", "Member.listProvinces", "ok")
    assert entry["ms"] > 0 and entry["bytes"] > 1000 and entry["time"]
    for line in other.log().splitlines():  # every line the platform logged is one JSON object
        if "emall_ws" in line:
            assert isinstance(json.loads(line), dict), line
