"""ZeepCourierAdapter against the seven courier sandboxes over HTTP: tariffs and tracking."""
import secrets
from datetime import timedelta

import pytest
from zeep.exceptions import Fault

from adapters.courier import ZeepCourierAdapter
from adapters.errors import PartnerRejected
from emall_ws.domain.pipelines import ShipmentStatus
from emall_ws.domain.shipping import check_waybill, normalise_status, s10_identifier
from emall_ws.sandbox.courier_profiles import PROFILES
from tests.sandbox_server import partners, sandbox  # noqa: F401

ATTEMPT_FAIL, DELIVERED = ShipmentStatus.ATTEMPT_FAIL, ShipmentStatus.DELIVERED
INFO_RECEIVED, OUT_FOR_DELIVERY = ShipmentStatus.INFO_RECEIVED, ShipmentStatus.OUT_FOR_DELIVERY

pytestmark = pytest.mark.network
COURIERS = ("pos", "tiki", "jne", "fedex", "dhl", "wahana", "pcp")
SERVICES = {"pos": ["Pos Reguler", "Pos Nextday"], "tiki": ["REG", "ONS", "ECO"], "jne": ["REG", "YES", "OKE"],
            "fedex": ["EXPRESS", "ECONOMY"], "dhl": ["EXPRESS"], "wahana": ["NORMAL"], "pcp": ["REG", "ONS"]}
JAKARTA_SELATAN, JAKARTA_TIMUR, BANDUNG, SURABAYA, MEDAN, JAYAPURA = \
    "31.74", "31.75", "32.73", "35.78", "12.75", "91.71"


def adapter(partners, courier, **options) -> ZeepCourierAdapter:
    return ZeepCourierAdapter(courier, partners.courier(courier), timeout=5, **options)


@pytest.mark.parametrize("courier", COURIERS)
def test_each_courier_quotes_its_own_services(partners, courier):
    options = adapter(partners, courier).get_tariff(JAKARTA_SELATAN, BANDUNG, 1200)
    assert [o.service for o in options] == SERVICES[courier]
    assert all(o.cost > 0 and o.cost % 500 == 0 and o.etd_days >= 1 and o.description for o in options)


@pytest.mark.parametrize("courier", COURIERS)
def test_tariffs_grow_with_distance_and_each_started_kilogram(partners, courier):
    quote = adapter(partners, courier).get_tariff
    regular = lambda origin, destination, grams: quote(origin, destination, grams)[0]  # noqa: E731

    same_province = regular(JAKARTA_SELATAN, JAKARTA_TIMUR, 1000).cost
    same_island = regular(JAKARTA_SELATAN, SURABAYA, 1000).cost
    other_island = regular(JAKARTA_SELATAN, MEDAN, 1000).cost
    papua = regular(JAKARTA_SELATAN, JAYAPURA, 1000).cost
    assert same_province < same_island < other_island < papua
    assert regular(JAKARTA_SELATAN, JAYAPURA, 1000).etd_days > regular(JAKARTA_SELATAN, JAKARTA_TIMUR, 1000).etd_days

    one_kg = regular(JAKARTA_SELATAN, BANDUNG, 1000).cost
    assert regular(JAKARTA_SELATAN, BANDUNG, 1).cost == one_kg
    assert regular(JAKARTA_SELATAN, BANDUNG, 1001).cost == regular(JAKARTA_SELATAN, BANDUNG, 2000).cost
    assert regular(JAKARTA_SELATAN, BANDUNG, 1001).cost > one_kg
    assert quote(JAKARTA_SELATAN, BANDUNG, 1500) == quote(JAKARTA_SELATAN, BANDUNG, 1500)  # deterministic


def test_next_day_services_are_not_offered_to_papua(partners):
    assert [o.service for o in adapter(partners, "jne").get_tariff(JAKARTA_SELATAN, JAYAPURA, 1000)] == ["REG", "OKE"]


@pytest.mark.parametrize("weight", [0, -5, 50_001])
def test_an_impossible_weight_is_refused(partners, weight):
    with pytest.raises(PartnerRejected) as refused:
        adapter(partners, "tiki").get_tariff(JAKARTA_SELATAN, BANDUNG, weight)
    assert refused.value.code == "Client.InvalidWeight"


