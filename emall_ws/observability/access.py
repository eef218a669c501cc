"""One SOAP call as the operator sees it: an access line and the SOAP-call metrics.

`record_call` is the one entry: the WSGI application calls it for every request under /ws/, and a
server front that answers a request itself (e.g. HTTP 408 for a body that never came) calls it too.
The line carries no body, header, token or field value: only who, what, how it ended, how long
and how big.
"""
from __future__ import annotations

import logging
from typing import Iterable, Mapping

from emall_ws.logs import ACCESS_LOGGER, log_event
from emall_ws.observability.metrics import count_soap_call

UNKNOWN = "-"  # a service or operation the platform does not have (or not known yet)
ARRIVED = "emall.arrived"  # environ key: time.perf_counter() when the request arrived, set by the server's front
_log = logging.getLogger(ACCESS_LOGGER)
_known: dict[str, frozenset[str]] = {}  # service -> its operations
_counted = [True]  # whether calls are counted in the metrics (EMALL_METRICS)


def register_services(services: Mapping[str, Iterable[str]], counted: bool = True) -> None:
    """The services and operations this process serves: any other name is recorded as "-", so a
    caller inventing names can neither grow the metrics without bound nor write into the log.
    `counted`: False when the metrics are off, so that calls cost nothing there."""
    _known.update({name: frozenset(operations) for name, operations in services.items()})
    _counted[0] = counted


def record_call(client: str, service: str, operation: str, outcome: str, code: str | None,
                seconds: float, response_bytes: int, member: str | None = None, api_key: str | None = None) -> None:
    """Writes the access line and counts the call. `outcome`: "ok" or the faultcode
    (`Client.Authentication` ...); `code`: the fault's detail code (None when ok); `seconds`: from
    the request's arrival to its whole answer; `member` and `api_key`: who proved to be calling, if anyone."""
    operations = _known.get(service)
    if operations is None:
        service, operation = UNKNOWN, UNKNOWN
    elif operation not in operations:
        operation = UNKNOWN
    if _counted[0]:
        count_soap_call(service, operation, outcome, seconds)
    log_event(_log, "call", client=client or UNKNOWN, call=f"{service}.{operation}", outcome=outcome,
              code=code, ms=round(seconds * 1000, 1), bytes=response_bytes, member=member, api_key=api_key)
