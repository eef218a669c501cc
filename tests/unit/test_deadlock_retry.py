"""A deadlock victim's transaction runs again (the database rolled it back whole); other errors do not.
Database.run is the one place that reruns, and every use case runs its transaction through it."""
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError

from emall_ws.db.session import DEADLOCK_ATTEMPTS, MYSQL_DEADLOCK, MYSQL_SAVEPOINT_GONE, Database
from emall_ws.services import auction
from tests.wsgi_client import call, envelope

NS = "urn:emall-kukm:auction"


def database_error(code: int) -> OperationalError:
    return OperationalError("UPDATE product ...", {}, Exception(code, "simulated"))


def failing_first(monkeypatch, times: int, code: int = MYSQL_DEADLOCK) -> list:
    """Auction.getAuction's service fails `times` times with MariaDB error `code`, then runs as usual."""
    calls = []
    real = auction.get_auction

    def get_auction(session, product_id, now, **options):
        calls.append(1)
        if len(calls) <= times:
            raise database_error(code)
        return real(session, product_id, now, **options)

    monkeypatch.setattr(auction, "get_auction", get_auction)
    return calls


def get_auction(app):
    return call(app, "POST", "/ws/Auction", envelope("getAuction", NS, {"productId": "424242"}))


def reruns() -> float:
    return REGISTRY.get_sample_value("emall_transaction_reruns_total") or 0.0


# 1305: Galera aborted the transaction inside a savepoint, and rolling back to it found it gone
@pytest.mark.parametrize("code", [MYSQL_DEADLOCK, MYSQL_SAVEPOINT_GONE])
def test_a_deadlock_victim_is_run_again_and_answers_as_usual(app, monkeypatch, code):
    counted = reruns()
    calls = failing_first(monkeypatch, DEADLOCK_ATTEMPTS - 1, code)
    assert get_auction(app).fault()[2] == "AUCTION_PRODUCT_NOT_FOUND"  # the last attempt ran the service
    assert len(calls) == DEADLOCK_ATTEMPTS
    assert reruns() == counted + DEADLOCK_ATTEMPTS - 1  # each rerun counted in /metrics


def test_repeated_deadlocks_end_in_a_server_fault_after_the_last_attempt(app, monkeypatch):
    calls = failing_first(monkeypatch, DEADLOCK_ATTEMPTS)
    assert get_auction(app).fault()[0] == "Server.Internal"
    assert len(calls) == DEADLOCK_ATTEMPTS


def test_a_lock_wait_timeout_is_server_busy_and_not_run_again(app, monkeypatch):
    calls = failing_first(monkeypatch, 1, 1205)
    faultcode, message, detail = get_auction(app).fault()
    assert (faultcode, detail) == ("Server.Busy", "DATABASE_BUSY")
    assert "Coba lagi" in message  # the retry hint
    assert len(calls) == 1


# a Galera node not ready, no server at the address (or socket, or host), server gone away, connection
# lost mid-call; access withdrawn; the database dropped (1049 connecting, 1146 on an open connection);
# a read-only server or transaction
@pytest.mark.parametrize("code", [1047, 2002, 2003, 2005, 2006, 2013, 1044, 1045, 1049, 1146, 1290, 1792])
def test_a_database_that_cannot_serve_is_server_unavailable_not_run_again(app, monkeypatch, code):
    calls = failing_first(monkeypatch, 1, code)
    faultcode, message, detail = get_auction(app).fault()
    assert (faultcode, detail) == ("Server.Unavailable", "DATABASE_UNAVAILABLE")
    assert "Basis data" in message
    assert len(calls) == 1


def test_a_unit_of_work_chosen_as_deadlock_victim_is_run_again(tmp_path):
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


def test_a_rerun_condition_of_its_own_widens_what_is_run_again(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    calls = []

    def work(session):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("another reader came first")
        return "done"

    assert db.run(work, rerun_if=lambda error: isinstance(error, ValueError)) == "done" and len(calls) == 2
