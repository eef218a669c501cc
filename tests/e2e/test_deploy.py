"""The production deployment files of deploy/ work as written: the nginx site (deploy/nginx.py and its
template) passes `nginx -t`, the systemd units pass `systemd-analyze verify`, the environment file
holds only real settings and passes the public server's checks; and the whole deployment, started on
loopback from those files (deploy/loopback.py: nginx over TLS in front of two `emall-ws server`
instances, workers, sandboxes), serves over HTTPS only, keeps /metrics and the client's own
X-Forwarded-For out, refuses large bodies and holds stalled uploads in nginx, and passes over an
instance that died.

The programs they run (nginx, systemd-analyze, openssl; sqlite3 and the MariaDB client tools for
tests/e2e/test_backup_restore.py) are Debian's packages, which .ci/run installs when missing: under
CI=true a missing one fails the tests that need it, elsewhere they are skipped with the reason."""
from __future__ import annotations

import base64
import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree

from emall_ws.config import SETTINGS, FailClosed, Settings
from emall_ws.domain.partners import BANKS, COURIERS
from tests.processes import required
from tests.waiting import eventually
from tests.wsgi_client import Response, envelope

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import loopback  # noqa: E402  (deploy/loopback.py)

site = loopback.site  # deploy/nginx.py


MEMBER_NS = "urn:emall-kukm:member"
LIST_PROVINCES = envelope("listProvinces", MEMBER_NS)
MAX_REQUEST_BYTES = 64 * 1024  # the deployment's EMALL_MAX_REQUEST_BYTES: not the default, so nginx is seen to read it
BODY_TIMEOUT = 3  # the deployment's EMALL_BODY_TIMEOUT: nginx cuts the stalled uploads after it
STALLED = 50
ACCESS_LINE = re.compile(r"emall_ws\.access: call client=(\S+) call=(\S+) outcome=(\S+)(?: code=(\S+))?")
# the programs these tests and tests/e2e/test_backup_restore.py run, and their Debian packages
def platform_env(**settings: str) -> dict[str, str]:
    """This process's environment without the EMALL_* settings of whoever runs the suite."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EMALL_")}
    env.update(settings)
    return env


# ----------------------------------------------------------------------------- the files themselves

def render_cli(*args: str, **settings: str) -> subprocess.CompletedProcess:
    """`python deploy/nginx.py <args>`, as the operator runs it, with the environment file's settings."""
    env = platform_env(**loopback.read_env_file(loopback.ENV_FILE), **settings)
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "nginx.py"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def nginx_test(prefix: Path, site_text: str) -> subprocess.CompletedProcess:
    """`nginx -t` of `site_text` included in a minimal main configuration of its own (no /etc, no root)."""
    loopback.write_main_conf(prefix, site_text)
    return subprocess.run([required("nginx"), "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                           "-e", str(prefix / "error.log")], capture_output=True, text=True, timeout=60)


def quoted_return(site_text: str, status: int) -> bytes:
    """The body of `return <status> '...';` in the site, unquoted as nginx reads it."""
    match = re.search(rf"return {status} '((?:[^'\\]|\\.)*)';", site_text)
    assert match, f"no `return {status} '...'` in the site"
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), match.group(1)).encode()


def test_on_the_standard_port_the_redirect_names_no_port():
    text = site.render(["127.0.0.1:8000"], Path("/etc/ssl/certs/emall-ws.pem"), Path("/etc/ssl/private/emall-ws.key"),
                       "emall.example.go.id", settings=Settings.from_env({}))
    assert "return 308 https://$host$request_uri;" in text and "listen 443 ssl;" in text


