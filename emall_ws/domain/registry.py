"""The registry's entries (UDDI v3 data model, in small) and how their keys are formed."""
from __future__ import annotations

import re
from dataclasses import dataclass

KEY_PREFIX = "uddi:emall-kukm"
OPERATOR_KEY = f"{KEY_PREFIX}:business:operator"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Business:
    slug: str
    name: str
    description: str = ""

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}:business:{self.slug}"


OPERATOR = Business("operator", "Emall KUKM",
                    "Kementerian Koperasi dan UKM: e-mall produk koperasi dan UKM")


@dataclass(frozen=True)
class ServiceEntry:
    """One service as published: who offers it, where it answers, what its contract is."""
    business: Business
    name: str
    description: str
    category: str  # emall, bank, courier or sms
    access_point: str
    wsdl_url: str

    @property
    def slug(self) -> str:
        return _slug(f"{self.business.slug}-{self.name}") if self.business != OPERATOR else _slug(self.name)

    @property
    def service_key(self) -> str:
        return f"{KEY_PREFIX}:service:{self.slug}"

    @property
    def binding_key(self) -> str:
        return f"{KEY_PREFIX}:binding:{self.slug}"

    @property
    def tmodel_key(self) -> str:
        return f"{KEY_PREFIX}:tmodel:{self.slug}-wsdl"


def like_pattern(name: str) -> str:
    """A UDDI name with % wildcards as a SQL LIKE pattern ('_' and '\\' taken literally)."""
    return name.replace("\\", "\\\\").replace("_", "\\_")
