"""What every published WSDL (the platform's and the partner sandboxes') promises beyond what spyne
writes, so that toolkits consume it without tweaks:

- every operation declares its fault (wsdl:fault in the port type and the binding), whose element is
  the FaultDetail every fault carries (faults.FAULT_DETAIL_SCHEMA): PHP SoapClient, xsdata and
  .NET-style generators read a detail only as a declared type (Perl SOAP::WSDL not even then:
  tests/e2e/test_toolkit_perl.py). spyne's own `_faults` cannot say it:
  spyne moves a fault type into each service's namespace, while the detail is in urn:emall-kukm:fault;
- no namespace is declared that nothing uses: spyne declares every namespace it knows, and gSOAP
  reads the unused SOAP 1.2 ones as a SOAP 1.2 service, which the platform refuses;
- wsdl:service comes last, after the binding it names, as WSDL 1.1's grammar (section 2.1) lists it:
  spyne writes it first, and KDSoap's kdwsdl2cpp then gives its generated client no endpoint.
"""
from __future__ import annotations

from lxml import etree

from emall_ws.soap.faults import FAULT_DETAIL_SCHEMA, FAULT_NS

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP11_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
FAULT_PREFIX = "fault"  # as in FAULT_DETAIL_SCHEMA's QNames
FAULT_NAME = "FaultDetail"  # the operations' fault, its message and the message's element
# attributes of WSDL 1.1 and XML Schema whose value is a QName (or a list of them): the prefixes they
# name are uses that lxml's namespace cleanup cannot see
QNAME_ATTRIBUTES = frozenset({"type", "base", "element", "message", "binding", "ref", "refer", "itemType",
                              "memberTypes", "substitutionGroup"})
_W = f"{{{WSDL_NS}}}"


def published(root: etree._Element) -> etree._Element:
    """A WSDL as spyne wrote it, with every operation's fault declared and only the namespaces it uses
    declared (a new root element: lxml cannot remove a declaration from an element)."""
    _declare_faults(root)
    nsmap = {**root.nsmap, FAULT_PREFIX: FAULT_NS}
    used, named = _used_prefixes(root, nsmap)
    # spyne declares no default namespace: every kept declaration has its prefix
    clean = etree.Element(root.tag, _attributes(root), nsmap={p: uri for p, uri in nsmap.items() if p and p in used})
    clean.text = root.text
    clean.extend(list(root))  # moved: their namespaces are found on the new root
    for service in clean.findall(f"{_W}service"):  # last, as WSDL 1.1's grammar (2.1) has it
        clean.append(service)
    etree.cleanup_namespaces(clean, keep_ns_prefixes=sorted(p for p in named if p))
    return clean


def _used_prefixes(root: etree._Element, nsmap: dict[str | None, str]) -> tuple[set[str | None], set[str | None]]:
    """(the prefixes of `nsmap` that the document uses, the prefixes its QName values name)."""
    uris: set[str | None] = set()
    named: set[str | None] = set()
    for element in root.iter(etree.Element):
        uris.add(etree.QName(element).namespace)
        for name, value in _attributes(element).items():
            if name.startswith("{"):
                uris.add(etree.QName(name).namespace)
            elif name in QNAME_ATTRIBUTES:
                named.update(item.split(":", 1)[0] if ":" in item else None for item in value.split())
    return {p for p, uri in nsmap.items() if uri in uris or p in named}, named


def _declare_faults(root: etree._Element) -> None:
    tns = next(p for p, uri in root.nsmap.items() if p and uri == root.get("targetNamespace"))
    [types] = root.findall(f"{_W}types")
    _copy(etree.fromstring(FAULT_DETAIL_SCHEMA), types)
    message = etree.Element(f"{_W}message", name=FAULT_NAME)
    etree.SubElement(message, f"{_W}part", name=FAULT_NAME, element=f"{FAULT_PREFIX}:{FAULT_NAME}")
    (root.findall(f"{_W}message") or [types])[-1].addnext(message)
    for operation in root.iterfind(f"{_W}portType/{_W}operation"):
        etree.SubElement(operation, f"{_W}fault", name=FAULT_NAME, message=f"{tns}:{FAULT_NAME}")
    for operation in root.iterfind(f"{_W}binding/{_W}operation"):
        fault = etree.SubElement(operation, f"{_W}fault", name=FAULT_NAME)
        etree.SubElement(fault, f"{{{SOAP11_BINDING_NS}}}fault", name=FAULT_NAME, use="literal")


def _copy(source: etree._Element, parent: etree._Element) -> None:
    """`source`'s elements rebuilt under `parent`, with the document's namespace declarations rather
    than their own; the schema's indentation left out, as spyne writes none."""
    element = etree.SubElement(parent, source.tag, _attributes(source))
    element.text = (source.text or "").strip() or None
    for child in source.iterchildren(etree.Element):
        _copy(child, element)


def _attributes(element: etree._Element) -> dict[str, str]:
    return {str(name): str(value) for name, value in element.attrib.items()}  # str already: lxml's stubs allow bytes
