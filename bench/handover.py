"""What a server arrangement costs per request before any application work: bare apps that read a
400-byte POST body and answer 100 bytes, under each arrangement that could serve the platform.

`emall-ws serve` must read a request body off the threads that run operations (issue 12), which
granian's WSGI interface does not do (it reads the body inside its blocking thread). This measures
the price of each arrangement that does, against granian WSGI, in interleaved rounds (medians):

    .venv/bin/pip install uvicorn httptools rloop   # arrangements whose package is missing are skipped
    .venv/bin/python bench/handover.py --rounds 4 --duration 6

Results: printed, and written to bench/results/handover-<time>.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from raw import RESULTS_DIR, save_results
from run import VENV_BIN, free_port  # bench/run.py

BODY = b"<ok/>" * 20
WRK_POST = 'wrk.method = "POST"\nwrk.body = string.rep("x", 400)\nwrk.headers["Content-Type"] = "text/xml"\n'


def wsgi_app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("content-type", "text/xml")])
    return [BODY]


class RsgiApp:
    """What the platform's front does with granian's RSGI: await the whole body, then answer."""

    async def __rsgi__(self, scope, protocol):
        await protocol()
        protocol.response_bytes(200, [("content-type", "text/xml")], BODY)


rsgi_app = RsgiApp()


async def asgi_app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/xml")]})
    await send({"type": "http.response.body", "body": BODY})


def _granian(interface: str, app: str, *options: str) -> list[str]:
    return [str(VENV_BIN / "granian"), "--interface", interface, "--workers", "2", "--no-ws",
            "--log-level", "error", *options, f"handover:{app}"]


# name: (package it needs, command without the port)
ARRANGEMENTS = {
    "granian WSGI, 1 blocking thread (body read in that thread)":
        ("granian", _granian("wsgi", "wsgi_app", "--blocking-threads", "1")),
    "granian RSGI, uvloop (emall-ws serve today)": ("uvloop", _granian("rsgi", "rsgi_app", "--loop", "uvloop")),
    "granian RSGI, uvloop, single-threaded runtime":
        ("uvloop", _granian("rsgi", "rsgi_app", "--loop", "uvloop", "--runtime-mode", "st")),
    "granian RSGI, rloop, single-threaded runtime":
        ("rloop", _granian("rsgi", "rsgi_app", "--loop", "rloop", "--runtime-mode", "st")),
    "uvicorn ASGI, httptools, uvloop":
        ("httptools", [str(VENV_BIN / "uvicorn"), "--workers", "2", "--loop", "uvloop", "--http", "httptools",
                       "--log-level", "error", "--no-access-log", "handover:asgi_app"]),
}


def measure(command: list[str], duration: int, lua: Path) -> float:
    port = free_port()
    port_option = ["--port", str(port)]
    server = subprocess.Popen(command[:-1] + port_option + command[-1:], cwd=Path(__file__).parent,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):  # until it answers
            if subprocess.run(["curl", "-sf", "-o", "/dev/null", "-d", "x", url]).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["wrk", "-t2", "-c8", "-d1", "-s", str(lua), url], capture_output=True)  # warm-up
        out = subprocess.run(["wrk", "-t2", "-c8", f"-d{duration}", "-s", str(lua), url],
                             capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise RuntimeError(f"{command}: failed requests\n{out}")
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        assert found, out
        return float(found.group(1))
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=6, help="seconds of load per measurement")
    args = parser.parse_args()
    arrangements = {name: command for name, (package, command) in ARRANGEMENTS.items()
                    if importlib.util.find_spec(package) or print(f"skipped (no {package}): {name}")}
    RESULTS_DIR.mkdir(exist_ok=True)
    lua = RESULTS_DIR / "handover-post.lua"
    lua.write_text(WRK_POST)
    rounds: dict[str, list[float]] = {name: [] for name in arrangements}
    for _ in range(args.rounds):
        for name, command in arrangements.items():
            rounds[name].append(measure(command, args.duration, lua))
    reference = statistics.median(next(iter(rounds.values())))
    print("| arrangement | req/s (median) | 2 cores ÷ req/s, µs | req/s ÷ WSGI |")
    print("|---|---:|---:|---:|")
    for name, values in rounds.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} | {2e6 / median:.1f} | {median / reference:.2f} |")
    save_results("handover", {"rounds": rounds, "settings": vars(args), "python": sys.version})


if __name__ == "__main__":
    main()
