"""placeBid throughput with concurrent bidders, on MariaDB, against the bare spyne echo in the same run.

    .venv/bin/python bench/auction.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306]
                                      [--clients 8] [--duration 10] [--rounds 3] [--workers 2]

Starts `emall-ws serve` (granian, --workers, 1 blocking thread, its background worker) on a fresh
MariaDB database (created, then dropped), seeds a seller, one bidder per client and their auctions
straight into the database, logs every bidder in over SOAP, and starts the echo reference
(bench/echo_app.py) under granian with the same settings. Then, round after round, wrk (a separate
process, one thread and one keep-alive connection per bidder) loads each scenario:

  echo        the reference: echo(text), no database;
  spread      every bidder bids on an auction of their own: no two bids wait for the same row lock;
  pairs       two bidders per auction: they outbid each other, so most bids also write an outbid
              notification (email + SMS rows), on many auctions at once;
  hot         every bidder bids on one auction: each bid waits for the product row lock (FOR UPDATE).

A bidder bids the minimum the last answer named (PlacedBid.minimumNextBid, or the minimum in a
BID_TOO_LOW fault), plus 0-2 increments in the hot auction so that bidders do not all ask for the
same amount; a refused bid is an answer too (it took the lock and read the price), so latency covers
every call, and accepted bids/s counts only bids written. Any other answer (a server fault, a
non-200 not BID_TOO_LOW) fails the run. After the rounds the database is checked: every auction's
history strictly increasing, its bid count and leader consistent, and as many bids as were accepted
(plus at most one in flight per connection when wrk stopped). Medians over the rounds are printed as a
markdown table; raw figures go to bench/results/auction-<timestamp>.json. Needs `wrk` (Debian).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO_ROOT))

from databases import drop_database, fresh_database, server_version  # noqa: E402
from raw import save_results  # noqa: E402

START, STEP = 100_000, 5_000
WARMUP_SECONDS = 2
ENVELOPE = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="{ns}">'
            '{header}<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>')
ECHO_BODY = ENVELOPE.format(ns="urn:emall-kukm:bench:echo", header="",
                            body="<t:echo><t:text>hello</t:text></t:echo>")
BID_BODY = ENVELOPE.format(
    ns="urn:emall-kukm:auction",
    header="<soapenv:Header><t:SessionHeader><t:token>%s</t:token></t:SessionHeader></soapenv:Header>",
    body="<t:placeBid><t:productId>%d</t:productId><t:amount>%d</t:amount></t:placeBid>")


# --- servers ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout}s:\n{log.read_text(errors='replace')}")


def start(command: list[str], env: dict, ready_url: str, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        # own session, so stopping it reaches granian's worker processes and the background worker
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_ready(ready_url, process, log)
    except Exception:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def snapshot(into: Path) -> dict:
    """A copy of the packages, so the whole run measures one version of the code."""
    for name in ("emall_ws", "adapters"):
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(REPO_ROOT)]
    head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "emall_ws"], capture_output=True, text=True).stdout
    return {"commit": head, "uncommitted_changes": bool(dirty.strip())}


def code_env(code: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    return dict(env, PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(code)]), **settings)


# --- data -------------------------------------------------------------------------------------

def seed(database_url: str, bidders: int) -> tuple[list[str], list[int], list[int], int]:
    """Usernames of the bidders, one auction per bidder (spread), one per two bidders (pairs), and one
    shared by all (hot)."""
    from emall_ws.clock import utcnow
    from emall_ws.db.session import Database
    from tests.builders import create_auction, create_member

    db = Database(database_url)
    try:
        seller = create_member(db, "benchseller", "SELLER")
        names = [create_member(db, f"bidder{i:03d}").username for i in range(bidders)]
        ends = utcnow() + timedelta(days=1)
        own = [create_auction(db, seller.id, start_price=START, min_increment=STEP, ends_at=ends)
               for _ in range(bidders)]
        pairs = [create_auction(db, seller.id, start_price=START, min_increment=STEP, ends_at=ends)
                 for _ in range(max(1, bidders // 2))]
        hot = create_auction(db, seller.id, start_price=START, min_increment=STEP, ends_at=ends)
        return names, own, pairs, hot
    finally:
        db.dispose()


def login(base: str, username: str) -> str:
    from tests.builders import PASSWORD

    body = ENVELOPE.format(ns="urn:emall-kukm:member", header="",
                           body=f"<t:login><t:username>{username}</t:username>"
                                f"<t:password>{PASSWORD}</t:password></t:login>")
    request = urllib.request.Request(f"{base}/ws/Member", data=body.encode(), method="POST",
                                     headers={"Content-Type": "text/xml; charset=utf-8",
                                              "SOAPAction": '"login"'})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return re.search(r"token>([^<]+)<", answer.read().decode()).group(1)


def check_database(database_url: str, products: list[int]) -> dict:
    """Every auction's history strictly increasing, and its row (count, price, leader) agreeing."""
    from sqlalchemy import select

    from emall_ws.db.models import Bid, Product
    from emall_ws.db.session import Database

    db = Database(database_url)
    total = 0
    try:
        with db.unit_of_work() as session:
            for product_id in products:
                rows = session.execute(select(Bid.bidder_id, Bid.amount).where(Bid.product_id == product_id)
                                       .order_by(Bid.id)).all()
                product = session.get(Product, product_id)
                amounts = [r.amount for r in rows]
                assert all(b - a >= STEP for a, b in itertools.pairwise(amounts)), f"auction {product_id}"
                assert product.bid_count == len(rows), f"auction {product_id}: count"
                assert not rows or (product.current_price, product.leader_id) == (amounts[-1], rows[-1].bidder_id)
                total += len(rows)
    finally:
        db.dispose()
    return {"bids_in_database": total}


