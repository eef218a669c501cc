"""What a granian worker does with a stop signal before it can handle one itself."""
from __future__ import annotations

import signal


def stop_while_loading() -> None:
    """Called first thing by the modules granian loads in each forked worker (emall_ws.rsgi,
    emall_ws.sandbox.wsgi), before their heavy imports. Until granian installs the worker's own
    stop handlers, the worker has the granian main process's, which only note a stop in the
    worker's copy of that process: a Ctrl-C while the worker loads the platform was lost, and the
    worker killed after a timeout. A worker still loading now just ends."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
