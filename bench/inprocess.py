"""In-process costs, no server and no concurrency: the Argon2id hash, and one call at a time of each
benchmark target through its WSGI application (the service time a single request needs on an idle worker).

    .venv/bin/python bench/inprocess.py [--calls 200] [--hash-calls 20] [--json]
    .venv/bin/python bench/inprocess.py --profile Member.listCities [--calls 2000] [--top 30]

bench/run.py runs it (with its copy of emall_ws first on PYTHONPATH) before and after the load, and
records the figures. It uses a fresh SQLite database in a temporary EMALL_VAR_DIR.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PASSWORD, TARGETS, Target, unique_body  # noqa: E402


def hash_cost(calls: int) -> dict:
    """Median wall and CPU time of Passwords().hash, as Member.register calls it (one per call)."""
    from emall_ws.passwords import Passwords

    passwords = Passwords()
    passwords.hash(PASSWORD)  # first call allocates
    wall, cpu = [], []
    for _ in range(calls):
        started, started_cpu = time.perf_counter(), time.process_time()
        passwords.hash(PASSWORD)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    hasher = passwords._hasher  # the parameters in force (argon2-cffi defaults unless configured)
    return {"calls": calls, "median_ms": statistics.median(wall) * 1000, "min_ms": min(wall) * 1000,
            "max_ms": max(wall) * 1000, "median_cpu_ms": statistics.median(cpu) * 1000,
            "time_cost": hasher.time_cost, "memory_cost_kib": hasher.memory_cost,
            "parallelism": hasher.parallelism}


def wsgi_apps() -> dict:
    """The WSGI application of each target module, on a fresh database prepared like `emall-ws initdb`."""
    import echo_app

    from emall_ws.cli import prepare_database
    from emall_ws.config import Settings
    from emall_ws.wsgi import create_app

    prepare_database(Settings.from_env())
    return {"echo_app": echo_app.create_app(), "emall_ws.wsgi": create_app()}


def call(app, target: Target, body: bytes) -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": target.path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000", "CONTENT_TYPE": "text/xml; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)), "HTTP_SOAPACTION": f'"{target.soap_action}"',
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    chunks = app(environ, lambda s, headers, exc_info=None: status.append(s))
    answer = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return status[0], answer


class Caller:
    """Calls one target again and again, each register with a fresh username, checking every answer."""

    def __init__(self, app, target: Target, prefix: str):
        self.app, self.target, self.prefix, self.count = app, target, prefix, 0

    def __call__(self) -> None:
        self.count += 1
        body = unique_body(self.target, f"{self.prefix}{self.count}").encode()
        status, answer = call(self.app, self.target, body)
        text = answer.decode()
        if not status.startswith("200") or not all(e in text for e in self.target.expect) or "Fault>" in text:
            raise RuntimeError(f"{self.target.name}: bad answer {status}: {text[:500]}")


def call_costs(apps: dict, calls: int, hash_calls: int) -> dict:
    """Median wall time of one call of each target, after a warm-up; register gets `hash_calls` calls."""
    costs = {}
    for target in TARGETS:
        app = apps[target.module]
        caller = Caller(app, target, "ip")
        n = hash_calls if target.unique else calls
        for _ in range(min(n, 20)):  # warm-up: imports, caches, the connection pool
            caller()
        hashing = timed_hash(app.platform.passwords) if target.unique else []
        transactions = timed_transactions(app.platform.db.engine) if target.unique else []
        times = []
        for _ in range(n):
            started = time.perf_counter()
            caller()
            times.append(time.perf_counter() - started)
        costs[target.name] = {"calls": n, "median_ms": statistics.median(times) * 1000}
        if hashing:  # the same calls split: the hash inside them, and everything else
            costs[target.name].update(
                hash_median_ms=statistics.median(hashing) * 1000,
                rest_median_ms=statistics.median(t - h for t, h in zip(times, hashing, strict=True)) * 1000,
                # how long each call holds its transaction (on SQLite: the database's write lock)
                transaction_median_ms=statistics.median(transactions) * 1000)
    return costs


def timed_transactions(engine) -> list[float]:
    """Times every transaction on `engine` from now on, BEGIN to COMMIT or ROLLBACK."""
    from sqlalchemy import event

    durations, began = [], []

    def begin(_connection):
        began.append(time.perf_counter())

    def end(_connection):
        if began:
            durations.append(time.perf_counter() - began.pop())

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    return durations


def timed_hash(passwords) -> list[float]:
    """Times every hash this Passwords instance makes from now on (wraps the bound method)."""
    hashing, hash_ = [], passwords.hash

    def timed(password):
        started = time.perf_counter()
        try:
            return hash_(password)
        finally:
            hashing.append(time.perf_counter() - started)

    passwords.hash = timed
    return hashing


def profile(apps: dict, name: str, calls: int, top: int) -> str:
    target = next(t for t in TARGETS if t.name == name)
    caller = Caller(apps[target.module], target, "pr")
    for _ in range(20):
        caller()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(calls):
        caller()
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    out.write(f"{name}: {calls} calls under cProfile, {elapsed / calls * 1000:.3f} ms per call "
              f"(profiler overhead included)\n")
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per cheap target (median reported)")
    parser.add_argument("--hash-calls", type=int, default=20, help="hash calls, and register calls")
    parser.add_argument("--profile", metavar="TARGET", help="cProfile this target instead, e.g. Member.listCities")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emall-bench-inprocess-") as tmp:
        os.environ.update(EMALL_VAR_DIR=tmp, EMALL_DATABASE_URL=f"sqlite:///{Path(tmp) / 'emall.db'}")
        for target in TARGETS:  # one process serves every target: each one's settings (the register limits)
            os.environ.update(target.settings)
        apps = wsgi_apps()
        if args.profile:
            print(profile(apps, args.profile, args.calls, args.top))
            return 0
        figures = {"hash": hash_cost(args.hash_calls), "calls": call_costs(apps, args.calls, args.hash_calls)}
    if args.json:
        print(json.dumps(figures))
    else:
        h = figures["hash"]
        print(f"Argon2id hash (t={h['time_cost']}, m={h['memory_cost_kib']} KiB, p={h['parallelism']}): "
              f"median {h['median_ms']:.1f} ms wall, {h['median_cpu_ms']:.1f} ms CPU over {h['calls']} calls")
        for name, cost in figures["calls"].items():
            split = (f": hash {cost['hash_median_ms']:.1f} ms + the rest {cost['rest_median_ms']:.1f} ms; "
                     f"its transaction lasts {cost['transaction_median_ms']:.1f} ms"
                     if "hash_median_ms" in cost else "")
            print(f"{name:24} {cost['median_ms']:8.3f} ms per call (median of {cost['calls']}){split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
