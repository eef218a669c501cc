"""A deadlock victim's operation runs again (the database rolled it back whole); other errors do not."""
from types import SimpleNamespace

import pytest
from spyne import Integer, ServiceBase, rpc
from spyne.server.wsgi import WsgiApplication
from sqlalchemy.exc import OperationalError

from emall_ws.config import Settings
from emall_ws.db.session import MYSQL_DEADLOCK
from emall_ws.db.session import DEADLOCK_ATTEMPTS
from emall_ws.soap.application import PlatformApplication
from tests.wsgi_client import call, envelope

NS = "urn:emall-kukm:probe"


def database_error(code: int) -> OperationalError:
    return OperationalError("UPDATE product ...", {}, Exception(code, "simulated"))


def app_failing(times: int, code: int = MYSQL_DEADLOCK):
    calls = []

    class Probe(ServiceBase):
        @rpc(_returns=Integer)
        def attempt(ctx):
            calls.append(1)
            if len(calls) <= times:
                raise database_error(code)
            return len(calls)

    application = PlatformApplication([Probe], "Probe", SimpleNamespace(settings=Settings.from_env({})))
    return WsgiApplication(application), calls


def test_a_deadlock_victim_is_run_again_and_succeeds():
    app, calls = app_failing(DEADLOCK_ATTEMPTS - 1)
    response = call(app, "POST", "/", envelope("attempt", NS))
    assert response.status == 200
    assert response.xml().findtext(f".//{{{NS}}}attemptResult") == str(DEADLOCK_ATTEMPTS)
    assert len(calls) == DEADLOCK_ATTEMPTS


def test_repeated_deadlocks_end_in_a_server_fault_after_the_last_attempt():
    app, calls = app_failing(DEADLOCK_ATTEMPTS)
    response = call(app, "POST", "/", envelope("attempt", NS))
    assert response.fault()[0] == "Server.Internal"
    assert len(calls) == DEADLOCK_ATTEMPTS


@pytest.mark.parametrize("code", [1205, 2013])  # lock wait timeout, lost connection: not retried
def test_other_database_errors_are_not_retried(code):
    app, calls = app_failing(1, code)
    response = call(app, "POST", "/", envelope("attempt", NS))
    assert response.fault()[0] == "Server.Internal"
    assert len(calls) == 1


def test_a_unit_of_work_chosen_as_deadlock_victim_is_run_again(tmp_path):
    from emall_ws.db.session import Database

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    calls = []

    def work(session):
        calls.append(1)
        if len(calls) < DEADLOCK_ATTEMPTS:
            raise database_error(MYSQL_DEADLOCK)
        return "done"

    assert db.run(work) == "done" and len(calls) == DEADLOCK_ATTEMPTS
    calls.clear()
    with pytest.raises(OperationalError):
        db.run(lambda session: calls.append(1) or (_ for _ in ()).throw(database_error(1205)))
    assert len(calls) == 1
