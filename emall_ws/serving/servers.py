"""The granian servers: the platform's SOAP server (RSGI front) and the partner sandboxes (WSGI)."""
from __future__ import annotations

from granian import Granian
from granian.constants import Interfaces, Loops
from granian.http import HTTP1Settings
from granian.log import LogLevels

# seconds a granian worker may take to stop before granian kills it, for a server run alone; idle and
# busy alike stop in less
WORKERS_KILL_TIMEOUT = 2


def _kill_timeout(supervised: bool) -> int | None:
    """Under `serve`, the supervisor alone bounds the stop (and says when it had to kill). granian's
    own bound misfires there: each granian worker has a thread of granian's that waits for its exit,
    and when that thread reaps the worker first, granian's stop finds it gone, takes it for alive
    and logs "Killing worker ... refused to gracefully stop" (seen under load, /proc showed it gone)."""
    return None if supervised else WORKERS_KILL_TIMEOUT


def serve_platform(host: str, port: int, workers: int, body_timeout: float, *, supervised: bool = False) -> None:
    """The SOAP server (emall_ws.rsgi) until stopped; its settings come to each worker through the
    environment. Slow headers are cut by granian itself, slow bodies by the front."""
    Granian("emall_ws.rsgi:create_app", factory=True, interface=Interfaces.RSGI, address=host, port=port,
            # uvloop named, not "auto": auto takes whatever loop happens to be installed
            workers=workers, loop=Loops.uvloop, websockets=False, log_level=LogLevels.warning, log_access=False,
            http1_settings=HTTP1Settings(header_read_timeout=int(body_timeout * 1000)),
            workers_kill_timeout=_kill_timeout(supervised)).serve()


def serve_sandbox(host: str, port: int, workers: int, threads: int, *, supervised: bool = False) -> None:
    """The partner sandboxes (emall_ws.sandbox.wsgi:app_from_env) until stopped. Several threads
    per worker: SLOW mode sleeps in them on purpose, and the rest must keep answering meanwhile."""
    Granian("emall_ws.sandbox.wsgi:app_from_env", factory=True, interface=Interfaces.WSGI, address=host, port=port,
            # "error": granian warns of more threads than cores, which SLOW mode needs on purpose
            workers=workers, blocking_threads=threads, websockets=False, log_level=LogLevels.error,
            log_access=False, workers_kill_timeout=_kill_timeout(supervised)).serve()
