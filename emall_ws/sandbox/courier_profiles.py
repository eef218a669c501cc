"""What makes each courier sandbox its own: services, tariffs, waybill numbers and status words.

Tariffs are deterministic from the Kemendagri codes: the distance zone comes from the province
codes (same city, same province, same island, neighbouring island, across the archipelago, to or
from Maluku/Papua), the price per kilogram from the zone, the courier and the service, and the
weight is charged per started kilogram. Status words follow each courier's tracking page.
"""
from __future__ import annotations

import math
import secrets
import zlib
from dataclasses import dataclass

# island groups by province code (the first two digits of a Kemendagri code)
_ISLANDS = {
    "sumatera": {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21"},
    "jawa": {"31", "32", "33", "34", "35", "36"},
    "nusa": {"51", "52", "53"},
    "kalimantan": {"61", "62", "63", "64", "65"},
    "sulawesi": {"71", "72", "73", "74", "75", "76"},
    "maluku": {"81", "82"},
    "papua": {"91", "92", "93", "94", "95", "96"},
}
_NEIGHBOURS = {frozenset(("jawa", "sumatera")), frozenset(("jawa", "nusa")),
               frozenset(("jawa", "kalimantan"))}
_REMOTE = {"maluku", "papua"}
# per zone: (Rupiah per kg for a regular service, days in transit)
_ZONES = ((8_000, 1), (11_000, 2), (16_000, 3), (24_000, 3), (38_000, 5), (62_000, 7))
MAX_WEIGHT_GRAMS = 50_000


@dataclass(frozen=True)
class Service:
    code: str
    description: str
    price_factor: float  # against the courier's regular price
    extra_days: int  # against the zone's days (negative: faster)
    max_zone: int = 5  # not offered beyond this zone (next-day services)


@dataclass(frozen=True)
class Step:
    status: str  # the courier's own status word
    words: str  # its event description: {origin} {destination} {receiver} {time}
    at: str  # "origin" or "destination"


@dataclass(frozen=True)
class CourierProfile:
    price_factor: float
    services: tuple[Service, ...]
    script: tuple[Step, ...]  # the journey; the last step delivers, the one before goes out
    failed_attempt: Step
    waybill_format: str  # new waybills: {n} is a random serial number
    upper_case: bool = False  # JNE writes its places in capitals


PROFILES: dict[str, CourierProfile] = {
    "jne": CourierProfile(1.0, (
        Service("REG", "Layanan Reguler", 1.0, 0), Service("YES", "Yakin Esok Sampai", 1.9, -9, 3),
        Service("OKE", "Ongkos Kirim Ekonomis", 0.8, 2)), (
        Step("MANIFESTED", "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [{origin}]", "origin"),
        Step("ON PROCESS", "RECEIVED AT SORTING CENTER [{origin}]", "origin"),
        Step("ON PROCESS", "DEPARTED FROM TRANSIT [GATEWAY {origin}]", "origin"),
        Step("ON PROCESS", "RECEIVED AT INBOUND STATION [{destination}]", "destination"),
        Step("WITH DELIVERY COURIER", "WITH DELIVERY COURIER [{destination}]", "destination"),
        Step("DELIVERED", "DELIVERED TO [{receiver} | {time} | {destination}]", "destination")),
        Step("UNDELIVERED", "CONSIGNEE NOT AT HOME, WILL BE RE-DELIVERED [{destination}]", "destination"),
        "CGK{n:013d}", upper_case=True),
    "tiki": CourierProfile(1.0, (
        Service("REG", "Regular Service", 1.0, 0), Service("ONS", "Over Night Service", 1.8, -9, 3),
        Service("ECO", "Economy Service", 0.75, 3)), (
        Step("DITERIMA DI AGEN", "Paket diterima di agen TIKI {origin}", "origin"),
        Step("DALAM PROSES", "Paket diproses di gateway TIKI {origin}", "origin"),
        Step("DALAM PERJALANAN", "Paket diberangkatkan menuju {destination}", "origin"),
        Step("DIBAWA KURIR", "Paket dibawa kurir menuju alamat penerima di {destination}", "destination"),
        Step("TERKIRIM", "Paket telah diterima oleh {receiver}", "destination")),
        Step("GAGAL ANTAR", "Penerima tidak di tempat, paket akan diantar ulang", "destination"),
        "66{n:010d}"),
    "pos": CourierProfile(0.9, (
        Service("Pos Reguler", "Pos Reguler", 1.0, 1), Service("Pos Nextday", "Pos Nextday", 1.9, -9, 3)), (
        Step("POSTING LOKET", "Posting loket di Kantor Pos {origin}", "origin"),
        Step("MANIFEST SERAH", "Diteruskan ke Mail Processing Center {origin}", "origin"),
        Step("MANIFEST TERIMA", "Diterima di Kantor Pos {destination}", "destination"),
        Step("PROSES ANTAR", "Proses antar oleh petugas Kantor Pos {destination}", "destination"),
        Step("SELESAI ANTAR", "Selesai antar, diterima oleh {receiver}", "destination")),
        Step("ANTAR ULANG", "Penerima tidak di tempat, kiriman akan diantar ulang", "destination"),
        "P{n:012d}"),
    "fedex": CourierProfile(2.6, (
        Service("EXPRESS", "FedEx International Priority", 1.0, -1),
        Service("ECONOMY", "FedEx International Economy", 0.8, 1)), (
        Step("Picked up", "Picked up", "origin"),
        Step("Departed FedEx location", "Departed FedEx location", "origin"),
        Step("Arrived at FedEx location", "Arrived at FedEx location", "destination"),
        Step("On FedEx vehicle for delivery", "On FedEx vehicle for delivery", "destination"),
        Step("Delivered", "Delivered - Signed for by: {receiver}", "destination")),
        Step("Delivery exception", "Customer not available or business closed", "destination"),
        "7946{n:08d}"),
    "dhl": CourierProfile(2.8, (Service("EXPRESS", "DHL Express Worldwide", 1.0, -1),), (
        Step("Shipment picked up", "Shipment picked up", "origin"),
        Step("Processed at origin facility", "Processed at {origin} - Indonesia", "origin"),
        Step("Departed facility", "Departed Facility in {origin} - Indonesia", "origin"),
        Step("Arrived at delivery facility", "Arrived at Delivery Facility in {destination} - Indonesia",
             "destination"),
        Step("With delivery courier", "Shipment is out with courier for delivery", "destination"),
        Step("Delivered", "Delivered - Signed for by: {receiver}", "destination")),
        Step("Delivery attempted", "Delivery attempted; recipient not home", "destination"),
        "12{n:08d}"),
    "wahana": CourierProfile(0.8, (Service("NORMAL", "Wahana Normal", 1.0, 1),), (
        Step("Diterima di Agen", "Paket diterima di agen Wahana {origin}", "origin"),
        Step("Proses Kirim", "Paket dikirim dari {origin}", "origin"),
        Step("Sampai di Kota Tujuan", "Paket tiba di {destination}", "destination"),
        Step("Proses Antar", "Paket sedang diantar ke penerima", "destination"),
        Step("Diterima", "Paket diterima oleh {receiver}", "destination")),
        Step("Gagal Kirim", "Alamat penerima tidak ditemukan, paket akan dikirim ulang", "destination"),
        "AGA{n:08d}"),
    "pcp": CourierProfile(1.05, (
        Service("REG", "PCP Regular", 1.0, 0), Service("ONS", "PCP One Night Service", 1.8, -9, 3)), (
        Step("PICKED UP", "Shipment picked up at {origin}", "origin"),
        Step("OUTBOUND", "Outbound from {origin} hub", "origin"),
        Step("INBOUND", "Inbound at {destination} hub", "destination"),
        Step("ON DELIVERY", "On delivery to consignee", "destination"),
        Step("POD", "Proof of delivery: received by {receiver}", "destination")),
        Step("UNDEL", "Undelivered: consignee address incomplete", "destination"),
        "PCP{n:010d}"),
}


def island_of(city_code: str) -> str | None:
    province = city_code[:2]
    return next((name for name, provinces in _ISLANDS.items() if province in provinces), None)


def zone(origin: str, destination: str) -> int:
    """0 same city, 1 same province, 2 same island, 3 neighbouring island, 4 across, 5 remote."""
    if origin == destination:
        return 0
    if origin[:2] == destination[:2]:
        return 1
    a, b = island_of(origin), island_of(destination)
    if a == b:
        return 2
    if {a, b} & _REMOTE:
        return 5
    return 3 if frozenset((a, b)) in _NEIGHBOURS else 4


@dataclass(frozen=True)
class Quote:
    service: str
    description: str
    cost: int  # whole Rupiah
    etd_days: int


def quote(courier: str, origin: str, destination: str, weight_grams: int) -> list[Quote]:
    profile = PROFILES[courier]
    distance = zone(origin, destination)
    per_kg, days = _ZONES[distance]
    # a stable wobble per route and courier (crc32, not hash(): the same in every process)
    per_kg += zlib.crc32(f"{courier}:{origin}:{destination}".encode()) % 5 * 500
    kilograms = max(1, math.ceil(weight_grams / 1000))  # every started kilogram is charged
    quotes = []
    for service in profile.services:
        if distance > service.max_zone:
            continue
        cost = kilograms * per_kg * profile.price_factor * service.price_factor
        quotes.append(Quote(service.code, service.description, int(round(cost / 500) * 500),
                            max(1, days + service.extra_days)))
    return quotes


def new_waybill(courier: str) -> str:
    return PROFILES[courier].waybill_format.format(n=secrets.randbelow(10 ** 8))


def place_name(name: str) -> str:
    """"Kota Administrasi Jakarta Selatan" -> "Jakarta Selatan", as couriers write places."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name
