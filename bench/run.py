"""Throughput and latency of the platform's operations against a bare spyne echo, same server, same run.

    .venv/bin/python bench/run.py [--duration 10] [--connections 8] [--threads 2] [--rounds 3] [--workers 2]
                                  [--target NAME ...] [--gunicorn] [--blocking-threads N ...]

By default every target runs under the production configuration only ("serve": `emall-ws serve`, i.e.
granian with 2 workers and 1 blocking thread, plus its background worker; the echo under the same
granian settings). Every measurement starts its own server (free loopback port, fresh database) as a
subprocess, checks one real response, warms up, then lets wrk (a separate process) load it for a
bounded duration; a Lua script checks every answer (HTTP 200, the operation's response, no fault) and
builds a unique username per request for Member.register. Measurements are interleaved round by round
and the medians printed as a markdown table, with the in-process costs (bench/inprocess.py: the
Argon2id hash, one call of each target) measured before and after the load; the raw figures go to
bench/results/<timestamp>.json. Needs `wrk` (Debian package), and gunicorn in .venv for --gunicorn.
"""
from __future__ import annotations

import argparse
import configparser
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from raw import save_results

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
WORKERS = 2  # EMALL_WORKERS' default; --workers changes it
THREADS = 1  # granian blocking threads: EMALL_THREADS' default, what `emall-ws serve` runs with
WARMUP_SECONDS = 2
PASSWORD = "rahasia123"


@dataclass(frozen=True)
class Target:
    name: str
    module: str  # module holding a `create_app()` WSGI factory
    path: str  # URL path of the SOAP endpoint
    soap_action: str
    body: str  # with `{user}` wherever a unique name is needed (then `unique` is set)
    expect: tuple[str, ...]  # a correct answer contains all of these; a fault does not
    ready_path: str  # answers 200 once a worker is serving
    needs_db: bool
    unique: bool = False  # every request needs its own username/email (Member.register)
    settings: tuple[tuple[str, str], ...] = ()  # the target's own server settings


def unique_body(target: Target, user: str) -> str:
    return target.body.replace("{user}", user)


ECHO = Target(
    name="echo (reference)", module="echo_app", path="/", soap_action="echo",
    body=('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:e="urn:emall-kukm:bench:echo"><soapenv:Body><e:echo><e:text>hello</e:text>'
          '</e:echo></soapenv:Body></soapenv:Envelope>'),
    expect=("echoResponse",), ready_path="/?wsdl", needs_db=False)

FIND_SERVICE = Target(
    name="Registry.find_service", module="emall_ws.wsgi", path="/ws/Registry", soap_action="find_service",
    body=('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:r="urn:emall-kukm:registry"><soapenv:Body><r:find_service><r:name>%</r:name>'
          '</r:find_service></soapenv:Body></soapenv:Envelope>'),
    expect=("find_serviceResponse",), ready_path="/health", needs_db=True)

LIST_CITIES = Target(
    name="Member.listCities", module="emall_ws.wsgi", path="/ws/Member", soap_action="listCities",
    body=('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:m="urn:emall-kukm:member"><soapenv:Body><m:listCities><m:provinceCode>31</m:provinceCode>'
          '</m:listCities></soapenv:Body></soapenv:Envelope>'),
    expect=("listCitiesResponse", "31.74"), ready_path="/health", needs_db=True)

REGISTER = Target(
    name="Member.register", module="emall_ws.wsgi", path="/ws/Member", soap_action="register",
    body=('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:m="urn:emall-kukm:member"><soapenv:Body><m:register><m:form>'
          '<m:province>31</m:province><m:city>31.74</m:city><m:address>Jl. Gatot Subroto Kav. 94</m:address>'
          '<m:phone>081234567890</m:phone><m:name>Siti Aminah</m:name><m:username>{user}</m:username>'
          f'<m:password>{PASSWORD}</m:password><m:email>{{user}}@example.co.id</m:email>'
          '</m:form></m:register></soapenv:Body></soapenv:Envelope>'),
    expect=("registerResponse", "PENDING"), ready_path="/health", needs_db=True, unique=True,
    # one client registering thousands with one phone number: the message limits would refuse all but
    # a few (what is measured is a registration, not a refusal)
    settings=(("EMALL_CLIENT_LIMIT_HOUR", "1000000000"), ("EMALL_MESSAGE_LIMIT_HOUR", "1000000000"),
              ("EMALL_MESSAGE_LIMIT_DAY", "1000000000")))

