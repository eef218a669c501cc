"""The granian servers: the platform's SOAP server (RSGI front) and the partner sandboxes (WSGI)."""
from __future__ import annotations

from granian import Granian
from granian.http import HTTP1Settings

# seconds a granian worker may take to stop before it is killed: idle and busy alike stop in less
WORKERS_KILL_TIMEOUT = 2


def serve_platform(host: str, port: int, workers: int, body_timeout: float) -> None:
    """The SOAP server (emall_ws.rsgi) until stopped; its settings come to each worker through the
    environment. Slow headers are cut by granian itself, slow bodies by the front."""
    Granian("emall_ws.rsgi:create_app", factory=True, interface="rsgi", address=host, port=port,
            # uvloop named, not "auto": auto takes whatever loop happens to be installed
            workers=workers, loop="uvloop", websockets=False, log_level="warning", log_access=False,
            http1_settings=HTTP1Settings(header_read_timeout=int(body_timeout * 1000)),
            workers_kill_timeout=WORKERS_KILL_TIMEOUT).serve()


def serve_sandbox(host: str, port: int, workers: int, threads: int) -> None:
    """The partner sandboxes (emall_ws.sandbox.wsgi:app_from_env) until stopped. Several threads
    per worker: SLOW mode sleeps in them on purpose, and the rest must keep answering meanwhile."""
    Granian("emall_ws.sandbox.wsgi:app_from_env", factory=True, interface="wsgi", address=host, port=port,
            # "error": granian warns of more threads than cores, which SLOW mode needs on purpose
            workers=workers, blocking_threads=threads, websockets=False, log_level="error",
            log_access=False, workers_kill_timeout=WORKERS_KILL_TIMEOUT).serve()
