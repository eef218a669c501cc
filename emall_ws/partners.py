"""Which partner endpoints this deployment uses: their registry entries and their adapters.

Every endpoint is configuration (EMALL_BANK_<CODE>_URL ..., EMALL_DUKCAPIL_URL, EMALL_OSS_URL, defaulting
to the sandboxes), and each is published in the Registry as its own businessEntity/businessService.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

from adapters.breaker import observe_circuits
from adapters.observe import observe_calls
from emall_ws.config import Settings
from emall_ws.domain.partners import BANKS, COURIERS
from emall_ws.domain.registry import Business, ServiceEntry
from emall_ws.observability.metrics import count_partner_call, show_partner_circuit

observe_calls(count_partner_call)  # every partner call of a process that uses these endpoints is counted
observe_circuits(show_partner_circuit)  # and its circuit breakers' state shown


@dataclass(frozen=True)
class PartnerEndpoint:
    kind: str  # bank, courier, sms, dukcapil, oss
    code: str  # bca ... / pos ... / "" for a partner of one (the SMS gateway, Dukcapil, OSS)
    name: str
    url: str

    @property
    def business(self) -> Business:
        return Business(f"{self.kind}-{self.code}" if self.code else self.kind, self.name,
                        _DESCRIPTIONS[self.kind])


_DESCRIPTIONS = {"bank": "Mutasi rekening dan inkuiri pemilik rekening untuk konfirmasi pembayaran otomatis",
                 "courier": "Tarif ongkos kirim dan pelacakan kiriman (nomor resi)",
                 "sms": "Pengiriman notifikasi SMS",
                 "dukcapil": "Verifikasi NIK ke data kependudukan (Dukcapil)",
                 "oss": "Verifikasi NIB ke perizinan berusaha (OSS)"}
_SERVICE_NAMES = {"bank": "Bank", "courier": "Courier", "sms": "SmsGateway", "dukcapil": "Dukcapil", "oss": "Oss"}


def partner_endpoints(settings: Settings) -> list[PartnerEndpoint]:
    endpoints = [PartnerEndpoint("bank", code, name, settings.partner_url("bank", code))
                 for code, name in BANKS.items()]
    endpoints += [PartnerEndpoint("courier", code, name, settings.partner_url("courier", code))
                  for code, name in COURIERS.items()]
    endpoints.append(PartnerEndpoint("sms", "", "SMS Gateway", settings.partner_url("sms")))
    endpoints.append(PartnerEndpoint("dukcapil", "", "Ditjen Dukcapil Kemendagri", settings.partner_url("dukcapil")))
    endpoints.append(PartnerEndpoint("oss", "", "Kementerian Investasi/BKPM", settings.partner_url("oss")))
    return endpoints


def partner_entries(settings: Settings) -> list[ServiceEntry]:
    """The partner services as the Registry publishes them."""
    return [ServiceEntry(e.business, _SERVICE_NAMES[e.kind], f"{_DESCRIPTIONS[e.kind]} ({e.name})",
                         e.kind, e.url, e.url + "?wsdl")
            for e in partner_endpoints(settings)]


def call_policy(settings: Settings, *, in_request: bool):
    """How partner calls are made. Inside a SOAP request: once, within EMALL_PARTNER_TIMEOUT, and
    not at all while the endpoint keeps failing (a caller is waiting; the worker retries later).
    In the worker: each attempt within EMALL_PARTNER_TIMEOUT, safe reads retried."""
    from adapters.base import CallPolicy

    if in_request:
        return CallPolicy(timeout=settings.partner_timeout, retries=0, breaker=True)
    return CallPolicy(timeout=settings.partner_timeout)


def adapters_for(settings: Settings, kind: str, *, in_request: bool) -> dict:
    """Every bank's or every courier's adapter, by code."""
    from adapters.bank import ZeepBankAdapter
    from adapters.courier import ZeepCourierAdapter

    kinds: dict[str, tuple[Callable[..., Any], Mapping[str, str]]] = {
        "bank": (ZeepBankAdapter, BANKS), "courier": (ZeepCourierAdapter, COURIERS)}
    make, codes = kinds[kind]
    policy = call_policy(settings, in_request=in_request)
    return {code: make(code, settings.partner_url(kind, code), **asdict(policy)) for code in codes}


def dukcapil_adapter(settings: Settings, *, in_request: bool):
    """NIK verification at the population registry, under call_policy."""
    from adapters.dukcapil import ZeepDukcapilAdapter

    return ZeepDukcapilAdapter(settings.partner_url("dukcapil"), **asdict(call_policy(settings, in_request=in_request)))


def oss_adapter(settings: Settings, *, in_request: bool):
    """NIB verification at business licensing, under call_policy."""
    from adapters.oss import ZeepOssAdapter

    return ZeepOssAdapter(settings.partner_url("oss"), **asdict(call_policy(settings, in_request=in_request)))


def sms_adapter_from(settings: Settings):
    """The SMS channel of this deployment: the SOAP gateway, or Gammu SMSD's outbox table; None
    when there is none (sandbox off and no gateway configured): SMS rows then wait, unsent."""
    if settings.sms_provider == "gammu":
        from adapters.gammu import GammuSmsdAdapter

        if not settings.gammu_database_url:
            raise ValueError("EMALL_SMS_PROVIDER=gammu needs EMALL_GAMMU_DATABASE_URL")
        return GammuSmsdAdapter(settings.gammu_database_url)
    if not settings.sandbox_enabled and "EMALL_SMS_URL" not in settings.partner_url_overrides:
        return None
    from adapters.sms import ZeepSmsAdapter

    return ZeepSmsAdapter(settings.partner_url("sms"), **asdict(call_policy(settings, in_request=False)))
