"""The worker as `emall-ws worker` (run_worker) runs it, alone or under `emall-ws serve`."""
import mailbox
import threading

from sqlalchemy import select

from emall_ws.db.models import Notification
from emall_ws.notify.dispatcher import Dispatcher
from emall_ws.notify.email import MaildirEmailSender
from emall_ws.notify.outbox import EMAIL, enqueue
from emall_ws.config import Settings
from emall_ws.worker import dispatch_job, run_worker
from tests.waiting import eventually


def welcome(db, *numbers):
    with db.unit_of_work() as session:
        for number in numbers:
            enqueue(session, event_key=f"member:{number}:activated", channel=EMAIL,
                    recipient=f"m{number}@example.id", template="member_activated",
                    data=dict(name=f"M{number}", username=f"m{number}", role="SELLER"))


def settings_for(db, tmp_path, **env):
    """The real Settings, as `emall-ws serve` and `emall-ws worker` build them."""
    return Settings.from_env({"EMALL_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                              "EMALL_VAR_DIR": str(tmp_path), "EMALL_DISPATCH_INTERVAL": "0.1", **env})


def wait_for_mail(folder, count, seconds=20.0):
    return eventually(lambda: (folder / "cur").is_dir() and len(mailbox.Maildir(folder, create=False)) >= count,
                      f"{count} message(s) in {folder}", seconds, interval=0.05)


def test_one_dispatch_job_run_drains_a_backlog_in_full_batches(db, tmp_path):
    welcome(db, *range(1, 6))
    dispatcher = Dispatcher(db, {EMAIL: MaildirEmailSender(tmp_path / "mail")}, batch_size=2)
    stats = dispatch_job(dispatcher)()
    assert (stats.sent, stats.claimed) == (5, 5)


def test_run_worker_runs_until_its_stop_event(db, tmp_path):
    welcome(db, 1, 2)
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(settings_for(db, tmp_path), stop))
    thread.start()
    try:
        assert wait_for_mail(tmp_path / "mail", 2)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    with db.unit_of_work() as session:
        assert session.scalars(select(Notification.status)).all() == ["SENT", "SENT"]
