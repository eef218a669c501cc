"""Whether a configured database can be used, told in words before a server or worker starts."""
from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError, OperationalError

from emall_ws.db.session import create_platform_engine

# MariaDB/MySQL client and server error numbers, in the words an operator acts on
_MYSQL_CAUSES = {
    1044: "access denied to this database for the user",
    1045: "access denied (user or password wrong)",
    1698: "access denied (user or password wrong)",
    1049: "unknown database: create it (CREATE DATABASE ... CHARACTER SET utf8mb4) or correct the name",
    2002: "unreachable: no server answers at that socket",
    2003: "unreachable: no server answers at that host and port",
    2005: "unreachable: unknown host",
    2013: "unreachable: the server closed the connection",
}


class DatabaseUnusable(Exception):
    """The database named by `variable` cannot be used; the message says why in words."""

    def __init__(self, variable: str, url: str, cause: str):
        shown = make_url(url).render_as_string(hide_password=True)
        super().__init__(f"{variable} ({shown}): {cause}")


def check_usable(url: str, variable: str) -> None:
    """Connects once; raises DatabaseUnusable with the cause (driver, database, access, reach)."""
    engine = None
    try:
        engine = create_platform_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except NoSuchModuleError:
        raise DatabaseUnusable(variable, url, f"unknown database driver '{make_url(url).drivername}'") from None
    except ImportError as error:
        raise DatabaseUnusable(variable, url, f"driver missing: Python module '{error.name}' is not "
                               "installed (pip install it, or use mysql+pymysql://)") from None
    except OSError as error:  # SQLite: the database file's folder cannot be made
        raise DatabaseUnusable(variable, url, f"cannot create the folder of the database file "
                               f"({error.strerror})") from None
    except OperationalError as error:
        raise DatabaseUnusable(variable, url, _cause(error)) from None
    finally:
        if engine is not None:
            engine.dispose()


def _cause(error: OperationalError) -> str:
    args: tuple[Any, ...] = getattr(error.orig, "args", ()) or ("",)
    if isinstance(args[0], int):
        if "Name or service not known" in str(args[1:]):
            return _MYSQL_CAUSES[2005]
        return _MYSQL_CAUSES.get(args[0], f"error {args[0]}: {args[1] if len(args) > 1 else ''}")
    if "unable to open database file" in str(args[0]):
        return "cannot open the database file: does its folder exist, and may this user write there?"
    return str(args[0])
