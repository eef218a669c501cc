"""A three-node MariaDB Galera cluster on this machine's loopback, for the tests and the bench: each
node is a `mariadbd` of Debian's mariadb-server with galera-4, run as the mysql user (rsync SST needs
it), configured by deploy/galera/60-galera.cnf with only the addresses, ports and folders replaced.

    python deploy/galera.py start /tmp/galera     # prints the three nodes' database URLs
    python deploy/galera.py stop /tmp/galera

--base-port (or EMALL_GALERA_BASE_PORT) moves every port of the cluster, for a second cluster on the
same machine: base ports at least 30 apart share none.

root may connect over TCP from 127.0.0.1 without a password, as on the CI machine's MariaDB.
"""
from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CONFIG = Path(__file__).resolve().parent / "galera" / "60-galera.cnf"
NODES = 3
FIRST_PORT = int(os.environ.get("EMALL_GALERA_BASE_PORT", "3311"))
# node n: SQL FIRST_PORT+n-1, group communication FIRST_PORT+1256+10(n-1) (4567 for 3311), IST +1, SST +2
GCOMM_OFFSET = 1256
STARTED_WITHIN = 120  # seconds: a joining node copies the donor's files first


@dataclass(frozen=True)
class Node:
    number: int
    folder: Path
    first_port: int = FIRST_PORT

    @property
    def name(self) -> str:
        return f"node{self.number}"

    @property
    def port(self) -> int:
        return self.first_port + self.number - 1

    @property
    def gcomm_port(self) -> int:
        return self.first_port + GCOMM_OFFSET + 10 * (self.number - 1)

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}"

    @property
    def socket(self) -> Path:
        return self.folder / "mysqld.sock"

    @property
    def pid_file(self) -> Path:
        return self.folder / "mysqld.pid"

    def config(self, cluster_address: str) -> str:
        """deploy/galera/60-galera.cnf with this node's addresses, ports and folders."""
        replaced = {
            "wsrep_cluster_address": cluster_address,
            "wsrep_node_address": "127.0.0.1",
            "wsrep_node_name": self.name,
            "wsrep_provider_options": (f'"gcache.size=64M;gmcast.listen_addr=tcp://127.0.0.1:{self.gcomm_port};'
                                       f'ist.recv_addr=127.0.0.1:{self.gcomm_port + 1}"'),
        }
        text = CONFIG.read_text()
        for key, value in replaced.items():
            text, found = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
            assert found == 1, key
        return text + "\n".join([
            f"wsrep_sst_receive_address = 127.0.0.1:{self.gcomm_port + 2}",
            f"datadir = {self.folder / 'data'}", f"socket = {self.socket}", f"pid-file = {self.pid_file}",
            f"log-error = {self.folder / 'error.log'}", f"port = {self.port}", "bind-address = 127.0.0.1",
            "innodb_buffer_pool_size = 64M", "skip-name-resolve", ""])


def nodes(folder: Path, first_port: int = FIRST_PORT) -> list[Node]:
    return [Node(n, folder / f"node{n}", first_port) for n in range(1, NODES + 1)]


def cluster_address(cluster: list[Node]) -> str:
    return "gcomm://" + ",".join(f"127.0.0.1:{n.gcomm_port}" for n in cluster)


def _as_mysql(path: Path) -> None:
    user = pwd.getpwnam("mysql")
    for current, _, files in os.walk(path):
        for name in [current, *(os.path.join(current, f) for f in files)]:
            os.chown(name, user.pw_uid, user.pw_gid)


def _sql(node: Node, statement: str) -> str:
    return subprocess.run(["mariadb", f"--socket={node.socket}", "-uroot", "-N", "-e", statement],
                          capture_output=True, text=True, check=True).stdout.strip()


def _wait_synced(node: Node, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTED_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{node.name} exited: see {node.folder / 'error.log'}")
        try:
            if _sql(node, "SHOW STATUS LIKE 'wsrep_local_state_comment'").endswith("Synced"):
                return
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{node.name} not synced after {STARTED_WITHIN} s: see {node.folder / 'error.log'}")


def start_node(node: Node, cluster_address: str, new_cluster: bool = False) -> subprocess.Popen:
    """Starts one node (its data folder made on first start) and waits until it is Synced."""
    (node.folder / "my.cnf").write_text(node.config(cluster_address))
    if not (node.folder / "data").exists():
        subprocess.run(["mariadb-install-db", f"--defaults-file={node.folder / 'my.cnf'}", "--user=mysql",
                        "--skip-test-db"], check=True, capture_output=True)
    _as_mysql(node.folder)
    command = ["mariadbd", f"--defaults-file={node.folder / 'my.cnf'}", "--user=mysql"]
    if new_cluster:
        command.append("--wsrep-new-cluster")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        _wait_synced(node, process)
    except BaseException:
        process.kill()  # a node that did not join may not have written its pid file for stop()
        raise
    return process


def start(folder: Path, first_port: int = FIRST_PORT) -> list[Node]:
    """A new cluster in `folder` (emptied first): node 1 bootstraps it, nodes 2 and 3 join by SST."""
    stop(folder)
    shutil.rmtree(folder, ignore_errors=True)
    cluster = nodes(folder, first_port)
    address = cluster_address(cluster)
    for node in cluster:
        node.folder.mkdir(parents=True)
    folder.chmod(0o755)
    start_node(cluster[0], address, new_cluster=True)
    # root over TCP without a password, as the CI machine's MariaDB: replicated to the joiners by SST
    _sql(cluster[0], "CREATE USER IF NOT EXISTS root@'127.0.0.1'; "
                     "GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION")
    for node in cluster[1:]:
        start_node(node, address)
    return cluster


def kill(node: Node, sig: int = signal.SIGKILL) -> None:
    try:
        os.kill(int(node.pid_file.read_text()), sig)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass


def _running(pid: int) -> bool:
    """False once `pid` has ended, also while it is a zombie (start() in this process: nobody waits for it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def is_running(node: Node) -> bool:
    try:
        return _running(int(node.pid_file.read_text()))
    except (FileNotFoundError, ValueError):
        return False


def stop(folder: Path) -> None:
    """Stops every node of the cluster in `folder` (a clean shutdown, SIGKILL past 60 s), the last
    one last."""
    for node in reversed(nodes(folder)):
        if node.pid_file.exists():
            pid = int(node.pid_file.read_text())
            kill(node, signal.SIGTERM)
            for _ in range(600):
                if not _running(pid):
                    break
                time.sleep(0.1)
            else:
                kill(node, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--base-port", type=int, default=FIRST_PORT, help="node 1's SQL port (default: %(default)s)")
    args = parser.parse_args()
    if args.action == "start":
        for node in start(args.folder.resolve(), args.base_port):
            print(node.url)
    else:
        stop(args.folder.resolve())


if __name__ == "__main__":
    sys.exit(main())
