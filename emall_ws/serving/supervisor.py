"""`emall-ws serve` as a supervisor: the SOAP server, the sandboxes and the worker as child processes.

If one child ends, the supervisor says which and stops the others: a platform that is half-alive
(payments read but never sent, or a sandbox gone while /health says ok) is worse than none. A stop
(Ctrl-C, SIGTERM) asks each child to finish, and kills what is left after STOP_SECONDS. Each child
runs in a session of its own, so a Ctrl-C reaches the supervisor alone, and the kernel stops each
child when the supervisor dies, even by SIGKILL, so a restart finds its ports free: SIGTERM at once
(PR_SET_PDEATHSIG), and, from a thread of the child's own, SIGKILL to the child's whole process group
(granian's worker processes with it) when that has not ended it within STOP_SECONDS. The SIGTERM
alone is not enough: granian waits for its workers' requests in flight (a client that sent half a
request keeps one waiting), and its forked workers have no parent-death signal of their own.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

STOP_SECONDS = 2.5  # what a stop may take before the children left are killed
_PR_SET_PDEATHSIG = 1
# in a child's environment: the supervisor's pid (lower case: no setting of the platform)
SUPERVISOR_VARIABLE = "emall_ws_supervisor_pid"
PARENT_POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str  # as the operator reads it: "SOAP server", "partner sandboxes", "worker"
    command: list[str]  # arguments of `emall-ws`
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        parent = os.getpid()
        self.process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", *self.command],
                                        env={**os.environ, SUPERVISOR_VARIABLE: str(parent)},
                                        start_new_session=True, preexec_fn=lambda: _die_with(parent))

    def ended(self) -> int | None:
        return self.process.poll() if self.process else None


def _die_with(parent: int) -> None:
    """In the child, before it runs: SIGTERM when the parent dies (Linux), or now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)


def watch_supervisor() -> None:
    """In a child of `serve` (its environment names the supervisor): a daemon thread that kills the
    child's process group STOP_SECONDS after the supervisor is gone. Taken out of the environment, so
    that what the child starts is not taken for a child of `serve`."""
    supervisor = os.environ.pop(SUPERVISOR_VARIABLE, None)
    if supervisor:
        threading.Thread(target=_kill_group_when_gone, args=(int(supervisor),), name="supervisor-watch",
                         daemon=True).start()


def _kill_group_when_gone(supervisor: int) -> None:
    while os.getppid() == supervisor:  # reparented (to init or a subreaper) once it has died
        time.sleep(PARENT_POLL_SECONDS)
    time.sleep(STOP_SECONDS)  # the SIGTERM of PR_SET_PDEATHSIG asked for a clean stop: its time
    os.killpg(os.getpgrp(), signal.SIGKILL)


class Supervisor:
    def __init__(self, children: list[Child]):
        self.children = children
        self._stop = threading.Event()

    def run(self) -> int:
        """Starts every child and waits; 0 after a stop asked for, 1 when a child ended by itself."""
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda *_: self._stop.set())
        try:
            for child in self.children:
                child.start()
            while not self._stop.wait(0.2):
                for child in self.children:
                    status = child.ended()
                    if status is not None:
                        print(f"emall-ws: the {child.name} stopped (exit status {status}); "
                              "stopping the rest", file=sys.stderr, flush=True)
                        return 1
            return 0
        finally:
            self.stop()

    def stop(self) -> None:
        started = [(child.name, child.process) for child in self.children if child.process is not None]
        for _, process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for name, process in started:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"emall-ws: the {name} did not stop within {STOP_SECONDS:g} s; killed",
                      file=sys.stderr, flush=True)
        for _, process in started:
            # with whatever it started: a granian that died leaves its worker processes behind
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
