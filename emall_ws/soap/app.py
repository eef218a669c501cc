"""The platform as one WSGI application: every service mounted at /ws/<Service>, plus /, /health, /metrics
and the partners' hooks under /hooks/."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from emall_ws.client_address import client_address
from emall_ws.config import Settings
from emall_ws.db.session import Database
from emall_ws.domain.registry import OPERATOR, ServiceEntry
from emall_ws.hooks import mutations as mutation_hook
from emall_ws.messages import language_of_request
from emall_ws.observability import access, metrics
from emall_ws.observability.health import Health
from emall_ws.partners import partner_endpoints, partner_entries
from emall_ws.platform import Platform
from emall_ws.soap import auction as auction_soap
from emall_ws.soap import cart as cart_soap
from emall_ws.soap import catalog as catalog_soap
from emall_ws.soap import checkout as checkout_soap
from emall_ws.soap import events as events_soap
from emall_ws.soap import faults
from emall_ws.soap import member as member_soap
from emall_ws.soap import order as order_soap
from emall_ws.soap import payment as payment_soap
from emall_ws.soap import registry as registry_soap
from emall_ws.soap import shipping as shipping_soap
from emall_ws.soap import report as report_soap
from emall_ws.soap.application import PlatformApplication
from emall_ws.soap.endpoint import ServiceEndpoint
from emall_ws.soap.hardening import CALL_FAULT, CALL_FIELDS, CALL_OPERATION, WSDL_OPERATION, guard, refuse
from emall_ws.soap.index_page import ServiceSummary, operations_of, platform_version, render_index
from emall_ws.soap.partner_bound import PartnerBoundRequests, partner_bound_operations


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    description: str
    service_class: type[Any]  # a spyne ServiceBase (spyne is untyped)


SERVICES = (
    ServiceSpec(registry_soap.NAME, registry_soap.DESCRIPTION, registry_soap.RegistryService),
    ServiceSpec(member_soap.NAME, member_soap.DESCRIPTION, member_soap.MemberService),
    ServiceSpec(catalog_soap.NAME, catalog_soap.DESCRIPTION, catalog_soap.CatalogService),
    ServiceSpec(cart_soap.NAME, cart_soap.DESCRIPTION, cart_soap.CartService),
    ServiceSpec(auction_soap.NAME, auction_soap.DESCRIPTION, auction_soap.AuctionService),
    ServiceSpec(checkout_soap.NAME, checkout_soap.DESCRIPTION, checkout_soap.CheckoutService),
    ServiceSpec(payment_soap.NAME, payment_soap.DESCRIPTION, payment_soap.PaymentService),
    ServiceSpec(shipping_soap.NAME, shipping_soap.DESCRIPTION, shipping_soap.ShippingService),
    ServiceSpec(order_soap.NAME, order_soap.DESCRIPTION, order_soap.OrderService),
    ServiceSpec(report_soap.NAME, report_soap.DESCRIPTION, report_soap.ReportService),
    ServiceSpec(events_soap.NAME, events_soap.DESCRIPTION, events_soap.EventsService),
)


def endpoint_path(name: str) -> str:
    return f"/ws/{name}"


def service_entries(settings: Settings) -> list[ServiceEntry]:
    """The platform's own services, as the registry publishes them."""
    entries = []
    for spec in SERVICES:
        url = settings.public_url + endpoint_path(spec.name)
        entries.append(ServiceEntry(OPERATOR, spec.name, spec.description, "emall", url, url + "?wsdl"))
    return entries


def publish_platform(platform: Platform) -> None:
    """Publishes the platform's services and the partner endpoints this deployment uses."""
    platform.registry.publish(service_entries(platform.settings) + partner_entries(platform.settings))