# --- load -------------------------------------------------------------------------------------

_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
local count = 0
function setup(thread)
   count = count + 1
   thread:set("tid", count)
   table.insert(threads, thread)
end
function init(args)
   accepted, too_low, other = 0, 0, 0
   if mode == "echo" then return end
   token = tokens[tid]
   product = products[(tid - 1) % #products + 1]
   jump = spread_jumps and ((tid - 1) % 3) * step or 0
   amount = start_price + jump
end
function request()
   if mode == "echo" then return wrk.format(nil, nil, nil, echo_body) end
   return wrk.format(nil, nil, nil, string.format(bid_body, token, product, amount))
end
function response(status, headers, body)
   if mode == "echo" then
      if status == 200 and body:find("echoResponse", 1, true) then
         accepted = accepted + 1
      else
         other = other + 1
      end
      return
   end
   local minimum = nil
   if status == 200 and body:find("placeBidResponse", 1, true) then
      accepted = accepted + 1
      minimum = tonumber(body:match("minimumNextBid>(%d+)<"))
   elseif body:find("BID_TOO_LOW", 1, true) then
      too_low = too_low + 1
      local shown = body:match("Rp ([%d%.]+)")
      minimum = shown and tonumber((shown:gsub("%.", "")))
   else
      other = other + 1
   end
   if minimum then amount = minimum + jump end
end
function done(summary, latency, requests)
   local a, t, o = 0, 0, 0
   for _, thread in ipairs(threads) do
      a = a + thread:get("accepted"); t = t + thread:get("too_low"); o = o + thread:get("other")
   end
   io.write(string.format("Tally: accepted %d too_low %d other %d\n", a, t, o))
end
"""


def lua_list(values) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def script(workdir: Path, mode: str, tokens: list[str], products: list[int]) -> Path:
    path = workdir / f"{mode}.lua"
    path.write_text(
        f"threads = {{}}\nmode = {json.dumps(mode)}\ntokens = {lua_list(tokens)}\n"
        f"products = {lua_list(products)}\nstart_price, step = {START}, {STEP}\n"
        f"spread_jumps = {'false' if mode == 'spread' else 'true'}\n"
        f"echo_body = {json.dumps(ECHO_BODY)}\nbid_body = {json.dumps(BID_BODY)}\n"
        + ('wrk.headers["SOAPAction"] = \'"echo"\'\n' if mode == "echo"
           else 'wrk.headers["SOAPAction"] = \'"placeBid"\'\n') + _LUA)
    return path


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, lua: Path, clients: int, seconds: int) -> dict:
    output = subprocess.run(["wrk", "--latency", "-t", str(clients), "-c", str(clients), "-d", f"{seconds}s",
                             "--timeout", "10s", "-s", str(lua), url],
                            check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    percentile = {p: float(v) * _UNITS_MS[u] for p, v, u in
                  re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)}
    tally = re.search(r"Tally: accepted (\d+) too_low (\d+) other (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    seconds_run = float(re.search(r"requests in ([\d.]+)s", output).group(1))
    accepted, too_low, other = map(int, tally.groups())
    return {"requests": requests, "seconds": seconds_run, "requests_per_s": requests / seconds_run,
            "accepted": accepted, "accepted_per_s": accepted / seconds_run, "too_low": too_low,
            "other": other, "p50_ms": percentile["50"], "p99_ms": percentile["99"],
            "socket_errors": dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True))
            if errors else {}}


# --- run ----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL")
                        or "mysql+pymysql://root@127.0.0.1:3306", help="MariaDB server (no database)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent bidders (wrk threads = connections)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args()

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    database = f"emall_bench_auction_{stamp.lower()}"
    database_url = fresh_database(args.mysql_url, database)
    mariadb = server_version(args.mysql_url)
    processes: list[subprocess.Popen] = []
    runs: list[dict] = []
    try:
        with tempfile.TemporaryDirectory(prefix="emall-bench-auction-") as tmp:
            workdir = Path(tmp)
            code = workdir / "code"
            code_info = snapshot(code)
            port, echo_port = free_port(), free_port()
            base = f"http://127.0.0.1:{port}"
            env = code_env(code, EMALL_DATABASE_URL=database_url, EMALL_VAR_DIR=str(workdir / "var"),
                           EMALL_PUBLIC_URL=base, EMALL_WORKERS=str(args.workers), EMALL_THREADS="1",
                           EMALL_LOG_LEVEL="WARNING")
            processes.append(start([str(VENV_BIN / "emall-ws"), "serve", "--host", "127.0.0.1", "--port",
                                    str(port), "--workers", str(args.workers)], env, base + "/health",
                                   workdir / "server.log"))
            processes.append(start([str(VENV_BIN / "granian"), "--interface", "wsgi", "--factory", "--workers",
                                    str(args.workers), "--blocking-threads", "1", "--host", "127.0.0.1",
                                    "--port", str(echo_port), "--no-ws", "echo_app:create_app"],
                                   env, f"http://127.0.0.1:{echo_port}/?wsdl", workdir / "echo.log"))
            names, own, pairs, hot = seed(database_url, args.clients)
            tokens = [login(base, name) for name in names]
            bids = f"{base}/ws/Auction"
            scenarios = {
                "echo (reference)": (f"http://127.0.0.1:{echo_port}/", script(workdir, "echo", [], [])),
                "placeBid spread (own auction each)": (bids, script(workdir, "spread", tokens, own)),
                "placeBid pairs (two bidders per auction)": (bids, script(workdir, "pairs", tokens, pairs)),
                "placeBid hot (one auction)": (bids, script(workdir, "hot", tokens, [hot])),
            }
            accepted_total = 0
            for round_ in range(1, args.rounds + 1):
                for name, (url, lua) in scenarios.items():
                    load_before = os.getloadavg()[0]
                    warm = wrk(url, lua, args.clients, WARMUP_SECONDS)
                    result = wrk(url, lua, args.clients, args.duration)
                    for run in (warm, result):
                        if run["other"]:
                            log = (workdir / "server.log").read_text(errors="replace")[-3000:]
                            raise RuntimeError(f"{name}: {run['other']} unexpected answers\n{log}")
                        if name != "echo (reference)":
                            accepted_total += run["accepted"]
                    runs.append({"round": round_, "scenario": name, "load_1min_before": load_before, **result})
                    print(f"round {round_} {name}: {result['requests_per_s']:.1f} req/s, "
                          f"{result['accepted_per_s']:.1f} accepted/s, p50 {result['p50_ms']:.2f} ms, "
                          f"p99 {result['p99_ms']:.2f} ms", flush=True)
            for process in processes:
                stop(process)
            check = check_database(database_url, own + pairs + [hot])
            in_flight = check["bids_in_database"] - accepted_total  # written, but wrk had stopped listening
            assert 0 <= in_flight <= 2 * args.rounds * 3 * args.clients, (check, accepted_total)
            check.update(accepted_answers=accepted_total, in_flight_at_wrk_stop=in_flight)
    finally:
        for process in processes:
            stop(process)
        drop_database(args.mysql_url, database)

    rows = summarize(runs)
    table = markdown_table(rows)
    print("\n" + table + f"\n\ndatabase check: {check}")
    save_results("auction", {"args": vars(args), "code": code_info, "mariadb": mariadb, "nproc": os.cpu_count(),
                             "runs": runs, "summary": rows, "database_check": check})
    return 0


def summarize(runs: list[dict]) -> list[dict]:
    """Medians over the rounds, and each scenario's ratios to the echo's medians."""
    rows = []
    for name in dict.fromkeys(r["scenario"] for r in runs):
        mine = [r for r in runs if r["scenario"] == name]
        rows.append({"scenario": name, **{key: statistics.median(r[key] for r in mine) for key in
                                          ("requests_per_s", "accepted_per_s", "p50_ms", "p99_ms")},
                     "refused_share": sum(r["too_low"] for r in mine) / max(1, sum(r["requests"] for r in mine))})
    echo = rows[0]
    for row in rows:
        row["rps_vs_echo"] = row["requests_per_s"] / echo["requests_per_s"]
        row["p50_vs_echo"] = row["p50_ms"] / echo["p50_ms"]
        row["p99_vs_echo"] = row["p99_ms"] / echo["p99_ms"]
    return rows


def markdown_table(rows: list[dict]) -> str:
    lines = ["| scenario | calls/s | bids accepted/s | refused (too low) | p50 ms | p99 ms "
             "| calls/s ÷ echo | p50 ÷ echo | p99 ÷ echo |", "|---|" + "---:|" * 8]
    for row in rows:
        echo = row["scenario"].startswith("echo")
        accepted = "—" if echo else f"{row['accepted_per_s']:.1f}"
        refused = "—" if echo else f"{row['refused_share']:.1%}"
        lines.append(f"| {row['scenario']} | {row['requests_per_s']:.1f} | {accepted} | {refused} "
                     f"| {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['rps_vs_echo']:.3f} "
                     f"| {row['p50_vs_echo']:.2f} | {row['p99_vs_echo']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
