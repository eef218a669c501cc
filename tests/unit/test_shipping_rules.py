"""Shipping rules: every courier status word normalised, the sandbox agreeing with the tables, final
statuses, event fingerprints, the shipOrder field checks and the shipping notifications' texts."""
from datetime import datetime

import pytest

from emall_ws.domain.errors import ValidationFailed
from emall_ws.domain.pipelines import ShipmentStatus
from emall_ws.domain.shipping import (COURIER_STATUS_WORDS, STATUS_WORDS_ID, event_fingerprint, is_final,
                                      normalise_status)
from emall_ws.notify.templates import render, render_sms
from emall_ws.sandbox.courier_profiles import PROFILES
from emall_ws.services.shipping import check_shipping_fields

(PENDING, INFO_RECEIVED, IN_TRANSIT, OUT_FOR_DELIVERY, ATTEMPT_FAIL, DELIVERED, AVAILABLE_FOR_PICKUP, EXCEPTION,
 EXPIRED) = TRACKING_STATUSES = tuple(ShipmentStatus)

# What each word means, written out once more for review: a change in the table must be deliberate.
EXPECTED = {
    "jne": {"MANIFESTED": INFO_RECEIVED, "ON PROCESS": IN_TRANSIT, "ON TRANSIT": IN_TRANSIT,
            "WITH DELIVERY COURIER": OUT_FOR_DELIVERY, "UNDELIVERED": ATTEMPT_FAIL, "DELIVERED": DELIVERED,
            "RETURNED": EXCEPTION},
    "tiki": {"DITERIMA DI AGEN": INFO_RECEIVED, "DALAM PROSES": IN_TRANSIT, "DALAM PERJALANAN": IN_TRANSIT,
             "DIBAWA KURIR": OUT_FOR_DELIVERY, "GAGAL ANTAR": ATTEMPT_FAIL, "TERKIRIM": DELIVERED},
    "pos": {"POSTING LOKET": INFO_RECEIVED, "MANIFEST SERAH": IN_TRANSIT, "MANIFEST TERIMA": IN_TRANSIT,
            "PROSES ANTAR": OUT_FOR_DELIVERY, "ANTAR ULANG": ATTEMPT_FAIL, "GAGAL ANTAR": ATTEMPT_FAIL,
            "SELESAI ANTAR": DELIVERED, "SIAP DIAMBIL DI KANTOR POS": AVAILABLE_FOR_PICKUP},
    "fedex": {"PICKED UP": INFO_RECEIVED, "DEPARTED FEDEX LOCATION": IN_TRANSIT,
              "ARRIVED AT FEDEX LOCATION": IN_TRANSIT, "ON FEDEX VEHICLE FOR DELIVERY": OUT_FOR_DELIVERY,
              "DELIVERY EXCEPTION": ATTEMPT_FAIL, "DELIVERED": DELIVERED},
    "dhl": {"SHIPMENT PICKED UP": INFO_RECEIVED, "PROCESSED AT ORIGIN FACILITY": IN_TRANSIT,
            "DEPARTED FACILITY": IN_TRANSIT, "ARRIVED AT DELIVERY FACILITY": IN_TRANSIT,
            "WITH DELIVERY COURIER": OUT_FOR_DELIVERY, "DELIVERY ATTEMPTED": ATTEMPT_FAIL, "DELIVERED": DELIVERED,
            "CLEARANCE EVENT": EXCEPTION},
    "wahana": {"DITERIMA DI AGEN": INFO_RECEIVED, "PROSES KIRIM": IN_TRANSIT, "SAMPAI DI KOTA TUJUAN": IN_TRANSIT,
               "PROSES ANTAR": OUT_FOR_DELIVERY, "GAGAL KIRIM": ATTEMPT_FAIL, "DITERIMA": DELIVERED},
    "pcp": {"PICKED UP": INFO_RECEIVED, "OUTBOUND": IN_TRANSIT, "INBOUND": IN_TRANSIT,
            "ON DELIVERY": OUT_FOR_DELIVERY, "UNDEL": ATTEMPT_FAIL, "POD": DELIVERED},
}
WORDS = [(courier, word) for courier, words in COURIER_STATUS_WORDS.items() for word in words]


@pytest.mark.parametrize("courier, word", WORDS)
def test_each_status_word_of_each_courier_has_its_normalised_status(courier, word):
    expected = EXPECTED[courier][word]
    assert expected in TRACKING_STATUSES
    assert normalise_status(courier, word) == expected
    # the courier's pages differ in case and spacing; the meaning does not
    assert normalise_status(courier.upper(), f"  {word.title()} ") == expected


def test_the_tables_cover_exactly_the_seven_couriers_and_the_reviewed_words():
    assert {c: set(w) for c, w in COURIER_STATUS_WORDS.items()} == {c: set(w) for c, w in EXPECTED.items()}


@pytest.mark.parametrize("courier", sorted(PROFILES))
def test_the_sandbox_journey_of_each_courier_means_what_the_table_says(courier):
    profile = PROFILES[courier]
    statuses = [normalise_status(courier, step.status) for step in profile.script]
    assert statuses[0] == INFO_RECEIVED
    assert set(statuses[1:-2]) == {IN_TRANSIT}
    assert statuses[-2:] == [OUT_FOR_DELIVERY, DELIVERED]
    assert normalise_status(courier, profile.failed_attempt.status) == ATTEMPT_FAIL
    # every word the sandbox plays is in the table (not read by the unknown-word default)
    for step in (*profile.script, profile.failed_attempt):
        assert step.status.upper() in COURIER_STATUS_WORDS[courier], step.status