TARGETS = (ECHO, FIND_SERVICE, LIST_CITIES, REGISTER)
PRODUCTION = "serve"


def server_command(server: str, target: Target, port: int, workers: int = WORKERS) -> list[str]:
    """The command line of `server` for `target`: `workers` processes, defaults otherwise (no access log).

    "serve": the production server, `emall-ws serve` itself for the platform (granian, EMALL_WORKERS,
    EMALL_THREADS=1, and its background worker process); for the echo, granian with the same settings.
    """
    if server == PRODUCTION:
        if target.module == "emall_ws.wsgi":
            return [str(VENV_BIN / "emall-ws"), "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", str(workers)]
        server = f"granian-bt{THREADS}"
    if server == "gunicorn":
        return [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning", "--no-control-socket", f"{target.module}:create_app()"]
    # "granian" or "granian-btN" (same, with --blocking-threads N)
    command = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--factory", "--workers", str(workers),
               "--host", "127.0.0.1", "--port", str(port), "--no-ws"]
    if server.startswith("granian-bt"):
        command += ["--blocking-threads", server[len("granian-bt"):]]
    return command + [f"{target.module}:create_app"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def soap_post(port: int, target: Target) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{target.path}", data=unique_body(target, "check1").encode(), method="POST",
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{target.soap_action}"'})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # a SOAP fault comes back as a 500
        return error.code, error.read().decode()


def wait_ready(port: int, target: Target, *processes: subprocess.Popen, timeout: float = 60) -> None:
    """Returns once GET target.ready_path answers 200; fails if one of `processes` (the server's) exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if exited := [p for p in processes if p.poll() is not None]:
            raise RuntimeError(f"server exited with code {exited[0].returncode}: {exited[0].args}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{target.ready_path}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout}s")


def packages() -> list[str]:
    """The top-level packages the distribution installs (setup.cfg's packages.find include)."""
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "setup.cfg")
    include = config.get("options.packages.find", "include", fallback="emall_ws").split()
    return sorted({name for name in include if "." not in name and "*" not in name} | {"emall_ws"})


def snapshot_package(into: Path) -> dict:
    """Copies the packages (emall_ws/, adapters/ ...) so every round measures the same code even if the
    working tree changes meanwhile."""
    names = packages()
    for name in names:
        shutil.copytree(REPO_ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(REPO_ROOT)]
    head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", *names], capture_output=True, text=True).stdout
    return {"commit": head, "packages": names, "uncommitted_changes": bool(dirty.strip())}


def snapshot_revision(revision: str, into: Path) -> str:
    """The packages as committed at `revision` (for --baseline); returns its short commit."""
    git = ["git", "-C", str(REPO_ROOT)]
    commit = subprocess.run(git + ["rev-parse", "--short", revision], capture_output=True, text=True,
                            check=True).stdout.strip()
    into.mkdir()
    archive = subprocess.run(git + ["archive", commit, *packages()], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def code_env(code: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}  # no stray settings
    # the snapshot comes before the editable install, which is only a meta-path fallback
    return dict(env, PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(code)]), **settings)


