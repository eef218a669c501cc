"""The `emall-ws` command."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from emall_ws.config import SETTINGS_DOC, WORKERS_KILL_TIMEOUT, Settings
from emall_ws.db.session import Database
from emall_ws.logs import configure_logging

REPO_ROOT = Path(__file__).resolve().parent.parent
EXPORT_PUBLIC_URL = "http://127.0.0.1:8000"  # the address written into the committed WSDLs


def cmd_serve(args) -> int:
    # workers are separate processes that read their settings from the environment
    if args.host:
        os.environ["EMALL_HOST"] = args.host
    if args.port:
        os.environ["EMALL_PORT"] = str(args.port)
    if args.workers:
        os.environ["EMALL_WORKERS"] = str(args.workers)
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    from emall_ws.observability import prepare_metrics_dir
    prepare_metrics_dir(settings)  # before anything imports prometheus_client: granian forks from here
    prepare_database(settings)
    from granian import Granian

    from emall_ws.worker import BackgroundWorker

    print(f"emall-ws: serving on {settings.public_url}/ (database {_redacted(settings.database_url)})",
          flush=True)
    # the sandboxes answer on their own port and process: an adapter calling a sandbox served
    # by the same workers could wait on itself
    # (its own session: a Ctrl-C to our process group reaches it only through our terminate())
    sandbox = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "sandbox"], start_new_session=True) \
        if settings.sandbox_enabled else None
    worker = BackgroundWorker(settings).start()  # notifications and scheduled jobs, beside the server
    try:
        Granian("emall_ws.wsgi:create_app", factory=True, interface="wsgi", address=settings.host,
                port=settings.port, workers=settings.workers, blocking_threads=settings.threads,
                log_access=False, workers_kill_timeout=WORKERS_KILL_TIMEOUT).serve()
    finally:
        worker.stop()
        if sandbox is not None:
            sandbox.terminate()
            try:
                sandbox.wait(WORKERS_KILL_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                sandbox.kill()
                sandbox.wait()
    return 0


def cmd_sandbox(_args) -> int:
    from emall_ws.sandbox.server import run_sandbox

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    print(f"emall-ws: partner sandboxes on {settings.sandbox_url}/partners/ "
          f"(database {_redacted(settings.sandbox_database_url)})", flush=True)
    run_sandbox(settings.host, settings.sandbox_port, settings.sandbox_database_url, settings.sandbox_url)
    return 0


def cmd_worker(_args) -> int:
    from emall_ws.worker import run_worker

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return run_worker(settings)


def cmd_create_admin(args) -> int:
    """An admin account, active at once. The password comes from EMALL_ADMIN_PASSWORD or a prompt."""
    import getpass

    from emall_ws.domain.errors import ValidationFailed
    from emall_ws.messages import field_message
    from emall_ws.platform import Platform
    from emall_ws.services import members

    password = os.environ.get("EMALL_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    platform = Platform.from_settings(Settings.from_env())
    platform.db.create_schema()  # not a publication: that is the server's, with its public URL
    try:
        with platform.db.unit_of_work() as session:
            view = members.create_admin(session, args.username, args.email, password, args.name,
                                        args.phone, platform.regions, platform.passwords, platform.clock())
    except ValidationFailed as failed:
        for error in failed.errors:
            print(f"{error.field}: {field_message(error.code, error.field, 'en', **error.params)}",
                  file=sys.stderr)
        return 2
    finally:
        platform.db.dispose()
    print(f"emall-ws: admin {view.username} created")
    return 0


def prepare_database(settings: Settings) -> None:
    """Creates missing tables and publishes the platform's services in the registry."""
    from emall_ws.soap.app import publish_platform

    db = Database(settings.database_url)
    try:
        db.create_schema()
        publish_platform(db, settings)
    finally:
        db.dispose()


def cmd_initdb(_args) -> int:
    settings = Settings.from_env()
    prepare_database(settings)
    print(f"emall-ws: database ready at {_redacted(settings.database_url)}")
    return 0


def cmd_export_wsdl(args) -> int:
    from emall_ws.sandbox.server import export_partner_wsdl
    from emall_ws.soap.wsdl import export_wsdl

    for path in export_wsdl(Path(args.out), EXPORT_PUBLIC_URL) + export_partner_wsdl(Path(args.out)):
        print(path)
    return 0


def cmd_export_schema(args) -> int:
    from emall_ws.db.schema import mysql_ddl

    Path(args.out).write_text(mysql_ddl(), encoding="utf-8")
    print(args.out)
    return 0


def cmd_settings(_args) -> int:
    for name, default, meaning in SETTINGS_DOC:
        print(f"{name:28} {default:40} {meaning}")
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emall-ws", description="Emall KUKM web services")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve every service (embedded SQLite by default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("worker", help="run the scheduled jobs (notifications ...) alone").set_defaults(
        run=cmd_worker)

    commands.add_parser("sandbox", help="run the partner sandboxes (banks, couriers, SMS) alone"
                        ).set_defaults(run=cmd_sandbox)

    commands.add_parser("initdb", help="create the tables and publish the services").set_defaults(
        run=cmd_initdb)

    admin = commands.add_parser("create-admin", help="create an active admin account")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.add_argument("--phone", default="0215229002")
    admin.set_defaults(run=cmd_create_admin)

    wsdl = commands.add_parser("export-wsdl", help="write wsdl/<Service>.wsdl and wsdl/partners/*.wsdl")
    wsdl.add_argument("--out", default=str(REPO_ROOT / "wsdl"))
    wsdl.set_defaults(run=cmd_export_wsdl)

    schema = commands.add_parser("export-schema", help="write the MariaDB/MySQL DDL to schema.sql")
    schema.add_argument("--out", default=str(REPO_ROOT / "schema.sql"))
    schema.set_defaults(run=cmd_export_schema)

    commands.add_parser("settings", help="list every setting and its default").set_defaults(
        run=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