def test_the_rendered_site_passes_nginx_t(tmp_path):
    required("openssl")
    certificate, key = loopback.self_signed_certificate(tmp_path)
    # free ports: `nginx -t` binds them (443 and 80 would need root, and be taken on some machines)
    https_port, http_port = loopback.free_port(), loopback.free_port()
    rendered = render_cli("--server-name", "emall.example.go.id", "--upstream", "10.0.0.11:8000",
                          "--upstream", "10.0.0.12:8000", "--certificate", str(certificate), "--key", str(key),
                          "--https-port", str(https_port), "--http-port", str(http_port),
                          EMALL_MAX_REQUEST_BYTES="100000", EMALL_BODY_TIMEOUT="7.5")
    assert rendered.returncode == 0, rendered.stderr
    text = rendered.stdout
    assert not [line for line in text.splitlines() if "${" in line.split("#", 1)[0]], "a placeholder left"
    assert "    server 10.0.0.11:8000 max_fails=1 fail_timeout=10s;" in text.splitlines()
    assert "    server 10.0.0.12:8000 max_fails=1 fail_timeout=10s;" in text.splitlines()
    for directive in ("server_name emall.example.go.id;", f"listen {https_port} ssl;", f"listen {http_port};",
                      f"return 308 https://$host:{https_port}$request_uri;",
                      f"ssl_certificate     {certificate};", f"ssl_certificate_key {key};",
                      "client_max_body_size 100000;", "client_body_timeout 8s;"):  # the settings', rounded up
        assert directive in text, directive
    # what nginx answers itself is the platform's SOAP fault, well-formed after nginx's unquoting
    unavailable = Response(503, {}, quoted_return(text, 503)).fault()
    assert unavailable[0] == "Server.Unavailable" and unavailable[2] == "UNAVAILABLE"
    too_large = Response(413, {}, quoted_return(text, 413)).fault()
    assert too_large[0] == "Client.BadRequest" and too_large[2] == "REQUEST_TOO_LARGE" and "100000" in too_large[1]

    prefix = tmp_path / "nginx"
    prefix.mkdir()
    check = nginx_test(prefix, text)
    assert check.returncode == 0 and "test is successful" in check.stderr, check.stderr


def test_the_site_is_not_rendered_without_an_upstream(tmp_path):
    required("openssl")
    certificate, key = loopback.self_signed_certificate(tmp_path)
    rendered = render_cli("--certificate", str(certificate), "--key", str(key))
    assert rendered.returncode != 0 and rendered.stdout == ""
    assert "--upstream" in rendered.stderr and "Traceback" not in rendered.stderr  # said in a line, no crash
    with pytest.raises(ValueError, match="upstream"):
        site.render([], certificate, key, settings=Settings.from_env({}))


