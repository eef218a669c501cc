"""The tracking poll over many open shipments across the seven couriers, against the courier sandbox.

    .venv/bin/python bench/tracking.py [--shipments 10000] [--rounds 3] [--bounds 1 2 4 8]
                                       [--mariadb] [--mysql-url mysql+pymysql://root@127.0.0.1:3306]

1. Starts the partner sandboxes (`python -m emall_ws.sandbox.server`: granian, 2 workers, as bench/partners.py
   does) on a throw-away SQLite database and seeds N parcels straight into its tables, N/7 per courier, each
   two events into its journey (accepted, then a transit scan).
2. Makes the platform database (SQLite file; with --mariadb a fresh MariaDB database `emall_bench_tracking`,
   dropped at the end): one buyer, one seller, N SHIPPED orders, each with its open shipment, all due.
3. First poll (bound 4, not repeated): every shipment goes Pending -> InTransit, storing 2 events and
   writing 2 notifications (email, SMS) each; timed and checked (N changed, 2N events, 2N notifications).
4. Interleaved rounds, for each concurrency bound B (calls in flight per courier, EMALL_TRACKING_CONCURRENCY):
   - reference: the same N track calls through the same adapters with the same per-courier pools of B
     threads, no database: what the couriers alone allow;
   - poll: every shipment made due again, then TrackingPoller.run_once (production policy: claims of 200
     with a lease, one pool of B threads per courier, each answer applied under the shipment's row lock)
     until nothing is due; checked: N claimed, N unchanged, no failure, no new event or notification.
   Reported: shipments/s (medians), and the poll as a ratio to the reference of the same round and bound.
Raw figures go to bench/results/tracking-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

from databases import drop_database, fresh_database  # noqa: E402
from raw import save_results  # noqa: E402
from partners import start_sandbox  # noqa: E402
from run import _version, stop_server  # noqa: E402
from sqlalchemy import func, insert, select, update  # noqa: E402

from adapters.courier import ZeepCourierAdapter  # noqa: E402
from emall_ws.clock import utcnow  # noqa: E402
from emall_ws.db.models import Member, Notification, Order, Shipment, ShipmentEvent  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402
from emall_ws.domain.partners import COURIERS  # noqa: E402
from emall_ws.sandbox import store  # noqa: E402
from emall_ws.sandbox.courier_profiles import PROFILES  # noqa: E402
from emall_ws.services.tracking import TrackingPoller, TrackingPolicy  # noqa: E402

MARIADB_DATABASE = "emall_bench_tracking"
CITY = "31.74"


def waybills(count: int) -> list[tuple[str, str]]:
    """(courier, waybill) of `count` parcels spread evenly over the seven couriers, in each one's format."""
    codes = list(COURIERS)
    return [(codes[i % 7], PROFILES[codes[i % 7]].waybill_format.format(n=1000 + i)) for i in range(count)]


def seed_sandbox(database_url: str, parcels: list[tuple[str, str]]) -> None:
    db = store.SandboxDatabase(database_url)
    now = utcnow().replace(microsecond=0)
    with db.unit_of_work() as session:
        session.execute(insert(store.Shipment), [
            dict(courier=c, waybill=w, origin_city=CITY, destination_city=CITY, service=PROFILES[c].services[0].code,
                 receiver_name="Siti Aminah", step=1, created_at=now) for c, w in parcels])
        ids = dict(session.execute(select(store.Shipment.waybill, store.Shipment.id)).all())
        session.execute(insert(store.ShipmentEvent), [
            dict(shipment_id=ids[w], time=now - timedelta(hours=2 - step), location="Jakarta Selatan",
                 description=f"event {step} of {w}", status=PROFILES[c].script[step].status)
            for c, w in parcels for step in (0, 1)])
    db.dispose()