def start_server(server: str, target: Target, workdir: Path, code: Path,
                 workers: int = WORKERS, settings: dict | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = code_env(code, EMALL_VAR_DIR=str(workdir), EMALL_DATABASE_URL=f"sqlite:///{workdir / 'emall.db'}",
                   EMALL_PUBLIC_URL=f"http://127.0.0.1:{port}", EMALL_WORKERS=str(workers),
                   EMALL_THREADS=str(THREADS),
                   # the partner sandboxes (fake banks, couriers, SMS) are no part of what is measured, and
                   # their fixed port would clash with any other `emall-ws serve` on the machine
                   EMALL_SANDBOX="0", **{**dict(target.settings), **(settings or {})})
    if target.needs_db and server != PRODUCTION:  # fresh database with the registry published, as serve does
        subprocess.run([str(VENV_BIN / "emall-ws"), "initdb"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    with open(workdir / "server.log", "wb") as log:
        # own session, so stopping it reaches the worker processes too
        process = subprocess.Popen(server_command(server, target, port, workers), cwd=REPO_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(port, target, process)
    except Exception:
        stop_server(process)
        print((workdir / "server.log").read_text(errors="replace"), file=sys.stderr)
        raise
    return process, port


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# Checks every answer (wrk itself only counts non-2xx); for a `unique` target builds each body with a
# username of its own: <prefix>t<thread>n<counter>, e.g. mt2n731 (and mt2n731@example.co.id).
_WRK_LUA = """
local threads, thread_count = {}, 0
function setup(thread)
   thread_count = thread_count + 1
   thread:set("tid", thread_count)
   table.insert(threads, thread)
end

sent, bad = 0, 0
if #body_parts > 1 then
   function request()
      sent = sent + 1
      return wrk.format(nil, nil, nil, table.concat(body_parts, prefix .. "t" .. tid .. "n" .. sent))
   end
end

function response(status, headers, body)
   local ok = status == 200 and not body:find("Fault>", 1, true)
   for _, text in ipairs(expect) do
      ok = ok and body:find(text, 1, true) ~= nil
   end
   if not ok then bad = bad + 1 end
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do total = total + thread:get("bad") end
   io.write(string.format("Bad answers: %d\\n", total))
end
"""


def lua_list(values) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"  # a JSON string is a valid Lua string here


def wrk_script(target: Target, workdir: Path, prefix: str) -> Path:
    """`prefix` keeps usernames unique across the wrk runs against one server (warm-up, load)."""
    script = workdir / f"post-{prefix}.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(unique_body(target, prefix + 'static'))}\n"
        'wrk.headers["Content-Type"] = "text/xml; charset=utf-8"\n'
        f"wrk.headers[\"SOAPAction\"] = '\"{target.soap_action}\"'\n"
        f"body_parts = {lua_list(target.body.split('{user}') if target.unique else [target.body])}\n"
        f"prefix = {json.dumps(prefix)}\n"
        f"expect = {lua_list(target.expect)}\n" + _WRK_LUA)
    return script


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, p50/p99 latency (from --latency) and error counts from wrk's text output."""
    percentile = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$",
                                                         output, re.M)}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    bad = re.search(r"^Bad answers: (\d+)$", output, re.M)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": percentile["50"],
        "p99_ms": percentile["99"],
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "bad_answers": int(bad.group(1)),  # checked by the script: any non-200, fault or wrong answer
        # recorded, not fatal: a server that drops connections shows here rather than in non_2xx
        "socket_errors": dict(zip(("connect", "read", "write", "timeout"),
                                  map(int, errors.groups()), strict=True)) if errors else {},
    }


def run_wrk(port: int, target: Target, script: Path, duration: int, args) -> str:
    command = ["wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections),
               "-d", f"{duration}s", "--timeout", "5s", "-s", str(script),
               f"http://127.0.0.1:{port}{target.path}"]
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          timeout=duration + 30).stdout


def measure(server: str, target: Target, code: Path, args, settings: dict | None = None) -> dict:
    # the machine may be shared: record how busy it was, to judge noisy figures afterwards
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="emall-bench-") as tmp:
        workdir = Path(tmp)
        process, port = start_server(server, target, workdir, code, args.workers, settings)
        try:
            # one checked call first, so we never benchmark errors
            status, body = soap_post(port, target)
            if status != 200 or not all(e in body for e in target.expect) or "Fault>" in body:
                log = (workdir / "server.log").read_text(errors="replace")
                raise RuntimeError(f"{server} {target.name}: bad answer {status}: {body[:500]}\n{log[-3000:]}")
            warmup = parse_wrk(run_wrk(port, target, wrk_script(target, workdir, "w"), WARMUP_SECONDS, args))
            result = parse_wrk(run_wrk(port, target, wrk_script(target, workdir, "m"), args.duration, args))
        finally:
            stop_server(process)
            log = (workdir / "server.log").read_text(errors="replace")
        if target.unique:  # every counted answer was checked; the rows prove the writes happened
            with sqlite3.connect(workdir / "emall.db") as db:
                result["members_in_db"] = db.execute("SELECT count(*) FROM member").fetchone()[0]
            if result["members_in_db"] < 1 + warmup["requests"] + result["requests"]:
                raise RuntimeError(f"{server} {target.name}: {result['members_in_db']} members in the database, "
                                   f"fewer than the {1 + warmup['requests'] + result['requests']} answers")
    for run in (warmup, result):
        if run["non_2xx"] or run["bad_answers"]:
            raise RuntimeError(f"{server} {target.name}: {run['non_2xx']} non-2xx responses, "
                               f"{run['bad_answers']} bad answers\n{log[-3000:]}")
    result["response_bytes"] = len(body.encode())
    result["load_1min_before"] = load_before
    result["threads_warning"] = "Python threads" in log  # granian's "up to N Python threads" notice
    return result


