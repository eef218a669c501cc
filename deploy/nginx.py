"""The nginx site of a deployment, rendered from deploy/nginx/emall-ws.conf.template.

    .venv/bin/python deploy/nginx.py --server-name emall.example.go.id \\
        --upstream 10.0.0.11:8000 --upstream 10.0.0.12:8000 \\
        --certificate /etc/ssl/certs/emall-ws.pem --key /etc/ssl/private/emall-ws.key \\
        > /etc/nginx/sites-available/emall-ws

Run it with the platform's Python and its environment file loaded: the body size and deadline come
from EMALL_MAX_REQUEST_BYTES and EMALL_BODY_TIMEOUT, and the faults nginx answers itself are the
platform's own (emall_ws.soap.faults), so a client cannot tell nginx's 413 from an instance's.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emall_ws.config import Settings  # noqa: E402
from emall_ws.messages import DEFAULT_LANGUAGE  # noqa: E402
from emall_ws.soap import faults, hardening  # noqa: E402

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "emall-ws.conf.template"
PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")


def render(upstreams: list[str], certificate: Path, key: Path, server_name: str = "_",
           https_port: int = 443, http_port: int = 80, settings: Settings | None = None) -> str:
    """The site's text. `upstreams`: host:port of every `emall-ws server` instance."""
    if not upstreams:
        raise ValueError("at least one --upstream host:port is needed")
    settings = settings or Settings.from_env()
    values = {
        "UPSTREAM_SERVERS": "\n".join(f"    server {u} max_fails=1 fail_timeout=10s;" for u in upstreams),
        "SERVER_NAME": server_name, "HTTPS_PORT": str(https_port), "HTTP_PORT": str(http_port),
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "TLS_CERTIFICATE": str(certificate), "TLS_CERTIFICATE_KEY": str(key),
        "MAX_REQUEST_BYTES": str(settings.max_request_bytes),
        "BODY_TIMEOUT": str(math.ceil(settings.body_timeout)),
        "UNAVAILABLE_FAULT": _quoted(faults.unavailable_fault(DEFAULT_LANGUAGE)),
        "TOO_LARGE_FAULT": _quoted(faults.client_fault(
            "BadRequest", "REQUEST_TOO_LARGE", DEFAULT_LANGUAGE, limit=settings.max_request_bytes)),
    }
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], TEMPLATE.read_text())


def _quoted(fault: faults.PlatformFault) -> str:
    """The fault's envelope as the inside of an nginx single-quoted string."""
    envelope = hardening.fault_envelope(fault)[0].decode().strip()
    return envelope.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", action="append", required=True, metavar="HOST:PORT",
                        help="an `emall-ws server` instance (repeat for each)")
    parser.add_argument("--certificate", required=True, type=Path, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", required=True, type=Path, help="its private key (PEM)")
    parser.add_argument("--server-name", default="_", help="the public host name (EMALL_PUBLIC_URL's)")
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    args = parser.parse_args(argv)
    sys.stdout.write(render(args.upstream, args.certificate, args.key, args.server_name,
                            args.https_port, args.http_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
