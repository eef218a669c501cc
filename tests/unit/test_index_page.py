"""The page at /, the front door a tester opens first: every service with its operations and whether
each needs a login, the partners by kind and by name, authentication examples that work as they
stand, the version and /health; escaped, accessible, built once and served without the database."""
from importlib import metadata

import pytest
from lxml import etree
from lxml import html as lxml_html

from emall_ws.db.session import Database
from emall_ws.domain.partners import BANKS, COURIERS
from emall_ws.soap.app import SERVICES, create_app
from emall_ws.soap.index_page import (LOGIN_EXAMPLE, SESSION_HEADER_EXAMPLE, WS_SECURITY_EXAMPLE, Operation,
                                      ServiceSummary, render_index)
from emall_ws.soap.security import member_operations, session_header
from tests.builders import create_member
from tests.wsgi_client import SOAP_ENV, call

PUBLIC_URL = "http://emall.test"  # tests/conftest.py's settings


@pytest.fixture
def served(app):
    response = call(app, "GET", "/")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response.body


@pytest.fixture
def page(served):
    return lxml_html.fromstring(served)


def text(element) -> str:
    return " ".join(element.text_content().split())


def operation_rows(page, service: str) -> dict[str, tuple[str, str]]:
    """{operation: (login cell, documentation cell)} of a service's table."""
    rows = page.get_element_by_id(f"service-{service}").xpath(".//tbody/tr")
    return {text(row[0]): (text(row[1]), text(row[2])) for row in rows}


def test_the_services_come_first_each_with_its_description_endpoint_and_wsdl(page):
    sections = [section.get("id") for section in page.iter("section")]
    assert sections == ["layanan", "mitra", "autentikasi"]
    for spec in SERVICES:
        card = page.get_element_by_id(f"service-{spec.name}")
        endpoint = f"{PUBLIC_URL}/ws/{spec.name}"
        assert text(card.find("h3")) == spec.name
        assert text(card.find("p")) == " ".join(spec.description.split())
        assert [text(code) for code in card.xpath("./dl//code")] == [endpoint]
        assert [a.get("href") for a in card.xpath("./dl//a")] == [endpoint + "?wsdl"]


def test_every_operation_is_listed_with_its_documentation_and_whether_it_needs_a_login(app, page):
    """The page reads the login flag from each WSDL's binding; security.member_operations is how the
    platform itself decides which operations declare the SessionHeader: they agree."""
    for spec in SERVICES:
        rows = operation_rows(page, spec.name)
        methods = spec.service_class.public_methods
        assert sorted(rows) == sorted(methods), spec.name
        needing = member_operations(spec.service_class)
        for name, method in methods.items():
            login, documentation = rows[name]
            expected = "perlu login (login required)" if name in needing else "publik (no login)"
            assert login == expected, (spec.name, name)
            assert documentation == " ".join((method.doc or "").split()) != "", (spec.name, name)


def test_an_operation_needs_a_login_exactly_when_its_documentation_does_not_say_anyone_may_call(page):
    """Two of the platform's statements about an operation agree: the SessionHeader its WSDL
    declares (what the page shows) and the documentation a tester reads next to it."""
    disagreeing = []
    for spec in SERVICES:
        for name, (login, documentation) in operation_rows(page, spec.name).items():
            if (login == "publik (no login)") != ("anyone may call" in documentation):
                disagreeing.append(f"{spec.name}.{name}: {login}")
    assert disagreeing == []


def test_the_partners_are_grouped_by_kind_each_named(app, page):
    settings = app.platform.settings
    for kind, names in (("bank", BANKS), ("courier", COURIERS), ("sms", {"": "SMS Gateway"}),
                        ("dukcapil", {"": "Ditjen Dukcapil Kemendagri"}), ("oss", {"": "Kementerian Investasi/BKPM"})):
        group = page.get_element_by_id(f"partners-{kind}")
        rows = group.xpath(".//tbody/tr")
        assert [text(row[0]) for row in rows] == list(names.values()), kind
        assert [text(row[1]) for row in rows] == [code or kind for code in names], kind
        assert [row.xpath(".//a/@href")[0] for row in rows] == [
            settings.partner_url(kind, code) + "?wsdl" for code in names], kind
        assert {text(row[2]) for row in rows} == {"sandbox"}  # none configured in these settings
        assert text(group.find("h3")).endswith(f"({len(names)})")
    assert page.xpath("//section[@id='mitra']//tbody/tr/th/text()").count("Bank") == 0


def test_the_version_and_health_are_on_the_page(page):
    version = metadata.version("emall-ws")
    assert f"Versi (version) {version}" in text(page.find(".//header"))
    assert version in text(page.find(".//footer"))
    assert page.xpath("//header//a[@href='/health']") and page.xpath("//footer//a[@href='/health']")