UNITS = ("emall-ws-server@.service", "emall-ws-worker@.service", "emall-ws-sandbox.service")


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    systemd_analyze = required("systemd-analyze")
    for unit in UNITS:
        text = (loopback.UNITS / unit).read_text()
        assert f"ExecStart={loopback.INSTALLED_COMMAND} " in text
        assert "EnvironmentFile=/etc/emall-ws/emall-ws.env" in text
        # the one thing that differs on this machine: where the platform is installed
        (tmp_path / unit).write_text(text.replace(loopback.INSTALLED_COMMAND, str(loopback.EMALL_WS)))
    # Nothing environment-only has to be filtered here: systemd 252 verifies User=emall-ws (absent
    # here), the missing EnvironmentFile and the /var/lib/emall-ws working directory without a word;
    # it does report unknown keys, bad values and a command that is not executable (a template is
    # verified as instance `i`).
    verify = subprocess.run([systemd_analyze, "verify", *(str(tmp_path / unit) for unit in UNITS)],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stdout + verify.stderr


def test_systemd_analyze_verify_would_complain_of_a_broken_unit(tmp_path):
    """The check above can fail: the same verify reports a misspelt value and a missing command."""
    systemd_analyze = required("systemd-analyze")
    text = (loopback.UNITS / UNITS[0]).read_text().replace("Restart=on-failure", "Restart=on-failur")
    (tmp_path / UNITS[0]).write_text(text.replace(loopback.INSTALLED_COMMAND, str(tmp_path / "emall-ws")))
    verify = subprocess.run([systemd_analyze, "verify", str(tmp_path / UNITS[0])],
                            capture_output=True, text=True, timeout=120)
    assert "on-failur" in verify.stderr and "is not executable" in verify.stderr


def setting_names() -> set[str]:
    """Every variable SETTINGS declares, its <CODE> patterns spelt out with the real codes."""
    codes = {"BANK": BANKS, "COURIER": COURIERS}
    names = set()
    for name in (setting.name for setting in SETTINGS):
        kind = re.fullmatch(r"EMALL_([A-Z]+)_<CODE>_URL", name)
        names |= {f"EMALL_{kind.group(1)}_{code.upper()}_URL" for code in codes[kind.group(1)]} if kind else {name}
    return names


def test_the_environment_file_holds_only_real_settings_and_passes_a_public_servers_checks():
    lines = [line.split("=", 1)[0].strip() for line in loopback.ENV_FILE.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert len(lines) == len(set(lines)), "a variable set twice"
    values = loopback.read_env_file(loopback.ENV_FILE)
    assert set(values) <= setting_names(), set(values) - setting_names()
    assert values["EMALL_MAIL_FROM"] == "Emall KUKM <no-reply@emall.example.go.id>"  # quotes as systemd reads them
    with pytest.raises(FailClosed, match="EMALL_SECRET_KEY is unset"):  # the one value left to fill in
        Settings.from_env(values).check_fail_closed()
    values["EMALL_SECRET_KEY"] = base64.b64encode(os.urandom(32)).decode()  # as `openssl rand -base64 32`
    settings = Settings.from_env(values)  # the file as it is (its MariaDB URL is only parsed here)
    assert settings.database_url.startswith("mysql+pymysql://")
    assert settings.is_public() and settings.public_url.startswith("https://")
    assert not settings.sandbox_enabled and settings.partners_left_to_the_sandbox() == []
    settings.check_fail_closed()  # raises FailClosed if a partner were left to the sandbox
    assert settings.trusted_proxies, "nginx's address is trusted for X-Forwarded-For"


# ------------------------------------------------------------------------- the deployment, running

@pytest.fixture(scope="module")
def deployment(database_factory, tmp_path_factory, mailbox):
    required("nginx"), required("openssl")
    running = loopback.start(tmp_path_factory.mktemp("deployment"), database_factory.new_url("deploy"),
                             database_factory.new_url("deploy_sandbox"), f"smtp://127.0.0.1:{mailbox.port}",
                             servers=2, workers=2, EMALL_MAX_REQUEST_BYTES=str(MAX_REQUEST_BYTES),
                             EMALL_BODY_TIMEOUT=str(BODY_TIMEOUT))
    try:
        yield running
    finally:
        running.stop()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def instance_port(process: loopback.Process) -> int:
    """The EMALL_PORT an `emall-ws server` instance was started with."""
    environ = Path(f"/proc/{process.popen.pid}/environ").read_bytes().split(b"\0")
    return int(next(v for v in environ if v.startswith(b"EMALL_PORT=")).split(b"=", 1)[1])


def https(deployment, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
          timeout: float = 30) -> Response:
    """One request to nginx over TLS on a connection of its own."""
    connection = http.client.HTTPSConnection("127.0.0.1", port_of(deployment.url), timeout=timeout,
                                             context=deployment.ssl_context())
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "text/xml; charset=utf-8",
                                                             **(headers or {})})
        answer = connection.getresponse()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        connection.close()


def call(deployment, body: bytes = LIST_PROVINCES, operation: str = "listProvinces", **headers) -> Response:
    return https(deployment, "POST", "/ws/Member", body, {"SOAPAction": f'"{operation}"', **headers})


def access_lines(process: loopback.Process) -> list[tuple[str, ...]]:
    """(client, call, outcome, code) of every access line the instance logged so far."""
    return [match.groups() for match in ACCESS_LINE.finditer(process.log.read_text(errors="replace"))]


class AccessLog:
    """The access lines the instances write from now on."""

    def __init__(self, processes: list[loopback.Process]):
        self.processes = processes
        self.seen = [len(access_lines(process)) for process in processes]

    def new(self) -> list[tuple[str, ...]]:
        return [line for lines in self.new_by_process() for line in lines]

    def new_by_process(self) -> list[list[tuple[str, ...]]]:
        return [access_lines(process)[seen:] for process, seen in zip(self.processes, self.seen, strict=True)]


