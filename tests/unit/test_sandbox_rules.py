"""The courier sandboxes' own rules: zones, tariffs, waybill numbers, status words."""
import pytest

from adapters.bank import MAX_WINDOW_DAYS
from emall_ws.data.regions import load_regions
from emall_ws.domain.shipping import COURIER_STATUS_WORDS, COURIERS, check_waybill, normalise_status
from emall_ws.sandbox.bank import PROFILES as BANK_PROFILES
from emall_ws.sandbox.courier_profiles import PROFILES, island_of, new_waybill, place_name, quote, zone


def test_every_province_is_on_an_island():
    assert all(island_of(p.code + ".01") for p in load_regions().provinces())


@pytest.mark.parametrize("origin, destination, expected", [
    ("31.74", "31.74", 0), ("31.74", "31.71", 1), ("31.74", "35.78", 2), ("31.74", "12.75", 3),
    ("31.74", "51.71", 3), ("12.75", "73.71", 4), ("31.74", "91.71", 5), ("81.71", "31.74", 5),
    ("91.71", "94.01", 2),
])
def test_zones(origin, destination, expected):
    assert zone(origin, destination) == expected
    assert zone(destination, origin) == expected


@pytest.mark.parametrize("courier", sorted(PROFILES))
def test_quotes_are_deterministic_whole_hundreds_and_grow_per_started_kilogram(courier):
    first = quote(courier, "31.74", "32.73", 2500)
    assert first == quote(courier, "31.74", "32.73", 2500)
    assert all(q.cost % 500 == 0 and q.cost > 0 for q in first)
    assert quote(courier, "31.74", "32.73", 2001) == quote(courier, "31.74", "32.73", 3000)
    assert quote(courier, "31.74", "32.73", 3001)[0].cost > first[0].cost


def test_international_couriers_cost_more_than_domestic_ones():
    def regular(courier):
        return quote(courier, "31.74", "32.73", 1000)[0].cost
    assert min(regular("fedex"), regular("dhl")) > max(regular(c) for c in ("pos", "tiki", "jne", "wahana", "pcp"))


@pytest.mark.parametrize("courier", sorted(PROFILES))
def test_new_waybills_follow_the_couriers_format(courier):
    for _ in range(20):
        waybill = new_waybill(courier)
        assert check_waybill(courier, waybill) == waybill


@pytest.mark.parametrize("courier", sorted(PROFILES))
def test_every_status_word_the_sandbox_plays_is_known_to_the_normalisation(courier):
    profile = PROFILES[courier]
    words = [step.status for step in profile.script] + [profile.failed_attempt.status]
    assert all(word.upper() in COURIER_STATUS_WORDS[courier] for word in words)
    assert normalise_status(courier, profile.script[-1].status) == "Delivered"
    assert normalise_status(courier, profile.failed_attempt.status) == "AttemptFail"
    assert normalise_status(courier, profile.script[-2].status) == "OutForDelivery"


def test_status_words_are_distinct_per_courier():
    finals = {PROFILES[c].script[-1].status for c in PROFILES}
    fails = {PROFILES[c].failed_attempt.status for c in PROFILES}
    assert len(finals) >= 6 and len(fails) == len(PROFILES)


def test_unknown_words_are_in_transit_and_no_word_is_pending():
    assert normalise_status("jne", "RECEIVED AT WAREHOUSE [CGK]") == "InTransit"
    assert normalise_status("jne", "") == "Pending"
    assert set(COURIER_STATUS_WORDS) == set(COURIERS) == set(PROFILES)


def test_place_names():
    assert place_name("Kota Administrasi Jakarta Selatan") == "Jakarta Selatan"
    assert place_name("Kabupaten Bandung") == "Bandung"
    assert place_name("Kota Bandung") == "Bandung"


def test_the_adapter_knows_each_banks_window():
    assert MAX_WINDOW_DAYS == {bank: profile.window_days for bank, profile in BANK_PROFILES.items()}
