"""Which account numbers the platform has on record as sellers' payout accounts, for the bank sandbox.

A real bank credits a seller's account because the seller opened it there, long before registering
with the platform. The sandbox cannot know that life, and the platform's record of the seller's payout
account is the only evidence of it; so the bank sandbox treats a number registered there as an
account that exists (opened on the first transfer to it, an empty statement until then) and refuses
every other number as a bank does. A transfer to a mistyped number is still refused, rather than
credited to an account nobody reads.

Read-only and narrow: one query on the platform's database (EMALL_DATABASE_URL), the sandbox's own
state staying in its own database. The platform holds no sandbox-only code path for this: a real
bank is never asked anything it would not be asked anyway.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from emall_ws.db.models import Member
from emall_ws.db.session import Database
from emall_ws.domain.members import SELLER

log = logging.getLogger(__name__)


class PayoutAccounts:
    """The platform's sellers' payout accounts, looked up one at a time; made once per sandbox process."""

    def __init__(self, platform_database_url: str | None):
        self._url = platform_database_url
        self._db: Database | None = None

    def holder_of(self, bank: str, account_number: str) -> str | None:
        """The account holder's name if `account_number` at `bank` (bca ...) is a seller's registered
        payout account, else None (and None when the platform's database cannot be read)."""
        if self._db is None and not _exists(self._url):  # checked each time: the platform may start later
            return None
        query = (select(Member.account_holder, Member.name)
                 .where(Member.role == SELLER, Member.bank_code == bank,  # both lower-case codes (bca)
                        Member.account_number == account_number).limit(1))
        try:
            row = self._database().read(lambda connection: connection.execute(query).first())
        except SQLAlchemyError as error:  # not initialised yet, or away: as if unregistered
            log.warning("bank sandbox: the platform's payout accounts cannot be read: %s", type(error).__name__)
            return None
        return None if row is None else (row.account_holder or row.name)

    def _database(self) -> Database:
        if self._db is None:
            self._db = Database(self._url or "")  # _exists said there is one
        return self._db

    def dispose(self) -> None:
        if self._db is not None:
            self._db.dispose()


def _exists(url: str | None) -> bool:
    """A database to read: an SQLite file that is not there is not made by looking into it."""
    if not url:
        return False
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    path = parsed.database
    return path is not None and path not in ("", ":memory:") and Path(path).exists()
