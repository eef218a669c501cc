"""One service endpoint: spyne's WSGI application with a fixed WSDL and the platform's faults."""
from __future__ import annotations

from lxml import etree
from spyne.server.wsgi import WsgiApplication

from emall_ws.soap import faults
from emall_ws.soap.contract import published
from emall_ws.messages import language_of_request
from emall_ws.soap.hardening import note_fault, note_operation

XS = "http://www.w3.org/2001/XMLSchema"
_KIND_ORDER = {f"{{{XS}}}import": 0, f"{{{XS}}}simpleType": 1, f"{{{XS}}}complexType": 2,
               f"{{{XS}}}element": 3}


class ServiceEndpoint(WsgiApplication):
    """A spyne endpoint with a WSDL built once for the public URL, and faults renamed."""

    def __init__(self, app, public_url: str, max_request_bytes: int):
        super().__init__(app, max_content_length=max_request_bytes)
        self.max_request_bytes = max_request_bytes
        self.doc.wsdl11.build_interface_document(public_url)
        self._wsdl = canonical_wsdl(self.doc.wsdl11.get_interface_document())

    @property
    def wsdl(self) -> bytes:
        return self._wsdl

    def handle_error(self, p_ctx, others, error, start_response):
        environ = p_ctx.transport.req_env
        mapped = faults.from_spyne_fault(error, language_of_request(environ), self.max_request_bytes,
                                         self.app, p_ctx.method_request_string or "")
        # a fault before the call (schema validation ...): the operation the body names, if any
        # (the access record keeps only names the service has)
        named = p_ctx.descriptor.name if p_ctx.descriptor is not None else p_ctx.method_request_string
        if named:
            note_operation(environ, named.rsplit("}", 1)[-1])
        note_fault(environ, mapped)
        p_ctx.out_error = mapped
        return super().handle_error(p_ctx, others, mapped, start_response)


def canonical_wsdl(document: bytes) -> bytes:
    """spyne orders schema definitions by hash order, which changes per process;
    sorting them by kind and name makes the served and committed WSDLs byte-identical. Faults and
    namespaces as every published WSDL has them: emall_ws/soap/contract.py."""
    root = published(etree.fromstring(document))
    for schema in root.iter(f"{{{XS}}}schema"):
        children = list(schema)
        for child in children:
            schema.remove(child)
        children.sort(key=lambda c: (_KIND_ORDER.get(c.tag, 9), c.get("name") or c.get("namespace") or ""))
        schema.extend(children)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
