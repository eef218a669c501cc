"""The body of a pushed mutation list, read and checked whole before anything is written.

    {"account": {"bank": "bca", "accountNumber": "0123456789"},
     "mutations": [{"mutationId": "BCA26120700000042", "postedAt": "2026-12-07T14:03:00+07:00",
                    "type": "CR", "amount": 150123, "description": "TRSF E-BANKING CR ...",
                    "balance": 1150123}]}

The mutation ids are the bank's own: a push and a statement reading of the same mutation are one
mutation (payments.record_mutations records it once).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from adapters.bank import Mutation
from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS

MAX_MUTATIONS = 500  # one push; a service with more sends several
MAX_MUTATION_ID = 40  # bank_mutation.mutation_id's length
_MUTATION_FIELDS = ("mutationId", "postedAt", "type", "amount", "description", "balance")


class MalformedPush(ValueError):
    """A body that is not a push: `code` says what is wrong, for the 400 answer."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Push:
    bank: str  # its code, as stored: bca, mandiri, bni, bri
    account: str
    mutations: list[Mutation]


def parse_push(body: bytes) -> Push:
    """The push in `body`, or MalformedPush naming the first thing wrong."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedPush("INVALID_JSON", "the body is not JSON (UTF-8)") from None
    if not isinstance(document, dict):
        raise MalformedPush("INVALID_PUSH", "the body must be an object with account and mutations")
    bank, account = _account(document.get("account"))
    mutations = document.get("mutations")
    if not isinstance(mutations, list) or not mutations:
        raise MalformedPush("INVALID_PUSH", "mutations must be a list of at least one mutation")
    if len(mutations) > MAX_MUTATIONS:
        raise MalformedPush("TOO_MANY_MUTATIONS", f"at most {MAX_MUTATIONS} mutations per push")
    return Push(bank, account, [_mutation(i, m) for i, m in enumerate(mutations)])


def _account(value: object) -> tuple[str, str]:
    if not isinstance(value, dict):
        raise MalformedPush("INVALID_PUSH", "account must be an object with bank and accountNumber")
    bank, number = value.get("bank"), value.get("accountNumber")
    if not isinstance(bank, str) or bank.strip().lower() not in BANK_ACCOUNT_LENGTHS:
        raise MalformedPush("UNKNOWN_BANK", f"account.bank must be one of {', '.join(BANK_ACCOUNT_LENGTHS)}")
    bank = bank.strip().lower()
    if not isinstance(number, str) or not number.isdigit() or len(number) != BANK_ACCOUNT_LENGTHS[bank]:
        raise MalformedPush("INVALID_ACCOUNT_NUMBER",
                            f"account.accountNumber must be {BANK_ACCOUNT_LENGTHS[bank]} digits for {bank}")
    return bank, number


def _mutation(index: int, value: object) -> Mutation:
    where = f"mutations[{index}]"
    if not isinstance(value, dict) or any(name not in value for name in _MUTATION_FIELDS):
        raise MalformedPush("INVALID_MUTATION", f"{where} must have {', '.join(_MUTATION_FIELDS)}")
    mutation_id, posted_at, kind = value["mutationId"], value["postedAt"], value["type"]
    amount, description, balance = value["amount"], value["description"], value["balance"]
    if not isinstance(mutation_id, str) or not 0 < len(mutation_id.strip()) <= MAX_MUTATION_ID:
        raise MalformedPush("INVALID_MUTATION", f"{where}.mutationId must be text of 1 to {MAX_MUTATION_ID} characters")
    if kind not in ("CR", "DB"):
        raise MalformedPush("INVALID_MUTATION", f"{where}.type must be CR or DB")
    # whole Rupiah: a bool is an int to Python, and a float is never money here
    if not _whole(amount) or amount <= 0 or not _whole(balance):
        raise MalformedPush("INVALID_MUTATION", f"{where}.amount and balance must be whole Rupiah, amount above 0")
    if not isinstance(description, str):
        raise MalformedPush("INVALID_MUTATION", f"{where}.description must be text")
    return Mutation(mutation_id.strip(), _time(where, posted_at), kind, amount, description, balance)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _time(where: str, value: object) -> datetime:
    """An ISO 8601 time with its offset: a time without one could be anyone's local time."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise MalformedPush("INVALID_MUTATION", f"{where}.postedAt must be an ISO 8601 time with its offset")
    return moment