def test_an_unknown_city_is_refused(partners):
    with pytest.raises(PartnerRejected) as refused:
        adapter(partners, "jne").get_tariff("99.99", BANDUNG, 1000)
    assert refused.value.code == "Client.UnknownCity"


@pytest.mark.parametrize("courier", COURIERS)
def test_a_shipment_is_tracked_in_the_couriers_own_words_to_its_delivery(partners, courier):
    driver = partners.driver(partners.courier(courier)).service
    service = SERVICES[courier][0]
    registered = driver.registerShipment(None, JAKARTA_SELATAN, BANDUNG, service, "Dewi Lestari")
    waybill = registered.waybill
    assert check_waybill(courier, waybill) == waybill  # new numbers follow the courier's format
    script = PROFILES[courier].script
    for _ in range(len(script) - 2):  # until out for delivery
        driver.advanceShipment(waybill)
    driver.advanceShipment(waybill, True)  # nobody home
    driver.advanceShipment(waybill)  # out again
    driver.advanceShipment(waybill)  # delivered

    tracking = adapter(partners, courier).track(waybill.lower())  # the courier normalises too

    words = [e.status for e in tracking.events]
    assert words == [s.status for s in script[:-1]] + [PROFILES[courier].failed_attempt.status] + \
        [script[-2].status, script[-1].status]
    normalised = [normalise_status(courier, w) for w in words]
    assert normalised[0] == INFO_RECEIVED
    assert normalised[-4:] == [OUT_FOR_DELIVERY, ATTEMPT_FAIL, OUT_FOR_DELIVERY, DELIVERED]
    assert tracking.waybill == waybill and tracking.status == script[-1].status
    assert tracking.delivered and tracking.receiver == "Dewi Lestari"
    assert tracking.delivered_at is not None and tracking.delivered_at.utcoffset() == timedelta(hours=7)
    assert tracking.events[0].location.lower() == "jakarta selatan"
    assert tracking.events[-1].location.lower() == "bandung"


def test_a_shipment_in_progress_is_not_delivered(partners):
    driver = partners.driver(partners.courier("dhl")).service
    waybill = driver.registerShipment(None, JAKARTA_SELATAN, SURABAYA, "EXPRESS").waybill
    driver.advanceShipment(waybill)

    tracking = adapter(partners, "dhl").track(waybill)

    assert tracking.status == "Processed at origin facility"
    assert not tracking.delivered and tracking.receiver is None and tracking.delivered_at is None
    assert len(tracking.events) == 2


def test_an_unknown_waybill_is_refused(partners):
    with pytest.raises(PartnerRejected) as refused:
        adapter(partners, "fedex").track("794600000000")
    assert refused.value.code == "Client.UnknownWaybill"


def test_a_waybill_in_the_wrong_format_is_refused_by_the_courier(partners):
    with pytest.raises(PartnerRejected) as refused:
        adapter(partners, "dhl").track("ABC")
    assert refused.value.code == "Client.InvalidWaybill"


def test_only_a_parcel_out_for_delivery_can_fail_an_attempt(partners):
    driver = partners.driver(partners.courier("jne")).service
    waybill = driver.registerShipment(None, JAKARTA_SELATAN, BANDUNG, "REG").waybill
    with pytest.raises(Fault) as refused:
        driver.advanceShipment(waybill, True)
    assert refused.value.code.endswith("Client.InvalidState")


def test_a_given_waybill_is_kept_and_cannot_be_registered_twice(partners):
    driver = partners.driver(partners.courier("pos")).service
    waybill = s10_identifier("RR", f"{secrets.randbelow(10 ** 8):08d}")
    assert driver.registerShipment(waybill, JAKARTA_SELATAN, BANDUNG, "Pos Reguler").waybill == waybill
    with pytest.raises(Fault) as refused:
        driver.registerShipment(waybill, JAKARTA_SELATAN, BANDUNG, "Pos Reguler")
    assert refused.value.code.endswith("Client.DuplicateWaybill")
