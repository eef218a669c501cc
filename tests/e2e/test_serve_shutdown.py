"""`emall-ws serve` supervises its children: a Ctrl-C stops them all within 3 s, a child that dies
stops the rest, and a serve killed outright leaves nothing behind."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port, wait_until_healthy
from tests.waiting import eventually
from tests.wsgi_client import envelope

# seconds are the measure here: run alone, after the parallel pass (tests/run.sh)
pytestmark = pytest.mark.timing

CHILDREN = {"server", "worker", "sandbox", "storefront"}  # `emall-ws <command>` of each child


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (zombies waiting for a reaper have ended)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return [pid for pid in found if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command_of(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().split("\0")


class Serve:
    """`emall-ws serve` in a session of its own, as a terminal runs it."""

    def __init__(self, tmp_path: Path, ports: tuple[int, int, int] | None = None, **settings: str):
        self.ports = ports or (free_port(), free_port(), free_port())
        self.port, self.sandbox_port, self.web_port = self.ports
        env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
        env.update(EMALL_HOST="127.0.0.1", EMALL_PORT=str(self.port), EMALL_SANDBOX_PORT=str(self.sandbox_port),
                   EMALL_WEB_PORT=str(self.web_port), EMALL_VAR_DIR=str(tmp_path / "var"), **settings)
        self.log_path = tmp_path / "serve.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "serve"], env=env,
                                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        wait_until_healthy(f"http://127.0.0.1:{self.port}", self.process, self.log_path)
        wait_until_healthy(f"http://127.0.0.1:{self.sandbox_port}", self.process, self.log_path,
                           path="/partners/sms?wsdl")
        if settings.get("EMALL_STOREFRONT") != "0":
            wait_until_healthy(f"http://127.0.0.1:{self.web_port}", self.process, self.log_path,
                               path="/static/style.css")
        eventually(lambda: "worker started" in self.log(),  # logged when its jobs are set up
                   lambda: f"the worker started:\n{self.log()[-3000:]}")
        self.children = {command_of(pid)[3]: pid for pid in descendants(self.process.pid)
                         if command_of(pid)[1:3] == ["-m", "emall_ws.cli"] and _parent(pid) == self.process.pid}
        self.everything = [self.process.pid, *descendants(self.process.pid)]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_all_ended(self, timeout: float) -> None:
        eventually(lambda: not [pid for pid in self.everything if _alive(pid)]
                   and not any(listening(port) for port in self.ports),
                   lambda: f"every process ended (left: {[p for p in self.everything if _alive(p)]}) and "
                           f"the ports closed", timeout=timeout)

    def kill_all(self) -> None:
        for pid in self.everything:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.wait()


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def serve(tmp_path):
    running = Serve(tmp_path)
    yield running
    running.kill_all()


def test_serve_runs_the_server_the_worker_and_the_sandboxes_as_its_children(serve):
    assert set(serve.children) == CHILDREN
    banner = serve.log().split("\n")
    assert banner[0].startswith("emall-ws ") and banner[0].endswith("serving")
    assert f"http://127.0.0.1:{serve.port}/health" in serve.log()
    assert f"http://127.0.0.1:{serve.sandbox_port}/partners/" in serve.log()
    assert f"http://127.0.0.1:{serve.web_port}/" in serve.log()


def test_serve_without_the_storefront_leaves_its_port_alone(tmp_path):
    alone = Serve(tmp_path, EMALL_STOREFRONT="0")
    try:
        assert set(alone.children) == CHILDREN - {"storefront"}
        assert not listening(alone.web_port) and "storefront" not in alone.log()
    finally:
        alone.kill_all()


def keep_calling(port: int, stop: threading.Event, answered: list[int]) -> None:
    """listCities calls one after another until `stop` (failures expected once the server goes);
    each answer is counted in `answered`."""
    body = envelope("listCities", "urn:emall-kukm:member", {"provinceCode": "31"})
    while not stop.is_set():
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/ws/Member", data=body,
                                             headers={"Content-Type": "text/xml", "SOAPAction": '"listCities"'})
            urllib.request.urlopen(request, timeout=2).read()
            answered.append(port)
        except OSError:
            time.sleep(0.01)


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_ctrl_c_to_the_process_group_stops_everything_within_3_seconds(serve, busy):
    stop = threading.Event()
    answered: list[int] = []
    callers = [threading.Thread(target=keep_calling, args=(serve.port, stop, answered))
               for _ in range(4 if busy else 0)]
    for caller in callers:
        caller.start()
    eventually(lambda: len(answered) >= 4 * len(callers), "the callers busy with the server")
    os.killpg(serve.process.pid, signal.SIGINT)
    assert serve.process.wait(timeout=3) == 0, serve.log()[-3000:]
    serve.assert_all_ended(timeout=1)
    stop.set()
    for caller in callers:
        caller.join()
    assert "worker stopped" in serve.log()
    for trouble in ("Traceback", "Killing", "killed"):  # granian's kill line, or the supervisor's
        assert trouble not in serve.log()


@pytest.mark.parametrize("child, name", [("sandbox", "partner sandboxes"), ("worker", "worker"),
                                         ("server", "SOAP server"), ("storefront", "storefront")])
def test_a_child_that_dies_is_named_and_serve_stops_the_rest(serve, child, name):
    os.kill(serve.children[child], signal.SIGKILL)
    assert serve.process.wait(timeout=10) == 1
    assert f"the {name} stopped" in serve.log()
    serve.assert_all_ended(timeout=5)


def half_sent_request(port: int) -> socket.socket:
    """A connection whose request body never arrives in full: granian, stopping, waits for it."""
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(b"POST /ws/Member HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ncsrf=")
    return connection


@pytest.mark.parametrize("caller", ["idle", "half-sent request"])
def test_serve_killed_outright_leaves_no_child_behind_and_can_start_again(serve, tmp_path, caller):
    held = [half_sent_request(port) for port in serve.ports] if caller != "idle" else []
    time.sleep(0.2)  # the requests are in the servers' hands
    os.kill(serve.process.pid, signal.SIGKILL)
    serve.process.wait()
    # the children's SIGTERM, then their own SIGKILL of their group STOP_SECONDS (2.5 s) later
    serve.assert_all_ended(timeout=5)
    assert not any(_alive(pid) for pid in serve.everything)
    (tmp_path / "again").mkdir()
    again = Serve(tmp_path / "again", ports=serve.ports)
    try:
        assert set(again.children) == CHILDREN
    finally:
        again.kill_all()
        for connection in held:
            connection.close()


@pytest.mark.parametrize("after", [0.5, 1.5])
def test_ctrl_c_while_the_server_workers_are_still_starting_stops_everything_within_3_seconds(tmp_path, after):
    ports = port, sandbox_port, web_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    env.update(EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_SANDBOX_PORT=str(sandbox_port),
               EMALL_WEB_PORT=str(web_port), EMALL_VAR_DIR=str(tmp_path / "var"))
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "serve"], env=env, cwd=tmp_path,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        eventually(lambda: "serving" in log_path.read_text(), "the banner")
        time.sleep(after)  # the server's workers are loading the platform now
        everything = [process.pid, *descendants(process.pid)]
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=3) == 0, log_path.read_text()[-3000:]
        eventually(lambda: not [pid for pid in everything if _alive(pid)], "every process ended", timeout=1)
        assert not any(map(listening, ports))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
