"""Member.requestPasswordReset: how long a member's request takes against a stranger's, over SOAP.

    .venv/bin/python bench/reset_timing.py [--calls 50] [--mysql-url mysql+pymysql://root@127.0.0.1:3306]

Starts `emall-ws serve` (2 workers, no sandbox) on a fresh SQLite database (or, with --mysql-url, a
fresh MariaDB one, dropped after), seeds --calls active members straight into the database, then
calls requestPasswordReset alternately for a member (each member once: a member asked for again within
a minute is sent nothing, which is the cheap path) and for a name nobody has, one call at a time over
one keep-alive connection. Every answer is checked (HTTP 200, CODE_SENT_IF_MEMBER_EXISTS). Prints the
median, p10 and p90 of each, and the member's median as a ratio to the stranger's (the answer must not
tell them apart: within 20 %, issue 22).
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

from emall_ws.clock import utcnow  # noqa: E402
from emall_ws.db.models import Member  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402

ENVELOPE = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:m="urn:emall-kukm:member"><soapenv:Body><m:requestPasswordReset>'
            '<m:usernameOrEmail>{name}</m:usernameOrEmail></m:requestPasswordReset></soapenv:Body></soapenv:Envelope>')
WARMUP = 10


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_members(url: str, count: int) -> list[str]:
    db = Database(url)
    db.create_schema()
    now, names = utcnow(), [f"anggota{i:04d}" for i in range(count + WARMUP)]
    with db.unit_of_work() as session:
        for i, name in enumerate(names):
            session.add(Member(username=name, username_key=name, email=f"{name}@example.co.id",
                               email_key=f"{name}@example.co.id", password_hash="x", name=f"Anggota {i}",
                               address="Jl. Gatot Subroto Kav. 94", phone=f"+62812{i:08d}", province_code="31",
                               city_code="31.74", role="BUYER", status="ACTIVE", created_at=now, activated_at=now))
    db.dispose()
    return names


def start_server(url: str, port: int, home: Path) -> subprocess.Popen:
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_WORKERS="2", EMALL_SANDBOX="0",
               EMALL_DATABASE_URL=url, EMALL_VAR_DIR=str(home / "var"), EMALL_CLIENT_LIMIT_HOUR="100000",
               EMALL_SANDBOX_PORT=str(free_port()), EMALL_PUBLIC_URL=f"http://127.0.0.1:{port}")
    log = open(home / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "serve"], env=env, cwd=home,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ws/Member?wsdl")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start:\n" + (home / "server.log").read_text(errors="replace")[-3000:])


def call(connection: http.client.HTTPConnection, name: str) -> float:
    body = ENVELOPE.format(name=name).encode()
    started = time.perf_counter()
    connection.request("POST", "/ws/Member", body, {"Content-Type": "text/xml; charset=utf-8",
                                                     "SOAPAction": '"requestPasswordReset"'})
    response = connection.getresponse()
    answer = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200 or b"CODE_SENT_IF_MEMBER_EXISTS" not in answer:
        raise SystemExit(f"unexpected answer for {name}: {response.status} {answer[:300]!r}")
    return elapsed


def figures(times: list[float]) -> str:
    deciles = statistics.quantiles(times, n=10)
    return f"median {statistics.median(times):.2f} ms (p10 {deciles[0]:.2f}, p90 {deciles[-1]:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--mysql-url", help="MariaDB server URL; SQLite when absent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reset-timing-") as workdir:
        home = Path(workdir)
        database, url = None, f"sqlite:///{home / 'bench.sqlite'}"
        if args.mysql_url:
            from databases import drop_database, fresh_database

            database = "bench_reset_timing"
            url = fresh_database(args.mysql_url, database)
        names = seed_members(url, args.calls)
        port = free_port()
        server = start_server(url, port, home)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for i in range(WARMUP):
                call(connection, names[args.calls + i])
                call(connection, f"orangasing{i:04d}x")
            member, stranger = [], []
            for i in range(args.calls):
                member.append(call(connection, names[i]))
                stranger.append(call(connection, f"bukananggota{i:04d}"))
        except SystemExit:
            print((home / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(30)
            if database:
                drop_database(args.mysql_url, database)
    ratio = statistics.median(member) / statistics.median(stranger)
    print(f"{'MariaDB' if args.mysql_url else 'SQLite'}, {args.calls} calls each, one at a time")
    print(f"  member:   {figures(member)}")
    print(f"  stranger: {figures(stranger)}")
    print(f"  member / stranger (medians): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