def index_page(endpoints: dict[str, ServiceEndpoint], settings: Settings) -> bytes:
    """The page at /, from the services' own WSDLs and the partner endpoints configured."""
    services = []
    for spec in SERVICES:
        url = settings.public_url + endpoint_path(spec.name)
        services.append(ServiceSummary(spec.name, spec.description, url, url + "?wsdl",
                                       operations_of(endpoints[spec.name].wsdl)))
    return render_index(services, partner_endpoints(settings), sandbox_url=settings.sandbox_url,
                        version=platform_version(), payments_simulated=settings.payments_simulated)


def build_endpoint(spec: ServiceSpec, platform: Platform) -> ServiceEndpoint:
    app = PlatformApplication([spec.service_class], spec.name, platform)
    settings = platform.settings
    return ServiceEndpoint(app, settings.public_url + endpoint_path(spec.name),
                                   settings.max_request_bytes)


class PlatformWsgi:
    """Routes requests; anything under /ws/ answers in SOAP, whatever happens, and is recorded
    (an access line and the SOAP-call metrics)."""

    def __init__(self, platform: Platform):
        self.platform = platform
        self.endpoints = {spec.name: build_endpoint(spec, platform) for spec in SERVICES}
        self._guarded = {name: guard(endpoint) for name, endpoint in self.endpoints.items()}
        access.register_services({spec.name: [*spec.service_class.public_methods, WSDL_OPERATION]
                                  for spec in SERVICES}, counted=platform.settings.metrics_enabled)
        # for the server's front: which requests wait on a partner, and so run off its event loop
        self.partner_bound = PartnerBoundRequests({
            endpoint_path(spec.name): partner_bound_operations(spec.service_class) for spec in SERVICES})
        self.health = Health(platform.db, platform.settings, clock=platform.clock)
        # static per process, and read from no database: the front door opens even when /health is red
        self.index_page = index_page(self.endpoints, platform.settings)
        self.mutation_hook = mutation_hook.MutationHook(platform)  # JSON, not SOAP: its own answers and line

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if path.startswith("/ws/"):
            return self._recorded(path[len("/ws/"):].rstrip("/"), environ, start_response)
        if path.startswith(mutation_hook.PREFIX):
            return self.mutation_hook(environ, start_response)
        if path == "/health":
            return _respond(start_response, *self.health.answer(), content_type="application/json")
        if path == "/metrics" and self.platform.settings.metrics_enabled:
            return _respond(start_response, "200 OK", metrics.render(self.platform.db),
                            content_type=metrics.CONTENT_TYPE)
        if path == "/":
            return _respond(start_response, "200 OK", self.index_page, content_type="text/html; charset=utf-8")
        return _respond(start_response, "404 Not Found", b"Not found\n")

    def _recorded(self, service: str, environ, start_response):
        """The service's answer, whole (spyne has it in memory anyway), then its access line."""
        started = environ.get(access.ARRIVED) or time.perf_counter()  # the body's arrival is part of it
        status = []

        def start(status_line, headers, exc_info=None):
            status.append(status_line)
            return start_response(status_line, headers, exc_info)

        handler = self._guarded.get(service)
        if handler is None:
            chunks = refuse(environ, start, 404, faults.client_fault(
                "NotFound", "UNKNOWN_SERVICE", language_of_request(environ)))
        else:
            chunks = handler(environ, start)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        faultcode, code = environ.get(CALL_FAULT) or (None, None)
        if faultcode is None and status and not status[0].startswith("2"):  # spyne's own error answer
            faultcode = "HTTP" + status[0][:3]
        caller = environ.get(CALL_FIELDS, {})
        access.record_call(client_address(environ, self.platform.settings.trusted_proxies), service,
                           environ.get(CALL_OPERATION, access.UNKNOWN), faultcode or "ok", code,
                           time.perf_counter() - started, len(body), caller.get("member"), caller.get("api_key"))
        return [body]

def _respond(start_response, status: str, body: bytes, content_type: str = "text/plain; charset=utf-8"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def create_app(settings: Settings | None = None, db: Database | None = None) -> PlatformWsgi:
    settings = settings or Settings.from_env()
    return PlatformWsgi(Platform.from_settings(settings, db))
