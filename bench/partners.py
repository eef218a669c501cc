"""Partner adapters against the sandbox: call latency, zeep client construction, and the SMS dispatcher's rate.

    .venv/bin/python bench/partners.py [--calls 300] [--constructions 30] [--notifications 500] [--rounds 3]
                                       [--mariadb] [--mysql-url mysql+pymysql://root@127.0.0.1:3306]

1. Starts the partner sandboxes (`python -m emall_ws.sandbox.server`: granian, 2 workers) on a free loopback
   port with a throw-away SQLite database; with --mariadb, afterwards once more on a fresh MariaDB database
   `emall_bench_partners` (dropped at the end). Seeds a BCA account with 21 mutations (opening balance and
   20 transfers over the last 20 days) and a JNE shipment with 4 tracking events.
2. Adapter calls, one at a time, interleaved (every operation once per iteration), each answer checked:
   get_mutations, get_tariff, track, SMS send (a new reference each time), SMS status. The reference is the
   bare spyne echo (bench/echo_app.py, served as bench/run.py serves it: granian, 2 workers, 1 blocking
   thread) called through the adapters' own zeep path (adapters.base.ZeepEndpoint: the cached PartnerClient,
   its transport and settings, the error mapping), and for comparison over raw HTTP (requests, keep-alive).
3. zeep client construction for the courier WSDL: no cache (a fresh zeep.Client fetching the WSDL over HTTP
   each time), zeep InMemoryCache warm (WSDL from the cache, still parsed), and the adapters' cached
   `partner_client` lookup (what every adapter call pays).
4. The dispatcher's SMS sending rate: N member_activation SMS enqueued in a throw-away platform SQLite
   database, sent by Dispatcher.run_once() loops (SmsSender over ZeepSmsAdapter) with 1 dispatcher, then 2
   in threads (own Database each), until none is due; rounds interleaved, median reported. Checked after
   each run: every row SENT after one attempt, as many sendSms calls reached the sandbox as rows, and the
   gateway holds exactly one message per notification reference (listMessages).

Prints markdown tables; raw figures go to bench/results/partners-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import itertools
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

from databases import drop_database, fresh_database  # noqa: E402
from raw import save_results  # noqa: E402
from run import ECHO, PRODUCTION, REPO_ROOT, _version, free_port, start_server, stop_server, \
    wait_ready  # noqa: E402

import requests  # noqa: E402
import zeep  # noqa: E402
from sqlalchemy import select  # noqa: E402
from zeep.cache import InMemoryCache  # noqa: E402
from zeep.transports import Transport  # noqa: E402

from adapters.bank import ZeepBankAdapter  # noqa: E402
from adapters.base import SETTINGS, CallPolicy, ZeepEndpoint, partner_client  # noqa: E402
from adapters.courier import ZeepCourierAdapter  # noqa: E402
from adapters.sms import ZeepSmsAdapter  # noqa: E402
from emall_ws.clock import utcnow  # noqa: E402
from emall_ws.db.models import Notification  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402
from emall_ws.notify.dispatcher import Dispatcher  # noqa: E402
from emall_ws.notify.outbox import SENT, enqueue  # noqa: E402
from emall_ws.notify.sms import SmsSender  # noqa: E402
from emall_ws.sandbox.store import SandboxDatabase  # noqa: E402

MARIADB_DATABASE = "emall_bench_partners"
JAKARTA_SELATAN, BANDUNG = "31.74", "32.73"
ECHO_BODY = ECHO.body.encode()
SMS_PATH = "/partners/sms"


# --- servers ---------------------------------------------------------------------------------------------

def start_sandbox(database_url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, EMALL_LOG_LEVEL="WARNING", PYTHONPATH=str(REPO_ROOT))
    with open(workdir / "sandbox.log", "wb") as log:  # own session: stop_server reaches its workers
        process = subprocess.Popen(
            [sys.executable, "-m", "emall_ws.sandbox.server", "--host", "127.0.0.1", "--port", str(port),
             "--database-url", database_url, "--public-url", url, "--workers", "2"],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(port, replace(ECHO, ready_path="/health"), process)
    except Exception:
        stop_server(process)
        print((workdir / "sandbox.log").read_text(errors="replace"), file=sys.stderr)
        raise
    return process, url


def driver(url: str) -> zeep.Client:
    """A plain zeep client for the sandbox-only operations (openAccount, transfer, registerShipment ...)."""
    return zeep.Client(url + "?wsdl", settings=zeep.Settings(strict=False))


def seed(sandbox: str) -> dict:
    bank = driver(f"{sandbox}/partners/bank/bca").service
    account = f"{secrets.randbelow(10 ** 10):010d}"
    bank.openAccount(account, "Koperasi Maju Jaya", 1_000_000)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for day in range(1, 21):
        bank.transfer(account, 10_000 * day, f"INV/{day:06d}", "Siti Aminah", now - timedelta(days=day, hours=1))
    courier = driver(f"{sandbox}/partners/courier/jne").service
    waybill = courier.registerShipment(None, JAKARTA_SELATAN, BANDUNG, "REG", "Dewi Lestari").waybill
    for _ in range(3):
        courier.advanceShipment(waybill)
    return {"account": account, "mutations": 21, "waybill": waybill, "events": 4}


# --- measuring -------------------------------------------------------------------------------------------

def stats(seconds: list[float], cpu_seconds: list[float]) -> dict:
    """Wall-time percentiles, and the mean CPU time of this process: the client side of a call (zeep, the
    adapter, requests); the rest of the wall time is the network and the server."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": statistics.median(ms), "p95_ms": statistics.quantiles(ms, n=20)[18],
            "mean_ms": statistics.fmean(ms), "client_cpu_mean_ms": statistics.fmean(cpu_seconds) * 1000}