def test_the_authentication_examples_are_on_the_page_and_work_as_they_stand(app, page):
    shown = [element.text_content() for element in page.get_element_by_id("autentikasi").iter("pre")]
    assert shown == [LOGIN_EXAMPLE, SESSION_HEADER_EXAMPLE, WS_SECURITY_EXAMPLE]  # escaped, so read back whole
    create_member(app.platform.db, "budi", password="rahasia123")

    login = call(app, "POST", "/ws/Member", LOGIN_EXAMPLE.encode())
    assert login.status == 200, login.body[:500]
    token = login.xml().findtext(".//{urn:emall-kukm:member}token")
    assert token

    for example in (SESSION_HEADER_EXAMPLE.replace("TOKEN-DARI-Member.login", token), WS_SECURITY_EXAMPLE):
        answer = call(app, "POST", "/ws/Cart", example.encode())
        assert answer.status == 200, answer.body[:500]
        assert answer.xml().find(f"{{{SOAP_ENV}}}Body/{{urn:emall-kukm:cart}}getCartResponse") is not None
    anonymous = etree.fromstring(SESSION_HEADER_EXAMPLE.encode())
    anonymous.find(f"{{{SOAP_ENV}}}Header").clear()
    assert call(app, "POST", "/ws/Cart", etree.tostring(anonymous)).fault()[0] == "Client.Authentication"


def test_the_page_is_accessible_and_self_contained(served, page):
    assert page.get("lang") == "id"
    assert page.findtext(".//title").startswith("Emall KUKM web services")
    levels = [int(heading.tag[1]) for heading in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:], strict=False))  # none skipped
    for table in page.iter("table"):
        assert table.find("caption") is not None and table.xpath(".//thead//th[@scope='col']")
    for fragment in page.xpath("//a[starts-with(@href, '#')]/@href"):
        page.get_element_by_id(fragment[1:])  # every link inside the page has its target
    # one static page: no script, no stylesheet, image or font fetched from anywhere
    assert not page.xpath("//script | //link | //img | //iframe | //*[@src]")
    assert b"url(" not in served and b"@import" not in served


def test_every_value_is_escaped():
    hostile = '<script>alert("x")</script> & "quoted"'
    service = ServiceSummary(hostile, hostile, "http://emall.test/ws/X?a=1&b=<2>", 'http://emall.test/"?wsdl',
                             (Operation(hostile, hostile, True),))
    page = render_index([service], [], sandbox_url="http://sandbox.test", version=hostile)
    assert b"<script>" not in page
    parsed = lxml_html.fromstring(page)
    assert not parsed.xpath("//script")
    card = parsed.xpath("//article")[0]
    assert text(card.find("h3")) == text(card.find("p")) == " ".join(hostile.split())
    assert card.xpath(".//a/@href") == ['http://emall.test/"?wsdl']
    assert text(card.xpath(".//dd/code")[0]) == "http://emall.test/ws/X?a=1&b=<2>"


def test_simulated_payments_are_said_only_when_they_are():
    simulated = render_index([], [], sandbox_url="http://sandbox.test", version="1", payments_simulated=True)
    assert b"payments are simulated" in simulated
    real = render_index([], [], sandbox_url="http://sandbox.test", version="1", payments_simulated=False)
    assert b"simulated" not in real.lower()


def test_the_page_is_built_once_and_opens_without_the_database(settings, tmp_path):
    broken = create_app(settings, Database(f"sqlite:///{tmp_path}"))  # a folder: cannot be opened
    first, second = call(broken, "GET", "/"), call(broken, "GET", "/")
    assert first.status == second.status == 200
    assert first.body == second.body == broken.index_page
    assert b'href="/health"' in first.body  # where to look next


def test_a_header_declared_on_an_operation_is_what_marks_it(settings):
    """The page reads the login flag from the WSDL's binding: an operation whose input declares the
    SessionHeader needs a login, one without does not (here built from a toy service)."""
    from spyne import Application, ServiceBase, Unicode, rpc
    from spyne.interface.wsdl import Wsdl11
    from spyne.protocol.soap import Soap11

    from emall_ws.soap.index_page import operations_of

    class Toy(ServiceBase):
        @rpc(_returns=Unicode, _in_header=(session_header("urn:toy"),))
        def private(ctx):
            """Logged-in members only."""

        @rpc(_returns=Unicode)
        def public(ctx):
            """Anyone may call."""

    application = Application([Toy], tns="urn:toy", in_protocol=Soap11(), out_protocol=Soap11())
    wsdl = Wsdl11(application.interface)
    wsdl.build_interface_document("http://toy.test/ws/Toy")
    assert operations_of(wsdl.get_interface_document()) == (
        Operation("private", "Logged-in members only.", True), Operation("public", "Anyone may call.", False))