def test_a_public_call_over_tls_and_the_wsdl_names_the_https_address(deployment):
    session = requests.Session()
    session.verify = str(deployment.certificate)
    session.trust_env = False  # else REQUESTS_CA_BUNDLE, where set, would replace `verify` (requests#3829)
    member = zeep.Client(f"{deployment.url}/ws/Member?wsdl", transport=zeep.Transport(session=session))
    provinces = member.service.listProvinces()
    assert "31" in [p.code for p in provinces] and len(provinces) == 38
    wsdl = session.get(f"{deployment.url}/ws/Member?wsdl", timeout=30)
    addresses = etree.fromstring(wsdl.content).xpath("//*[local-name()='address']/@location")
    assert addresses == [f"{deployment.url}/ws/Member"]  # EMALL_PUBLIC_URL, https, nginx's port
    assert wsdl.headers["Strict-Transport-Security"] == "max-age=31536000"
    with pytest.raises(requests.exceptions.SSLError):  # TLS for real: an unknown certificate is refused
        requests.get(f"{deployment.url}/ws/Member?wsdl", timeout=30, verify=True)


def test_plain_http_is_sent_to_https_with_the_post_kept(deployment):
    connection = http.client.HTTPConnection("127.0.0.1", port_of(deployment.http_url), timeout=30)
    try:
        connection.request("POST", "/ws/Member", body=LIST_PROVINCES, headers={"Content-Type": "text/xml"})
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 308 and answer.getheader("Location") == f"{deployment.url}/ws/Member"
    followed = requests.post(f"{deployment.http_url}/ws/Member", data=LIST_PROVINCES, timeout=30,
                             headers={"Content-Type": "text/xml", "SOAPAction": '"listProvinces"'},
                             verify=str(deployment.certificate))
    assert followed.status_code == 200 and b"listProvincesResponse" in followed.content
    assert [r.status_code for r in followed.history] == [308]


def test_metrics_are_not_served_through_nginx_but_by_each_instance(deployment):
    assert https(deployment, "GET", "/metrics").status == 404
    for server in deployment.servers:
        with requests.get(f"http://127.0.0.1:{instance_port(server)}/metrics", timeout=30) as answer:
            assert answer.status_code == 200 and "emall_soap_call" in answer.text


def test_an_x_forwarded_for_sent_by_the_client_is_not_believed(deployment):
    log = AccessLog(deployment.servers)
    answer = call(deployment, **{"X-Forwarded-For": "203.0.113.9"})
    assert answer.status == 200
    new = eventually(log.new, "the call's access line", timeout=10)
    assert new == [("127.0.0.1", "Member.listProvinces", "ok", None)]
    assert "203.0.113.9" not in "".join(s.log.read_text(errors="replace") for s in deployment.servers)


def padded(size: int) -> bytes:
    """A listProvinces envelope of exactly `size` bytes (an XML comment fills it)."""
    filler = size - len(LIST_PROVINCES) - len("<!---->")
    assert filler >= 0
    return b"<!--" + b"x" * filler + b"-->" + LIST_PROVINCES


def chunks(body: bytes, size: int = 8192):
    return (body[i:i + size] for i in range(0, len(body), size))


@pytest.mark.parametrize("sent", ["Content-Length", "chunked"])
def test_a_body_over_the_limit_gets_413_and_the_platforms_fault_from_nginx_alone(deployment, sent):
    log = AccessLog(deployment.servers)
    body = padded(MAX_REQUEST_BYTES + 1)
    # an iterable body goes chunked (http.client), its size unknown to nginx until it has read it
    answer = call(deployment, body if sent == "Content-Length" else chunks(body))
    assert answer.status == 413 and answer.headers["content-type"].startswith("text/xml")
    code, message, detail = answer.fault()
    assert (code, detail) == ("Client.BadRequest", "REQUEST_TOO_LARGE") and str(MAX_REQUEST_BYTES) in message
    # the same body one byte shorter is the instance's to answer: nginx's limit is the platform's
    assert call(deployment, padded(MAX_REQUEST_BYTES)).status == 200
    new = eventually(log.new, "the access line", timeout=10)
    assert new == [("127.0.0.1", "Member.listProvinces", "ok", None)], "the large body reached an instance"