def seed_platform(db: Database, parcels: list[tuple[str, str]]) -> None:
    db.create_schema()
    now = utcnow()
    with db.unit_of_work() as session:
        for username, role in (("pembeli", "BUYER"), ("penjual", "SELLER")):
            session.add(Member(username=username, username_key=username, email=f"{username}@example.co.id",
                               email_key=f"{username}@example.co.id", password_hash="x", name=username.title(),
                               address="Jl. Merdeka 1", phone="+6281234567890", province_code="31", city_code=CITY,
                               role=role, status="ACTIVE", created_at=now, activated_at=now))
        session.flush()
        buyer, seller = (session.scalar(select(Member.id).where(Member.username == u)) for u in ("pembeli", "penjual"))
        session.execute(insert(Order), [
            dict(number=f"ORD/BENCH/{i:06d}", buyer_id=buyer, seller_id=seller, status="SHIPPED", courier=c,
                 courier_service=PROFILES[c].services[0].code, shipping_cost=9_000, etd_days=2, ship_name="Pembeli",
                 ship_address="Jl. Merdeka 1", ship_city_code=CITY, origin_city_code=CITY, goods_total=85_000,
                 weight_grams=300, created_at=now, updated_at=now) for i, (c, w) in enumerate(parcels)])
        orders = dict(session.execute(select(Order.number, Order.id)).all())
        session.execute(insert(Shipment), [
            dict(order_id=orders[f"ORD/BENCH/{i:06d}"], courier=c, waybill=w, courier_change_reason="",
                 status="Pending", courier_status="", final=False, shipped_at=now, next_check_at=now,
                 last_check_error="") for i, (c, w) in enumerate(parcels)])


def counts(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as session:
        return (session.scalar(select(func.count()).select_from(ShipmentEvent)),
                session.scalar(select(func.count()).select_from(Notification)))


def make_due(db: Database) -> datetime:
    now = utcnow()
    with db.unit_of_work() as session:
        session.execute(update(Shipment).values(next_check_at=now, leased_until=None))
    return now


def poll(db: Database, adapters: dict, bound: int) -> tuple[float, dict]:
    """Seconds to poll every due shipment, and the summed PollStats."""
    poller = TrackingPoller(db, adapters, TrackingPolicy(concurrency=bound))
    now = make_due(db)
    total = {"claimed": 0, "changed": 0, "unchanged": 0, "failed": 0}
    start = time.perf_counter()
    while True:
        stats = poller.run_once(now + timedelta(seconds=1))
        for key in total:
            total[key] += getattr(stats, key)
        if not stats.claimed:
            return time.perf_counter() - start, total


def reference(adapters: dict, parcels: list[tuple[str, str]], bound: int) -> float:
    """Seconds for the same track calls, per-courier pools of `bound` threads, no database."""
    start = time.perf_counter()
    with ExitStack() as stack:
        futures = []
        for code in COURIERS:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=bound))
            futures += [pool.submit(adapters[code].track, w) for c, w in parcels if c == code]
    seconds = time.perf_counter() - start
    for future in futures:
        if len(future.result().events) != 2:
            raise RuntimeError("reference: unexpected tracking answer")
    return seconds


