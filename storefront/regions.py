"""Provinces and cities (Member.listProvinces / listCities), read once per process: the search
filters, the registration form and a seller's place all show them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from storefront.formats import items
from storefront.platform import PlatformError

if TYPE_CHECKING:
    from storefront.app import Storefront


def provinces(app: Storefront) -> list[tuple[str, str]]:
    """(code, name) of every province."""
    key = "provinces"
    if key not in app.cache:
        answer = app.platform.call("Member", "listProvinces")
        app.cache[key] = [(p.code, p.name) for p in items(answer, "Province")]
    return app.cache[key]


def cities(app: Storefront, province: str) -> list[tuple[str, str]]:
    """(code, name) of the province's cities and regencies."""
    key = f"cities:{province}"
    if key not in app.cache:
        answer = app.platform.call("Member", "listCities", provinceCode=province)
        app.cache[key] = [(c.code, c.name) for c in items(answer, "City")]
    return app.cache[key]


def place(app: Storefront, province: str | None, city: str | None) -> str:
    """'Kota Jakarta Selatan, DKI Jakarta' for a seller's codes; best effort."""
    try:
        names = dict(provinces(app))
        city_names = dict(cities(app, province)) if province in names else {}
    except PlatformError:
        return ""
    return ", ".join(n for n in (city_names.get(city or ""), names.get(province or "")) if n)
