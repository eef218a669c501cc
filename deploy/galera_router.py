"""The router of deploy/galera/ on loopback, for the tests and the bench: HAProxy with
deploy/galera/haproxy.cfg in front of a cluster of deploy/galera.py, each node's health answered by
deploy/galera/clustercheck (socat in the place of its systemd socket unit).

    python deploy/galera_router.py /tmp/galera 3306   # the cluster in /tmp/galera, HAProxy on 3306
"""
from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import galera  # deploy/galera.py

GALERA = Path(__file__).resolve().parent / "galera"
CHECK_PORT_OFFSET = 6000  # a node's health on its SQL port + this (3311: 9311)


def check_port(node: galera.Node) -> int:
    return node.port + CHECK_PORT_OFFSET


def render(cluster: list[galera.Node], port: int) -> str:
    """deploy/galera/haproxy.cfg with loopback addresses and ports, after a minimal global section."""
    text = (GALERA / "haproxy.cfg").read_text()
    text, bound = re.subn(r"^(\s+bind) \S+$", rf"\1 127.0.0.1:{port}", text, flags=re.M)
    servers = re.findall(r"^\s+server db\d .*$", text, flags=re.M)
    assert bound == 1 and len(servers) == len(cluster), "haproxy.cfg: one bind, one server per node"
    for line, node in zip(servers, cluster, strict=True):
        text = text.replace(line, re.sub(r"\S+:3306 check port \d+", f"127.0.0.1:{node.port} check port "
                                         f"{check_port(node)}", line))
    return "global\n    maxconn 2000\n\ndefaults\n    mode tcp\n\n" + text


@dataclass
class Router:
    port: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}"

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(10)


def _listening(port: int, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {within} s")


def start(folder: Path, port: int, first_port: int = galera.FIRST_PORT) -> Router:
    """HAProxy on 127.0.0.1:`port` in front of the cluster in `folder` (started with `first_port`, as
    galera.start), the health checks beside it."""
    cluster = galera.nodes(folder, first_port)
    router = Router(port)
    try:
        for node in cluster:
            router.processes.append(subprocess.Popen(
                ["socat", f"TCP-LISTEN:{check_port(node)},bind=127.0.0.1,reuseaddr,fork",
                 f"EXEC:{GALERA / 'clustercheck'} --socket {node.socket}"], stderr=subprocess.DEVNULL))
        config = folder / "haproxy.cfg"
        config.write_text(render(cluster, port))
        router.processes.append(subprocess.Popen(["haproxy", "-W", "-db", "-f", str(config)],
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _listening(port)
    except BaseException:
        router.stop()
        raise
    return router


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    router = start(args.folder.resolve(), args.port)
    print(router.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        router.stop()


if __name__ == "__main__":
    sys.exit(main())
