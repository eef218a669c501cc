"""Throughput and latency of the platform against a bare spyne echo, under granian and gunicorn.

    .venv/bin/python bench/run.py [--duration 10] [--connections 8] [--threads 2] [--rounds 3]

Every measurement starts its own server (2 workers, free loopback port) as a subprocess, checks one
real response, warms up, then lets wrk (a separate process) load it for a bounded duration.
Measurements are interleaved round by round and the medians printed as a markdown table; the raw
figures go to bench/results/<timestamp>.json. Needs `wrk` (Debian package) and gunicorn in .venv.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
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
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
RESULTS_DIR = BENCH_DIR / "results"
WORKERS = 2
WARMUP_SECONDS = 2


@dataclass(frozen=True)
class Target:
    name: str
    module: str  # module holding a `create_app()` WSGI factory
    path: str  # URL path of the SOAP endpoint
    soap_action: str
    body: str
    expect: str  # a correct answer contains this; a fault does not
    ready_path: str  # answers 200 once a worker is serving
    needs_db: bool


ECHO = Target(
    name="echo (reference)", module="echo_app", path="/", soap_action="echo",
    body=('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:e="urn:emall-kukm:bench:echo"><soapenv:Body><e:echo><e:text>hello</e:text>'
          '</e:echo></soapenv:Body></soapenv:Envelope>'),
    expect="echoResponse", ready_path="/?wsdl", needs_db=False)

FIND_SERVICE = Target(
    name="Registry.find_service", module="emall_ws.wsgi", path="/ws/Registry", soap_action="find_service",
    body=('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:r="urn:emall-kukm:registry"><soapenv:Body><r:find_service><r:name>%</r:name>'
          '</r:find_service></soapenv:Body></soapenv:Envelope>'),
    expect="find_serviceResponse", ready_path="/health", needs_db=True)

TARGETS = (ECHO, FIND_SERVICE)


def server_command(server: str, target: Target, port: int) -> list[str]:
    """The production-like command line: 2 workers, defaults otherwise (no access log)."""
    if server == "gunicorn":
        return [str(VENV_BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning", "--no-control-socket", f"{target.module}:create_app()"]
    # "granian" or "granian-btN" (same, with --blocking-threads N)
    command = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--factory", "--workers", str(WORKERS),
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
        f"http://127.0.0.1:{port}{target.path}", data=target.body.encode(), method="POST",
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{target.soap_action}"'})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # a SOAP fault comes back as a 500
        return error.code, error.read().decode()


def wait_ready(port: int, target: Target, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{target.ready_path}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout}s")


def snapshot_package(into: Path) -> dict:
    """Copies emall_ws/ so every round measures the same code even if the working tree changes meanwhile."""
    shutil.copytree(REPO_ROOT / "emall_ws", into / "emall_ws", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(REPO_ROOT)]
    head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "emall_ws"], capture_output=True, text=True).stdout
    return {"commit": head, "emall_ws_uncommitted_changes": bool(dirty.strip())}


def start_server(server: str, target: Target, workdir: Path, code: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ,
               # the snapshot comes before the editable install, which is only a meta-path fallback
               PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(code)]),
               EMALL_VAR_DIR=str(workdir), EMALL_DATABASE_URL=f"sqlite:///{workdir / 'emall.db'}",
               EMALL_PUBLIC_URL=f"http://127.0.0.1:{port}", EMALL_WORKERS=str(WORKERS))
    if target.needs_db:  # fresh database with the registry published, as `emall-ws serve` would do
        subprocess.run([str(VENV_BIN / "emall-ws"), "initdb"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    with open(workdir / "server.log", "wb") as log:
        # own session, so stopping it reaches the worker processes too
        process = subprocess.Popen(server_command(server, target, port), cwd=REPO_ROOT, env=env,
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


def wrk_script(target: Target, workdir: Path) -> Path:
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(target.body)}\n"  # a JSON string is a valid Lua string here
        'wrk.headers["Content-Type"] = "text/xml; charset=utf-8"\n'
        f"wrk.headers[\"SOAPAction\"] = '\"{target.soap_action}\"'\n")
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
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": percentile["50"],
        "p99_ms": percentile["99"],
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        # recorded, not fatal: a server that drops connections shows here rather than in non_2xx
        "socket_errors": dict(zip(("connect", "read", "write", "timeout"),
                                  map(int, errors.groups()))) if errors else {},
    }


def run_wrk(port: int, target: Target, script: Path, duration: int, args) -> str:
    command = ["wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections),
               "-d", f"{duration}s", "--timeout", "5s", "-s", str(script),
               f"http://127.0.0.1:{port}{target.path}"]
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          timeout=duration + 30).stdout


def measure(server: str, target: Target, code: Path, args) -> dict:
    # the machine may be shared: record how busy it was, to judge noisy figures afterwards
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="emall-bench-") as tmp:
        workdir = Path(tmp)
        process, port = start_server(server, target, workdir, code)
        try:
            # one checked call first, so we never benchmark errors
            status, body = soap_post(port, target)
            if status != 200 or target.expect not in body or "Fault>" in body:
                log = (workdir / "server.log").read_text(errors="replace")
                raise RuntimeError(f"{server} {target.name}: bad answer {status}: {body[:500]}\n{log[-3000:]}")
            script = wrk_script(target, workdir)
            run_wrk(port, target, script, WARMUP_SECONDS, args)
            result = parse_wrk(run_wrk(port, target, script, args.duration, args))
        finally:
            stop_server(process)
            log = (workdir / "server.log").read_text(errors="replace")
    if result["non_2xx"]:
        raise RuntimeError(f"{server} {target.name}: {result['non_2xx']} non-2xx responses")
    result["response_bytes"] = len(body.encode())
    result["load_1min_before"] = load_before
    result["threads_warning"] = "Python threads" in log  # granian's "up to N Python threads" notice
    return result


def summarize(runs: list[dict], servers: list[str]) -> list[dict]:
    medians = {}
    for server in servers:
        for target in TARGETS:
            mine = [r for r in runs if r["server"] == server and r["target"] == target.name]
            medians[server, target.name] = {
                key: statistics.median(r[key] for r in mine) for key in ("requests_per_s", "p50_ms", "p99_ms")}
    rows = []
    for server in servers:
        echo = medians[server, ECHO.name]["requests_per_s"]
        for target in TARGETS:
            row = {"server": server, "target": target.name, **medians[server, target.name]}
            row["vs_echo"] = row["requests_per_s"] / echo
            if server != "gunicorn" and "gunicorn" in servers:
                row["vs_gunicorn"] = row["requests_per_s"] / medians["gunicorn", target.name]["requests_per_s"]
            rows.append(row)
    return rows


def markdown_table(rows: list[dict]) -> str:
    lines = ["| server | target | req/s | p50 ms | p99 ms | / echo (same server) | / gunicorn (same target) |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        vs_gunicorn = f"{row['vs_gunicorn']:.2f}" if "vs_gunicorn" in row else "—"
        lines.append(f"| {row['server']} | {row['target']} | {row['requests_per_s']:.0f} | {row['p50_ms']:.2f} "
                     f"| {row['p99_ms']:.2f} | {row['vs_echo']:.2f} | {vs_gunicorn} |")
    return "\n".join(lines)


def machine() -> dict:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "wrk": wrk_version.strip(),
            **{name: version(name) for name in ("granian", "gunicorn", "spyne", "lxml", "emall-ws")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions; medians reported")
    parser.add_argument("--blocking-threads", type=int, action="append", default=[], metavar="N",
                        help="also measure granian with --blocking-threads N (repeatable)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")

    servers = ["granian", "gunicorn"] + [f"granian-bt{n}" for n in args.blocking_threads]
    runs = []
    with tempfile.TemporaryDirectory(prefix="emall-bench-code-") as code:
        source = snapshot_package(Path(code))
        for round_ in range(1, args.rounds + 1):
            for server in servers:
                for target in TARGETS:
                    result = measure(server, target, Path(code), args)
                    runs.append({"round": round_, "server": server, "target": target.name, **result})
                    print(f"round {round_} {server:12} {target.name:22} {result['requests_per_s']:8.0f} req/s "
                          f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms", file=sys.stderr)

    rows = summarize(runs, servers)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc)
    out = RESULTS_DIR / f"{stamp:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"date": stamp.isoformat(timespec="seconds"), "machine": machine(), "source": source,
                               "settings": {**vars(args), "workers": WORKERS, "warmup_s": WARMUP_SECONDS},
                               "medians": rows, "runs": runs}, indent=2))
    print(markdown_table(rows))
    print(f"\nraw results: {out.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
