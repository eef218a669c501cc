"""What every partner sandbox shares: its spyne Application, its faults, and setFailureMode.

An operation's docstring becomes its wsdl:documentation: keep it to one line (Python 3.13 strips
the indentation of longer docstrings, and the WSDL would differ between Python versions).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from spyne import Application, Fault, Integer32, Unicode, rpc

from emall_ws.config import is_loopback
from emall_ws.sandbox.contracts import FAILURE_MODES
from emall_ws.sandbox.payout_accounts import PayoutAccounts
from emall_ws.sandbox.store import SandboxDatabase
from emall_ws.soap.documentation import clean_documentation
from emall_ws.soap.faults import PlatformFault
from emall_ws.soap.hardening import HardenedSoap11

log = logging.getLogger(__name__)
MAX_DELAY_MS = 120_000
_NO_PAYOUT_ACCOUNTS = PayoutAccounts(None)  # a sandbox run without the platform's database knows none


@dataclass(frozen=True)
class Partner:
    """Which partner one served path plays."""
    kind: str  # bank, courier, sms, dukcapil, oss
    code: str  # bca, jne, ... (the kind itself for a partner of one: "sms", "dukcapil", "oss")
    path: str  # /partners/bank/bca
    db: SandboxDatabase | None  # None when the application is built only for its WSDL
    payouts: PayoutAccounts | None = None  # the platform's sellers' payout accounts (the bank sandbox's)

    @property
    def database(self) -> SandboxDatabase:
        if self.db is None:
            raise RuntimeError("this sandbox was built for its WSDL only")
        return self.db

    @property
    def payout_accounts(self) -> PayoutAccounts:
        return self.payouts or _NO_PAYOUT_ACCOUNTS


# the operations that seed or steer a sandbox, which no real partner offers
SANDBOX_ONLY = frozenset({"openAccount", "transfer", "registerShipment", "advanceShipment", "listMessages",
                          "addPerson", "addBusiness", "setFailureMode"})


class PartnerApplication(Application):
    def __init__(self, services, name: str, tns: str, partner: Partner):
        clean_documentation(services)
        super().__init__(services, tns=tns, name=name,
                         in_protocol=HardenedSoap11(validator="lxml"), out_protocol=HardenedSoap11())
        self.partner = partner

    def call_wrapper(self, ctx):
        if ctx.descriptor.name in SANDBOX_ONLY and not is_loopback(_peer(ctx)):
            # whoever reaches a sandbox's port must not credit an account or move a parcel
            raise rejected("Authorization", "Sandbox-only operations answer callers on this machine only",
                           "SANDBOX_LOOPBACK_ONLY")
        try:
            return super().call_wrapper(ctx)
        except Fault:
            raise
        except Exception:
            log.exception("sandbox %s failed in %s", self.partner.path, ctx.method_request_string)
            raise PlatformFault("Server.Internal", "Internal error of the partner sandbox",
                                "INTERNAL") from None


def _peer(ctx) -> str:
    return (getattr(ctx.transport, "req_env", None) or {}).get("REMOTE_ADDR", "")


def partner_of(ctx) -> Partner:
    return ctx.app.partner


def rejected(reason: str, message: str, code: str) -> PlatformFault:
    """A Client.<reason> fault, as a partner refuses a request it cannot serve."""
    # PlatformFault passes ServiceEndpoint's fault mapping unchanged: the partner's own code stays
    return PlatformFault(f"Client.{reason}", message, code)


def failure_mode_operation():
    """setFailureMode, for the body of each contract's service class (setFailureMode =
    failure_mode_operation()). A fresh operation each time: spyne binds an operation's message
    types to the namespace of the first Application serving it, and spyne's service classes do
    not inherit operations; one service class per contract keeps one wsdl:service per WSDL."""

    @rpc(Unicode(values=list(FAILURE_MODES), min_occurs=1, nillable=False),
         Integer32(ge=0, le=MAX_DELAY_MS), _returns=Unicode, _out_variable_name="mode")
    def setFailureMode(ctx, mode, delayMs):  # noqa: N802,N803 (the contract's names)
        """Sandbox only: play a failure mode (delayMs: SLOW's delay) until told NORMAL."""
        partner = partner_of(ctx)
        partner.database.set_failure_mode(partner.path, mode, delayMs or 0)
        return mode

    return setFailureMode
