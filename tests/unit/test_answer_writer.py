"""The answer writer (emall_ws/soap/writer.py) writes spyne's bytes: every operation of every service,
answers made from its output message with seeded random values (every member set, none, empty lists,
lists of 0, 1 and 3 items, None items, escaped and non-ASCII text, naive and aware times, big
integers), each compared with spyne's own serialization of the same answer."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from lxml import etree
from spyne import Application, MethodContext
from spyne.model.binary import ByteArray
from spyne.model.complex import Array, ComplexModelBase
from spyne.model.primitive import Boolean, Date, DateTime, Integer, Unicode
from spyne.server import ServerBase

from emall_ws.clock import WIB
from emall_ws.domain.pipelines import InvoiceStatus
from emall_ws.soap.app import SERVICES
from emall_ws.soap.application import PlatformApplication
from emall_ws.soap.catalog import Category
from emall_ws.soap.hardening import HardenedSoap11
from emall_ws.soap.writer import AnswerWriter
from tests.builders import FIXED_FORM, add_category, add_seller, sell
from tests.wsgi_client import call, envelope


class Mixed(str, Enum):  # noqa: UP042 - on purpose: its str() is "Mixed.KOPI", and lxml writes "kopi & teh"
    KOPI = "kopi & teh"


STRINGS = ["", "kopi", "Kopi & Teh <Gayo> \"asli\" 'enak'", "baris\r\nbaru\ttab\n", "Rp 1.000 – kopi ☕ é",
           "]]> &amp; &#13;", "𝄞 \u2028 \x85 \ufffd", " ", "x" * 300, InvoiceStatus.PAID, Mixed.KOPI]
INTEGERS = [0, 1, -7, 2**31, 2**63 - 1, 10**30, -(10**20), True, HTTPStatus.OK]
DATETIMES = [datetime(2026, 11, 28, 3, 0), datetime(2026, 11, 28, 3, 0, 0, 123456),
             datetime(2026, 11, 28, 10, 0, tzinfo=WIB), datetime(2026, 2, 1, 9, 30, 5, 7, tzinfo=WIB),
             datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-3)))]
DATES = [date(2026, 1, 31), date(1999, 12, 31)]
BINARIES = [b"", b"\xef\xbb\xbfnomor;nama\r\n1;Kopi & Teh\r\n", bytes(range(256))]
SEEDS = range(12)


class Answers:
    """Values for an operation's answer, from its output message's model; the seed picks how full."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        # full: every member set, lists of 3; empty: "" and []; hollow: the answer's object with every
        # member None, lists of one None; random: some members None, lists of 0, 1 or 3, some items None
        self.mode = ("full", "empty", "hollow", "random", "random", "random")[seed % 6]

    def message(self, cls) -> list:
        """ctx.out_object: the value of each member of the message (the operation's return value)."""
        return [self.items(member) if member.Attributes.max_occurs > 1 else self.value(member)
                for member in cls._type_info.values()]

    def member(self, cls):
        if self.mode == "hollow" or self.mode == "random" and self.rng.random() < 0.25:
            return None
        return self.items(cls) if cls.Attributes.max_occurs > 1 else self.value(cls)

    def items(self, cls) -> list:
        if self.mode == "hollow":
            return [None]
        count = {"full": 3, "empty": 0}.get(self.mode, self.rng.choice([0, 1, 3]))
        return [None if self.mode == "random" and self.rng.random() < 0.1 else self.value(cls)
                for _ in range(count)]

    def value(self, cls):
        pick = self.rng.choice
        if issubclass(cls, Array):  # Iterable too
            ((_, item),) = cls._type_info.items()
            return self.items(item)
        if issubclass(cls, ComplexModelBase):
            instance = (cls.__orig__ or cls)()
            for name, member in cls._type_info.items():
                setattr(instance, name, self.member(member))
            return instance
        if issubclass(cls, Unicode):
            return "" if self.mode == "empty" else pick(STRINGS)
        if issubclass(cls, Boolean):
            return pick([False, True])
        if issubclass(cls, Integer):  # Long too
            return pick(INTEGERS)
        if issubclass(cls, DateTime):
            return pick(DATETIMES)
        if issubclass(cls, Date):
            return pick(DATES)
        if issubclass(cls, ByteArray):
            return b"" if self.mode == "empty" else pick(BINARIES)
        raise AssertionError(f"no values for {cls}: teach Answers the new type")


