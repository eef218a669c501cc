"""Indonesian administrative regions (Kemendagri codes): provinces, regencies/cities, districts.

Codes are written as Kemendagri writes them: province "31", regency/city "31.74",
district "31.74.01". The catalogue is built from rows; loading them is emall_ws.data's job.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    code: str
    name: str


@dataclass(frozen=True)
class City:
    code: str
    province_code: str
    name: str


class RegionCatalog:
    def __init__(self, provinces: list[Province], cities: list[City], district_codes: set[str]):
        self._provinces = {p.code: p for p in provinces}
        self._cities = {c.code: c for c in cities}
        self._cities_of: dict[str, list[City]] = {p.code: [] for p in provinces}
        for city in cities:
            self._cities_of[city.province_code].append(city)
        self._districts = frozenset(district_codes)

    def provinces(self) -> list[Province]:
        return sorted(self._provinces.values(), key=lambda p: p.code)

    def province(self, code: str) -> Province | None:
        return self._provinces.get(code)

    def cities(self, province_code: str) -> list[City]:
        return sorted(self._cities_of.get(province_code, []), key=lambda c: c.code)

    def city(self, code: str) -> City | None:
        return self._cities.get(code)

    def has_district(self, code: str) -> bool:
        return code in self._districts