METRICS = ("requests_per_s", "p50_ms", "p99_ms")


def summarize(runs: list[dict], servers: list[str], targets: list[Target]) -> list[dict]:
    """Medians over the rounds, and ratios to the echo under the same server: of the medians, and the
    median of the per-round ratios (each round's echo measured minutes apart at most: steadier)."""
    def mine(server, name):
        return sorted((r for r in runs if r["server"] == server and r["target"] == name), key=lambda r: r["round"])

    rows = []
    for server in servers:
        echo_runs = mine(server, ECHO.name)
        echo = {key: statistics.median(r[key] for r in echo_runs) for key in METRICS}
        for target in targets:
            runs_ = mine(server, target.name)
            row = {"server": server, "target": target.name,
                   **{key: statistics.median(r[key] for r in runs_) for key in METRICS}}
            # requests wrk gave up on (no answer within --timeout 5s): not in the latency percentiles
            row["socket_errors"] = sum(sum(r["socket_errors"].values()) for r in runs_)
            for key in METRICS:
                row[f"{key}_vs_echo"] = row[key] / echo[key]
                row[f"{key}_vs_echo_per_round"] = [r[key] / e[key] for r, e in zip(runs_, echo_runs, strict=True)]
            if server != "gunicorn" and "gunicorn" in servers:
                gunicorn = statistics.median(r["requests_per_s"] for r in mine("gunicorn", target.name))
                row["vs_gunicorn"] = row["requests_per_s"] / gunicorn
            rows.append(row)
    return rows


def markdown_table(rows: list[dict]) -> str:
    with_gunicorn = any("vs_gunicorn" in row for row in rows)
    head = ("| server | target | req/s | p50 ms | p99 ms | req/s ÷ echo | p50 ÷ echo | p99 ÷ echo | socket errors |"
            + (" req/s ÷ gunicorn |" if with_gunicorn else ""))
    lines = [head, "|---|---|" + "---:|" * (7 + with_gunicorn)]
    for row in rows:
        line = (f"| {row['server']} | {row['target']} | {row['requests_per_s']:.1f} | {row['p50_ms']:.2f} "
                f"| {row['p99_ms']:.2f} | {row['requests_per_s_vs_echo']:.3f} | {row['p50_ms_vs_echo']:.2f} "
                f"| {row['p99_ms_vs_echo']:.2f} | {row['socket_errors']} |")
        if with_gunicorn:
            line += f" {row['vs_gunicorn']:.2f} |" if "vs_gunicorn" in row else " — |"
        lines.append(line)
    return "\n".join(lines)