def test_an_unknown_word_is_in_transit_and_no_word_is_pending():
    assert normalise_status("jne", "TRANSIT HUB CGK") == IN_TRANSIT
    assert normalise_status("jne", "") == PENDING and normalise_status("jne", None) == PENDING
    assert normalise_status("unknown", "DELIVERED") == IN_TRANSIT


def test_delivered_and_expired_are_final_and_the_rest_keep_being_polled():
    assert {s for s in TRACKING_STATUSES if is_final(s)} == {DELIVERED, EXPIRED}
    assert set(STATUS_WORDS_ID) == set(TRACKING_STATUSES)


def test_an_event_fingerprint_is_its_time_place_and_words():
    at = datetime(2026, 11, 28, 3, 0)
    same = event_fingerprint(at, "JAKARTA", "ON PROCESS")
    assert same == event_fingerprint(datetime(2026, 11, 28, 3, 0), "JAKARTA", "ON PROCESS") and len(same) == 64
    assert len({same, event_fingerprint(at, "BANDUNG", "ON PROCESS"), event_fingerprint(at, "JAKARTA", "OTHER"),
                event_fingerprint(datetime(2026, 11, 28, 3, 1), "JAKARTA", "ON PROCESS")}) == 4


def _fields(courier, waybill, reason=""):
    with pytest.raises(ValidationFailed) as refused:
        check_shipping_fields(courier, waybill, reason)
    return {(e.field, e.code) for e in refused.value.errors}


def test_ship_fields_are_normalised():
    assert check_shipping_fields(" JNE ", "cgk 1a12 3456 7890", " pembeli setuju ") == (
        "jne", "CGK1A1234567890", "pembeli setuju")


@pytest.mark.parametrize("courier, waybill", [("jne", "cgk-1234567890"), ("jne", "CGK12345"), ("tiki", "jkt-660012"),
                                             ("wahana", "AGA-12345678"), ("pcp", "PCP-1234-567890")])
def test_a_waybill_of_no_published_format_is_taken_as_the_courier_printed_it(courier, waybill):
    assert check_shipping_fields(courier, waybill, "")[1] == waybill.upper()


@pytest.mark.parametrize("courier, waybill, reason, expected", [
    ("jne", "", "", {("waybill", "REQUIRED")}),
    ("jne", "   ", "", {("waybill", "REQUIRED")}),
    ("gojek", "CGK1A12345678901", "", {("courier", "UNKNOWN_COURIER")}),
    ("", "", "", {("courier", "UNKNOWN_COURIER"), ("waybill", "REQUIRED")}),
    ("dhl", "12345", "", {("waybill", "WAYBILL_FORMAT")}),
    ("dhl", "12345-67890", "", {("waybill", "WAYBILL_FORMAT")}),  # the published formats stay strict
    ("fedex", "7946-1234-5678", "", {("waybill", "WAYBILL_FORMAT")}),
    ("jne", "CGK-12345678<script>", "", {("waybill", "WAYBILL_FORMAT")}),
    ("pos", "RR473124828ID", "", {("waybill", "WAYBILL_FORMAT")}),  # wrong S10 check digit
    ("jne", "CGK1A12345678901", "x" * 201, {("reason", "TOO_LONG")}),
])
def test_ship_fields_refused_with_every_failing_field(courier, waybill, reason, expected):
    assert _fields(courier, waybill, reason) == expected


SHIPPED = dict(name="Budi", invoice_number="INV/20261128/000012", order_number="ORD/20261128/000012",
               seller="koperasi_semarang", courier_name="JNE", waybill="CGK1A12345678901",
               shipped_at=datetime(2026, 11, 28, 3, 0), ship_address="Budi, Jl. Merdeka 1",
               items="  - Kopi x 2 @ Rp 85.000", courier_note="")


def test_the_buyer_is_told_the_invoice_courier_and_waybill_by_sms_and_email():
    assert render_sms("order_shipped", SHIPPED) == ("Emall KUKM: Barang dengan nomor faktur INV/20261128/000012 "
                                                    "telah dikirim via JNE, resi CGK1A12345678901.")
    email = render("order_shipped", SHIPPED)
    assert email.subject == "Barang dengan nomor faktur INV/20261128/000012 telah dikirim via JNE"
    for body in (email.text, email.html):
        assert "CGK1A12345678901" in body and "28 November 2026 pukul 10.00 WIB" in body


def test_a_status_change_and_a_delivery_read_as_people_write_them():
    data = dict(SHIPPED, status_text=STATUS_WORDS_ID[OUT_FOR_DELIVERY], event_at=datetime(2026, 11, 29, 1, 0),
                event_location="BANDUNG", event_description="WITH DELIVERY COURIER [BANDUNG]", receiver_note="")
    assert render_sms("shipment_status", data) == ("Emall KUKM: kiriman INV/20261128/000012 via JNE resi "
                                                   "CGK1A12345678901: sedang diantar kurir.")
    assert "29 November 2026 pukul 08.00 WIB" in render("shipment_status", data).text
    delivered = dict(data, buyer="budi", delivered_at=datetime(2026, 11, 29, 2, 0), receiver_note="Diterima oleh: YBS")
    assert render_sms("order_delivered", delivered) == ("Emall KUKM: pesanan ORD/20261128/000012 (resi "
                                                        "CGK1A12345678901) telah diterima pembeli pada "
                                                        "29 Nov 2026 09.00 WIB.")
