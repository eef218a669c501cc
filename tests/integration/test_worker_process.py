"""`emall-ws worker` as a process of its own, as production runs it: it starts its jobs, sends a due
SMS through the SMS gateway sandbox, and stops cleanly (exit code 0) on SIGTERM."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from emall_ws.db.models import Notification
from emall_ws.db.session import Database
from tests.processes import stop
from tests.sandbox_server import partners, sandbox  # noqa: F401
from tests.sms import enqueue_activation, received
from tests.waiting import eventually

pytestmark = pytest.mark.network


def test_the_worker_process_sends_a_due_sms_and_stops_cleanly_on_sigterm(partners, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'emall.db'}"
    db = Database(database_url)
    db.create_schema()
    msisdn = enqueue_activation(db)
    env = dict(os.environ, EMALL_DATABASE_URL=database_url, EMALL_VAR_DIR=str(tmp_path / "var"),
               EMALL_SANDBOX_URL=partners.url, EMALL_DISPATCH_INTERVAL="0.2", EMALL_LOG_LEVEL="INFO")
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "worker"], env=env, cwd=tmp_path,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: received(partners, msisdn) or process.poll() is not None,
                   "the SMS at the gateway (or the worker gone)")
    finally:
        exit_code = stop(process)  # SIGTERM
    output = log_path.read_text(errors="replace")
    with db.unit_of_work() as session:
        [row] = session.scalars(select(Notification)).all()
    db.dispose()
    [message] = received(partners, msisdn)
    assert (row.status, row.provider_id) == ("SENT", message.messageId), output
    assert "worker started: dispatch-notifications, poll-sms-status" in output
    assert exit_code == 0 and "worker stopped" in output, output
