"""The PHP reference of bench/catalog.py: bench/php/catalog.php (PHP 8 SoapServer + PDO on MariaDB) served
as PHP is deployed, php-fpm behind nginx, both with configurations of their own in a temporary folder.

    apt-get install -y php-fpm php-soap php-mysql   # Debian's PHP 8 (8.2 on bookworm); nginx and wrk too

The paper built the e-mall on PHP's SOAP extension; this is that stack answering the platform's own
Catalog WSDL (wsdl/Catalog.wsdl, generated; copied at start with its soap:address rewritten to the
reference's URL, never edited by hand) for listCategories, searchProducts and getProduct, with the
platform's queries and, checked by compare(), the platform's answers.

Why php-fpm behind nginx, and why pm = static with pm.max_children = run.WORKERS (2): php-fpm is how
PHP is served in production (PHP's built-in server is documented as a development server), and its
static pool fixes the number of PHP worker processes the way `emall-ws serve` fixes granian's
(EMALL_WORKERS, 2 in bench/run.py), so both sides answer with the same number of processes that run
the application, each handling one request at a time. nginx (one worker process, as deploy/loopback.py
configures it) only passes requests over FastCGI; PHP cannot serve HTTP in production without such a
front, so it is part of what is measured. Each php-fpm worker keeps one persistent PDO connection, as
each platform worker keeps its own pool; opcache is on (Debian's default for php-fpm).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from run import ECHO, REPO_ROOT, WORKERS, free_port, stop_server, wait_ready

sys.path.insert(0, str(REPO_ROOT / "deploy"))
from loopback import write_main_conf  # noqa: E402  (deploy/loopback.py)
from sqlalchemy.engine import make_url  # noqa: E402

PHP_DIR = Path(__file__).resolve().parent / "php"
PATH = "/ws/Catalog"  # the platform's path, so that a target's path and body serve both
READY_PATH = PATH + "?wsdl"  # answered by SoapServer itself: nginx and php-fpm are both up


def php_fpm() -> str:
    found = shutil.which("php-fpm") or next(iter(sorted(Path("/usr/sbin").glob("php-fpm*"))), None)
    if found is None:
        sys.exit("php-fpm not found: apt-get install -y php-fpm php-soap php-mysql")
    return str(found)


def rewrite_wsdl(into: Path, port: int) -> Path:
    """wsdl/Catalog.wsdl with its soap:address pointing at the reference."""
    text = (REPO_ROOT / "wsdl" / "Catalog.wsdl").read_text()
    text, count = re.subn(r'(<wsdlsoap11:address location=")[^"]*(")', rf"\g<1>http://127.0.0.1:{port}{PATH}\g<2>",
                          text)
    if count != 1:
        raise RuntimeError(f"wsdl/Catalog.wsdl: {count} soap:address elements, expected 1")
    (into / "Catalog.wsdl").write_text(text)
    return into / "Catalog.wsdl"


def _pdo(database_url: str) -> tuple[str, str, str]:
    url = make_url(database_url)
    dsn = f"mysql:host={url.host or '127.0.0.1'};port={url.port or 3306};dbname={url.database};charset=utf8mb4"
    return dsn, url.username or "root", url.password or ""


def write_fpm_conf(prefix: Path, socket: Path, wsdl: Path, database_url: str) -> Path:
    dsn, user, password = _pdo(database_url)
    as_root = "user = root\ngroup = root\n" if os.geteuid() == 0 else ""
    conf = prefix / "php-fpm.conf"
    conf.write_text(f"""[global]
pid = {prefix}/php-fpm.pid
error_log = {prefix}/php-fpm.log
daemonize = no

[catalog]
{as_root}listen = {socket}
pm = static
pm.max_children = {WORKERS}
clear_env = yes
env[EMALL_PHP_WSDL] = {wsdl}
env[EMALL_PHP_REGIONS] = {REPO_ROOT / 'emall_ws' / 'data' / 'regions.csv'}
env[EMALL_PHP_DSN] = "{dsn}"
env[EMALL_PHP_USER] = {user}
{f'env[EMALL_PHP_PASSWORD] = "{password}"' if password else ""}
php_admin_value[soap.wsdl_cache_dir] = {prefix}
php_admin_value[error_log] = {prefix}/php-errors.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off
""")
    return conf


def site_conf(port: int, socket: Path) -> str:
    return f"""server {{
    listen 127.0.0.1:{port};
    location = {PATH} {{
        fastcgi_pass unix:{socket};
        fastcgi_param SCRIPT_FILENAME {PHP_DIR / 'catalog.php'};
        fastcgi_param REQUEST_METHOD $request_method;
        fastcgi_param QUERY_STRING $query_string;
        fastcgi_param CONTENT_TYPE $content_type;
        fastcgi_param CONTENT_LENGTH $content_length;
        fastcgi_param REQUEST_URI $request_uri;
        fastcgi_param SERVER_PROTOCOL $server_protocol;
        fastcgi_param SERVER_NAME $server_name;
        fastcgi_param SERVER_PORT $server_port;
        fastcgi_param REMOTE_ADDR $remote_addr;
    }}
}}
"""


def start(workdir: Path, database_url: str) -> tuple[list[subprocess.Popen], int]:
    """php-fpm and nginx serving the reference on a free loopback port; stop them with stop()."""
    port = free_port()
    prefix = workdir / "php"
    prefix.mkdir()
    socket = prefix / "php-fpm.sock"
    fpm_conf = write_fpm_conf(prefix, socket, rewrite_wsdl(prefix, port), database_url)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx_conf = write_main_conf(prefix, site_conf(port, socket))
    processes = []
    with open(prefix / "stderr.log", "ab") as log:
        for command in ([php_fpm(), "--fpm-config", str(fpm_conf), "--nodaemonize"]
                        + (["--allow-to-run-as-root"] if os.geteuid() == 0 else []),
                        [nginx, "-p", str(prefix), "-c", str(nginx_conf), "-g", "daemon off;"]):
            processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        wait_ready(port, replace(ECHO, ready_path=READY_PATH), *processes)
    except Exception:
        stop(processes)
        for name in ("stderr.log", "php-fpm.log", "error.log", "php-errors.log"):
            if (prefix / name).exists():
                print((prefix / name).read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    return processes, port


def stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        stop_server(process)


# --- are the answers the same? -------------------------------------------------------------------------------

_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def normalised(body: str) -> list[tuple[str, str]]:
    """The answer inside soap:Body as (path of local names, text) in document order: no namespace
    prefixes, no whitespace between elements; an element that is nil counts as left out."""
    root = ET.fromstring(body.encode())
    envelope_body = next(e for e in root if e.tag.rsplit("}", 1)[-1] == "Body")
    fields: list[tuple[str, str]] = []

    def walk(element: ET.Element, path: str) -> None:
        if element.get(_XSI_NIL) in ("true", "1"):
            return
        path = f"{path}/{element.tag.rsplit('}', 1)[-1]}"
        children = list(element)
        if children:
            for child in children:
                walk(child, path)
        else:
            fields.append((path, (element.text or "").strip()))

    for answer in envelope_body:
        walk(answer, "")
    return fields


def differences(platform: str, php: str) -> list[str]:
    """Field by field, what differs between two answers (empty: the same)."""
    mine, theirs = normalised(platform), normalised(php)
    found = [f"{a[0]}: platform {a[1]!r}, PHP {b[0]}={b[1]!r}" for a, b in zip(mine, theirs, strict=False)
             if a != b]
    if len(mine) != len(theirs):
        found.append(f"{len(mine)} fields from the platform, {len(theirs)} from PHP")
    return found
