"""The `emall-ws` command."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from emall_ws import __version__
from emall_ws.config import SETTINGS, SIMULATED_PAYMENTS, FailClosed, Settings, settings_table
from emall_ws.setting import SettingError
from emall_ws.db import migrate
from emall_ws.db.session import Database
from emall_ws.db.usable import DatabaseUnusable, check_usable
from emall_ws.logs import configure_logging
from emall_ws.observability import prepare_metrics_dir
from emall_ws.serving.ports import check_port_free, check_ports_distinct

REPO_ROOT = Path(__file__).resolve().parent.parent
EXPORT_PUBLIC_URL = "http://127.0.0.1:8000"  # the address written into the committed WSDLs


def cmd_serve(args) -> int:
    """The SOAP server, the background worker, (EMALL_SANDBOX=1) the partner sandboxes and
    (EMALL_STOREFRONT=1) the storefront, as child processes of this one; every check is made before
    anything says it is serving."""
    # the children read their settings from the environment
    for variable, value in (("EMALL_HOST", args.host), ("EMALL_PORT", args.port), ("EMALL_WORKERS", args.workers)):
        if value:
            os.environ[variable] = str(value)
    from emall_ws.serving.supervisor import Child, Supervisor

    settings = Settings.from_env()
    settings.check_fail_closed()
    configure_logging(settings.log_level, settings)
    listeners = [("EMALL_PORT", settings.host, settings.port)]
    if settings.sandbox_enabled:
        listeners.append(("EMALL_SANDBOX_PORT", settings.sandbox_host, settings.sandbox_port))
    if settings.storefront_enabled:
        listeners.append(("EMALL_WEB_PORT", settings.host, settings.web_port))
    check_ports_distinct(listeners)
    for variable, host, port in listeners:
        check_port_free(host, port, variable)
    if settings.sandbox_enabled and settings.sandbox_seed is not None:  # refused here, not by a child later
        from emall_ws.sandbox.seed import read_seed

        read_seed(settings.sandbox_seed)
    check_usable(settings.database_url, "EMALL_DATABASE_URL")
    prepare_metrics_dir(settings)  # one folder for every child's counts, set before they start
    prepare_database(settings)
    children = [Child("SOAP server", ["server", "--supervised"]), Child("worker", ["worker"])]
    if settings.sandbox_enabled:
        children.append(Child("partner sandboxes", ["sandbox", "--supervised"]))
    if settings.storefront_enabled:
        children.append(Child("storefront", ["storefront", "--supervised"]))
    print(banner(settings), flush=True)
    return Supervisor(children).run()


def banner(settings: Settings) -> str:
    lines = [f"emall-ws {__version__}: serving",
             f"  SOAP services  {settings.public_url}/ws/<Service>  (list: {settings.public_url}/)",
             f"  health         {settings.public_url}/health",
             f"  database       {_redacted(settings.database_url)}"]
    if settings.storefront_enabled:
        lines.append(f"  storefront     {storefront_url(settings)}/")
    if settings.sandbox_enabled:
        lines.append(f"  sandboxes      {settings.sandbox_url}/partners/  (simulated banks, couriers, SMS, "
                     "Dukcapil, OSS, Moota)")
    if settings.payments_simulated:
        lines.append(f"  NOTE           {SIMULATED_PAYMENTS}")
    return "\n".join(lines)


def cmd_server(args) -> int:
    from emall_ws.serving.servers import serve_platform

    settings = Settings.from_env()
    settings.check_fail_closed()
    configure_logging(settings.log_level, settings)
    check_port_free(settings.host, settings.port, "EMALL_PORT")
    check_usable(settings.database_url, "EMALL_DATABASE_URL")
    if not args.supervised:  # under `serve`, the supervisor checked it before starting its children
        check_schema(settings)
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:  # run alone, not as a child of `serve`
        # before granian forks workers that import prometheus_client; instances on one machine
        # (emall-ws-server@<port>) share a var folder, not their counts
        prepare_metrics_dir(settings, f"server-{settings.port}")
    serve_platform(settings.host, settings.port, settings.workers, settings.body_timeout, supervised=args.supervised)
    return 0


def cmd_sandbox(args) -> int:
    from emall_ws.sandbox.server import run_sandbox

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings)
    check_port_free(settings.sandbox_host, settings.sandbox_port, "EMALL_SANDBOX_PORT")
    check_usable(settings.sandbox_database_url, "EMALL_SANDBOX_DATABASE_URL")
    if not args.supervised:
        print(f"emall-ws: partner sandboxes on {settings.sandbox_url}/partners/ "
              f"(database {_redacted(settings.sandbox_database_url)})", flush=True)
    run_sandbox(settings.sandbox_host, settings.sandbox_port, settings.sandbox_database_url, settings.sandbox_url,
                supervised=args.supervised, platform_database_url=settings.database_url, seed=settings.sandbox_seed)
    return 0


def cmd_storefront(args) -> int:
    """The storefront (storefront/, docs/storefront.md) alone: a web shop that calls the platform at
    EMALL_STOREFRONT_PLATFORM_URL through its WSDLs; sessions under <var>/storefront."""
    from storefront.server import serve_storefront

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings)
    check_port_free(settings.host, settings.web_port, "EMALL_WEB_PORT")
    # cookies are Secure unless told otherwise: on 127.0.0.1 the shop is often behind a TLS proxy, and
    # browsers treat http://127.0.0.1 and http://localhost as secure contexts, so Secure works there too
    secure = not args.insecure_cookies
    if not args.supervised:
        print(f"emall-ws: storefront on {storefront_url(settings)}/ (platform "
              f"{settings.storefront_platform_url}{', Secure cookies' if secure else ''})", flush=True)
    serve_storefront(settings.host, settings.web_port, settings.storefront_platform_url,
                     settings.var_dir / "storefront", secure_cookies=secure, supervised=args.supervised)
    return 0


def storefront_url(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.web_port}"


def cmd_worker(_args) -> int:
    from emall_ws.worker import run_worker

    settings = Settings.from_env()
    settings.check_fail_closed()
    configure_logging(settings.log_level, settings)
    check_usable(settings.database_url, "EMALL_DATABASE_URL")
    check_schema(settings)
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
    check_schema(platform.settings, platform.db)  # not a publication: that is the server's, with its public URL
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


def prepare_database(settings: Settings, *, say_created: bool = False) -> None:
    """The schema at the code's revision (check_schema), and the platform's services published in
    the registry."""
    from emall_ws.platform import Platform
    from emall_ws.soap.app import publish_platform

    db = Database(settings.database_url)
    try:
        check_schema(settings, db, say_created=say_created)
        publish_platform(Platform.from_settings(settings, db))
    finally:
        db.dispose()


def check_schema(settings: Settings, db: Database | None = None, *, say_created: bool = False) -> None:
    """An empty database gets the newest schema; the embedded SQLite is upgraded by itself; a
    MariaDB/MySQL database behind or ahead of the code is refused (SchemaOutOfDate). An upgrade is
    said; a creation only when asked (initdb), so that a first `serve` shows its banner alone."""
    from sqlalchemy.engine import make_url

    own = db is None
    db = db or Database(settings.database_url)
    try:
        sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
        for line in migrate.check(db, "EMALL_DATABASE_URL", upgrade_allowed=sqlite):
            if say_created or not line.startswith(migrate.CREATED):
                print(f"emall-ws: {line}", flush=True)
    finally:
        if own:
            db.dispose()


def cmd_migrate(args) -> int:
    settings = Settings.from_env()
    check_usable(settings.database_url, "EMALL_DATABASE_URL")
    db = Database(settings.database_url)
    try:
        if args.sql:
            print(migrate.upgrade_sql(db), end="")
        elif args.new:
            print(f"emall-ws: wrote {migrate.new_revision(args.new)}: read it and adjust it before committing")
        else:
            for line in migrate.upgrade(db) or [f"already at revision {migrate.head()}, nothing to do"]:
                print(f"emall-ws: {line}")
    finally:
        db.dispose()
    return 0


def cmd_initdb(_args) -> int:
    settings = Settings.from_env()
    check_usable(settings.database_url, "EMALL_DATABASE_URL")
    prepare_database(settings, say_created=True)
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


def cmd_settings(args) -> int:
    if args.markdown:
        print(settings_table())
        return 0
    for setting in SETTINGS:
        default = (setting.shown or setting.default).replace("`", "")
        print(f"{setting.name:28} {default:40} {setting.meaning.replace('`', '')}")
    return 0


def cmd_fault_codes(_args) -> int:
    from emall_ws.messages import codes_table

    print(codes_table())
    return 0


def cmd_code_sets(_args) -> int:
    from emall_ws.soap.codes import code_sets_table

    print(code_sets_table())
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


SUPERVISED_HELP = "run as a child of `serve`: no start-up line; `serve` bounds the stop"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emall-ws", description="Emall KUKM web services")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve every service (embedded SQLite by default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(run=cmd_serve)

    server = commands.add_parser("server", help="run the SOAP server alone (no worker, no sandboxes)")
    server.add_argument("--supervised", action="store_true", help=SUPERVISED_HELP)
    server.set_defaults(run=cmd_server)

    commands.add_parser("worker", help="run the scheduled jobs (notifications ...) alone").set_defaults(
        run=cmd_worker)

    sandbox = commands.add_parser("sandbox", help="run the partner sandboxes (banks, couriers, SMS, Dukcapil, OSS, "
                                                  "Moota) alone")
    sandbox.add_argument("--supervised", action="store_true", help=SUPERVISED_HELP)
    sandbox.set_defaults(run=cmd_sandbox)

    storefront = commands.add_parser("storefront", help="run the web storefront alone, on EMALL_WEB_PORT "
                                     "(docs/storefront.md)")
    storefront.add_argument("--supervised", action="store_true", help=SUPERVISED_HELP)
    storefront.add_argument("--insecure-cookies", action="store_true",
                            help="session cookies without Secure (a demo over plain http on another machine's address)")
    storefront.set_defaults(run=cmd_storefront)

    commands.add_parser("initdb", help="create the tables (or check their revision) and publish the services"
                        ).set_defaults(run=cmd_initdb)

    migration = commands.add_parser("migrate", help="upgrade the database to this code's schema revision")
    migration.add_argument("--sql", action="store_true", help="print the DDL for a DBA instead of running it")
    migration.add_argument("--new", metavar="MESSAGE", help="(developers) write a new revision from the models")
    migration.set_defaults(run=cmd_migrate)

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

    settings = commands.add_parser("settings", help="list every setting and its default")
    settings.add_argument("--markdown", action="store_true", help="as the README's table")
    settings.set_defaults(run=cmd_settings)

    codes = commands.add_parser("fault-codes", help="every fault and field-error code with its texts, as the "
                                "README's table (Markdown)")
    codes.set_defaults(run=cmd_fault_codes)

    code_sets = commands.add_parser("code-sets", help="every code set of the WSDLs (xs:enumeration) with its "
                                    "values, as the README's table (Markdown)")
    code_sets.set_defaults(run=cmd_code_sets)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit status 2 for a setting that cannot work, 1 for a database that cannot be used."""
    args = build_parser().parse_args(argv)
    from emall_ws.serving.supervisor import watch_supervisor

    watch_supervisor()  # a child of `serve` ends with it, even when it is killed outright
    try:
        return args.run(args)
    except (SettingError, FailClosed) as error:
        print(f"emall-ws: {error}", file=sys.stderr)
        return 2
    except (DatabaseUnusable, migrate.SchemaOutOfDate, migrate.SchemaMismatch) as error:
        print(f"emall-ws: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
