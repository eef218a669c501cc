"""`emall-ws serve` ends on a Ctrl-C, which a terminal sends to its whole process group."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.processes import free_port, wait_until_healthy
from tests.waiting import eventually


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def live_members_of_group(pgid: int) -> list[int]:
    """Processes of the group that have not ended (zombies waiting for a reaper have)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def test_ctrl_c_to_the_process_group_ends_the_server_its_worker_and_the_sandboxes(tmp_path):
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    env.update(EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_SANDBOX_PORT=str(sandbox_port),
               EMALL_VAR_DIR=str(tmp_path / "var"))
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "serve"], env=env, cwd=tmp_path,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, log_path)
        wait_until_healthy(f"http://127.0.0.1:{sandbox_port}", process, log_path, path="/partners/sms?wsdl")
        eventually(lambda: "worker started" in log_path.read_text(),  # logged when its jobs are set up
                   lambda: f"the background worker started:\n{log_path.read_text()[-3000:]}")

        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0, log_path.read_text()[-3000:]

        eventually(lambda: not live_members_of_group(process.pid) and not listening(sandbox_port),
                   lambda: f"the group's processes ended (left: {live_members_of_group(process.pid)}) and the "
                           f"sandbox's port closed (listening: {listening(sandbox_port)})", timeout=10)
        assert not listening(port)
        assert "worker stopped" in log_path.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