def run(args, workdir: Path, platform_url: str) -> dict:
    parcels = waybills(args.shipments)
    sandbox_url = f"sqlite:///{workdir / 'sandbox.db'}"
    store.SandboxDatabase(sandbox_url).create_schema()
    seed_sandbox(sandbox_url, parcels)
    process, sandbox = start_sandbox(sandbox_url, workdir)
    db = Database(platform_url)
    try:
        seed_platform(db, parcels)
        adapters = {code: ZeepCourierAdapter(code, f"{sandbox}/partners/courier/{code}", timeout=30)
                    for code in COURIERS}
        for code in COURIERS:  # clients built and warmed before any clock starts
            adapters[code].track(next(w for c, w in parcels if c == code))
        seconds, first = poll(db, adapters, 4)
        n = args.shipments
        if first != {"claimed": n, "changed": n, "unchanged": 0, "failed": 0} or counts(db) != (2 * n, 2 * n):
            raise RuntimeError(f"first poll: {first}, events/notifications {counts(db)}")
        result = {"shipments": n, "first_poll": {"bound": 4, "seconds": seconds, "per_s": n / seconds}, "runs": []}
        print(f"first poll (bound 4): {n / seconds:.0f} shipments/s", file=sys.stderr)
        for round_ in range(1, args.rounds + 1):
            for bound in args.bounds:
                load = os.getloadavg()[0]
                ref = reference(adapters, parcels, bound)
                seconds, stats = poll(db, adapters, bound)
                if stats != {"claimed": n, "changed": 0, "unchanged": n, "failed": 0} or counts(db) != (2 * n, 2 * n):
                    raise RuntimeError(f"poll, bound {bound}: {stats}, events/notifications {counts(db)}")
                result["runs"].append({"round": round_, "bound": bound, "load_1min": load, "reference_s": ref,
                                       "reference_per_s": n / ref, "poll_s": seconds, "poll_per_s": n / seconds})
                print(f"round {round_}, bound {bound}: reference {n / ref:.0f}/s, poll {n / seconds:.0f}/s",
                      file=sys.stderr)
        return result
    except Exception:
        print((workdir / "sandbox.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        db.dispose()
        stop_server(process)


def table(result: dict, backend: str) -> str:
    lines = [f"First poll (every shipment Pending -> InTransit: 2 events + 2 notifications each), bound 4: "
             f"**{result['first_poll']['per_s']:.0f} shipments/s** ({result['shipments']} in "
             f"{result['first_poll']['seconds']:.1f} s)", "",
             "| platform db | bound per courier | reference: track calls/s (no db) | poll: shipments/s | "
             "poll ÷ reference | poll ÷ poll at bound 1 | poll per round |",
             "|---|---:|---:|---:|---:|---:|---|"]
    bounds = sorted({r["bound"] for r in result["runs"]})
    medians = {b: statistics.median(r["poll_per_s"] for r in result["runs"] if r["bound"] == b) for b in bounds}
    for bound in bounds:
        runs = [r for r in result["runs"] if r["bound"] == bound]
        ref = statistics.median(r["reference_per_s"] for r in runs)
        ratio = statistics.median(r["poll_per_s"] / r["reference_per_s"] for r in runs)
        per_round = ", ".join(f"{r['poll_per_s']:.0f}" for r in runs)
        lines.append(f"| {backend} | {bound} | {ref:.0f} | {medians[bound]:.0f} | {ratio:.2f} | "
                     f"{medians[bound] / medians[bounds[0]]:.2f} | {per_round} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bounds", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--mariadb", action="store_true", help=f"platform database on MariaDB ({MARIADB_DATABASE})")
    parser.add_argument("--mysql-url", default="mysql+pymysql://root@127.0.0.1:3306")
    args = parser.parse_args()
    stamp = datetime.now(timezone.utc)
    machine = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
               "load_1min_at_start": os.getloadavg()[0],
               **{name: _version(name) for name in ("zeep", "spyne", "granian", "SQLAlchemy")}}
    backend = "mariadb" if args.mariadb else "sqlite"
    with tempfile.TemporaryDirectory(prefix="emall-bench-tracking-") as tmp:
        workdir = Path(tmp)
        platform_url = (fresh_database(args.mysql_url, MARIADB_DATABASE) if args.mariadb
                        else f"sqlite:///{workdir / 'platform.db'}")
        try:
            result = run(args, workdir, platform_url)
        finally:
            if args.mariadb:
                drop_database(args.mysql_url, MARIADB_DATABASE)
    save_results("tracking", {"machine": machine, "backend": backend, "settings": vars(args), "result": result})
    print(f"{stamp:%Y-%m-%d %H:%M} UTC, nproc {machine['nproc']}, Python {machine['python']}, load average "
          f"(1 min) at start {machine['load_1min_at_start']:.2f}, during "
          f"{min(r['load_1min'] for r in result['runs']):.2f}-{max(r['load_1min'] for r in result['runs']):.2f}\n")
    print(table(result, backend))
    return 0


if __name__ == "__main__":
    sys.exit(main())
