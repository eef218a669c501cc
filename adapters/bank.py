"""Bank account mutations and account inquiry (BCA, Mandiri, BNI, BRI): the interface, and its zeep
implementation."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.base import CallPolicy, ZeepEndpoint, integer, items, moment, optional_text, text


@dataclass(frozen=True)
class Mutation:
    mutation_id: str
    posted_at: datetime  # aware
    type: str  # CR (money in) or DB
    amount: int  # whole Rupiah
    description: str
    balance: int


class BankAdapter(ABC):
    bank: str  # bca, mandiri, bni, bri

    @abstractmethod
    def get_mutations(self, account_number: str, from_time: datetime, to_time: datetime) -> list[Mutation]:
        """Mutations posted in [from_time, to_time); raises adapters.errors.AdapterError subclasses."""

    @abstractmethod
    def inquiry_account(self, account_number: str) -> str | None:
        """The holder's name of the account at this bank, None when the bank knows no such account;
        raises adapters.errors.AdapterError subclasses."""


# The longest statement window each bank serves (its rule; the sandbox plays the same). Longer
# requests are split into windows of this size.
MAX_WINDOW_DAYS = {"bca": 31, "mandiri": 30, "bni": 30, "bri": 30}


class ZeepBankAdapter(BankAdapter):
    """A bank's mutation service over SOAP (wsdl/partners/bank.wsdl)."""

    def __init__(self, bank: str, url: str, **policy):
        """`policy`: the fields of adapters.base.CallPolicy (timeout, retries ...)."""
        if bank not in MAX_WINDOW_DAYS:
            raise ValueError(f"unknown bank {bank!r}")
        self.bank = bank
        self._endpoint = ZeepEndpoint(f"bank:{bank}", url, CallPolicy(**policy))

    def get_mutations(self, account_number: str, from_time: datetime, to_time: datetime) -> list[Mutation]:
        if from_time.tzinfo is None or to_time.tzinfo is None:
            raise ValueError("from_time and to_time must be aware datetimes")
        step = timedelta(days=MAX_WINDOW_DAYS[self.bank])
        mutations: dict[str, Mutation] = {}
        start = from_time
        while start < to_time:
            end = min(start + step, to_time)
            answer = self._endpoint.call("getMutations", account_number, start, end, result="mutations",
                                         retry=True)
            for item in items(self._endpoint, answer, "Mutation"):
                mutation = self._mutation(item)
                mutations.setdefault(mutation.mutation_id, mutation)
            start = end
        return list(mutations.values())

    def inquiry_account(self, account_number: str) -> str | None:
        e = self._endpoint
        answer = e.call("inquiryAccount", account_number, result="inquiry", retry=True)  # a read
        if answer is None:
            raise e.shape_error("no inquiry")
        status = text(e, answer, "status")
        if status == "NOT_FOUND":
            return None
        if status != "FOUND":
            raise e.shape_error(f"inquiry status {status!r}")
        return text(e, answer, "holderName", max_len=100)

    def _mutation(self, item) -> Mutation:
        e = self._endpoint
        kind = text(e, item, "type")
        if kind not in ("CR", "DB"):
            raise e.shape_error(f"mutation type {kind!r}")
        return Mutation(mutation_id=text(e, item, "mutationId"), posted_at=moment(e, item, "postedAt"),
                        type=kind, amount=integer(e, item, "amount"),
                        description=optional_text(e, item, "description"),
                        balance=integer(e, item, "balance"))
