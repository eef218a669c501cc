"""The same load on one MariaDB and on a three-node Galera cluster behind HAProxy, in one run, and what
wsrep_sync_wait costs: 1 (deploy/galera/60-galera.cnf, read-your-writes on every node) against 0.

    .venv/bin/python bench/galera.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306] [--base-port 3341]
        [--rounds 3] [--duration 10] [--clients 8]

It starts a cluster of deploy/galera.py on loopback (a temporary folder, SQL ports --base-port to
--base-port + 2) and the router of deploy/galera_router.py in front of it (deploy/galera/haproxy.cfg:
one active node, two health-checked backups), then measures in interleaved rounds, each round every
arrangement once:

- standalone: the MariaDB at --mysql-url;
- cluster, sync_wait=1: the cluster through the router, as deployed;
- cluster, sync_wait=0: the same, with SET GLOBAL wsrep_sync_wait = 0 on every node before the
  deployment starts (its connections take it), and set back afterwards.

The load is bench/scale_out.py's throughput measurement with 2 server instances, reused as it is: the
loopback deployment of deploy/ (nginx with TLS, EMALL_WORKERS=1 per instance, one worker) started
afresh for each measurement, Catalog.getProduct for a random product of 20,000 with wrk, then the
checkout loop (3 addItem + checkout, one keep-alive HTTPS connection per buyer), --clients at once.
Each arrangement has its own seeded platform database (the cluster's is shared by both sync_wait
settings); the partner sandboxes' databases stay on the standalone MariaDB for all three, so that
only the platform's database changes. Printed: each round's calls/s and p50 per arrangement, then the
medians and the median of the per-round ratios cluster : standalone (against the standalone measured
in the same round). The CPU split per operation in the raw figures counts every mariadbd on the
machine as the database. Raw figures: bench/results/galera-<stamp>.json. The cluster, the router,
the deployment and the databases are removed at the end, also after an error, Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# deploy/ before bench/: `galera` is deploy/galera.py (this file is only ever __main__)
sys.path[:0] = [str(REPO_ROOT / "deploy"), str(BENCH_DIR), str(REPO_ROOT)]

import galera  # noqa: E402  (deploy/galera.py)
import galera_router  # noqa: E402
import loopback  # noqa: E402
from databases import drop_database, server_version  # noqa: E402
from raw import save_results  # noqa: E402
from scale_out import measure_throughput, seed_throughput  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

SERVERS = 2  # instances behind nginx


def sync_wait(cluster: list[galera.Node], value: int | None = None) -> list[int]:
    """Every node's global wsrep_sync_wait, after setting it to `value` (unless None)."""
    seen = []
    for node in cluster:
        engine = create_engine(node.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                if value is not None:
                    connection.execute(text(f"SET GLOBAL wsrep_sync_wait = {int(value)}"))
                seen.append(int(connection.execute(text("SELECT @@global.wsrep_sync_wait")).scalar_one()))
        finally:
            engine.dispose()
    return seen


def summary(runs: list[dict]) -> str:
    names = list(dict.fromkeys(r["arrangement"] for r in runs))
    base, others = names[0], names[1:]
    header = ["scenario", *(f"{n} /s" for n in names), *(f"{n} : {base}" for n in others),
              f"p50 ms ({' / '.join(names)})"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for scenario in dict.fromkeys(r["scenario"] for r in runs):
        of = {n: [r for r in runs if r["scenario"] == scenario and r["arrangement"] == n] for n in names}
        rates = [f"{statistics.median(r['per_s'] for r in of[n]):.1f}" for n in names]
        ratios = [f"{statistics.median(o['per_s'] / b['per_s'] for b, o in zip(of[base], of[n], strict=True)):.2f}"
                  for n in others]
        p50 = " / ".join(f"{statistics.median(r['p50_ms'] for r in of[n]):.1f}" for n in names)
        lines.append("| " + " | ".join([scenario, *rates, *ratios, p50]) + " |")
    return "\n".join(lines)


def terminated(number: int, _frame) -> None:
    raise SystemExit(128 + number)  # the finally blocks clean up, as after Ctrl-C


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL")
                        or "mysql+pymysql://root@127.0.0.1:3306", help="the standalone MariaDB (no database)")
    parser.add_argument("--base-port", type=int, default=3341, help="the cluster's node 1 SQL port")
    parser.add_argument("--database", default=f"emall_galera_{os.getpid()}",
                        help="name of the databases made for the run (and dropped after it)")
    parser.add_argument("--clients", type=int, default=8, help="wrk connections, and buyers at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    args = parser.parse_args()
    missing = [tool for tool in ("nginx", "haproxy", "socat", "wrk", "mariadbd")
               if shutil.which(tool) is None and shutil.which(f"/usr/sbin/{tool}") is None]
    if missing:
        sys.exit(f"not found: {', '.join(missing)}")
    signal.signal(signal.SIGTERM, terminated)
    results: dict = {"args": vars(args), "mariadb": server_version(args.mysql_url), "nproc": os.cpu_count()}
    runs: list[dict] = []
    cleanup = ExitStack()  # run last to first
    with tempfile.TemporaryDirectory(prefix="emall-galera-") as tmp:
        try:
            Path(tmp).chmod(0o755)  # the nodes run as the mysql user
            folder = Path(tmp) / "cluster"
            cleanup.callback(galera.stop, folder)
            print(f"cluster: starting 3 nodes on ports {args.base_port}-{args.base_port + 2}", flush=True)
            cluster = galera.start(folder, args.base_port)
            router = galera_router.start(folder, loopback.free_port(), args.base_port)
            cleanup.callback(router.stop)
            deployed = sync_wait(cluster)
            results["cluster"] = {"mariadb": server_version(router.url), "router": router.url,
                                  "deployed_sync_wait": deployed}
            cluster_database = f"{args.database}_cluster"
            for server, name in ((args.mysql_url, args.database), (args.mysql_url, f"{args.database}_sandbox"),
                                 (router.url, cluster_database), (args.mysql_url, f"{cluster_database}_sandbox")):
                cleanup.callback(drop_database, server, name)
            standalone = seed_throughput(args.mysql_url, args.database, args.clients)
            on_cluster = seed_throughput(router.url, cluster_database, args.clients, args.mysql_url)
            arrangements = [("standalone", standalone, None), ("cluster, sync_wait=1", on_cluster, 1),
                            ("cluster, sync_wait=0", on_cluster, 0)]
            for round_ in range(1, args.rounds + 1):
                for number, (name, seeded, wait) in enumerate(arrangements, 1):
                    try:
                        setting = {} if wait is None else {"sync_wait": sync_wait(cluster, wait)}
                        measured = measure_throughput(Path(tmp) / f"r{round_}-{number}", seeded, SERVERS, args)
                    finally:
                        if wait is not None:
                            sync_wait(cluster, deployed[0])
                    for scenario, result in measured.items():
                        runs.append({"round": round_, "arrangement": name, "scenario": scenario, **setting,
                                     **result})
                        print(f"round {round_}, {name}, {scenario}: {result['per_s']:.1f}/s, "
                              f"p50 {result['p50_ms']:.1f} ms", flush=True)
        finally:
            cleanup.close()
    results["runs"] = runs
    results["summary"] = summary(runs)
    print("\n" + results["summary"])
    save_results("galera", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
