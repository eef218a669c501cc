"""What proving who calls costs, per call: a session token, an API key (PasswordText and PasswordDigest) and a
member's password (Argon2id), each on Member.getProfile through the WSGI application in process (no server,
one call at a time), and an API key's check alone (open the sealed secret, compare the digest).

    .venv/bin/python bench/api_keys.py [--calls 500] [--password-calls 20] [--rounds 3] [--json]

A fresh SQLite database in a temporary EMALL_VAR_DIR, the default (production) Argon2id parameters. Every
answer is checked. Figures: medians, and each as a ratio to the session token's in the same round.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MEMBER_NS = "urn:emall-kukm:member"
USERNAME, PASSWORD = "tokobench", "rahasia123"


def envelope(header: str = "", body: str = "<m:getProfile/>") -> bytes:
    return (f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:m="{MEMBER_NS}"><soap:Header>{header}</soap:Header>'
            f"<soap:Body>{body}</soap:Body></soap:Envelope>").encode()


def call(app, body: bytes) -> bytes:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/ws/Member", "QUERY_STRING": "", "SCRIPT_NAME": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": "127.0.0.1:8000", "CONTENT_TYPE": "text/xml; charset=utf-8",
               "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body),
               "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "wsgi.version": (1, 0)}
    chunks = app(environ, lambda status, headers, exc_info=None: None)
    answer = b"".join(chunks)
    if b"Fault>" in answer:
        raise SystemExit(f"a call failed: {answer[:600]!r}")
    return answer


def username_token(username: str, password: str, digest: bool) -> str:
    """A wsse:Security header as zeep's WS-Security makes it (a fresh Nonce and Created for a digest)."""
    from zeep.wsse.username import UsernameToken

    document = etree.fromstring(envelope())
    UsernameToken(username, password, use_digest=digest, created=datetime.now(timezone.utc)).apply(document, {})
    return etree.tostring(document.find(f"{{{SOAP_ENV}}}Header")[0]).decode()


def prepare(app_module):
    """The WSGI application, a member with a password, its session token and an API key."""
    from emall_ws.cli import prepare_database
    from emall_ws.config import Settings
    from emall_ws.services import members

    settings = Settings.from_env()
    prepare_database(settings)
    app = app_module.create_app(settings)
    platform = app.platform
    with platform.db.unit_of_work() as session:
        members.create_admin(session, USERNAME, f"{USERNAME}@example.co.id", PASSWORD, "Toko Bench", "081234567890",
                             platform.regions, platform.passwords, platform.clock())
    answer = etree.fromstring(call(app, envelope(body=f"<m:login><m:username>{USERNAME}</m:username>"
                                                      f"<m:password>{PASSWORD}</m:password></m:login>")))
    token = answer.findtext(f".//{{{MEMBER_NS}}}token")
    session_header = f"<m:SessionHeader><m:token>{token}</m:token></m:SessionHeader>"
    created = etree.fromstring(call(app, envelope(session_header, "<m:createApiKey><m:label>bench</m:label>"
                                                                  "</m:createApiKey>")))
    key_id, secret = created.findtext(f".//{{{MEMBER_NS}}}keyId"), created.findtext(f".//{{{MEMBER_NS}}}secret")
    return app, session_header, key_id, secret


def timed(calls: int, make_body, app) -> float:
    """Median seconds of `calls` getProfile calls, each body made (not timed) by make_body()."""
    times = []
    for _ in range(calls):
        body = make_body()
        started = time.perf_counter()
        answer = call(app, body)
        times.append(time.perf_counter() - started)
        assert USERNAME.encode() in answer
    return statistics.median(times)


def key_check_alone(platform, key_id: str, secret: str, calls: int) -> float:
    """Median seconds of opening the sealed secret and checking a fresh digest with it, no database."""
    from sqlalchemy import select

    from emall_ws.db.models import ApiKey
    from emall_ws.services.auth import Credentials

    with platform.db.unit_of_work() as session:
        sealed = session.scalar(select(ApiKey.sealed_secret).where(ApiKey.key_id == key_id))
    box, times = platform.secret_box, []
    for _ in range(calls):
        nonce, created = os.urandom(16), datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + secret.encode()).digest()).decode()
        credentials = Credentials(username=key_id, password=digest, digest=True, nonce=nonce, created=created)
        started = time.perf_counter()
        assert credentials.prove(box.open(sealed, key_id))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--password-calls", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        os.environ.update(EMALL_VAR_DIR=var, EMALL_ACCESS_LOG="0", EMALL_LOG_LEVEL="WARNING", EMALL_METRICS="0")
        os.environ.pop("EMALL_DATABASE_URL", None)
        os.environ.pop("EMALL_PASSWORD_HASH", None)  # production's Argon2id parameters
        from emall_ws import wsgi

        app, session_header, key_id, secret = prepare(wsgi)
        targets = {
            "session token": (args.calls, lambda: envelope(session_header)),
            "API key, PasswordText": (args.calls, lambda: envelope(username_token(key_id, secret, False))),
            "API key, PasswordDigest": (args.calls, lambda: envelope(username_token(key_id, secret, True))),
            "password (Argon2id)": (args.password_calls, lambda: envelope(username_token(USERNAME, PASSWORD, False))),
        }
        rounds: dict[str, list[float]] = {name: [] for name in [*targets, "API key check alone"]}
        for _ in range(args.rounds):  # interleaved: every target once per round
            for name, (calls, make_body) in targets.items():
                rounds[name].append(timed(calls, make_body, app))
            rounds["API key check alone"].append(key_check_alone(app.platform, key_id, secret, args.calls))
    medians = {name: statistics.median(values) for name, values in rounds.items()}
    reference = medians["session token"]
    figures = {name: {"median_ms": round(value * 1000, 4), "vs_session_token": round(value / reference, 3)}
               for name, value in medians.items()}
    if args.json:
        print(json.dumps({"rounds": args.rounds, "calls": args.calls, "figures": figures}, indent=2))
    else:
        print(f"{'getProfile proved by':28} {'median ms':>10} {'x session token':>16}")
        for name, figure in figures.items():
            print(f"{name:28} {figure['median_ms']:>10.4f} {figure['vs_session_token']:>16.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
