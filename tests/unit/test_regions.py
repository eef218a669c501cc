"""The shipped Kemendagri region data (Kepmendagri 2025) and its loader. Reads package files only."""
import re

import pytest

from emall_ws.data.regions import load_regions
from emall_ws.domain.regions import RegionCatalog


@pytest.fixture(scope="module")
def regions() -> RegionCatalog:
    return load_regions()


def all_cities(regions: RegionCatalog):
    return [city for province in regions.provinces() for city in regions.cities(province.code)]


def test_38_provinces_and_514_regencies_and_cities(regions):
    assert len(regions.provinces()) == 38
    assert len(all_cities(regions)) == 514


def test_codes_are_well_formed_and_unique(regions):
    province_codes = [p.code for p in regions.provinces()]
    city_codes = [c.code for c in all_cities(regions)]
    assert len(set(province_codes)) == len(province_codes)
    assert len(set(city_codes)) == len(city_codes)
    assert all(re.fullmatch(r"\d{2}", code) for code in province_codes)
    assert all(re.fullmatch(r"\d{2}\.\d{2}", code) for code in city_codes)


def test_every_city_belongs_to_an_existing_province(regions):
    for province in regions.provinces():
        for city in regions.cities(province.code):
            assert city.province_code == province.code == city.code[:2]
            assert regions.city(city.code) == city
    # Seen from the city side too: no city points at a province that is not in the catalogue.
    assert sum(len(regions.cities(p.code)) for p in regions.provinces()) == 514


def test_jakarta_has_its_five_cities_and_thousand_islands(regions):
    jakarta = regions.province("31")
    assert jakarta is not None and "Jakarta" in jakarta.name
    codes = [c.code for c in regions.cities("31")]
    assert codes == ["31.01", "31.71", "31.72", "31.73", "31.74", "31.75"]
    south = regions.city("31.74")
    assert south is not None and south.name.endswith("Jakarta Selatan") and south.province_code == "31"


def test_names_are_the_sources(regions):
    assert regions.province("32").name == "Jawa Barat"
    assert regions.province("96").name == "Papua Barat Daya"  # one of the 2022 Papua provinces
    assert regions.city("32.76").name == "Kota Depok"


def test_unknown_codes_give_nothing(regions):
    assert regions.cities("99") == []
    assert regions.province("99") is None
    assert regions.city("31.99") is None


def test_districts_for_nik_checks(regions):
    assert regions.has_district("31.74.01")  # Tebet, Jakarta Selatan
    assert regions.has_district("31.74.10")  # Pesanggrahan, the last one there
    assert not regions.has_district("31.74.11")
    assert not regions.has_district("31.74.99")
    assert not regions.has_district("317401")  # dotted codes only; NIK parsing adds the dots


def test_loaded_once(regions):
    assert load_regions() is regions
