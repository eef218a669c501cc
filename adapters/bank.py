"""Bank account mutations (BCA, Mandiri, BNI, BRI): the interface, and its zeep implementation."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


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
