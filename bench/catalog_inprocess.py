"""The catalogue's hot reads in process, no server: the median time of one call through the WSGI
application, and where a call's time goes under cProfile (bench/catalog.py measures them under load).

    .venv/bin/python bench/catalog_inprocess.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306]
                                                [--database emall_bench_catalog] [--calls 1000] [--code DIR]

On bench/catalog.py's seeded database (run it, or `bench/catalog.py --explain-only`, first): the echo
(bench/echo_app.py), getProduct of a random product, searchProducts newest first and "kopi gayo", and
listCategories, each called --calls times one at a time after 50 warm-up calls, every answer checked
(200, the operation's response, no fault). Then each again under cProfile: the time per call, and
the cumulative time per call of its parts: the database (the use case's unit of work or read:
SQLAlchemy and the driver), of it the driver's execute alone, the request (spyne: parsing, validating,
deserializing) and the answer (spyne's serialization or the answer writer). --code DIR runs the
platform's code found in DIR (e.g. a worktree of an earlier commit) for a before/after comparison.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL",
                                                              "mysql+pymysql://root@127.0.0.1:3306"))
    parser.add_argument("--database", default="emall_bench_catalog")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--products", type=int, default=100_000, help="as seeded: getProduct asks for 1..N")
    parser.add_argument("--code", type=Path, help="the platform's code from this folder instead")
    return parser.parse_args()


ARGS = parse()
sys.path[:0] = [str(ARGS.code or BENCH_DIR.parent), str(BENCH_DIR)]
import emall_ws  # noqa: E402  (first: the benchmark modules put this repository's folder first on the path)
from catalog import GET_PRODUCT, LIST_CATEGORIES, SEARCHES, search_target  # noqa: E402
from inprocess import call  # noqa: E402
from run import ECHO  # noqa: E402

# where a call's time goes: each part, the functions (file name ending, name) whose cumulative time it is
PARTS = (
    ("database", (("db/session.py", "run"), ("db/session.py", "read"))),
    ("of it the driver", (("pymysql/cursors.py", "execute"), ("MySQLdb/cursors.py", "execute"))),
    ("request", (("server/_base.py", "generate_contexts"), ("server/_base.py", "get_in_object"))),
    ("answer", (("server/_base.py", "get_out_string_pull"), ("soap/writer.py", "_write"))),
)


def bodies(target, products: int):
    if target is GET_PRODUCT:
        head, tail = target.body.split("<c:productId>1</c:productId>")
        return lambda: f"{head}<c:productId>{random.randint(1, products)}</c:productId>{tail}".encode()
    return lambda: target.body.encode()


def checked(app, target, body) -> None:
    status, answer = call(app, target, body())
    text = answer.decode()
    if not status.startswith("200") or "Fault>" in text or not all(e in text for e in target.expect):
        raise RuntimeError(f"{target.name}: bad answer {status}: {text[:400]}")


def parts_of(profiler: cProfile.Profile, calls: int) -> dict[str, float]:
    stats = pstats.Stats(profiler).stats  # (file, line, function) -> (cc, nc, tottime, cumtime, callers)
    shares = {}
    for part, functions in PARTS:
        shares[part] = sum(cumtime for (file, _, function), (_, _, _, cumtime, _) in stats.items()
                           if any(file.endswith(end) and function == name for end, name in functions)) / calls * 1000
    return shares


def main() -> int:
    import echo_app

    with tempfile.TemporaryDirectory(prefix="emall-bench-catalog-inprocess-") as tmp:
        os.environ.update(EMALL_VAR_DIR=tmp, EMALL_DATABASE_URL=f"{ARGS.mysql_url}/{ARGS.database}",
                          EMALL_SANDBOX="0", EMALL_ACCESS_LOG="0")
        from emall_ws.wsgi import create_app

        platform = create_app()
        targets = [(ECHO, echo_app.create_app()), (GET_PRODUCT, platform), (LIST_CATEGORIES, platform)]
        targets += [(search_target(case), platform) for case in SEARCHES if case.label in ("newest", "text")]
        print(f"code: {Path(emall_ws.__file__).parent.parent}; {ARGS.calls} calls each; ms per call")
        for target, app in targets:
            body = bodies(target, ARGS.products)
            for _ in range(50):
                checked(app, target, body)
            times = []
            for _ in range(ARGS.calls):
                started = time.perf_counter()
                checked(app, target, body)
                times.append(time.perf_counter() - started)
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(ARGS.calls):
                checked(app, target, body)
            profiler.disable()
            profiled = (time.perf_counter() - started) / ARGS.calls * 1000
            parts = "; ".join(f"{part} {ms:.2f}" for part, ms in parts_of(profiler, ARGS.calls).items())
            print(f"{target.name:36} median {statistics.median(times) * 1000:6.2f}  "
                  f"under cProfile {profiled:6.2f}: {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