def stalled_upload(deployment, context: ssl.SSLContext) -> ssl.SSLSocket:
    """A TLS connection that sent its headers and half its body, then went quiet."""
    connection = context.wrap_socket(socket.create_connection(("127.0.0.1", port_of(deployment.url)), timeout=30),
                                     server_hostname="127.0.0.1")
    connection.sendall(b"POST /ws/Member HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                       b'SOAPAction: "listProvinces"\r\nContent-Length: 1000\r\n\r\n' + b"<soapenv:Envelope " * 27)
    return connection


def read_until_closed(connection: ssl.SSLSocket, timeout: float) -> bytes:
    connection.settimeout(timeout)
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (ssl.SSLError, ConnectionResetError):  # closed without TLS's goodbye
        pass
    return received


def connections_to(ports: set[int]) -> int:
    """Established TCP connections accepted on these ports (IPv4, this machine)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) in ports:
            count += 1
    return count


def test_stalled_uploads_are_held_by_nginx_and_never_reach_an_instance(deployment):
    context = deployment.ssl_context()
    instances = {instance_port(server) for server in deployment.servers}
    log = AccessLog(deployment.servers)
    stalled_from = time.monotonic()
    stalls = [stalled_upload(deployment, context) for _ in range(STALLED)]
    try:
        held_from = time.monotonic()
        seconds = []
        for _ in range(20):  # ordinary calls, each on a connection (and TLS handshake) of its own
            started = time.monotonic()
            answer = call(deployment, timeout=5)
            seconds.append(time.monotonic() - started)
            assert answer.status == 200 and b"listProvincesResponse" in answer.body
        upstream = connections_to(instances)
        still_held = time.monotonic() - held_from < BODY_TIMEOUT
        assert max(seconds) < 1.0, [round(s, 3) for s in seconds]
        assert still_held, "the calls took longer than the body timeout: the stalls did not hold"
        assert upstream < STALLED, f"{upstream} connections to the instances: nginx passed the stalls on"
        # nginx cuts them at its client_body_timeout (EMALL_BODY_TIMEOUT), and as nginx does on that
        # timeout, with no answer at all (an instance would answer 408 BODY_TIMEOUT)
        cut = [read_until_closed(stall, BODY_TIMEOUT + 10) for stall in stalls]  # raises if one is not cut
        assert time.monotonic() - stalled_from >= BODY_TIMEOUT - 0.5
        assert cut == [b""] * STALLED, {answer[:60] for answer in cut}
    finally:
        for stall in stalls:
            stall.close()
    lines = log.new()
    assert len(lines) == 20 and {line[1:3] for line in lines} == {("Member.listProvinces", "ok")}
    assert "BODY_TIMEOUT" not in "".join(s.log.read_text(errors="replace") for s in deployment.servers)


# ---------------------------------------------------------------- instances dying under nginx

def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def doomed_deployment(database_factory, tmp_path_factory, mailbox):
    """A deployment of its own, for a test that kills its instances."""
    required("nginx"), required("openssl")
    running = loopback.start(tmp_path_factory.mktemp("doomed"), database_factory.new_url("deploy_doomed"),
                             database_factory.new_url("deploy_doomed_sandbox"), f"smtp://127.0.0.1:{mailbox.port}",
                             servers=2, workers=1)
    try:
        yield running
    finally:
        running.stop()


def test_a_killed_instance_is_passed_over_and_with_none_left_callers_get_503_unavailable(doomed_deployment):
    deployment = doomed_deployment
    first, second = deployment.servers
    log = AccessLog(deployment.servers)
    for _ in range(4):  # both instances serve, and nginx keeps connections to them
        assert call(deployment).status == 200
    eventually(lambda: all(log.new_by_process()), "a call answered by each instance (nginx balances)", timeout=10)
    port = instance_port(first)
    first.kill()
    eventually(lambda: refused(port), f"nothing serving port {port} after the kill", timeout=10)
    log = AccessLog([second])
    statuses = [call(deployment).status for _ in range(20)]
    assert statuses == [200] * 20
    assert len(log.new()) == 20, "the survivor answered every call"
    second.kill()
    for _ in range(3):
        answer = call(deployment)
        assert answer.status == 503 and answer.headers["retry-after"] == "5"
        assert answer.headers["content-type"].startswith("text/xml")
        assert answer.fault()[0] == "Server.Unavailable" and answer.fault()[2] == "UNAVAILABLE"
    assert all(process.popen.poll() is None for process in deployment.others), "nginx and the sandboxes live on"