@pytest.fixture(scope="module")
def applications() -> dict[str, PlatformApplication]:
    """Every service's spyne application, as the platform builds them (no platform needed to serialize)."""
    return {spec.name: PlatformApplication([spec.service_class], spec.name, platform=None) for spec in SERVICES}


OPERATIONS = [(spec.name, name) for spec in SERVICES for name in spec.service_class.public_methods]


def descriptor_of(app, operation: str):
    return app.interface.service_method_map[f"{{{app.interface.get_tns()}}}{operation}"][0]


def spyne_answer(app, descriptor, out_object) -> bytes:
    """What spyne writes for out_object: its own serialize and create_out_string, as its server runs them."""
    ctx = MethodContext(ServerBase(app), MethodContext.SERVER)
    ctx.descriptor = descriptor
    ctx.out_object = out_object
    app.out_protocol.serialize(ctx, app.out_protocol.RESPONSE)
    app.out_protocol.create_out_string(ctx)
    return b"".join(ctx.out_string)


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
def test_every_answer_is_spynes_byte_for_byte(applications, service, operation):
    app = applications[service]
    descriptor = descriptor_of(app, operation)
    write = app.answer_writer.answers[descriptor]
    samples = [[None], []] + [Answers(seed).message(descriptor.out_message) for seed in SEEDS]
    for out_object in samples:
        written = write(out_object)
        assert written is not None, out_object
        assert written == spyne_answer(app, descriptor, out_object)


def test_a_nil_item_declares_xsi_on_the_envelope(applications):
    """spyne writes a None in a list as an element xsi:nil="true"; xsi is then declared on the Envelope
    with the others, in the interface's order, and only then."""
    app = applications["Catalog"]
    descriptor = descriptor_of(app, "listCategories")
    head = ("<?xml version='1.0' encoding='UTF-8'?>\n<soap11env:Envelope {}"
            'xmlns:soap11env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:emall-kukm:catalog">'
            "<soap11env:Body><tns:listCategoriesResponse><tns:categories>")
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    with_nil = [[None, Category(code="kopi", name="Kopi")]]
    without = [[Category(code="kopi", name="Kopi")]]  # every member given: a required None is written nil
    for out_object in with_nil, without:
        assert app.answer_writer.answers[descriptor](out_object) == spyne_answer(app, descriptor, out_object)
    written = app.answer_writer.answers[descriptor](with_nil).decode()
    assert written.startswith(head.format(xsi) + '<tns:Category xsi:nil="true"/><tns:Category>')
    assert app.answer_writer.answers[descriptor](without).decode().startswith(head.format(""))


def test_every_character_is_written_as_lxml_writes_it(applications):
    """Each character of the BMP and a few beyond: the text lxml writes (raw, or &amp; &lt; &gt; &#13;),
    or the writer declines where lxml refuses it."""
    app = applications["Catalog"]
    write = app.answer_writer.answers[descriptor_of(app, "listCategories")]
    element = etree.Element("name")
    for code in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        text = chr(code)
        written = write([[SimpleNamespace(name=text)]])
        try:
            element.text = text
        except (ValueError, UnicodeEncodeError):
            assert written is None, hex(code)
            continue
        assert written is not None, hex(code)
        by_lxml = etree.tostring(element, encoding="UTF-8")  # <name>...</name>
        assert written.split(b"<tns:name>")[1].split(b"</tns:name>")[0] == by_lxml[6:-7], hex(code)


