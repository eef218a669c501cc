"""What an operator sees of the platform: access and security logs, metrics, health.

  access.py        record_call: the access line and the SOAP-call metrics of one call
  metrics.py       the Prometheus metrics, and the page GET /metrics answers
  health.py        GET /health: each component's state
  jobs.py          the worker jobs' records in the database (runs, failures, heartbeat)
  multiprocess.py  prepare_metrics_dir: the counts of every process of `emall-ws serve` in one place

Importing this package imports no prometheus_client (see multiprocess.py): `record_call` is
loaded when first asked for.
"""
from __future__ import annotations

from emall_ws.observability.multiprocess import prepare_metrics_dir

__all__ = ["prepare_metrics_dir", "record_call"]


def __getattr__(name: str):
    if name == "record_call":
        from emall_ws.observability.access import record_call

        return record_call
    raise AttributeError(name)
