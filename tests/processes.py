"""Starting servers as separate processes for the tests: free ports and readiness."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import pytest

from tests.waiting import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60,
                       path: str = "/health") -> None:
    """Until GET <url><path> answers 200; fails with the process's log if it exits or stalls."""
    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + path, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    eventually(healthy, lambda: f"{url} healthy:\n{log_path.read_text()}", timeout)


def fetch(url: str) -> tuple[int, bytes]:
    """(HTTP status, body) of GET url, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def running(args: list[str], env: Mapping[str, str], cwd: Path, log_path: Path, url: str,
            path: str = "/health") -> Iterator[subprocess.Popen]:
    """`python <args>` as a process of its own, output appended to log_path, until GET <url><path>
    answers; terminated (killed past 15 s) when the block ends."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, *args], env=dict(env), stdout=log,
                                   stderr=subprocess.STDOUT, cwd=cwd)
    try:
        wait_until_healthy(url, process, log_path, path=path)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, then SIGKILL past 15 s; the exit code."""
    process.terminate()
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


PACKAGES = {"nginx": "nginx", "systemd-analyze": "systemd", "openssl": "openssl", "sqlite3": "sqlite3",
            "mariadb": "mariadb-client", "mariadb-dump": "mariadb-client",
            "wsdl2perl": "libsoap-wsdl-perl", "kdwsdl2cpp": "libkdsoap-bin", "pkg-config": "pkgconf",
            "node": "nodejs", "chromedriver": "chromium-driver"}


def required(program: str) -> str:
    """The program's path. Missing: a failure in CI (the deployment must be proven there), a skip
    with the reason on a workstation, as tests/run.sh treats a missing MariaDB."""
    found = shutil.which(program) or next(
        (path for path in (f"/usr/sbin/{program}", f"/usr/bin/{program}") if os.access(path, os.X_OK)), None)
    if found:
        return found
    reason = (f"{program} is not installed (Debian: apt-get install {PACKAGES.get(program, program)}; "
              ".ci/run installs it): what needs it is not tested")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