def timed(call) -> tuple[float, float, object]:
    start, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - start, time.process_time() - cpu, result


def repeated(call, count: int) -> dict:
    wall, cpu, _ = zip(*(timed(call) for _ in range(count)), strict=True)
    return stats(list(wall), list(cpu))


def adapter_calls(sandbox: str, echo_url: str, seeded: dict, calls: int) -> dict:
    """Every operation once per iteration, `calls` iterations after 20 of warm-up; every answer checked."""
    bank = ZeepBankAdapter("bca", f"{sandbox}/partners/bank/bca", timeout=10)
    courier = ZeepCourierAdapter("jne", f"{sandbox}/partners/courier/jne", timeout=10)
    sms = ZeepSmsAdapter(f"{sandbox}{SMS_PATH}", timeout=10)
    echo = ZeepEndpoint("bench:echo", echo_url, CallPolicy(timeout=10))
    http = requests.Session()
    msisdn = f"+62812{secrets.randbelow(10 ** 8):08d}"
    message_id = sms.send(msisdn, "Kode aktivasi Emall KUKM Anda: 123456.", f"bench-{secrets.token_hex(8)}")
    sms.status(message_id)  # the first poll says ACCEPTED, every later one DELIVERED
    references = (f"bench-{secrets.token_hex(8)}-{i}" for i in itertools.count())
    end = datetime.now(timezone.utc) + timedelta(minutes=1)
    start = end - timedelta(days=30)

    def raw_echo():
        answer = http.post(echo_url, data=ECHO_BODY, timeout=10,
                           headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"echo"'})
        return answer.status_code == 200 and b"echoResponse" in answer.content

    operations = {  # name: (call, check of its answer)
        "echo, zeep via adapters.base.ZeepEndpoint (reference)":
            (lambda: echo.call("echo", "hello", result="echoResult"), lambda r: r == "hello"),
        "echo, raw HTTP (requests, keep-alive)": (raw_echo, lambda r: r is True),
        "bank get_mutations (BCA, 30-day window, 21 mutations)":
            (lambda: bank.get_mutations(seeded["account"], start, end), lambda r: len(r) == seeded["mutations"]),
        "courier get_tariff (JNE, 31.74 → 32.73, 1.2 kg)":
            (lambda: courier.get_tariff(JAKARTA_SELATAN, BANDUNG, 1200), lambda r: len(r) == 3),
        "courier track (JNE, 4 events)":
            (lambda: courier.track(seeded["waybill"]), lambda r: len(r.events) == seeded["events"]),
        "sms send (new reference each)":
            (lambda: sms.send(msisdn, "Kode aktivasi Emall KUKM Anda: 123456.", next(references)),
             lambda r: r.startswith("SMS")),
        "sms status": (lambda: sms.status(message_id), lambda r: r.status == "DELIVERED"),
    }
    times: dict[str, list[float]] = {name: [] for name in operations}
    cpu: dict[str, list[float]] = {name: [] for name in operations}
    for iteration in range(20 + calls):
        for name, (call, check) in operations.items():
            seconds, cpu_seconds, answer = timed(call)
            if not check(answer):
                raise RuntimeError(f"{name}: unexpected answer {answer!r}")
            if iteration >= 20:
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
    return {name: stats(times[name], cpu[name]) for name in operations}


def constructions(sandbox: str, count: int, lookups: int) -> dict:
    url = f"{sandbox}/partners/courier/jne"
    wsdl = url + "?wsdl"
    cache = InMemoryCache(timeout=3600)
    zeep.Client(wsdl, transport=Transport(cache=cache), settings=SETTINGS)  # warms the cache
    policy = CallPolicy()
    partner_client(url, policy)  # built once, as by the first adapter call
    return {
        "zeep.Client, no cache (WSDL fetched over HTTP each time)":
            repeated(lambda: zeep.Client(wsdl, transport=Transport(), settings=SETTINGS), count),
        "zeep.Client, InMemoryCache warm (WSDL parsed each time)":
            repeated(lambda: zeep.Client(wsdl, transport=Transport(cache=cache), settings=SETTINGS), count),
        "adapters partner_client(), cached (every adapter call)":
            repeated(lambda: partner_client(url, policy), lookups),
    }


def dispatch(sandbox: str, sandbox_db: SandboxDatabase, url: str, dispatchers: int, notifications: int,
             tag: str) -> dict:
    """Enqueues `notifications` SMS into the platform database at url, sends them with `dispatchers`
    threads, checks each went exactly once (by the rows' references, which the gateway de-duplicates on).
    One platform database serves every run."""
    db = Database(url)
    msisdn = f"+62813{secrets.randbelow(10 ** 8):08d}"
    expires_at = utcnow() + timedelta(hours=1)
    with db.unit_of_work() as session:
        for i in range(notifications):
            enqueue(session, event_key=f"bench:{tag}:{i}", channel="SMS", recipient=msisdn,
                    template="member_activation",
                    data={"name": "Siti Aminah", "username": f"siti{i}", "code": f"{i:06d}",
                          "expires_at": expires_at})
    sms_url = f"{sandbox}{SMS_PATH}"
    partner_client(sms_url, CallPolicy())  # built before the clock starts: construction is measured apart
    calls_before = sandbox_db.count_calls(SMS_PATH, "sendSms")
    errors = []

    def work():
        own = Database(url)
        try:
            dispatcher = Dispatcher(own, {"SMS": SmsSender(ZeepSmsAdapter(sms_url, timeout=10))})
            while dispatcher.run_once().claimed:
                pass
        except Exception as error:  # reported after the run
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=work) for _ in range(dispatchers)]
    start, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu  # cpu: this process, all threads
    if errors:
        raise errors[0]

    with db.unit_of_work() as session:
        rows = session.execute(select(Notification.reference, Notification.status,
                                      Notification.attempts, Notification.provider_id)
                               .where(Notification.recipient == msisdn)).all()
    db.dispose()
    sends = sandbox_db.count_calls(SMS_PATH, "sendSms") - calls_before
    received = driver(sms_url).service.listMessages(msisdn) or []
    expected = {row.reference for row in rows}
    checks = {
        "all_sent_once": all(row.status == SENT and row.attempts == 1 for row in rows),
        "send_calls": sends,
        "gateway_messages": len(received),
        "references_match": sorted(m.reference for m in received) == sorted(expected),
        "provider_ids_distinct": len({row.provider_id for row in rows}) == notifications,
    }
    if not (len(rows) == sends == len(received) == notifications and checks["all_sent_once"]
            and checks["references_match"] and checks["provider_ids_distinct"]):
        raise RuntimeError(f"dispatch {tag}: not every notification was sent exactly once: {checks}")
    return {"dispatchers": dispatchers, "notifications": notifications, "seconds": seconds,
            "per_s": notifications / seconds,
            "client_cpu_ms_per_notification": cpu * 1000 / notifications, **checks}


