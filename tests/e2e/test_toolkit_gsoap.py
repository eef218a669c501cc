"""gSOAP (Debian gsoap, libgsoap-dev), a toolkit no one here wrote, used as a C++ integrator would: wsdl2h
and soapcpp2 with their default options make a SOAP 1.1 client from every served WSDL without a warning,
and a client built from three of them calls the platform: public operations, a member's flow with the
SessionHeader, and a fault whose code is read from the detail.

Without gSOAP or g++: a failure under CI=true (.ci/run installs them), a skip elsewhere."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from emall_ws.soap.app import SERVICES
from tests.e2e.catalog import fixed_form, new_member, new_shop
from tests.e2e.members import PASSWORD
from tests.e2e.soap import client
from tests.processes import required

CLIENT = Path(__file__).parents[1] / "toolkits" / "gsoap_client.cpp"
SOAP11_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
IMPORTS = Path("/usr/share/gsoap/import")


def generated(folder: Path, *urls: str, typemap: str | None = None) -> str:
    """wsdl2h then soapcpp2 (-j: C++ proxy classes, -C: client side only) in `folder`: their output,
    which must hold no warning."""
    if typemap:
        (folder / "typemap.dat").write_text(typemap)
    wsdl2h = subprocess.run([required("wsdl2h"), "-o", "client.h", *urls], cwd=folder, capture_output=True,
                            text=True, timeout=120)
    assert wsdl2h.returncode == 0, wsdl2h.stdout + wsdl2h.stderr
    soapcpp2 = subprocess.run([required("soapcpp2"), "-j", "-C", f"-I{IMPORTS}", "client.h"], cwd=folder,
                              capture_output=True, text=True, timeout=120)
    assert soapcpp2.returncode == 0, soapcpp2.stdout + soapcpp2.stderr
    output = wsdl2h.stdout + wsdl2h.stderr + soapcpp2.stdout + soapcpp2.stderr
    assert "warning" not in output.lower(), output
    return output


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_gsoap_makes_a_soap11_client_of_every_wsdl_without_a_warning(server, tmp_path, service):
    generated(tmp_path, server.wsdl_url(service))
    namespaces = (tmp_path / f"{service}.nsmap").read_text()
    # the envelope a generated client sends: SOAP 1.1, which the platform speaks (a stray SOAP 1.2
    # declaration in a WSDL once made gSOAP's clients send 1.2, refused as NOT_SOAP)
    envelope = next(line for line in namespaces.splitlines() if '"SOAP-ENV"' in line)
    assert envelope.split('"')[3] == SOAP11_ENVELOPE, envelope


# the prefixes gSOAP names the generated types by (ns1, ns2 ... in the order it meets them otherwise)
TYPEMAP = """member = "urn:emall-kukm:member"
catalog = "urn:emall-kukm:catalog"
fault = "urn:emall-kukm:fault"
"""


def test_a_gsoap_client_calls_public_and_member_operations_and_reads_a_fault(server, mailbox, tmp_path):
    generated(tmp_path, server.wsdl_url("Member"), server.wsdl_url("Catalog"), typemap=TYPEMAP)
    compiled = subprocess.run([required("g++"), "-o", "client", f"-I{tmp_path}", str(CLIENT), "soapC.cpp",
                               "soapMemberProxy.cpp", "soapCatalogProxy.cpp", "-lgsoap++"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stderr
    shop = new_shop(server)
    seller = new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    product = catalog.sellProduct(form=fixed_form(shop.category, name="Kopi Gayo Arabika 250 g"), **auth)
    provinces = client(server, "Member").service.listProvinces()

    run = subprocess.run([str(tmp_path / "client"), server.url, seller.username, PASSWORD,
                          str(product.productId)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == [
        f"provinces {len(provinces)}", f"product {product.productId} Kopi Gayo Arabika 250 g",
        f"login {seller.username}", f"profile {seller.username}",
        "fault SOAP-ENV:Client.NotFound UNKNOWN_PRODUCT"]
