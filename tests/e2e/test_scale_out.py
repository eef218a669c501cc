"""Scale-out, run as its one command: bench/scale_out.py --flow-only starts the deployment of deploy/
on loopback (nginx over TLS, 2 server instances, 2 workers) on MariaDB, runs the paper's flow for a
few buyers through nginx, kills server instance 1 and worker 1 with SIGKILL midway, and checks that
nothing was lost or doubled (orders, payments, status changes, auctions closed, stock, every email and
SMS exactly once). The same script, with more buyers, gives bench/README.md's figures."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import MYSQL_SERVER_URL, PREFIX
from tests.processes import required

ROOT = Path(__file__).resolve().parents[2]
CHECKS = 11  # bench/scale_out.py's check_everything
FLOW_WITHIN = 900  # seconds: notifications the killed worker had claimed wait out its 5-minute outbox lease
STOP_WITHIN = 120  # seconds the bench may take to stop its deployment (15 s per process at most)


@pytest.mark.timeout(FLOW_WITHIN + STOP_WITHIN + 30)
@pytest.mark.skipif(not MYSQL_SERVER_URL, reason="several processes share one database: the MariaDB pass")
def test_killing_an_instance_and_a_worker_midway_loses_and_doubles_nothing():
    required("nginx")
    with subprocess.Popen([sys.executable, "bench/scale_out.py", "--flow-only", "--mysql-url", MYSQL_SERVER_URL,
                           "--database", f"{PREFIX}_scale", "--buyers", "8", "--sellers", "2", "--clients", "4"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as bench:
        try:
            stdout, stderr = bench.communicate(timeout=FLOW_WITHIN)
        except subprocess.TimeoutExpired:
            bench.terminate()  # the bench stops its deployment on SIGTERM (its processes outlive a SIGKILL)
            try:
                stdout, stderr = bench.communicate(timeout=STOP_WITHIN)
            except subprocess.TimeoutExpired:
                bench.kill()
                stdout, stderr = bench.communicate()
    report = "\n".join(line for line in (stdout + stderr).splitlines() if "emall_ws.access" not in line)
    assert bench.returncode == 0, report[-6000:]
    results = re.findall(r"^  (ok  |FAIL) (.+)$", stdout, re.M)
    assert len(results) == CHECKS and all(mark == "ok  " for mark, _ in results), report[-6000:]
    assert re.search(r"^killed with SIGKILL after 4 checkouts: server-\d+, worker-1$", stdout, re.M)
