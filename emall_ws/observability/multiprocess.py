"""The folder where every process of `emall-ws serve` keeps its Prometheus counts (multiprocess mode).

Free of prometheus_client on purpose: prometheus_client decides at import whether it counts in
files (PROMETHEUS_MULTIPROC_DIR set) or in memory, and granian forks its workers from the process
that calls this, so the variable must be set before anything there imports it.
"""
from __future__ import annotations

import os
from pathlib import Path

from emall_ws.config import Settings

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(settings: Settings, instance: str = "") -> Path | None:
    """Sets PROMETHEUS_MULTIPROC_DIR (kept when already set; else <var>/metrics, or
    <var>/metrics/<instance> for one of several servers sharing a var folder: each counts, and
    empties at start, its own) for the processes started from here on, with the previous run's
    files removed; None when metrics are off.

    No process is ever marked dead: the platform keeps counters and histograms there (a dead
    worker's counts must stay in the sums), and one gauge whose values expire by themselves (until
    when a circuit is open, "max" of every process); its other gauges are read from the database.
    """
    if not settings.metrics_enabled:
        return None
    folder = Path(os.environ.get(ENV) or settings.var_dir / "metrics" / instance)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[ENV] = str(folder)
    return folder
