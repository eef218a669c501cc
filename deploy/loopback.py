"""The production deployment of deploy/, run on this machine's loopback for its tests and the
scale-out bench: nginx with the rendered site (deploy/nginx.py) and a self-signed certificate in front
of `emall-ws server` instances, with `emall-ws worker` processes and the partner sandboxes, each
started with its systemd unit's ExecStart and Environment lines (deploy/systemd) and the settings of
deploy/systemd/emall-ws.env, of which only what cannot be the same here is replaced: addresses,
ports, the database, the mail server and the partners (the sandboxes').

Nothing here runs as root or touches /etc: nginx gets a prefix folder of its own.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
sys.path.insert(0, str(DEPLOY.parent))
sys.path.insert(0, str(DEPLOY))

import nginx as site  # noqa: E402  (deploy/nginx.py)

from emall_ws.config import Settings  # noqa: E402
from emall_ws.domain.partners import BANKS, COURIERS  # noqa: E402

UNITS = DEPLOY / "systemd"
ENV_FILE = UNITS / "emall-ws.env"
INSTALLED_COMMAND = "/opt/emall-ws/.venv/bin/emall-ws"  # where the units expect the platform
EMALL_WS = Path(sys.executable).parent / "emall-ws"  # this checkout's


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments, blank lines, quotes)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = shlex.split(value)[0] if value.strip() else ""
    return values


def unit_command(unit: str, instance: str = "") -> tuple[list[str], dict[str, str]]:
    """(argv, Environment= variables) of deploy/systemd/<unit>, `%i` being `instance`, the command
    this checkout's `emall-ws` instead of the installed one."""
    argv: list[str] = []
    environment: dict[str, str] = {}
    for line in (UNITS / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        value = value.replace("%i", instance)
        if key == "ExecStart":
            argv = [str(EMALL_WS) if word == INSTALLED_COMMAND else word for word in shlex.split(value)]
        elif key == "Environment":
            name, _, setting = value.partition("=")
            environment[name] = setting
    if not argv or argv[0] != str(EMALL_WS):
        raise ValueError(f"{unit}: ExecStart does not run {INSTALLED_COMMAND}")
    return argv, environment


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid a day, and its key: what a client is told to trust."""
    certificate, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True)
    return certificate, key


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    unit: str = ""
    instance: str = ""
    log_start: int = 0  # the log's size when this process started: what it wrote comes after

    def output(self) -> str:
        """What this process wrote to its log (a restarted unit appends to the same one)."""
        with open(self.log, "rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: nothing of it runs its shutdown. To every
        process of the instance (its session, as systemd's control group): granian's worker
        processes outlive a killed main process and would go on serving its port."""
        self._kill_session()
        self.popen.wait()

    def stop(self) -> None:
        """SIGTERM to every process of it, SIGKILL past 15 s (the units' TimeoutStopSec), as systemd's
        default KillMode=control-group does."""
        self._signal_session(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        self._kill_session()
        self.popen.wait()

    def _kill_session(self) -> None:
        self._signal_session(signal.SIGKILL)

    def _signal_session(self, number: int) -> None:
        try:
            os.killpg(self.popen.pid, number)
        except ProcessLookupError:
            pass


@dataclass(eq=False)  # one per start(), known by identity
class Deployment:
    """What runs, and where: `url` is nginx's HTTPS address, `certificate` what clients trust."""
    folder: Path
    env: dict[str, str]
    url: str = ""
    http_url: str = ""
    sandbox_url: str = ""
    certificate: Path = Path()
    servers: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    others: list[Process] = field(default_factory=list)  # nginx, sandboxes

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def processes(self) -> list[Process]:
        return self.servers + self.workers + self.others

    def emall_ws(self, *args: str, **settings: str) -> subprocess.CompletedProcess:
        """`emall-ws <args>` with the deployment's settings, as an operator runs it."""
        return subprocess.run([str(EMALL_WS), *args], env={**self.env, **settings}, cwd=self.folder,
                              capture_output=True, text=True, timeout=300)

    def restart(self, process: Process) -> Process:
        """The unit started again, as `systemctl restart` (or Restart=on-failure) does; a server
        instance is ready again when this returns."""
        process.stop()
        again = _run(self, process.unit, process.instance, process.name)
        for group in (self.servers, self.workers, self.others):
            if process in group:
                group[group.index(process)] = again
        if process.unit.startswith("emall-ws-server"):
            _wait_http(f"http://127.0.0.1:{process.instance}/health", again)
        return again

    def stop(self) -> None:
        for process in reversed(self.processes()):
            process.stop()
        _started.discard(self)


_started: set[Deployment] = set()  # what stop_on_sigterm stops


def stop_on_sigterm() -> None:
    """A SIGTERM to this process stops every deployment it started, then ends it: each process of a
    deployment runs in a session of its own, so nothing else would end them (a test that times out
    terminates the bench it ran, not the bench's deployment)."""
    def stop_all(number: int, _frame) -> None:
        for deployment in list(_started):
            deployment.stop()
        os._exit(128 + number)

    signal.signal(signal.SIGTERM, stop_all)


def loopback_settings(folder: Path, database_url: str, sandbox_database_url: str, smtp_url: str,
                      https_port: int, sandbox_port: int, **settings: str) -> dict[str, str]:
    """deploy/systemd/emall-ws.env with what must differ on loopback replaced; `settings` last."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    env = dict(os.environ, **read_env_file(ENV_FILE))
    env.update(EMALL_PUBLIC_URL=f"https://127.0.0.1:{https_port}", EMALL_DATABASE_URL=database_url,
               EMALL_VAR_DIR=str(folder / "var"), EMALL_SMTP_URL=smtp_url, EMALL_LOG_FORMAT="text",
               EMALL_SANDBOX_PORT=str(sandbox_port), EMALL_SANDBOX_URL=sandbox,
               EMALL_SANDBOX_DATABASE_URL=sandbox_database_url,
               EMALL_SMS_URL=f"{sandbox}/partners/sms", EMALL_DUKCAPIL_URL=f"{sandbox}/partners/dukcapil",
               EMALL_OSS_URL=f"{sandbox}/partners/oss",
               **{f"EMALL_BANK_{code.upper()}_URL": f"{sandbox}/partners/bank/{code}" for code in BANKS},
               **{f"EMALL_COURIER_{code.upper()}_URL": f"{sandbox}/partners/courier/{code}" for code in COURIERS})
    env.update(settings)
    return env


def start(folder: Path, database_url: str, sandbox_database_url: str, smtp_url: str, *,
          servers: int = 2, workers: int = 2, **settings: str) -> Deployment:
    """The database brought to this code's revision (`emall-ws initdb`, as a first installation),
    then the sandboxes, `servers` server instances, `workers` workers and nginx, each ready."""
    folder.mkdir(parents=True, exist_ok=True)
    https_port, http_port, sandbox_port = free_port(), free_port(), free_port()
    deployment = Deployment(folder, loopback_settings(folder, database_url, sandbox_database_url, smtp_url,
                                                      https_port, sandbox_port, **settings))
    deployment.url, deployment.http_url = f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}"
    deployment.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    _started.add(deployment)
    try:
        initdb = deployment.emall_ws("initdb")
        if initdb.returncode:
            raise RuntimeError(f"emall-ws initdb: {initdb.stdout}{initdb.stderr}")
        deployment.others.append(_run(deployment, "emall-ws-sandbox.service", "", "sandbox"))
        _wait_http(f"{deployment.sandbox_url}/partners/sms?wsdl", deployment.others[-1])
        ports = [free_port() for _ in range(servers)]
        for port in ports:
            deployment.servers.append(_run(deployment, "emall-ws-server@.service", str(port), f"server-{port}"))
        for server, port in zip(deployment.servers, ports, strict=True):
            _wait_http(f"http://127.0.0.1:{port}/health", server)
        for number in range(1, workers + 1):
            deployment.workers.append(_run(deployment, "emall-ws-worker@.service", str(number), f"worker-{number}"))
        deployment.certificate, key = self_signed_certificate(folder)
        deployment.others.append(_nginx(deployment, [f"127.0.0.1:{port}" for port in ports], key,
                                        https_port, http_port))
        _wait_http(deployment.url + "/health", deployment.others[-1], deployment.ssl_context())
    except BaseException:
        deployment.stop()
        raise
    return deployment


def _run(deployment: Deployment, unit: str, instance: str, name: str) -> Process:
    argv, environment = unit_command(unit, instance)
    log = deployment.folder / f"{name}.log"
    with open(log, "ab") as out:
        start = out.tell()
        popen = subprocess.Popen(argv, env={**deployment.env, **environment}, cwd=deployment.folder,
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Process(name, popen, log, unit, instance, start)


def write_main_conf(prefix: Path, site_text: str) -> Path:
    """prefix/nginx.conf: a main configuration of its own (no /etc, no root needed) around the site,
    written to prefix/emall-ws.conf; its path."""
    (prefix / "emall-ws.conf").write_text(site_text)
    # as root, nginx's workers would be `nobody`, who cannot enter a private temporary folder
    user = "user root;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/emall-ws.conf;
}}
""")
    return prefix / "nginx.conf"


def _nginx(deployment: Deployment, upstreams: list[str], key: Path, https_port: int, http_port: int) -> Process:
    """nginx in the foreground with a main configuration of its own around the rendered site."""
    prefix = deployment.folder / "nginx"
    prefix.mkdir(exist_ok=True)
    settings = Settings.from_env(deployment.env)
    write_main_conf(prefix, site.render(upstreams, deployment.certificate, key, "127.0.0.1", https_port,
                                        http_port, settings))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                           capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx -t: {check.stderr}")
    log = prefix / "stderr.log"
    with open(log, "ab") as out:
        popen = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Process("nginx", popen, prefix / "error.log")


def _wait_http(url: str, process: Process, context: ssl.SSLContext | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n"
                               f"{process.log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{process.name}: {url} not ready within {timeout} s:\n"
                       f"{process.log.read_text(errors='replace')[-3000:]}")
