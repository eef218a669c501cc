"""The supervisor's stop: SIGTERM to every child, a kill for what is left after STOP_SECONDS, said."""
from __future__ import annotations

import subprocess
import sys
import time

from emall_ws.serving.supervisor import STOP_SECONDS, Child, Supervisor

_IGNORES_SIGTERM = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                    "print('ready', flush=True); time.sleep(60)")
_STOPS_ON_SIGTERM = "import time; print('ready', flush=True); time.sleep(60)"


class Scripted(Child):
    """A child running a Python one-liner instead of an `emall-ws` command."""

    def __init__(self, name: str, script: str):
        super().__init__(name, [])
        self.script = script

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", self.script], stdout=subprocess.PIPE,
                                        start_new_session=True)
        assert self.process.stdout.readline() == b"ready\n"


def stopped(*children: Child) -> float:
    for child in children:
        child.start()
    started = time.monotonic()
    Supervisor(list(children)).stop()
    return time.monotonic() - started


def test_a_child_that_ignores_the_stop_is_killed_after_stop_seconds_and_named(capsys):
    stubborn, polite = Scripted("stubborn thing", _IGNORES_SIGTERM), Scripted("polite thing", _STOPS_ON_SIGTERM)
    took = stopped(polite, stubborn)
    assert STOP_SECONDS - 0.1 <= took < STOP_SECONDS + 1
    assert stubborn.process.returncode == -9 and polite.process.returncode == -15
    assert capsys.readouterr().err == f"emall-ws: the stubborn thing did not stop within {STOP_SECONDS:g} s; killed\n"


def test_children_that_stop_are_not_said_to_be_killed(capsys):
    assert stopped(Scripted("polite thing", _STOPS_ON_SIGTERM)) < 1
    assert capsys.readouterr().err == ""
