"""Waybill ("nomor resi") checks per courier (emall_ws.domain.shipping), and courier names."""
import pytest

from emall_ws.domain.errors import ValidationFailed
from emall_ws.domain.partners import courier_name
from emall_ws.domain.shipping import (COURIERS, UNKNOWN_COURIER, WAYBILL_FORMAT, check_waybill, s10_check_digit,
                                      s10_identifier)
from emall_ws.sandbox.contracts import COURIERS as CONTRACT_COURIERS


def refused(courier, waybill):
    with pytest.raises(ValidationFailed) as failed:
        check_waybill(courier, waybill)
    [error] = failed.value.errors
    return error


def test_courier_codes_and_names_match_the_partner_contract():
    assert COURIERS == CONTRACT_COURIERS
    assert courier_name("pos") == "Pos Indonesia"
    assert courier_name("jne") == "JNE"
    assert courier_name("kilat") == "kilat"  # a code no courier has, as it is


@pytest.mark.parametrize("serial, digit", [
    ("47312482", 9),  # RR473124829ID, the UPU's own example: sum 200, 200 % 11 = 2, 11 - 2 = 9
    ("12345678", 5),  # 8+12+12+8+15+30+63+56 = 204, 204 % 11 = 6, 11 - 6 = 5
    ("00000001", 4),  # 7 % 11 = 7, 11 - 7 = 4
    ("02000000", 0),  # 12 % 11 = 1, 11 - 1 = 10 -> 0
    ("00000000", 5),  # 0 % 11 = 0, 11 - 0 = 11 -> 5
])
def test_s10_check_digit(serial, digit):
    assert s10_check_digit(serial) == digit
    assert s10_identifier("RR", serial) == f"RR{serial}{digit}ID"


@pytest.mark.parametrize("serial", ["1234567", "123456789", "1234567a", "\u0661" * 8])
def test_an_s10_serial_is_eight_ascii_digits(serial):
    with pytest.raises(ValueError):
        s10_check_digit(serial)


@pytest.mark.parametrize("waybill", ["RR473124829ID", "rr 473 124 829 id", "EE123456785ID", "LZ000000005CN",
                                     s10_identifier("CP", "98765432")])
def test_pos_accepts_s10_identifiers_with_the_right_check_digit(waybill):
    assert check_waybill("pos", waybill) == waybill.replace(" ", "").upper()


@pytest.mark.parametrize("waybill", ["RR473124828ID", "RR473124820ID", "EE123456784ID"])
def test_pos_refuses_s10_identifiers_with_a_wrong_check_digit(waybill):
    error = refused("pos", waybill)
    assert (error.field, error.code) == ("waybill", WAYBILL_FORMAT)
    assert error.params == {"courier": "Pos Indonesia", "example": "RR473124829ID"}


@pytest.mark.parametrize("waybill", ["P2503050001234", "15012345678901", "1234567890123456789"])
def test_pos_accepts_domestic_numbers_of_no_public_format(waybill):
    assert check_waybill("pos", waybill) == waybill


@pytest.mark.parametrize("courier, waybill", [
    ("dhl", "1234567890"), ("dhl", " 12 3456 7890 "), ("fedex", "794612345678"), ("fedex", "123456789012345"),
    ("jne", "CGK1A12345678901"), ("jne", "0123456789"), ("jne", "A" * 20), ("tiki", "660012345678"),
    ("wahana", "aga12345678"), ("pcp", "PCP1234567890"), ("tiki", "ABCDEF"), ("pcp", "9" * 40),
    # no published format: whatever a waybill plausibly is
    ("jne", "CGK-1234567890"), ("jne", "CGK12345"), ("jne", "A" * 40), ("tiki", "JKT-66-0012345678"),
    ("wahana", "AGA-12345678"), ("pcp", "PCP-1234-567890"), ("pos", "P2503-0500-01234"),
])
def test_well_formed_waybills_are_normalised(courier, waybill):
    assert check_waybill(courier, waybill) == "".join(waybill.split()).upper()


@pytest.mark.parametrize("courier, waybill", [
    ("dhl", "123456789"), ("dhl", "12345678901"), ("dhl", "JD0123456789"),
    ("fedex", "12345678901"), ("fedex", "1234567890123"), ("fedex", "12345678901234567890"),
    ("fedex", "7946 1234 567X"),
    ("jne", "CGK12"), ("jne", "A" * 41), ("jne", "-CGK1234567890"), ("jne", "CGK1234567890-"),
    ("tiki", "12345"), ("wahana", "X" * 41),
    ("pos", ""), ("jne", None), ("tiki", "   "), ("pos", "P250/305/0001"), ("jne", "CGK_1234567890"),
    ("dhl", "12345-67890"), ("fedex", "7946-1234-5678"), ("pcp", "PCP1234567890;DROP"), ("tiki", "66001234567\u0661"),
    ("wahana", "AGA1234567<8>"), ("pos", "RR47312482\u00a09ID!"),
    ("dhl", "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660"),  # Arabic-Indic digits
    ("pos", "RR\u0664\u0667\u0663\u0661\u0662\u0664\u0668\u06628\u0669ID"), ("jne", "STRAßE12345"),
])
def test_malformed_waybills_are_refused(courier, waybill):
    error = refused(courier, waybill)
    assert (error.field, error.code) == ("waybill", WAYBILL_FORMAT)
    assert error.params["courier"] == COURIERS[courier]


def test_an_unknown_courier_is_refused():
    with pytest.raises(ValidationFailed) as failed:
        check_waybill("sicepat", "000123456789")
    [error] = failed.value.errors
    assert (error.field, error.code) == ("courier", UNKNOWN_COURIER)
    assert error.params == {"couriers": "pos, tiki, jne, fedex, dhl, wahana, pcp"}