def in_process(code: Path) -> dict:
    """bench/inprocess.py on the snapshot: the hash and one call of each target, no server."""
    output = subprocess.run([sys.executable, str(BENCH_DIR / "inprocess.py"), "--json"], env=code_env(code),
                            cwd=REPO_ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def in_process_text(label: str, figures: dict) -> str:
    h = figures["hash"]
    def split(cost: dict) -> str:
        if "hash_median_ms" not in cost:
            return ""
        return (f" (hash {cost['hash_median_ms']:.1f} + rest {cost['rest_median_ms']:.1f}; "
                f"transaction {cost.get('transaction_median_ms', float('nan')):.1f})")

    calls = ", ".join(f"{name} {cost['median_ms']:.2f} ms{split(cost)}" for name, cost in figures["calls"].items())
    return (f"in-process {label}: Argon2id hash (t={h['time_cost']}, m={h['memory_cost_kib']} KiB, "
            f"p={h['parallelism']}) median {h['median_ms']:.1f} ms wall / {h['median_cpu_ms']:.1f} ms CPU "
            f"({h['calls']} calls); one call at a time: {calls}")


def machine() -> dict:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "wrk": wrk_version.strip(),
            **{name: _version(name) for name in ("granian", "gunicorn", "spyne", "lxml", "argon2-cffi",
                                                 "SQLAlchemy", "emall-ws")}}


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions; medians reported")
    parser.add_argument("--workers", type=int, default=WORKERS, help="server worker processes")
    parser.add_argument("--target", action="append", default=[], metavar="NAME",
                        choices=[t.name for t in TARGETS if t is not ECHO],
                        help="measure only these besides the echo (repeatable; default: all)")
    parser.add_argument("--gunicorn", action="store_true", help="also measure gunicorn (sync workers)")
    parser.add_argument("--blocking-threads", type=int, action="append", default=[], metavar="N",
                        help="also measure granian with --blocking-threads N (repeatable; 0: granian's default)")
    parser.add_argument("--baseline", metavar="REV",
                        help="also measure `emall-ws serve` as committed at REV, interleaved (before/after a change)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every server of the run, e.g. EMALL_ACCESS_LOG=0 (repeatable)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=VALUE[,NAME=VALUE]",
                        help="also measure the working tree's `emall-ws serve` with these settings, e.g. "
                             "EMALL_ACCESS_LOG=0,EMALL_METRICS=0 (repeatable)")
    parser.add_argument("--latency-limit", type=float, default=1.5,
                        help="Member.listCities' p50 and p99 must stay within this many times the echo's")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")

    targets = [ECHO] + [t for t in TARGETS if t is not ECHO and (not args.target or t.name in args.target)]
    servers = ([PRODUCTION] + (["gunicorn"] if args.gunicorn else [])
               + [f"granian-bt{n}" if n else "granian" for n in args.blocking_threads])
    runs = []
    with tempfile.TemporaryDirectory(prefix="emall-bench-code-") as code:
        source = snapshot_package(Path(code))
        common = dict(pair.split("=", 1) for pair in args.setting)
        # server label -> (server, code, settings) when not (label, the working tree's snapshot, none)
        codes = {}
        if args.baseline:
            label = f"{PRODUCTION}@{snapshot_revision(args.baseline, Path(code) / 'baseline')}"
            servers.append(label)
            codes[label] = (PRODUCTION, Path(code) / "baseline", {})
        for variant in args.variant:
            label = f"{PRODUCTION}[{variant}]"
            servers.append(label)
            codes[label] = (PRODUCTION, Path(code), dict(pair.split("=", 1) for pair in variant.split(",")))
        before = in_process(Path(code))
        print(in_process_text("before", before), file=sys.stderr)
        for round_ in range(1, args.rounds + 1):
            for server in servers:
                for target in targets:
                    kind, source_dir, settings = codes.get(server, (server, Path(code), {}))
                    result = measure(kind, target, source_dir, args, {**common, **settings})
                    runs.append({"round": round_, "server": server, "target": target.name, **result})
                    print(f"round {round_} {server:12} {target.name:22} {result['requests_per_s']:8.1f} req/s "
                          f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms", file=sys.stderr)
        after = in_process(Path(code))

    rows = summarize(runs, servers, targets)
    results = {"machine": machine(), "source": source,
               "settings": {**vars(args), "blocking_threads": THREADS, "warmup_s": WARMUP_SECONDS},
               "in_process": {"before": before, "after": after}, "medians": rows, "runs": runs}
    print(markdown_table(rows))
    print()
    for label, figures in (("before", before), ("after", after)):
        print(in_process_text(label, figures))
    for row in rows:
        if row["target"] == LIST_CITIES.name:
            within = all(row[f"{k}_vs_echo"] <= args.latency_limit for k in ("p50_ms", "p99_ms"))
            rounds = "; ".join(f"{k[:3]} " + ", ".join(f"{x:.2f}" for x in row[f"{k}_vs_echo_per_round"])
                               for k in ("p50_ms", "p99_ms"))
            print(f"{row['server']}: {LIST_CITIES.name} latency ÷ echo: p50 {row['p50_ms_vs_echo']:.2f}, "
                  f"p99 {row['p99_ms_vs_echo']:.2f} (per round: {rounds}): "
                  f"{'within' if within else 'NOT within'} {args.latency_limit}x")
        if row["target"] == REGISTER.name:
            hash_ms = statistics.median([before["hash"]["median_ms"], after["hash"]["median_ms"]])
            print(f"{row['server']}: {REGISTER.name} {row['requests_per_s']:.1f} req/s (one every "
                  f"{1000 / row['requests_per_s']:.0f} ms), p50 {row['p50_ms']:.0f} ms; Argon2id hash in-process "
                  f"{hash_ms:.0f} ms wall per call (median of before/after)")
    print()
    save_results(None, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