# --- one sandbox backend ---------------------------------------------------------------------------------

def run_backend(backend: str, database_url: str, echo_url: str, args, workdir: Path, construct: bool) -> dict:
    process, sandbox = start_sandbox(database_url, workdir)
    sandbox_db = SandboxDatabase(database_url)
    try:
        seeded = seed(sandbox)
        load = [os.getloadavg()[0]]
        result = {"backend": backend, "seeded": seeded, "calls": adapter_calls(sandbox, echo_url, seeded, args.calls)}
        load.append(os.getloadavg()[0])
        if construct:
            result["constructions"] = constructions(sandbox, args.constructions, args.calls)
        platform_url = f"sqlite:///{workdir / f'platform-{backend}.db'}"
        platform = Database(platform_url)
        platform.create_schema()
        platform.dispose()
        runs = []
        for round_ in range(1, args.rounds + 1):
            for dispatchers in (1, 2):
                load.append(os.getloadavg()[0])
                run = dispatch(sandbox, sandbox_db, platform_url, dispatchers, args.notifications,
                               f"{backend}-{round_}-{dispatchers}")
                runs.append({"round": round_, **run})
                print(f"{backend}: round {round_}, {dispatchers} dispatcher(s): {run['per_s']:.1f} notifications/s",
                      file=sys.stderr)
        result["dispatch"] = runs
        result["load_1min"] = load
        return result
    except Exception:
        exited = process.poll()
        print(f"sandbox ({'exited with ' + str(exited) if exited is not None else 'running'}), its log:\n"
              + (workdir / "sandbox.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        sandbox_db.dispose()
        stop_server(process)


# --- report ----------------------------------------------------------------------------------------------

def tables(results: list[dict]) -> str:
    lines = ["| sandbox db | measurement | n | p50 ms | p95 ms | mean ms | p50 ÷ echo (zeep) | client CPU ms (mean) |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for result in results:
        echo = next(iter(result["calls"].values()))["p50_ms"]
        for name, s in {**result["calls"], **result.get("constructions", {})}.items():
            lines.append(f"| {result['backend']} | {name} | {s['n']} | {s['p50_ms']:.3g} | {s['p95_ms']:.3g} "
                         f"| {s['mean_ms']:.3g} | {s['p50_ms'] / echo:.3g} | {s['client_cpu_mean_ms']:.3g} |")
    lines += ["", "| sandbox db | dispatchers | notifications | notifications/s (median) | per round | "
              "bench process CPU ms / notification | sent exactly once |", "|---|---:|---:|---:|---|---:|---|"]
    for result in results:
        for dispatchers in (1, 2):
            runs = [r for r in result["dispatch"] if r["dispatchers"] == dispatchers]
            rates = [r["per_s"] for r in runs]
            lines.append(f"| {result['backend']} | {dispatchers} | {runs[0]['notifications']} | "
                         f"{statistics.median(rates):.1f} | {', '.join(f'{x:.1f}' for x in rates)} | "
                         f"{statistics.median(r['client_cpu_ms_per_notification'] for r in runs):.2f} | "
                         f"yes ({sum(r['send_calls'] for r in runs)} sendSms calls, "
                         f"{sum(r['gateway_messages'] for r in runs)} messages) |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="measured calls per adapter operation")
    parser.add_argument("--constructions", type=int, default=30, help="zeep clients built per variant")
    parser.add_argument("--notifications", type=int, default=500, help="SMS per dispatcher run")
    parser.add_argument("--rounds", type=int, default=3, help="dispatcher runs per setting (interleaved)")
    parser.add_argument("--mariadb", action="store_true", help=f"also run the sandbox on MariaDB ({MARIADB_DATABASE})")
    parser.add_argument("--mysql-url", default="mysql+pymysql://root@127.0.0.1:3306")
    args = parser.parse_args()

    stamp = datetime.now(timezone.utc)
    machine = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
               "load_1min_at_start": os.getloadavg()[0],
               **{name: _version(name) for name in ("zeep", "requests", "spyne", "granian", "lxml", "SQLAlchemy")}}
    results = []
    with tempfile.TemporaryDirectory(prefix="emall-bench-partners-") as tmp:
        workdir = Path(tmp)
        echo, echo_port = start_server(PRODUCTION, ECHO, workdir, REPO_ROOT)  # granian, 2 workers, 1 thread
        try:
            backends = [("sqlite", f"sqlite:///{workdir / 'sandbox.db'}")]
            if args.mariadb:
                backends.append(("mariadb", None))
            for index, (backend, database_url) in enumerate(backends):
                if backend == "mariadb":
                    database_url = fresh_database(args.mysql_url, MARIADB_DATABASE)
                try:  # client construction once: the sandbox builds its WSDLs in memory, whatever the database
                    results.append(run_backend(backend, database_url, f"http://127.0.0.1:{echo_port}/", args,
                                               workdir, construct=index == 0))
                finally:
                    if backend == "mariadb":
                        drop_database(args.mysql_url, MARIADB_DATABASE)
        finally:
            stop_server(echo)

    save_results("partners", {"machine": machine, "settings": vars(args), "results": results})
    print(f"{stamp:%Y-%m-%d %H:%M} UTC, nproc {machine['nproc']}, Python {machine['python']}, "
          f"load average (1 min) at start {machine['load_1min_at_start']:.2f}, during "
          + "; ".join(f"{r['backend']} {min(r['load_1min']):.2f}-{max(r['load_1min']):.2f}" for r in results))
    print()
    print(tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
