"""A port that is taken is refused before anything says it is serving.

granian listens with SO_REUSEPORT, so a second server on a taken port would share it with the first
and the kernel would split the requests between them. A plain bind (SO_REUSEADDR only, which lets a
restart reuse a port whose old connections linger in TIME_WAIT) fails on any listening socket.
"""
from __future__ import annotations

import errno
import socket

from emall_ws.setting import SettingError


def check_port_free(host: str, port: int, variable: str) -> None:
    """Raises SettingError naming `variable` when `host`:`port` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise SettingError(variable, str(port), "a free port: another process (perhaps another "
                                   "emall-ws) listens on it; stop it or choose another port") from None
            if error.errno == errno.EACCES:
                raise SettingError(variable, str(port), "a port this user may open (1024 or above for "
                                   "a non-root user)") from None
            if error.errno == errno.EADDRNOTAVAIL:
                raise SettingError("EMALL_HOST", host, "an address of this machine") from None
            raise


def check_ports_distinct(listeners: list[tuple[str, str, int]]) -> None:
    """Raises SettingError naming the second of two (variable, host, port) that would listen on one
    port: each is free on its own, and the second child to start would fail after the banner."""
    seen: dict[int, str] = {}
    for variable, _host, port in listeners:  # a port is one, whatever address (0.0.0.0 takes them all)
        if port in seen:
            raise SettingError(variable, str(port), f"a port of its own: {seen[port]} is {port} too")
        seen[port] = variable
