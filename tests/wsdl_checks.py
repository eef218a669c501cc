"""What every published WSDL must be for toolkits to consume it unchanged (issue 15), as checks that
return what is wrong (empty when nothing is): the unit tests run them over the committed and generated
WSDLs, the e2e tests over those a running server answers."""
from __future__ import annotations

import re

from lxml import etree

from emall_ws.soap.faults import FAULT_NS

WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
SOAP = "{http://schemas.xmlsoap.org/wsdl/soap/}"
XS = "{http://www.w3.org/2001/XMLSchema}"
FAULT_DETAIL = f"{{{FAULT_NS}}}FaultDetail"
ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")  # a scheme, then something (RFC 3986)


def unused_declarations(document: bytes) -> list[str]:
    """Every xmlns:prefix declared on an element where neither the element's subtree names (elements,
    attributes) nor a value in it ("tns:Cart", "xs:string") uses it."""
    unused = []
    for element in etree.fromstring(document).iter(etree.Element):
        parent = element.getparent()
        inherited = parent.nsmap if parent is not None else {}
        for prefix, uri in element.nsmap.items():
            if inherited.get(prefix) != uri and not _uses(element, prefix, uri):
                unused.append(f"{etree.QName(element).localname}: xmlns:{prefix}={uri}")
    return unused


def _uses(element: etree._Element, prefix: str | None, uri: str) -> bool:
    value = re.compile(rf"{re.escape(prefix)}:[A-Za-z_][\w.-]*") if prefix else None
    for node in element.iter(etree.Element):
        if node.prefix == prefix and etree.QName(node).namespace == uri:
            return True
        for name, text in node.attrib.items():
            if name.startswith(f"{{{uri}}}") or (value and any(value.fullmatch(t) for t in text.split())):
                return True
    return False


def relative_namespaces(document: bytes) -> list[str]:
    """Every namespace the document declares, defines or imports that is not an absolute URI."""
    root = etree.fromstring(document)
    found = {uri for element in root.iter(etree.Element) for uri in element.nsmap.values()}
    found |= {element.get(attribute) for element in root.iter(etree.Element)
              for attribute in ("targetNamespace", "namespace") if element.get(attribute) is not None}
    return sorted(uri for uri in found if not ABSOLUTE_URI.fullmatch(uri))


def _resolve(element: etree._Element, qname: str | None) -> str:
    prefix, _, local = (qname or "").rpartition(":")
    return f"{{{element.nsmap.get(prefix or None)}}}{local}"


def operations_without_fault_detail(document: bytes) -> list[str]:
    """Every operation of the port type or the binding that does not declare a fault whose message is
    the FaultDetail element, bound as a literal SOAP fault of the same name."""
    root = etree.fromstring(document)
    tns = root.get("targetNamespace")
    messages = {f"{{{tns}}}{m.get('name')}": [_resolve(p, p.get("element")) for p in m.iter(f"{WSDL}part")]
                for m in root.iter(f"{WSDL}message")}
    detail_faults: dict[str, set[str]] = {}
    wrong = []
    for operation in root.iterfind(f"{WSDL}portType/{WSDL}operation"):
        names = {f.get("name") for f in operation.iterfind(f"{WSDL}fault")
                 if messages.get(_resolve(f, f.get("message"))) == [FAULT_DETAIL]}
        detail_faults[operation.get("name")] = names
        if not names:
            wrong.append(f"portType {operation.get('name')}")
    for operation in root.iterfind(f"{WSDL}binding/{WSDL}operation"):
        bound = {f.get("name") for f in operation.iterfind(f"{WSDL}fault")
                 if any(s.get("name") == f.get("name") and s.get("use") == "literal" for s in f.iter(f"{SOAP}fault"))}
        if not bound & detail_faults.get(operation.get("name"), set()):
            wrong.append(f"binding {operation.get('name')}")
    return wrong


def fault_detail_schema(document: bytes) -> etree.XMLSchema:
    """The XML Schema the WSDL declares for the fault detail, to validate a detail against."""
    return _schema(document, FAULT_NS)


def service_schema(document: bytes) -> etree.XMLSchema:
    """The XML Schema of the WSDL's own namespace (its operations' requests and answers)."""
    return _schema(document, etree.fromstring(document).get("targetNamespace"))


def _schema(document: bytes, namespace: str) -> etree.XMLSchema:
    root = etree.fromstring(document)
    [schema] = [s for s in root.iter(f"{XS}schema") if s.get("targetNamespace") == namespace]
    standalone = etree.Element(schema.tag, dict(schema.attrib), nsmap=schema.nsmap)  # with the root's prefixes
    standalone.extend(etree.fromstring(etree.tostring(child)) for child in schema)
    return etree.XMLSchema(standalone)


def header_operations(document: bytes, header: str = "SessionHeader") -> set[str]:
    """The binding's operations whose input declares the header."""
    root = etree.fromstring(document)
    return {operation.get("name") for operation in root.iterfind(f"{WSDL}binding/{WSDL}operation")
            if any(h.get("part") == header for h in operation.iterfind(f"{WSDL}input/{SOAP}header"))}