@pytest.mark.parametrize("text", ["\x00", "a\x0bb", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_a_character_lxml_refuses_leaves_the_answer_to_spyne(applications, text):
    """The writer declines; spyne then fails on it exactly as without the writer."""
    app = applications["Catalog"]
    descriptor = descriptor_of(app, "listCategories")
    out_object = [[SimpleNamespace(code="kopi", name=text)]]
    assert app.answer_writer.answers[descriptor](out_object) is None
    with pytest.raises((ValueError, UnicodeEncodeError)):
        spyne_answer(app, descriptor, out_object)


def test_values_of_other_types_are_left_to_spyne(applications):
    """What spyne turns into an instance or iterates itself (a dict, a generator) is its to write."""
    app = applications["Catalog"]
    categories = descriptor_of(app, "listCategories")
    product = descriptor_of(app, "getProduct")
    answers = app.answer_writer.answers
    assert answers[categories]([iter([])]) is None
    assert answers[product]([{"productId": 1}]) is None
    assert answers[product]([(1, "kopi")]) is None


def test_answers_with_an_out_header_or_already_set_are_left_to_spyne(applications):
    app = applications["Catalog"]
    descriptor = descriptor_of(app, "listCategories")

    def returned(**preset):
        ctx = MethodContext(ServerBase(app), MethodContext.SERVER)
        ctx.descriptor = descriptor
        ctx.out_object = [[Category(code="kopi", name="Kopi")]]
        for name, value in preset.items():
            setattr(ctx, name, value)
        ctx.fire_event("method_return_object")
        return ctx.out_string

    assert returned() == [spyne_answer(app, descriptor, [[Category(code="kopi", name="Kopi")]])]
    assert returned(out_header=Category(code="header")) is None
    assert returned(out_string=[b"replayed"]) == [b"replayed"]


def test_no_operation_is_refused(applications):
    """Every answer of the platform is made of what the writer reproduces: ComplexModel (nested),
    Array and Iterable, repeated members, Unicode, Integer, Long, Boolean, DateTime, Date and
    ByteArray, all in the service's own namespace, none with a default, sub_ns, sub_name or exc."""
    assert {name: app.answer_writer.refused for name, app in applications.items() if app.answer_writer.refused} == {}
    assert sum(len(app.answer_writer.answers) for app in applications.values()) == len(OPERATIONS)


def test_a_protocol_that_changes_spynes_serialization_is_refused():
    class Changed(HardenedSoap11):
        def modelbase_to_parent(self, *args, **kwargs):  # pragma: no cover - never called
            raise NotImplementedError

    spec = SERVICES[0]
    app = Application([spec.service_class], tns="urn:changed", name=spec.name, in_protocol=HardenedSoap11(),
                      out_protocol=Changed())
    writer = AnswerWriter(app)
    assert writer.answers == {}
    assert set(writer.refused) == set(spec.service_class.public_methods)
    assert all("modelbase_to_parent" in why for why in writer.refused.values())


# --- through the WSGI application -------------------------------------------------------------------

CATALOG_NS = "urn:emall-kukm:catalog"


def answers_both_ways(app, body: bytes, monkeypatch) -> tuple:
    """The Catalog answer with the writer, then without it; and how often spyne serialized each time.
    Neither is a kept answer (listCategories keeps its answer per version of the categories)."""
    catalog_app = app.endpoints["Catalog"].app
    monkeypatch.setattr(catalog_app.frozen_answers, "replay", lambda ctx, name, version=None: False)
    writer = catalog_app.answer_writer
    serialized = []
    original = HardenedSoap11.serialize
    monkeypatch.setattr(HardenedSoap11, "serialize",
                        lambda self, ctx, message: serialized.append(ctx.method_name) or original(self, ctx, message))
    written = call(app, "POST", "/ws/Catalog", body)
    spyne_with_writer = len(serialized)
    writer.enabled = False
    try:
        plain = call(app, "POST", "/ws/Catalog", body)
    finally:
        writer.enabled = True
    return written, plain, spyne_with_writer, len(serialized) - spyne_with_writer


def test_catalog_answers_through_wsgi_are_spynes(app, monkeypatch):
    db = app.platform.db
    add_category(db)
    seller = add_seller(db, "koperasi_semarang", "33.74")
    product = sell(db, seller, FIXED_FORM, name="Kopi & Teh <Gayo> – ☕").product_id
    for body in (envelope("listCategories", CATALOG_NS),
                 envelope("getProduct", CATALOG_NS, {"productId": str(product)})):
        written, plain, spyne_with_writer, spyne_without = answers_both_ways(app, body, monkeypatch)
        assert written.status == plain.status == 200
        assert written.body == plain.body
        assert written.headers == plain.headers
        assert (spyne_with_writer, spyne_without) == (0, 1)
    assert "Kopi &amp; Teh &lt;Gayo&gt; – ☕" in written.body.decode()


def test_an_answer_spyne_fails_on_fails_the_same_through_wsgi(app, monkeypatch):
    """A category name with a control character: the writer declines, and the answer is spyne's as
    before. (spyne 2.14 sends a 200 with an Envelope and no Body: lxml's ValueError ends its serialize
    after the Envelope was made, and its error path then sends that Envelope as the fault's document.)"""
    monkeypatch.setattr(app.platform.catalog, "list_categories",
                        lambda: [SimpleNamespace(code="kopi", name="Kopi\x0bGayo")])
    written, plain, spyne_with_writer, _ = answers_both_ways(app, envelope("listCategories", CATALOG_NS), monkeypatch)
    assert (written.status, written.headers, written.body) == (plain.status, plain.headers, plain.body)
    assert spyne_with_writer == 1
